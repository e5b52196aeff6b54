import type { WorkCalendar } from './calendar.ts';
import { addDays, type IsoDate } from './dates.ts';
import { ConflictError, type Problem } from './errors.ts';
import { newInstance, refresh, type InstanceRecord } from './instance.ts';
import { accept, reviewStageOf, type Reviewer } from './review.ts';
import { isRetired, type Duty, type Plan, type Unit } from './plan-schema.ts';
import { eventPeriod, resolveOwners, scheduleFor, type Schedule } from './schedule.ts';

/**
 * The hazard ledger of items 6, 7 and 8 (火灾隐患台账). A hazard is recorded with its place,
 * category and grade, the unit that owns its rectification and the area it lies in; it follows a
 * ladder like any duty until it is closed with evidence (整改销案). A major hazard may be put under
 * listed supervision (挂牌督办), with its own deadline and regular progress reports.
 *
 * Pure: no clock (the day is passed in), no I/O. docs/hazards.md describes the rules.
 */

export const hazardCategories = [
  'three-in-one', // 三合一场所
  'nine-small', // 九小场所
  'self-built-house', // 经营性自建房（10人以上）
  'plant-warehouse', // 厂房、仓库
  'residential', // 居民住宅、老旧小区
  'other',
  // The other high-risk objects item 8 names.
  'three-no-community', // 三无小区
  'petrochemical', // 石油化工企业
  'elderly-care', // 养老机构
  'school', // 学校
  'hospital', // 医院
  'gas', // 燃气
  'old-commercial-residential', // 老旧商住楼
  'relocation-site', // 易地搬迁安置点
  'epidemic-site', // 疫情防控场所
] as const;
export type HazardCategory = (typeof hazardCategories)[number];

export const categoryLabel: Record<HazardCategory, string> = {
  'three-in-one': '“三合一”场所',
  'nine-small': '九小场所',
  'self-built-house': '自建房（住宿10人及以上）',
  'plant-warehouse': '厂房库房',
  residential: '居民住宅、老旧小区',
  other: '其他',
  'three-no-community': '三无小区',
  petrochemical: '石油化工企业',
  'elderly-care': '养老机构',
  school: '学校',
  hospital: '医院',
  gas: '燃气场所',
  'old-commercial-residential': '老旧商住楼',
  'relocation-site': '易地搬迁安置点',
  'epidemic-site': '疫情防控场所',
};

export const hazardGrades = ['general', 'major'] as const;
export type HazardGrade = (typeof hazardGrades)[number];

export const gradeLabel: Record<HazardGrade, string> = { general: '一般火灾隐患', major: '重大火灾隐患' };

/**
 * The problems item 7 names for self-built houses (自建房突出问题), in the document's order and words:
 * the checklist of a house's inspection and of a self-built-house hazard.
 */
export const selfBuiltProblems = [
  'flammable-panels',
  'outdoor-ebike-shed',
  'window-obstructions',
  'not-separated',
  'indoor-ebike-charging',
  'insufficient-exits',
  'dwelling-in-dangerous-goods-area',
  'noncompliant-cold-store',
] as const;
export type SelfBuiltProblem = (typeof selfBuiltProblems)[number];

export const selfBuiltProblemLabel: Record<SelfBuiltProblem, string> = {
  'flammable-panels': '违规使用易燃可燃夹芯彩钢板或其他易燃材料',
  'outdoor-ebike-shed': '违规设置室外电动车集中停放、充电雨棚',
  'window-obstructions': '外窗、疏散走道安装防盗网、广告牌、铁栅栏',
  'not-separated': '居住区域与其他区域，或居住区域内各房间未完全分隔',
  'indoor-ebike-charging': '电动车及蓄电池在室内停放、充电',
  'insufficient-exits': '安全出口、疏散楼梯不足',
  'dwelling-in-dangerous-goods-area': '生产、储存、经营易燃易爆危险品区域内设置居住场所',
  'noncompliant-cold-store': '租住场所内设置不符合要求的冷库',
};

/** Item 6's measures for factories and warehouses: 拆、搬、改、关. */
export const plantMeasures = ['demolish', 'relocate', 'rectify', 'close'] as const;
export type PlantMeasure = (typeof plantMeasures)[number];
export const plantMeasureLabel: Record<PlantMeasure, string> = { demolish: '拆', relocate: '搬', rectify: '改', close: '关' };

