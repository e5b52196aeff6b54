import ical, { ICalAlarmType, ICalCalendarMethod, ICalEventTransparency } from 'ical-generator';
import { addDays, localDate, type IsoDate } from './dates.ts';
import { escalationsText, evidenceKindsText, lightLabel, periodLabel, statusLabel, targetText } from './duty-labels.ts';
import type { InstanceRecord } from './instance.ts';
import { clauseLabel, unitName } from './messages.ts';
import type { Plan } from './plan-schema.ts';

/**
 * A unit's duties as an iCalendar feed (RFC 5545) that Outlook, Apple Calendar or a phone subscribes
 * to: one all-day event per instance on its due date, titled `【消防】<duty> 截止`, whose description
 * says the clause, the period, what evidence to submit, the target and where the instance stands.
 *
 * What a unit's staff see, and why:
 * - **the due date only**, not the opening day: the opening notice arrives by email the day a duty
 *   opens, and a second event per duty would double a calendar that a village office shares with
 *   its other work. The description says when the duty opened.
 * - **open instances, and the last 92 days**: every instance still open (whatever its due date), and
 *   any other whose due date is at most 92 days back, so that last quarter's reported work stays
 *   visible and the feed does not grow for ever. Instances only exist once their period opens, so
 *   the feed never runs ahead of the schedule.
 * - **reminders as alarms**: an open instance carries an alarm at 09:00 (China time) on each of its
 *   ladder's reminder days still to come, the days the reminder emails go out. Apple Calendar and
 *   phones honour alarms of a subscribed calendar; Outlook and Google ignore them.
 * - **stable identities**: the UID is the instance id (`<id>@fireplan`), SEQUENCE its version, so a
 *   changed due date or status replaces the event instead of adding one. Events are transparent
 *   (a deadline does not make anyone busy).
 *
 * Dates: all-day events are floating dates (`DTSTART;VALUE=DATE`), the same calendar day wherever
 * the phone is; X-WR-TIMEZONE names Asia/Shanghai for clients that want one. ical-generator is given
 * no time zone on purpose: with one it would format dates with the process's local time (its
 * documented behaviour for plain Date values), and a Lambda runs in UTC.
 */

export interface FeedInput {
  plan: Plan;
  unit: string;
  records: readonly InstanceRecord[];
  /** The request's instant: "today" and DTSTAMP come from it, never from the system clock. */
  at: Date;
}

/** How far back reported or missed instances stay in the feed. */
export const FEED_HISTORY_DAYS = 92;
/** How often a subscribed client is asked to fetch the feed again (REFRESH-INTERVAL, X-PUBLISHED-TTL). */
export const FEED_REFRESH_SECONDS = 3 * 60 * 60;
/** At most this many events, the nearest due dates first: a feed is read by phones. */
export const FEED_MAX_EVENTS = 500;
/** The hour (China time) of a reminder's alarm. */
const ALARM_HOUR_UTC = 1; // 09:00 in Asia/Shanghai (UTC+8, no daylight saving)

export const FEED_MEDIA_TYPE = 'text/calendar; charset=utf-8';

export function feedUid(record: Pick<InstanceRecord, 'id'>): string {
  return `${record.id}@fireplan`;
}

function utcDay(date: IsoDate): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d));
}

/** The instances a feed shows on `today` (see the module comment). */
export function feedRecords(records: readonly InstanceRecord[], today: IsoDate): InstanceRecord[] {
  const since = addDays(today, -FEED_HISTORY_DAYS);
  const shown = records.filter((r) => (r.completedOn === null && r.status === 'open') || r.dueOn >= since);
  // Nearest due dates first when there are too many, then in due-date order.
  const distance = (r: InstanceRecord) => Math.abs(utcDay(r.dueOn).getTime() - utcDay(today).getTime());
  return [...shown]
    .sort((a, b) => distance(a) - distance(b) || a.id.localeCompare(b.id))
    .slice(0, FEED_MAX_EVENTS)
    .sort((a, b) => a.dueOn.localeCompare(b.dueOn) || a.id.localeCompare(b.id));
}

/** `【消防】每月分析行业消防安全形势 截止`, with where it stands once that is more than "due then". */
export function feedSummary(record: InstanceRecord, today: IsoDate): string {
  const base = `【消防】${record.title.zh} 截止`;
  if (record.completedOn !== null) return `${base}（已报送）`;
  if (record.status === 'missed') return `${base}（未完成）`;
  if (record.dueOn < today) return `${base}（已逾期）`;
  return base;
}

export function feedDescription(plan: Plan, record: InstanceRecord): string {
  const lines = [
    `条款：${clauseLabel(record.clause)}`,
    `工作事项：${record.title.zh}`,
    `责任单位：${unitName(plan, record.owner)}`,
    `周期：${periodLabel(record, plan)}`,
    `开始日期：${record.opensOn}`,
    `截止日期：${record.dueOn}`,
    `应报材料：${evidenceKindsText(record.evidence)}`,
  ];
  const target = targetText(record);
  if (target) lines.push(`目标：${target}`);
  lines.push(`状态：${statusLabel[record.status] ?? record.status}（${lightLabel[record.light] ?? record.light}灯）`);
  if (record.completedOn !== null) lines.push(`报送日期：${record.completedOn}`);
  const escalations = escalationsText(record);
  if (escalations) lines.push(`督办记录：${escalations}`);
  lines.push(`实例编号：${record.id}`);
  return lines.join('\n');
}

export function feedName(plan: Plan, unit: string): string {
  return `${plan.town.name}消防工作 · ${unitName(plan, unit)}`;
}

/** The feed as iCalendar text. */
export function calendarFeed(input: FeedInput): string {
  const { plan, unit, at } = input;
  const today = localDate(at, plan.timeZone);
  const calendar = ical({
    prodId: { company: 'Fireplan', product: 'duty-calendar', language: 'ZH' },
    name: feedName(plan, unit),
    description: `${plan.title.zh}（${plan.document.number}）· ${unitName(plan, unit)}的工作事项与截止日期`,
    method: ICalCalendarMethod.PUBLISH,
    ttl: FEED_REFRESH_SECONDS,
    x: [{ key: 'X-WR-TIMEZONE', value: plan.timeZone }],
  });
  for (const record of feedRecords(input.records, today)) {
    const open = record.completedOn === null && record.status === 'open';
    calendar.createEvent({
      id: feedUid(record),
      sequence: record.version,
      stamp: at,
      allDay: true,
      start: utcDay(record.dueOn),
      end: utcDay(addDays(record.dueOn, 1)),
      summary: feedSummary(record, today),
      description: feedDescription(plan, record),
      transparency: ICalEventTransparency.TRANSPARENT,
      categories: [{ name: '消防' }],
      alarms: open
        ? record.reminders
            .filter((day) => day >= today)
            .map((day) => {
              const trigger = utcDay(day);
              trigger.setUTCHours(ALARM_HOUR_UTC);
              return { type: ICalAlarmType.display, trigger, description: `${record.title.zh}：请于${record.dueOn}前完成并报送` };
            })
        : [],
    });
  }
  return calendar.toString();
}
