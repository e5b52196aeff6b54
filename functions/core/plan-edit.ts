import { CalendarError, ConflictError, FireplanError, InvalidInputError, NotFoundError } from './errors.ts';
import type { WorkCalendar } from './calendar.ts';
import type { IsoDate } from './dates.ts';
import { instanceId } from './ids.ts';
import { newInstance, refresh, scheduleDates, stepsOf, type InstanceRecord } from './instance.ts';
import { rungRecipients, type RungRecipients } from './ladder.ts';
import { isRecurring, keyDatePeriod, parsePeriodId, periodContaining, type Period } from './periods.ts';
import { zodProblems } from './plan-parse.ts';
import { isRetired, planSchema, type Duty, type KeyDate, type Plan, type Target, type Unit } from './plan-schema.ts';
import { eventPeriod, ladderOf, periodsOf, planCalendar, resolveOwners, scheduleFor, scheduleProblems, type Schedule } from './schedule.ts';

/**
 * Editing the active plan through the API, without I/O: every edit is the active plan with one
 * change, checked again as a whole, and what that change does to the open instances of the town.
 * The adapter (functions/adapters/plan-store.ts) stores the result as a new plan version and
 * activates it in one transaction with the audit entry and the instances' new state.
 *
 * - Item versions: each duty, unit, calendar override and key date has a version, the town's plan
 *   revision at which it last changed (0 for an item as it was seeded). An edit names the version
 *   it was made from; another one is answered 409 with the item as it now is.
 * - History is never rewritten: a closed instance (reported, or missed) keeps the rules it was
 *   judged by. An open instance whose rules the change touches gets the new rules for its period.
 */

// ---- item versions ----

export type ItemKind = 'duty' | 'unit' | 'override' | 'key-date';

/** Versions by item key (`duty:<id>`, `unit:<id>`, `override:<date>`, `key-date:<id>`); an item not named is at version 0. */
export type ItemVersions = Readonly<Record<string, number>>;

export function itemKey(kind: ItemKind, id: string): string {
  return `${kind}:${id}`;
}

export function versionOf(versions: ItemVersions, kind: ItemKind, id: string): number {
  return versions[itemKey(kind, id)] ?? 0;
}

type Override = Plan['calendar']['overrides'][number];

/** Every versioned item of a plan by its key. */
export function planItems(plan: Plan): Map<string, unknown> {
  const items = new Map<string, unknown>();
  for (const duty of plan.duties) items.set(itemKey('duty', duty.id), duty);
  for (const unit of plan.units) items.set(itemKey('unit', unit.id), unit);
  for (const override of plan.calendar.overrides) items.set(itemKey('override', override.date), override);
  for (const keyDate of plan.calendar.keyDates) items.set(itemKey('key-date', keyDate.id), keyDate);
  return items;
}

/**
 * The item versions once `after` replaces `before` at `revision`: an item that is new or differs
 * takes the revision, an unchanged one keeps its version, a removed one is dropped (added again
 * later, it starts at the revision it comes back at). Items at version 0 are not listed.
 */
export function versionsAfter(before: Plan, after: Plan, versions: ItemVersions, revision: number): Record<string, number> {
  const old = planItems(before);
  const next: Record<string, number> = {};
  for (const [key, item] of planItems(after)) {
    const previous = old.get(key);
    const version = previous !== undefined && canonical(previous) === canonical(item) ? (versions[key] ?? 0) : revision;
    if (version !== 0) next[key] = version;
  }
  return next;
}

/** An item as the API shows it: its fields and its version. */
export function withVersion<T extends object>(item: T, version: number): T & { version: number } {
  return { ...item, version };
}

/**
 * 409 unless the edit was made from the item's current version. `current` is the item as it is
 * now (undefined when there is none): an edit that names a version of an item that no longer
 * exists, or that adds (no version) an item that exists, is refused the same way.
 */