/** Item 7's scope: a self-built house with ten or more people living in it. */
export const SELF_BUILT_MIN_OCCUPANTS = 10;

/**
 * The rectification deadline a grade gets when none is given, in calendar days from the day the
 * hazard is recorded (a deadline on a rest day moves to the next working day): 30 days for a
 * general hazard (the usual 责令限期改正), 90 for a major one (a major hazard usually needs works,
 * money or a relocation, and goes under listed supervision with its own deadline).
 */
export const DEFAULT_RECTIFICATION_DAYS: Record<HazardGrade, number> = { general: 30, major: 90 };

/** The duty a hazard's rectification is followed as, by category: the item of the plan it falls under. */
export const RECTIFICATION_DUTY: Record<'plant-warehouse' | 'self-built-house' | 'default', string> = {
  'plant-warehouse': 'c06-plant-warehouse-rectification',
  'self-built-house': 'c07-self-built-housing-rectification',
  default: 'c08-special-governance',
};

/** The event of the plan that opens listed supervision (`c08-listed-supervision` in 2022). */
export const LISTED_EVENT = 'major-hazard';

/** A person to contact at the place (personal data: kept on the hazard only, never exposed). */
export interface HazardContact {
  name?: string;
  phone?: string;
}

/** An evidence item of a closure or a progress report: a link, or just what it is. */
export interface HazardEvidence {
  kind: string;
  name: string;
  url?: string;
}

export interface ProgressReport {
  on: IsoDate;
  note: string;
  /** The reporter's `sub`. */
  by?: string;
  evidence?: HazardEvidence[];
}

export interface ListedSupervision {
  since: IsoDate;
  deadline: IsoDate;
  /** Regular progress reports under listed supervision. */
  progress: ProgressReport[];
  /** The `c08-listed-supervision` instances opened (one per owner of that duty). */
  instanceIds?: string[];
  /** Who listed it (`sub`). */
  by?: string;
}

export interface HazardClosure {
  on: IsoDate;
  note: string;
  evidence: HazardEvidence[];
  by: string;
}

export interface HazardRecord {
  id: string;
  town: string;
  place: string;
  /** The unit (village, community or department) whose area the place lies in. */
  area: string;
  category: HazardCategory;
  grade: HazardGrade;
  description: string;
  /** The unit responsible for the rectification. */
  owner: string;
  foundOn: IsoDate;
  deadline: IsoDate;
  status: 'open' | 'closed';
  closedOn: IsoDate | null;
  listed: ListedSupervision | null;
  /** The duty instance the rectification is followed by (its ladder, reminders, escalations). */
  instanceId: string;
  version: number;
  /** Personal data: never in an exposure list, an audit entry or a mail. */
  contact?: HazardContact | null;
  /** Self-built houses: item 7's problems found, and how many people live there. */
  problems?: SelfBuiltProblem[];
  occupants?: number;
  /** The house of the baseline list the hazard was found in. */
  houseId?: string;
  /** Factories and warehouses: the measure of item 6 taken (拆、搬、改、关). */
  measure?: PlantMeasure;
  closure?: HazardClosure | null;
  /** `sub` of whoever recorded it. */
  recordedBy?: string;
}

/** What a caller gives to record a hazard. */
export interface HazardInput {
  place: string;
  area: string;
  category: HazardCategory;
  grade: HazardGrade;
  owner: string;
  description: string;
  deadline?: IsoDate | undefined;
  contact?: HazardContact | undefined;
  problems?: SelfBuiltProblem[] | undefined;
  occupants?: number | undefined;
  measure?: PlantMeasure | undefined;
  houseId?: string | undefined;
}

