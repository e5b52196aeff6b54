/**
 * EventBridge Scheduler expressions, evaluated on an injected window of time. Pure: no clock.
 *
 * Supported: `cron(minutes hours day-of-month month day-of-week year)` with `*`, `?`, single values,
 * lists (`1,4,7`), ranges (`20-31`), increments (`0/15`, `*\/5`, `1-31/2`) and month/day names
 * (JAN…DEC, SUN…SAT; day-of-week 1 = Sunday, as in EventBridge); `at(yyyy-mm-ddThh:mm:ss)`.
 * Refused with a clear error: `L`, `W`, `#`, `rate(...)` (relative to when the schedule was
 * created, which a replay has no notion of), and time zones other than fixed-offset ones.
 */

export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

/** Fixed-offset zones only: China has had no daylight saving time since 1991. */
const ZONE_OFFSET_MINUTES: Record<string, number> = {
  'Asia/Shanghai': 480,
  'Asia/Chongqing': 480,
  'Asia/Chungking': 480,
  'Asia/Harbin': 480,
  PRC: 480,
  UTC: 0,
  'Etc/UTC': 0,
  GMT: 0,
  'Etc/GMT': 0,
};

export function utcOffsetMinutes(timezone: string): number {
  const offset = ZONE_OFFSET_MINUTES[timezone];
  if (offset === undefined) {
    throw new CronError(`time zone '${timezone}' is not supported locally (supported: ${Object.keys(ZONE_OFFSET_MINUTES).join(', ')})`);
  }
  return offset;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 1, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
  { name: 'year', min: 1970, max: 2199 },
];

/** A parsed cron: each field is the set of allowed values, or `any` for `?`. */
export interface Cron {
  expression: string;
  minutes: number[];
  hours: number[];
  daysOfMonth: Set<number> | 'any';
  months: Set<number>;
  /** 1 = Sunday … 7 = Saturday. */
  daysOfWeek: Set<number> | 'any';
  years: Set<number>;
}

export type ScheduleExpression = { kind: 'cron'; cron: Cron } | { kind: 'at'; expression: string; local: { year: number; month: number; day: number; hour: number; minute: number; second: number } };

function parseValue(text: string, field: FieldSpec, expression: string): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + field.min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < field.min || value > field.max) {
    throw new CronError(`${expression}: ${field.name} value '${text}' is not supported (expected ${field.min}-${field.max}${field.names ? ` or ${field.names[0]}…${field.names[field.names.length - 1]}` : ''})`);
  }
  return value;
}

function parseField(text: string, field: FieldSpec, expression: string): Set<number> | 'any' {
  if (text === '?') {
    if (field.name !== 'day-of-month' && field.name !== 'day-of-week') throw new CronError(`${expression}: '?' is only allowed in day-of-month or day-of-week`);
    return 'any';
  }
  if (/[LW#]/i.test(text.replace(/[A-Z]{3}/gi, (m) => (field.names?.includes(m.toUpperCase()) ? '' : m)))) {
    throw new CronError(`${expression}: ${field.name} '${text}' uses L, W or #, which the local runtime does not support`);
  }
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(`${expression}: ${field.name} increment '${part}' is not valid`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = field.min;
      to = field.max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      from = parseValue(a, field, expression);
      to = parseValue(b, field, expression);
      if (to < from) throw new CronError(`${expression}: ${field.name} range '${range}' runs backwards (wrap-around ranges are not supported locally)`);
    } else {
      from = parseValue(range, field, expression);
      to = stepText === undefined ? from : field.max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export function parseCron(expression: string): Cron {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match) throw new CronError(`'${expression}' is not a cron(...) expression`);
  const parts = (match[1] ?? '').trim().split(/\s+/);
  if (parts.length !== 6) throw new CronError(`${expression}: expected 6 fields (minutes hours day-of-month month day-of-week year), got ${parts.length}`);
  const fields = parts.map((p, i) => parseField(p, FIELDS[i] as FieldSpec, expression));
  const [minutes, hours, daysOfMonth, months, daysOfWeek, years] = fields as [Set<number>, Set<number>, Set<number> | 'any', Set<number>, Set<number> | 'any', Set<number>];
  for (const [i, value] of fields.entries()) {
    if (value === 'any' && i !== 2 && i !== 4) throw new CronError(`${expression}: '?' not allowed in ${FIELDS[i]?.name}`);
  }
  if ((daysOfMonth === 'any') === (daysOfWeek === 'any')) {
    throw new CronError(`${expression}: exactly one of day-of-month and day-of-week must be '?'`);
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { expression, minutes: sorted(minutes), hours: sorted(hours), daysOfMonth, months, daysOfWeek, years };
}

export function parseScheduleExpression(expression: string): ScheduleExpression {
  const text = expression.trim();
  if (text.startsWith('cron(')) return { kind: 'cron', cron: parseCron(text) };
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(text);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [number, number, number, number, number, number];
    return { kind: 'at', expression: text, local: { year, month, day, hour, minute, second } };
  }
  if (text.startsWith('rate(')) {
    throw new CronError(`${expression}: rate() schedules count from when the schedule was created, which a local replay cannot know; use cron()`);
  }
  throw new CronError(`'${expression}' is not a schedule expression the local runtime supports (cron(...) or at(...))`);
}

const DAY_MS = 86_400_000;

/**
 * The instants at which the expression fires in [from, to): `from` inclusive, `to` exclusive, in
 * time order. Fields are matched against the wall-clock time of `timezone`.
 */
export function fireTimes(expression: string | ScheduleExpression, window: { from: Date; to: Date }, timezone = 'UTC'): Date[] {
  const parsed = typeof expression === 'string' ? parseScheduleExpression(expression) : expression;
  const offsetMs = utcOffsetMinutes(timezone) * 60_000;
  const from = window.from.getTime();
  const to = window.to.getTime();
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new CronError('the window bounds must be valid instants');
  if (to <= from) return [];
  if (parsed.kind === 'at') {
    const l = parsed.local;
    const t = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - offsetMs;
    return t >= from && t < to ? [new Date(t)] : [];
  }
  const cron = parsed.cron;
  const out: Date[] = [];
  // Walk the local calendar days that the window touches.
  const firstDay = Math.floor((from + offsetMs) / DAY_MS);
  const lastDay = Math.floor((to - 1 + offsetMs) / DAY_MS);
  for (let day = firstDay; day <= lastDay; day++) {
    const date = new Date(day * DAY_MS);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    if (!cron.years.has(year) || !cron.months.has(month)) continue;
    if (cron.daysOfMonth !== 'any' && !cron.daysOfMonth.has(date.getUTCDate())) continue;
    if (cron.daysOfWeek !== 'any' && !cron.daysOfWeek.has(date.getUTCDay() + 1)) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const t = day * DAY_MS + hour * 3_600_000 + minute * 60_000 - offsetMs;
        if (t >= from && t < to) out.push(new Date(t));
      }
    }
  }
  return out;
}

/** `2022-05-01T22:00:00Z`: the form EventBridge Scheduler substitutes for `<aws.scheduler.scheduled-time>`. */
export function schedulerTime(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
