import type { IsoDate } from './dates.ts';
import type { Ladder, Recipient } from './plan-schema.ts';
import type { Schedule } from './schedule.ts';

/**
 * The escalation ladder as a pure function of a duty's schedule, an instance's state and a date:
 * the opening notice, reminders before the due date, then 黄灯督办 (yellow), 红灯通报 (red, 三(三)'s
 * 通报批评) and 警示约谈 (warning talk) after it, and the day it counts as missed.
 */

export type StepKind = 'notice' | 'reminder' | 'yellow' | 'red' | 'warning-talk' | 'missed';

export interface LadderStep {
  /** Unique within an instance: what the sent-record and the email idempotency key are built from. */
  key: string;
  kind: StepKind;
  on: IsoDate;
  /** 0 for notices and reminders; 1 yellow, 2 red, 3 warning talk (the `level` of summary.json escalations). */
  level: 0 | 1 | 2 | 3;
  /** Who is told; empty for `missed`, which changes the record but sends nothing. */
  notify: Recipient[];
}

export interface InstanceProgress {
  /** The day the owner reported the work done (and it was not returned); null while open. */
  completedOn: IsoDate | null;
  /** Keys of the steps already carried out (or deliberately skipped). */
  done: readonly string[];
}

/** Who each rung of a ladder tells. */
export interface RungRecipients {
  yellow: Recipient[];
  red: Recipient[];
  warningTalk: Recipient[];
}

export function rungRecipients(ladder: Ladder): RungRecipients {
  return { yellow: ladder.yellow.notify, red: ladder.red.notify, warningTalk: ladder.warningTalk.notify };
}

export type StepDates = Pick<Schedule, 'opensOn' | 'reminders' | 'yellowOn' | 'redOn' | 'warningTalkOn' | 'missedOn'>;

export function ladderSteps(schedule: StepDates, notify: RungRecipients): LadderStep[] {
  return [
    { key: 'notice', kind: 'notice', on: schedule.opensOn, level: 0, notify: ['owner'] },
    ...schedule.reminders.map((on): LadderStep => ({ key: `reminder:${on}`, kind: 'reminder', on, level: 0, notify: ['owner'] })),
    { key: 'yellow', kind: 'yellow', on: schedule.yellowOn, level: 1, notify: notify.yellow },
    { key: 'red', kind: 'red', on: schedule.redOn, level: 2, notify: notify.red },
    { key: 'warning-talk', kind: 'warning-talk', on: schedule.warningTalkOn, level: 3, notify: notify.warningTalk },
    { key: 'missed', kind: 'missed', on: schedule.missedOn, level: 0, notify: [] },
  ];
}

export interface DueSteps {
  /** What to carry out today, in ladder order. */
  act: LadderStep[];
  /** Steps whose day has passed but that a later step makes pointless (a follow-up that missed days catches up with one message, not a burst). Record them as done without sending. */
  skip: LadderStep[];
}

function isReminderLike(step: LadderStep): boolean {
  return step.kind === 'notice' || step.kind === 'reminder';
}

/**
 * The steps due on `today` for an instance. Nothing once the work is reported. When several steps
 * of the same sort are overdue (the follow-up did not run for some days), only the latest of them
 * is carried out: one reminder, one escalation at the highest rung reached.
 */
export function stepsDue(steps: readonly LadderStep[], progress: InstanceProgress, today: IsoDate): DueSteps {
  if (progress.completedOn !== null && progress.completedOn <= today) return { act: [], skip: [] };
  const pending = steps.filter((s) => s.on <= today && !progress.done.includes(s.key));
  const act: LadderStep[] = [];
  const skip: LadderStep[] = [];
  const escalations = pending.filter((s) => s.level > 0);
  const highestEscalation = escalations.at(-1);
  const notice = pending.find((s) => s.kind === 'notice');
  const lastReminder = pending.filter((s) => s.kind === 'reminder').at(-1);
  for (const step of pending) {
    if (step.kind === 'missed') act.push(step);
    else if (step.level > 0) (step === highestEscalation ? act : skip).push(step);
    else if (step.kind === 'notice') act.push(step);
    // A reminder is pointless once an escalation is due, or when it would arrive with the notice itself.
    else if (isReminderLike(step)) (step === lastReminder && highestEscalation === undefined && notice === undefined ? act : skip).push(step);
  }
  return { act, skip };
}

/** The next day something happens to this instance; null when nothing more will (reported, or every step done). */
export function nextActionOn(steps: readonly LadderStep[], progress: InstanceProgress): IsoDate | null {
  if (progress.completedOn !== null) return null;
  const next = steps.find((s) => !progress.done.includes(s.key));
  return next ? next.on : null;
}

export type Light = 'green' | 'yellow' | 'red';
export type InstanceStatus = 'on_time' | 'late' | 'missed' | 'open';

function completedBy(progress: Pick<InstanceProgress, 'completedOn'>, today: IsoDate): IsoDate | null {
  return progress.completedOn !== null && progress.completedOn <= today ? progress.completedOn : null;
}

/**
 * 红黄绿灯: green while on track or once reported; yellow from the first reminder (due soon) until
 * the red rung (just overdue); red from the red rung on.
 */
export function lightOf(schedule: Pick<Schedule, 'reminders' | 'dueOn' | 'redOn'>, progress: Pick<InstanceProgress, 'completedOn'>, today: IsoDate): Light {
  if (completedBy(progress, today) !== null) return 'green';
  if (today >= schedule.redOn) return 'red';
  const dueSoonFrom = schedule.reminders[0] ?? schedule.dueOn;
  return today >= dueSoonFrom ? 'yellow' : 'green';
}

/**
 * on_time: reported by the due date; late: reported before it counted as missed; missed: not
 * reported by the missed day (a report after that is kept, but the instance stays missed); open otherwise.
 */
export function statusOf(schedule: Pick<Schedule, 'dueOn' | 'missedOn'>, progress: Pick<InstanceProgress, 'completedOn'>, today: IsoDate): InstanceStatus {
  const completedOn = completedBy(progress, today);
  if (completedOn !== null) {
    if (completedOn <= schedule.dueOn) return 'on_time';
    return completedOn < schedule.missedOn ? 'late' : 'missed';
  }
  return today >= schedule.missedOn ? 'missed' : 'open';
}