export function requireVersion(kind: ItemKind, id: string, versions: ItemVersions, given: number | undefined, current: object | undefined): void {
  const label = `${kind} ${id}`;
  if (current === undefined) {
    if (given !== undefined) throw new ConflictError(`${label} no longer exists (it was removed after version ${given})`, { current: null });
    return;
  }
  const version = versionOf(versions, kind, id);
  if (given === undefined) throw new ConflictError(`${label} exists already (version ${version}): send its version to replace it`, { current: withVersion(current, version) });
  if (given !== version) throw new ConflictError(`${label} changed since version ${given}: it is at version ${version}`, { current: withVersion(current, version) });
}

// ---- checking a changed plan ----

/**
 * The changed plan, checked as `fireplan plan check` checks a file: the schema with its cross
 * references (an owner must exist and not be retired …) and the schedule (nothing falls due before
 * it opens). 400 with every problem, by its path in the plan.
 */
export function checkPlan(candidate: unknown, subject = 'the plan after this change'): Plan {
  const result = planSchema.safeParse(candidate);
  if (!result.success) throw new InvalidInputError(subject, zodProblems(result.error));
  let problems;
  try {
    problems = scheduleProblems(result.data);
  } catch (error) {
    if (error instanceof CalendarError) throw new InvalidInputError(subject, [{ path: '', message: error.message }]);
    throw error;
  }
  if (problems.length > 0) throw new InvalidInputError(subject, problems);
  return result.data;
}

/** An edit of one item: the plan after it, and the item before and after (null where there is none). */
export interface ItemEdit<T> {
  plan: Plan;
  before: T | null;
  after: T | null;
}

function findDuty(plan: Plan, id: string): Duty {
  const duty = plan.duties.find((d) => d.id === id);
  if (!duty) throw new NotFoundError(`no duty ${id} in the active plan`);
  return duty;
}

function findUnit(plan: Plan, id: string): Unit {
  const unit = plan.units.find((u) => u.id === id);
  if (!unit) throw new NotFoundError(`no unit ${id} in the active plan`);
  return unit;
}

function replaceDuty(plan: Plan, duty: Duty): unknown {
  return { ...plan, duties: plan.duties.map((d) => (d.id === duty.id ? duty : d)) };
}

function replaceUnit(plan: Plan, unit: Unit): unknown {
  return { ...plan, units: plan.units.map((u) => (u.id === unit.id ? unit : u)) };
}

/** Fields given (not undefined) replace the item's; a null removes the field. */
function merge<T extends object>(item: T, changes: Record<string, unknown>): T {
  const next: Record<string, unknown> = { ...(item as Record<string, unknown>) };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next as T;
}

// ---- duties ----

/** What an admin may change of a duty (the route's body without its version and reason). */
export interface DutyChanges {
  owners?: Duty['owners'];
  cadence?: Duty['cadence'];
  opens?: Duty['opens'];
  due?: Duty['due'];
  reminders?: number[];
  ladder?: Duty['ladder'];
  target?: Target | null;
  weight?: number;
  note?: string;
}

export function editDuty(plan: Plan, id: string, changes: DutyChanges): ItemEdit<Duty> {
  const before = findDuty(plan, id);
  const next = checkPlan(replaceDuty(plan, merge(before, changes as Record<string, unknown>)));
  return { plan: next, before, after: findDuty(next, id) };
}

/** Pause (true) or resume (false) a duty; 409 when it already is. */
export function setPaused(plan: Plan, id: string, paused: boolean, version: number): ItemEdit<Duty> {
  const before = findDuty(plan, id);
  if ((before.paused === true) === paused) {
    throw new ConflictError(`duty ${id} is ${paused ? 'paused' : 'not paused'} already`, { current: withVersion(before, version) });
  }
  const { paused: _paused, ...rest } = before;
  const next = checkPlan(replaceDuty(plan, paused ? { ...rest, paused: true } : rest));
  return { plan: next, before, after: findDuty(next, id) };
}

// ---- units ----

export function addUnit(plan: Plan, unit: Unit): ItemEdit<Unit> {
  const next = checkPlan({ ...plan, units: [...plan.units, unit] });
  return { plan: next, before: null, after: findUnit(next, unit.id) };
}

