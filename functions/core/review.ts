import type { WorkCalendar } from './calendar.ts';
import type { IsoDate } from './dates.ts';
import { ConflictError } from './errors.ts';
import { refresh, type InstanceRecord, type Review, type ReviewState } from './instance.ts';
import { returnedReportEmail, type EmailContent, type Language, type MessageContext } from './messages.ts';
import { isRetired } from './plan-schema.ts';

/**
 * The committee office's review of reported work (审核), as a state machine on an instance:
 *
 *   open ──report──▶ awaiting ──accept──▶ accepted ──reopen──▶ open (returned)
 *                       │                                         ▲
 *                       └──────────────return─────────────────────┘
 *
 * `return` and `reopen` take the report back: the instance is open again (`completedOn` null), so
 * its status, light and score are judged again from the dates, and its ladder resumes from where it
 * stood. `done` keeps the steps already carried out (nobody is told twice), and the steps whose day
 * passed while the report stood are not sent one by one: the daily follow-up's `stepsDue` carries
 * out only the latest of them (one reminder, or one escalation at the highest rung reached; the
 * rest are recorded as skipped), on its next run, since the instance is back on the due index with
 * its next action on the first step not yet done. A report taken back after the instance's missed
 * day leaves it missed, as any report after that day does.
 */

export type ReviewStage = 'open' | ReviewState;

/** Where an instance stands with review. A report made before reviews existed counts as awaiting one. */
export function reviewStageOf(record: Pick<InstanceRecord, 'completedOn' | 'review'>): ReviewStage {
  if (record.completedOn === null) return record.review === 'returned' ? 'returned' : 'open';
  return record.review === 'accepted' ? 'accepted' : 'awaiting';
}

const stageWords: Record<ReviewStage, string> = {
  open: 'open (no report to review)',
  awaiting: 'reported and awaiting review',
  accepted: 'accepted',
  returned: 'open again (its report was returned or reopened)',
};

export interface Reviewer {
  /** The reviewer's `sub`. */
  by: string;
  /** The day of the review (Asia/Shanghai). */
  on: IsoDate;
}

function conflict(record: InstanceRecord, action: string, allowed: ReviewStage): ConflictError {
  const stage = reviewStageOf(record);
  return new ConflictError(`instance ${record.id} is ${stageWords[stage]}: only an instance ${stageWords[allowed]} can be ${action}`, {
    current: { id: record.id, version: record.version, review: stage, completedOn: record.completedOn },
  });
}

function lastReport(record: InstanceRecord): number {
  return record.reports.at(-1)?.n ?? 0;
}

function withReview(record: InstanceRecord, review: Review): Review[] {
  return [...(record.reviews ?? []), review];
}

/** Accepts the report awaiting review; the instance stays done on the day it was reported. */
export function accept(record: InstanceRecord, reviewer: Reviewer): InstanceRecord {
  if (reviewStageOf(record) !== 'awaiting') throw conflict(record, 'accepted', 'awaiting');
  return refresh({ ...record, review: 'accepted', reviews: withReview(record, { report: lastReport(record), outcome: 'accepted', on: reviewer.on, by: reviewer.by }) }, reviewer.on);
}

/** The instance open again on `on`: no completion, status, light and next action judged from the dates. */
function reopened(record: InstanceRecord, review: Review, on: IsoDate): InstanceRecord {
  return refresh({ ...record, completedOn: null, review: 'returned', reviews: withReview(record, review) }, on);
}

/** Returns the report awaiting review, with the reason: the instance is open again. */
export function returnReport(record: InstanceRecord, reviewer: Reviewer, reason: string): InstanceRecord {
  if (reviewStageOf(record) !== 'awaiting') throw conflict(record, 'returned', 'awaiting');
  return reopened(record, { report: lastReport(record), outcome: 'returned', on: reviewer.on, by: reviewer.by, reason }, reviewer.on);
}

/** Reopens an accepted instance, with the reason: open again, as after a return. */
export function reopen(record: InstanceRecord, reviewer: Reviewer, reason: string): InstanceRecord {
  if (reviewStageOf(record) !== 'accepted') throw conflict(record, 'reopened', 'accepted');
  return reopened(record, { report: lastReport(record), outcome: 'reopened', on: reviewer.on, by: reviewer.by, reason }, reviewer.on);
}

export interface ReviewMail {
  to: string;
  language: Language;
  content: EmailContent;
}

export interface ReviewNotice {
  /**
   * `returned#<instance id>#<n>` or `reopened#…`, n the number of reviews the instance now has:
   * with the day and the recipient, the mail's key in the outbox, so that no retry makes a second.
   */
  purpose: string;
  mails: ReviewMail[];
}

/**
 * Who is told that a report was returned or accepted work reopened, and what: every contact of the
 * owning unit, once per address, in its own language. Nobody when the unit has no contact, is
 * retired, or is no longer in the plan. `record` is the instance as the return or reopen left it;
 * `ctx.today` the day of the review.
 */
export function reviewNotice(ctx: MessageContext, record: InstanceRecord, calendar: WorkCalendar): ReviewNotice {
  const review = record.reviews?.at(-1);
  if (!review || review.outcome === 'accepted') throw new Error(`instance ${record.id}: its last review is not a return or a reopen`);
  const purpose = `${review.outcome}#${record.id}#${record.reviews?.length ?? 0}`;
  const unit = ctx.plan.units.find((u) => u.id === record.owner);
  if (!unit || isRetired(unit)) return { purpose, mails: [] };
  const mails = new Map<string, ReviewMail>();
  for (const contact of unit.contacts) {
    if (mails.has(contact.email)) continue;
    mails.set(contact.email, { to: contact.email, language: contact.language, content: returnedReportEmail(ctx, record, contact.language, calendar) });
  }
  return { purpose, mails: [...mails.values()] };
}