/** A short id from a seed (the request id): FNV-1a, 8 hex digits. Pure. */
export function shortHash(seed: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i += 1) {
    hash ^= seed.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** `hz-20220620-1a2b3c4d`: the day it was recorded and a hash of the request, kebab-case so it can name an event period. */
export function hazardIdFor(foundOn: IsoDate, seed: string): string {
  return `hz-${foundOn.replaceAll('-', '')}-${shortHash(seed)}`;
}

export const HAZARD_ID = /^hz-\d{8}-[0-9a-f]{8}$/;

/** The default deadline of a grade: calendar days from the day found, on a working day (the next one when it falls on a rest day). */
export function defaultDeadline(grade: HazardGrade, foundOn: IsoDate, calendar: WorkCalendar): IsoDate {
  return calendar.onOrAfter(addDays(foundOn, DEFAULT_RECTIFICATION_DAYS[grade]));
}

/** The deadline a hazard gets: the one given (on a rest day: the next working day), or its grade's default. */
export function deadlineOf(input: Pick<HazardInput, 'grade' | 'deadline'>, foundOn: IsoDate, calendar: WorkCalendar): IsoDate {
  return input.deadline === undefined ? defaultDeadline(input.grade, foundOn, calendar) : calendar.onOrAfter(input.deadline);
}

/** A deadline given by a caller must be today or later. */
export function pastDeadline(deadline: IsoDate | undefined, today: IsoDate, path = 'deadline'): Problem[] {
  if (deadline === undefined || deadline >= today) return [];
  return [{ path, message: `the deadline ${deadline} is in the past (today is ${today}): a rectification deadline is today or a later day` }];
}

function unitProblem(plan: Plan, id: string, path: string, what: string): Problem[] {
  const unit = plan.units.find((u) => u.id === id);
  if (!unit) return [{ path, message: `${id} is not a unit of plan ${plan.id}: name the ${what} by its unit id` }];
  if (isRetired(unit)) return [{ path, message: `unit ${id} (${unit.name}) is retired: name a unit that exists` }];
  return [];
}

/** Everything wrong with a hazard's input, each with its field, before anything is written. */
export function hazardProblems(plan: Plan, input: HazardInput, today: IsoDate): Problem[] {
  const problems: Problem[] = [...unitProblem(plan, input.area, 'area', 'area (village, community or department)'), ...unitProblem(plan, input.owner, 'owner', 'owning unit')];
  problems.push(...pastDeadline(input.deadline, today));
  if (input.category === 'self-built-house') {
    if (input.occupants === undefined) {
      problems.push({ path: 'occupants', message: 'a self-built house hazard says how many people live there (item 7: 10 or more)' });
    } else if (input.occupants < SELF_BUILT_MIN_OCCUPANTS) {
      problems.push({
        path: 'occupants',
        message: `item 7 covers self-built houses where ${SELF_BUILT_MIN_OCCUPANTS} or more people live (${input.occupants} given): record this one under another category`,
      });
    }
    if (input.problems === undefined || input.problems.length === 0) {
      problems.push({ path: 'problems', message: `name at least one of item 7's problems found (${selfBuiltProblems.join(', ')})` });
    }
  } else {
    if (input.problems !== undefined && input.problems.length > 0) problems.push({ path: 'problems', message: 'item 7’s problems are for the category self-built-house' });
    if (input.occupants !== undefined) problems.push({ path: 'occupants', message: 'occupants are counted for the category self-built-house' });
  }
  if (input.measure !== undefined && input.category !== 'plant-warehouse') {
    problems.push({ path: 'measure', message: 'item 6’s measures (拆、搬、改、关) are for the category plant-warehouse' });
  }
  return problems;
}

/** The duty a hazard's rectification is followed as: its category's item of the plan, or item 8's special governance. */
export function rectificationDuty(plan: Plan, category: HazardCategory): Duty {
  const wanted = category === 'plant-warehouse' || category === 'self-built-house' ? RECTIFICATION_DUTY[category] : RECTIFICATION_DUTY.default;
  const duty = plan.duties.find((d) => d.id === wanted) ?? plan.duties.find((d) => d.id === RECTIFICATION_DUTY.default);
  if (!duty) throw new ConflictError(`plan ${plan.id} has no duty ${[...new Set([wanted, RECTIFICATION_DUTY.default])].join(' (nor ')}${wanted === RECTIFICATION_DUTY.default ? '' : ')'} to follow a hazard's rectification as`);
  return duty;
}

/** The duty that listed supervision opens: the plan's event duty for a major hazard. */
export function listedDuty(plan: Plan): Duty {
  const duty = plan.duties.find((d) => d.cadence === 'event' && d.event === LISTED_EVENT);
  if (!duty) throw new ConflictError(`plan ${plan.id} has no event duty for a major hazard (event: ${LISTED_EVENT}): listed supervision cannot be opened`);
  return duty;
}

/**
 * The schedule of an instance opened by an event with its own deadline: it opens on the event's
 * day (the next working day when that is a rest day) and is due on the deadline; reminders and
 * the ladder's rungs are the duty's, counted from that due date.
 */
export function eventSchedule(plan: Plan, calendar: WorkCalendar, duty: Duty, eventOn: IsoDate, ref: string, dueOn: IsoDate): Schedule {
  return scheduleFor(plan, calendar, asEvent(duty, dueOn), eventPeriod(eventOn, ref));
}

function asEvent(duty: Duty, dueOn: IsoDate): Duty {
  return {
    ...duty,
    cadence: 'event',
    opens: { from: 'start', days: 0, workdays: 0, restDay: 'next' },
    due: { from: 'date', date: dueOn, days: 0, workdays: 0, restDay: 'next' },
  };
}

function unitOf(plan: Plan, id: string): Unit {
  const unit = plan.units.find((u) => u.id === id);
  if (!unit) throw new Error(`plan ${plan.id} has no unit ${id}`);
  return unit;
}

export interface NewHazard {
  plan: Plan;
  planVersion: string;
  calendar: WorkCalendar;
  id: string;
  input: HazardInput;
  /** The day it is recorded (the request's). */
  today: IsoDate;
  by: string;
}

/** A hazard as recorded, with the rectification instance the follow-up chases it by (period `<day>~<hazard id>`, due on the deadline). */
export function newHazard({ plan, planVersion, calendar, id, input, today, by }: NewHazard): { hazard: HazardRecord; instance: InstanceRecord } {
  const deadline = deadlineOf(input, today, calendar);
  const duty = rectificationDuty(plan, input.category);
  const schedule = eventSchedule(plan, calendar, duty, today, id, deadline);
  const instance: InstanceRecord = {
    ...newInstance(plan, planVersion, asEvent(duty, deadline), unitOf(plan, input.owner), schedule),
    title: { zh: `火灾隐患整改销案：${input.place}（${id}）`, en: `Rectify and close fire hazard ${id}: ${input.place}` },
  };
  const hazard: HazardRecord = {
    id,
    town: plan.town.id,
    place: input.place,
    area: input.area,
    category: input.category,
    grade: input.grade,
    description: input.description,
    owner: input.owner,
    foundOn: today,
    deadline: schedule.dueOn,
    status: 'open',
    closedOn: null,
    listed: null,
    instanceId: instance.id,
    version: 0,
    contact: input.contact && (input.contact.name !== undefined || input.contact.phone !== undefined) ? { ...input.contact } : null,
    ...(input.problems && input.problems.length > 0 ? { problems: [...new Set(input.problems)] } : {}),
    ...(input.occupants === undefined ? {} : { occupants: input.occupants }),
    ...(input.houseId === undefined ? {} : { houseId: input.houseId }),
    ...(input.measure === undefined ? {} : { measure: input.measure }),
    closure: null,
    recordedBy: by,
  };
  return { hazard, instance };
}

function openOrConflict(hazard: HazardRecord, action: string): void {
  if (hazard.status === 'closed') {
    throw new ConflictError(`hazard ${hazard.id} was closed on ${hazard.closedOn}: it cannot be ${action}`, { current: currentOf(hazard) });
  }
}

/** What a 409 about a hazard gives back to re-read from. */
export function currentOf(hazard: HazardRecord) {
  return { id: hazard.id, version: hazard.version, status: hazard.status, grade: hazard.grade, listed: hazard.listed !== null, closedOn: hazard.closedOn };
}

/** A 409 unless the version is the one the caller read. */
export function checkVersion(hazard: HazardRecord, version: number): void {
  if (hazard.version !== version) {
    throw new ConflictError(`hazard ${hazard.id} is at version ${hazard.version}, not ${version}: read it again and decide on what it is now`, { current: currentOf(hazard) });
  }
}

export interface ListHazard {
  plan: Plan;
  planVersion: string;
  calendar: WorkCalendar;
  hazard: HazardRecord;
  /** The listing's deadline; without one, the duty's own (30 working days in 2022). */
  deadline?: IsoDate | undefined;
  today: IsoDate;
  by: string;
}

/**
 * Puts a major hazard under listed supervision (挂牌督办): opens the plan's `major-hazard` event duty
 * for each of its owners (the committee office), period `<day>~<hazard id>`, due on the listing's
 * deadline. Only an open, major hazard not yet listed.
 */
export function listHazard({ plan, planVersion, calendar, hazard, deadline, today, by }: ListHazard): { hazard: HazardRecord; instances: InstanceRecord[] } {
  openOrConflict(hazard, 'put under listed supervision');
  if (hazard.grade !== 'major') {
    throw new ConflictError(`hazard ${hazard.id} is a general hazard: only a major hazard (重大火灾隐患) is put under listed supervision`, { current: currentOf(hazard) });
  }
  if (hazard.listed !== null) {
    throw new ConflictError(`hazard ${hazard.id} is under listed supervision since ${hazard.listed.since} (deadline ${hazard.listed.deadline})`, { current: currentOf(hazard) });
  }
  const duty = listedDuty(plan);
  const period = eventPeriod(today, hazard.id);
  const natural = scheduleFor(plan, calendar, duty, period);
  const dueOn = deadline === undefined ? natural.dueOn : calendar.onOrAfter(deadline);
  const schedule = deadline === undefined ? natural : eventSchedule(plan, calendar, duty, today, hazard.id, dueOn);
  const owners = resolveOwners(plan, duty);
  if (owners.length === 0) throw new ConflictError(`duty ${duty.id} has no owner in plan ${plan.id}: listed supervision cannot be opened`);
  const instances = owners.map((owner) => ({
    ...newInstance(plan, planVersion, deadline === undefined ? duty : asEvent(duty, dueOn), owner, schedule),
    title: { zh: `${duty.title.zh}：${hazard.place}（${hazard.id}）`, en: `${duty.title.en}: ${hazard.place} (${hazard.id})` },
  }));
  const listed: ListedSupervision = { since: today, deadline: dueOn, progress: [], instanceIds: instances.map((i) => i.id), by };
  return { hazard: { ...hazard, listed }, instances };
}

/** A progress report under listed supervision: only on an open hazard that is listed. */
export function reportProgress(hazard: HazardRecord, report: ProgressReport): HazardRecord {
  openOrConflict(hazard, 'reported on');
  if (hazard.listed === null) {
    throw new ConflictError(`hazard ${hazard.id} is not under listed supervision: progress reports are for a listed hazard`, { current: currentOf(hazard) });
  }
  return { ...hazard, listed: { ...hazard.listed, progress: [...hazard.listed.progress, report] } };
}

/**
 * The instance of a hazard as closing leaves it (整改销案 is the committee office's verification):
 * an open (or returned) one is reported done today with the closure's note and evidence and
 * accepted; one awaiting review is accepted; one accepted is left as it is.
 */
export function closedInstance(record: InstanceRecord, closure: HazardClosure): InstanceRecord {
  const reviewer: Reviewer = { by: closure.by, on: closure.on };
  const stage = reviewStageOf(record);
  if (stage === 'accepted') return record;
  if (stage === 'awaiting') return accept(record, reviewer);
  const n = record.reports.length + 1;
  const reported = refresh(
    { ...record, completedOn: closure.on, review: 'awaiting', reports: [...record.reports, { n, on: closure.on, note: closure.note, evidence: closure.evidence }] },
    closure.on,
  );
  return accept(reported, reviewer);
}

/** Closes a hazard with evidence; its instances (rectification and listed supervision) are done and accepted with it. */
export function closeHazard(hazard: HazardRecord, instances: readonly InstanceRecord[], closure: HazardClosure): { hazard: HazardRecord; instances: InstanceRecord[] } {
  openOrConflict(hazard, 'closed again');
  const changed = instances.map((i) => closedInstance(i, closure)).filter((next, n) => next !== instances[n]);
  return { hazard: { ...hazard, status: 'closed', closedOn: closure.on, closure }, instances: changed };
}

/** The instances a hazard is followed by: its rectification and, when listed, its listed supervision. */
export function instanceIdsOf(hazard: HazardRecord): string[] {
  return [hazard.instanceId, ...(hazard.listed?.instanceIds ?? [])];
}

/** The hazard without its personal data, for an audit entry or a list (`contact` says only whether there is one). */
export function withoutContact(hazard: HazardRecord): Omit<HazardRecord, 'contact'> & { contact?: 'recorded' | null } {
  const { contact, ...rest } = hazard;
  return contact === undefined ? rest : { ...rest, contact: contact === null ? null : 'recorded' };
}