export interface UnitChanges {
  name?: string;
  nameEn?: string;
  kind?: Unit['kind'];
  parent?: string | null;
  contacts?: Unit['contacts'];
  note?: string;
}

export function editUnit(plan: Plan, id: string, changes: UnitChanges): ItemEdit<Unit> {
  const before = findUnit(plan, id);
  const next = checkPlan(replaceUnit(plan, merge(before, changes as Record<string, unknown>)));
  return { plan: next, before, after: findUnit(next, id) };
}

/** What stands in the way of retiring a unit, or of removing a key date. */
export interface Blockers {
  /** Duties that name it: as an owner or a ladder recipient (`ladder`), or among their key dates (`key-date`). */
  duties: { id: string; title: string; as: ('owner' | 'ladder' | 'key-date')[] }[];
  /** Named ladders of the plan that tell it at some rung. */
  ladders: string[];
  /** Open instances: its own (a unit), or those of the key date's period (a key date). */
  instances: { id: string; dutyId: string; owner: string; periodId: string; dueOn: IsoDate }[];
}

export function hasBlockers(blockers: Blockers): boolean {
  return blockers.duties.length > 0 || blockers.ladders.length > 0 || blockers.instances.length > 0;
}

function openInstanceRef(record: InstanceRecord): Blockers['instances'][number] {
  return { id: record.id, dutyId: record.dutyId, owner: record.owner, periodId: record.periodId, dueOn: record.dueOn };
}

function ladderNames(notify: RungRecipients, unit: string): boolean {
  return [...notify.yellow, ...notify.red, ...notify.warningTalk].includes(unit);
}

/**
 * Why a unit cannot be retired yet: duties that name it as an owner (by id: `{every: kind}` simply
 * skips a retired unit) or whose ladder tells it, named ladders that tell it, its own open
 * instances, and open instances whose ladder (as they were opened) would still tell it. Reported
 * or missed instances are history, and stay.
 */
export function unitBlockers(plan: Plan, unit: string, instances: readonly InstanceRecord[], today: IsoDate): Blockers {
  const duties: Blockers['duties'] = [];
  for (const duty of plan.duties) {
    const as: ('owner' | 'ladder')[] = [];
    if (duty.owners.includes(unit)) as.push('owner');
    if (ladderNames(rungRecipients(ladderOf(plan, duty)), unit)) as.push('ladder');
    if (as.length > 0) duties.push({ id: duty.id, title: duty.title.zh, as });
  }
  const ladders = Object.entries(plan.ladders)
    .filter(([, ladder]) => ladderNames(rungRecipients(ladder), unit))
    .map(([id]) => id);
  const open = instances.filter((r) => (r.owner === unit || ladderNames(r.notify, unit)) && isOpen(r, today)).map(openInstanceRef);
  return { duties, ladders, instances: open };
}

/** Retire a unit on `today`; 409 listing what stands in the way, or when it is retired already. */
export function retireUnit(plan: Plan, id: string, instances: readonly InstanceRecord[], today: IsoDate, version: number): ItemEdit<Unit> {
  const before = findUnit(plan, id);
  if (isRetired(before)) throw new ConflictError(`unit ${id} is retired already`, { current: withVersion(before, version) });
  const blockers = unitBlockers(plan, id, instances, today);
  if (hasBlockers(blockers)) {
    throw new ConflictError(`unit ${id} cannot be retired yet: ${describeBlockers(blockers)}`, { current: { ...withVersion(before, version), blockers } });
  }
  const next = checkPlan(replaceUnit(plan, { ...before, retired: today }));
  return { plan: next, before, after: findUnit(next, id) };
}

function describeBlockers(blockers: Blockers): string {
  const parts: string[] = [];
  if (blockers.duties.length > 0) parts.push(`duties ${blockers.duties.map((d) => `${d.id} (${d.as.join(', ')})`).join(', ')}`);
  if (blockers.ladders.length > 0) parts.push(`ladders ${blockers.ladders.join(', ')}`);
  if (blockers.instances.length > 0) parts.push(`open instances ${blockers.instances.map((i) => i.id).join(', ')}`);
  return `${parts.join('; ')} name it`;
}

