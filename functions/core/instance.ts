import type { WorkCalendar } from './calendar.ts';
import type { IsoDate } from './dates.ts';
import { instanceId } from './ids.ts';
import { ladderSteps, lightOf, nextActionOn, rungRecipients, statusOf, type InstanceStatus, type LadderStep, type Light, type RungRecipients } from './ladder.ts';
import type { Duty, Ladder, Plan, Target, Unit } from './plan-schema.ts';
import { ladderOf, type Schedule } from './schedule.ts';

/**
 * A duty instance as it is stored: one duty, one owner, one period. It carries a snapshot of the
 * rules it is judged by (dates, ladder, weight), so that editing the plan never rewrites history.
 */
export interface InstanceRecord extends Omit<Schedule, 'period'> {
  id: string;
  town: string;
  planId: string;
  planVersion: string;
  dutyId: string;
  clause: string;
  title: { zh: string; en: string };
  owner: string;
  periodId: string;
  cadence: Duty['cadence'];
  notify: RungRecipients;
  evidence: Duty['evidence'];
  target?: Target;
  weight: number;
  completedOn: IsoDate | null;
  reports: WorkReport[];
  /** Keys of ladder steps carried out or skipped. */
  done: string[];
  escalations: Escalation[];
  /**
   * Where the latest report stands with the committee office: `awaiting` review, `accepted`, or
   * `returned` (the instance is open again). Absent until the first report.
   */
  review?: ReviewState;
  /** Every accept, return and reopen, oldest first. */
  reviews?: Review[];
  status: InstanceStatus;
  light: Light;
  nextActionOn: IsoDate | null;
  /** Set while the instance's duty is paused (the day it was paused): it sends nothing, so it has no next action. */
  pausedOn?: IsoDate;
  version: number;
}

export interface Escalation {
  level: 1 | 2 | 3;
  on: IsoDate;
  /** Addresses the escalation was sent to. */
  to: string[];
}

export interface WorkReport {
  n: number;
  on: IsoDate;
  note: string;
  evidence: { kind: string; name: string; url?: string }[];
  figure?: number;
}

export type ReviewState = 'awaiting' | 'accepted' | 'returned';

export interface Review {
  /** The report reviewed (its `n`), or for a reopen the report that had been accepted. */
  report: number;
  outcome: 'accepted' | 'returned' | 'reopened';
  on: IsoDate;
  /** The reviewer's `sub`. */
  by: string;
  reason?: string;
}

/** The dates of a schedule as an instance keeps them (its period goes by id): opening, due, reminders, ladder, and `adjusted` when set. */
export function scheduleDates(schedule: Schedule): Omit<Schedule, 'period'> {
  return {
    opensOn: schedule.opensOn,
    dueOn: schedule.dueOn,
    reminders: schedule.reminders,
    yellowOn: schedule.yellowOn,
    redOn: schedule.redOn,
    warningTalkOn: schedule.warningTalkOn,
    missedOn: schedule.missedOn,
    ...(schedule.adjusted ? { adjusted: schedule.adjusted } : {}),
  };
}

export function newInstance(plan: Plan, planVersion: string, duty: Duty, owner: Unit, schedule: Schedule): InstanceRecord {
  const ladder: Ladder = ladderOf(plan, duty);
  const record: InstanceRecord = {
    id: instanceId({ town: plan.town.id, duty: duty.id, owner: owner.id, period: schedule.period.id }),
    town: plan.town.id,
    planId: plan.id,
    planVersion,
    dutyId: duty.id,
    clause: duty.clause,
    title: duty.title,
    owner: owner.id,
    periodId: schedule.period.id,
    cadence: duty.cadence,
    ...scheduleDates(schedule),
    notify: rungRecipients(ladder),
    evidence: duty.evidence,
    ...(duty.target ? { target: duty.target } : {}),
    weight: duty.weight,
    completedOn: null,
    reports: [],
    done: [],
    escalations: [],
    status: 'open',
    light: 'green',
    nextActionOn: schedule.opensOn,
    version: 0,
  };
  return record;
}

/**
 * What a list shows of an instance, where it stands now: its duty, owner, period, dates, status,
 * light, review, escalations, next action and version. `GET /instances` adds its town, cadence and
 * number of reports; `GET /instances/{id}` gives the whole record.
 */
export function instanceSummary(record: InstanceRecord) {
  return {
    id: record.id,
    dutyId: record.dutyId,
    clause: record.clause,
    title: record.title,
    owner: record.owner,
    periodId: record.periodId,
    opensOn: record.opensOn,
    dueOn: record.dueOn,
    completedOn: record.completedOn,
    status: record.status,
    light: record.light,
    review: record.review ?? null,
    escalations: record.escalations,
    nextActionOn: record.nextActionOn,
    version: record.version,
  };
}

/** The instance's ladder, rebuilt from its own snapshot rather than from the current plan. */
export function stepsOf(record: InstanceRecord): LadderStep[] {
  return ladderSteps(record, record.notify);
}

/** Status, light and next action recomputed for a day; everything derived, nothing kept by hand. */
export function refresh(record: InstanceRecord, today: IsoDate): InstanceRecord {
  return {
    ...record,
    status: statusOf(record, record, today),
    light: lightOf(record, record, today),
    nextActionOn: record.pausedOn === undefined ? nextActionOn(stepsOf(record), record) : null,
  };
}

/** Whether a day is one on which the town's follow-up may send anything. */
export function isSendingDay(calendar: WorkCalendar, day: IsoDate): boolean {
  return calendar.isWorkday(day);
}