// ---- calendar overrides and key dates ----

export function putOverride(plan: Plan, override: Override): ItemEdit<Override> {
  const before = plan.calendar.overrides.find((o) => o.date === override.date) ?? null;
  const overrides = [...plan.calendar.overrides.filter((o) => o.date !== override.date), override].sort((a, b) => compare(a.date, b.date));
  const next = checkPlan({ ...plan, calendar: { ...plan.calendar, overrides } });
  return { plan: next, before, after: next.calendar.overrides.find((o) => o.date === override.date) ?? null };
}

export function deleteOverride(plan: Plan, date: IsoDate): ItemEdit<Override> {
  const before = plan.calendar.overrides.find((o) => o.date === date);
  if (!before) throw new NotFoundError(`no calendar override on ${date} in the active plan`);
  const next = checkPlan({ ...plan, calendar: { ...plan.calendar, overrides: plan.calendar.overrides.filter((o) => o.date !== date) } });
  return { plan: next, before, after: null };
}

export function putKeyDate(plan: Plan, keyDate: KeyDate): ItemEdit<KeyDate> {
  const before = plan.calendar.keyDates.find((k) => k.id === keyDate.id) ?? null;
  const keyDates = before ? plan.calendar.keyDates.map((k) => (k.id === keyDate.id ? keyDate : k)) : [...plan.calendar.keyDates, keyDate];
  const next = checkPlan({ ...plan, calendar: { ...plan.calendar, keyDates } });
  return { plan: next, before, after: next.calendar.keyDates.find((k) => k.id === keyDate.id) ?? null };
}

function wantsKeyDate(duty: Duty, keyDate: string): boolean {
  return duty.cadence === 'key-date' && (duty.keyDates === undefined || duty.keyDates.length === 0 || duty.keyDates.includes(keyDate));
}

/** Duties that name the key date, and the open instances of its period. */
export function keyDateBlockers(plan: Plan, id: string, instances: readonly InstanceRecord[], today: IsoDate): Blockers {
  const keyDate = plan.calendar.keyDates.find((k) => k.id === id);
  const duties = plan.duties.filter((d) => d.keyDates?.includes(id) === true).map((d) => ({ id: d.id, title: d.title.zh, as: ['key-date' as const] }));
  const open = keyDate
    ? instances.filter((r) => {
        const duty = plan.duties.find((d) => d.id === r.dutyId);
        return r.cadence === 'key-date' && r.periodId === keyDate.starts && duty !== undefined && wantsKeyDate(duty, id) && isOpen(r, today);
      })
    : [];
  return { duties, ladders: [], instances: open.map(openInstanceRef) };
}

export function deleteKeyDate(plan: Plan, id: string, instances: readonly InstanceRecord[], today: IsoDate, version: number): ItemEdit<KeyDate> {
  const before = plan.calendar.keyDates.find((k) => k.id === id);
  if (!before) throw new NotFoundError(`no key date ${id} in the active plan`);
  const blockers = keyDateBlockers(plan, id, instances, today);
  if (hasBlockers(blockers)) {
    throw new ConflictError(`key date ${id} cannot be removed yet: ${describeBlockers(blockers)}`, { current: { ...withVersion(before, version), blockers } });
  }
  const next = checkPlan({ ...plan, calendar: { ...plan.calendar, keyDates: plan.calendar.keyDates.filter((k) => k.id !== id) } });
  return { plan: next, before, after: null };
}

// ---- what a change does to the instances ----

/** Open: not reported, and not missed by the rules it is judged by. Everything else is history. */
export function isOpen(record: InstanceRecord, today: IsoDate): boolean {
  return record.completedOn === null && refresh(record, today).status !== 'missed';
}

/** The rules an instance is judged by, as one plan would give them for its period. */
interface Rules {
  schedule: Schedule;
  title: Duty['title'];
  notify: RungRecipients;
  evidence: Duty['evidence'];
  target: Target | undefined;
  weight: number;
  paused: boolean;
}

function rulesOf(plan: Plan, calendar: WorkCalendar, duty: Duty, period: Period): Rules {
  return {
    schedule: scheduleFor(plan, calendar, duty, period),
    title: duty.title,
    notify: rungRecipients(ladderOf(plan, duty)),
    evidence: duty.evidence,
    target: duty.target,
    weight: duty.weight,
    paused: duty.paused === true,
  };
}

/**
 * The period an instance stands for in `before` and in `after`. A recurring duty's period is its
 * period id; a one-off duty's is its dates (a new due date is a new period id: the instance moves
 * to it); a key-date duty's is the key date's (found by its first day in `before`, then by its id
 * in `after`, which may have moved it); an event's is the event's day. Undefined in `after` when
 * the instance no longer belongs to the duty as it is: the cadence changed (the instance finishes
 * the period it was opened for, by its own rules), or the key date is gone.
 */
function periods(before: Plan, after: Plan, record: InstanceRecord): [Period, Period] | undefined {
  const old = before.duties.find((d) => d.id === record.dutyId);
  const now = after.duties.find((d) => d.id === record.dutyId);
  if (!old || !now || old.cadence !== record.cadence || now.cadence !== record.cadence) return undefined;
  if (isRecurring(record.cadence)) {
    try {
      const period = parsePeriodId(record.periodId);
      return period.cadence === record.cadence ? [period, period] : undefined;
    } catch (error) {
      if (error instanceof FireplanError) return undefined;
      throw error;
    }
  }
  switch (record.cadence) {
    case 'once': {
      const [p0] = periodsOf(before, old);
      const [p1] = periodsOf(after, now);
      return p0 && p1 && p0.id === record.periodId ? [p0, p1] : undefined;
    }
    case 'key-date': {
      const k0 = before.calendar.keyDates.find((k) => k.starts === record.periodId && wantsKeyDate(old, k.id));
      const k1 = k0 && after.calendar.keyDates.find((k) => k.id === k0.id);
      return k0 && k1 && wantsKeyDate(now, k1.id) ? [keyDatePeriod(k0), keyDatePeriod(k1)] : undefined;
    }
    case 'event':
      // An instance opened for a recorded fire or hazard (`<day>~<ref>`) keeps the dates it was
      // given from that record (a hazard's deadline, a listing's own deadline): edit the record.
      if (record.periodId.includes('~')) return undefined;
      return [eventPeriod(record.periodId), eventPeriod(record.periodId)];
    default:
      return undefined;
  }
}

/** The instance under new rules: new dates, reminders, recipients, evidence, target, weight and title; its reports, escalations and reviews kept. */
function applyRules(record: InstanceRecord, rules: Rules, planVersion: string, today: IsoDate): InstanceRecord {
  const { schedule } = rules;
  const { adjusted: _adjusted, target: _target, pausedOn, ...kept } = record;
  const periodId = schedule.period.id;
  let next: InstanceRecord = {
    ...kept,
    id: periodId === record.periodId ? record.id : instanceId({ town: record.town, duty: record.dutyId, owner: record.owner, period: periodId }),
    periodId,
    planVersion,
    title: rules.title,
    ...scheduleDates(schedule),
    notify: rules.notify,
    evidence: rules.evidence,
    ...(rules.target ? { target: rules.target } : {}),
    weight: rules.weight,
    ...(pausedOn === undefined ? {} : { pausedOn }),
  };
  // A step keeps its "done" only where its (new) day has come: one moved later fires again on its new day.
  const reached = new Set(stepsOf(next).filter((s) => s.on <= today).map((s) => s.key));
  next.done = record.done.filter((key) => reached.has(key));
  if (rules.paused && next.pausedOn === undefined) next = pause(next, today);
  if (!rules.paused && next.pausedOn !== undefined) next = resume(next, today);
  return refresh(next, today);
}

/** Paused: it sends nothing (no next action) from `today` on. */
export function pause(record: InstanceRecord, today: IsoDate): InstanceRecord {
  return refresh({ ...record, pausedOn: today }, today);
}

/**
 * Resumed on `today`: the steps whose day came while it was paused are skipped (recorded as done
 * without sending), so that nothing floods in at once; the ladder goes on from today, whose own
 * steps are still sent. Its dates do not move: a pause silences, it grants no extra time.
 */
export function resume(record: InstanceRecord, today: IsoDate): InstanceRecord {
  const { pausedOn, ...rest } = record;
  if (pausedOn === undefined) return record;
  const skipped = stepsOf(record)
    .filter((s) => s.on >= pausedOn && s.on < today && !record.done.includes(s.key))
    .map((s) => s.key);
  return refresh({ ...rest, done: [...record.done, ...skipped] }, today);
}

export interface InstanceChanges {
  /** Existing instances with their new state (the stored version, not yet bumped). */
  updated: InstanceRecord[];
  /** Instances whose period id changed with their dates (a one-off's due date, a key date's first day): the stored one is replaced by one under the new id. */
  moved: { from: InstanceRecord; to: InstanceRecord }[];
  /** New instances of the current period: owners added to a duty, a duty resumed, a unit added. */
  opened: InstanceRecord[];
}

export function instanceWrites(changes: InstanceChanges): number {
  return changes.updated.length + 2 * changes.moved.length + changes.opened.length;
}

export interface Openings {
  /** The duties whose current period is opened for owners that have no instance of it yet. */
  duties: ReadonlySet<string>;
  /** Only for these owners, when given. */
  owners?: ReadonlySet<string>;
}

/**
 * What replacing `before` by `after` (stored as `planVersion`) does on `today` to the instances
 * given (those of the town that the change may touch): each open instance whose rules differ under
 * the two plans gets the new ones; closed instances, and open ones the change does not touch, are
 * left as they are. With `openings`, the current period of those recurring duties is opened for
 * the owners (resolved in `after`: never a retired unit) that have no instance of it yet, unless
 * the duty is paused: the period openers run at the start of a period only, so an owner added or a
 * duty resumed mid-period would otherwise wait for the next one.
 */
export function instanceChanges(before: Plan, after: Plan, planVersion: string, instances: readonly InstanceRecord[], today: IsoDate, openings?: Openings): InstanceChanges {
  const calendars = [planCalendar(before), planCalendar(after)] as const;
  const changes: InstanceChanges = { updated: [], moved: [], opened: [] };
  for (const record of instances) {
    if (!isOpen(record, today)) continue;
    const pair = periods(before, after, record);
    if (!pair) continue;
    const rules0 = rulesOf(before, calendars[0], findDuty(before, record.dutyId), pair[0]);
    const rules1 = rulesOf(after, calendars[1], findDuty(after, record.dutyId), pair[1]);
    if (canonical(rules0) === canonical(rules1)) continue;
    const next = applyRules(record, rules1, planVersion, today);
    if (next.id !== record.id) changes.moved.push({ from: record, to: next });
    else if (canonical(next) !== canonical(record)) changes.updated.push(next);
  }
  if (openings) {
    const existing = new Set([...instances.map((r) => r.id), ...changes.moved.map((m) => m.to.id)]);
    changes.opened = currentOpenings(after, planVersion, calendars[1], today, openings).filter((r) => !existing.has(r.id));
  }
  return changes;
}

/** The instances of the period in progress on `today` of the given recurring duties, as the opener would create them. */
export function currentOpenings(plan: Plan, planVersion: string, calendar: WorkCalendar, today: IsoDate, openings: Openings): InstanceRecord[] {
  const records: InstanceRecord[] = [];
  for (const duty of plan.duties) {
    if (!openings.duties.has(duty.id) || duty.paused === true || !isRecurring(duty.cadence)) continue;
    const period = periodContaining(duty.cadence, today);
    if (period.ends < plan.effectiveFrom || period.starts > plan.effectiveTo) continue;
    const schedule = scheduleFor(plan, calendar, duty, period);
    for (const owner of resolveOwners(plan, duty)) {
      if (openings.owners && !openings.owners.has(owner.id)) continue;
      records.push(newInstance(plan, planVersion, duty, owner, schedule));
    }
  }
  return records;
}

// ---- helpers ----

/** JSON with object keys sorted and undefined left out: equal values, equal text. */
export function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compare(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
