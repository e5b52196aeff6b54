import type { IsoDate } from './dates.ts';
import { ConflictError, InvalidInputError, type Problem } from './errors.ts';
import { categoryLabel, plantMeasureLabel, selfBuiltProblemLabel, type HazardCategory, type HazardRecord } from './hazards.ts';
import { refresh, type InstanceRecord } from './instance.ts';
import { unitName } from './messages.ts';
import { periodContaining } from './periods.ts';
import { findPersonalData, masked, personalKindLabel, scrubText } from './pii.ts';
import type { Plan } from './plan-schema.ts';

/**
 * The quarterly exposure of major fire hazards (item 8: 每季度集中曝光一批重大火灾隐患). On the last
 * working day of each quarter the QuarterlyExposure workflow drafts, for each town, the list of its
 * open major hazards proposed for public exposure, with personal data removed: no contact, and the
 * texts scrubbed of phone numbers, identity card numbers and the names of people known to the
 * hazard (functions/core/pii.ts). An admin edits the entries' texts or removes entries, approves
 * the list, and records it as published; published is final.
 *
 *   draft ──approve──▶ approved ──publish──▶ published
 *     ▲                    │
 *     └──────edit──────────┘   (an edit of an approved list takes it back to draft)
 *
 * Pure: no clock, no I/O.
 */

export type ExposureStatus = 'draft' | 'approved' | 'published';

export const exposureStatusLabel: Record<ExposureStatus, string> = { draft: '草稿', approved: '已审核', published: '已公开' };

/** One hazard proposed for exposure: place, area, category and what is wrong, never a person. */
export interface ExposureEntry {
  hazardId: string;
  place: string;
  area: string;
  areaName: string;
  category: HazardCategory;
  categoryName: string;
  description: string;
  owner: string;
  ownerName: string;
  foundOn: IsoDate;
  deadline: IsoDate;
  listed: boolean;
  /** Quarters whose published list already carried this hazard. */
  exposedBefore: string[];
}

export interface ExposureChange {
  on: IsoDate;
  by: string;
  action: 'edit' | 'approve' | 'publish';
  /** For an edit: the entries whose texts changed, and those removed. */
  edited?: string[];
  removed?: string[];
}

export interface ExposureList {
  /** The quarter, `2022-Q2`: one list per town and quarter. */
  id: string;
  town: string;
  quarter: string;
  draftedOn: IsoDate;
  status: ExposureStatus;
  entries: ExposureEntry[];
  /** Entries an admin took off the list (hazard ids), so that they are known not to be forgotten. */
  removed: string[];
  /** Whether an admin has changed the draft (a rerun of the workflow never touches a list, edited or not). */
  edited: boolean;
  approvedOn: IsoDate | null;
  publishedOn: IsoDate | null;
  history: ExposureChange[];
  version: number;
}

export const QUARTER_ID = /^\d{4}-Q[1-4]$/;

export function quarterOf(date: IsoDate): string {
  return periodContaining('quarterly', date).id;
}

/** `2022年第二季度`. */
export function quarterLabel(quarter: string): string {
  const m = /^(\d{4})-Q([1-4])$/.exec(quarter);
  if (!m) return quarter;
  return `${m[1]}年第${['一', '二', '三', '四'][Number(m[2]) - 1]}季度`;
}

/** The names of people a hazard knows of (its contact's), to be kept out of its texts. */
export function namesOf(hazard: Pick<HazardRecord, 'contact'>): string[] {
  const name = hazard.contact?.name?.trim();
  return name ? [name] : [];
}

/** The description an exposure shows: item 7's problems or item 6's measure first, then the text; scrubbed. */
function describe(hazard: HazardRecord): string {
  const parts: string[] = [];
  if (hazard.problems && hazard.problems.length > 0) parts.push(hazard.problems.map((p) => selfBuiltProblemLabel[p]).join('；'));
  if (hazard.measure) parts.push(`整改措施：${plantMeasureLabel[hazard.measure]}`);
  const text = hazard.description.trim();
  if (text !== '' && !parts.some((p) => p.includes(text))) parts.push(text);
  return parts.join('。');
}

/** An open major hazard as an exposure shows it, with personal data removed. */
/**
 * Every contact name the town's hazards carry: an entry is scrubbed of, and an edit checked for, all
 * of them, not only its own hazard's (a name may stand in another hazard's text).
 */
export function allNames(namesByHazard: ReadonlyMap<string, string[]>): string[] {
  return [...new Set([...namesByHazard.values()].flat())];
}

export function exposureEntry(plan: Plan, hazard: HazardRecord, exposedBefore: string[] = [], names: readonly string[] = namesOf(hazard)): ExposureEntry {
  return {
    hazardId: hazard.id,
    place: scrubText(hazard.place, names).text,
    area: hazard.area,
    areaName: unitName(plan, hazard.area),
    category: hazard.category,
    categoryName: categoryLabel[hazard.category],
    description: scrubText(describe(hazard), names).text,
    owner: hazard.owner,
    ownerName: unitName(plan, hazard.owner),
    foundOn: hazard.foundOn,
    deadline: hazard.deadline,
    listed: hazard.listed !== null,
    exposedBefore,
  };
}

export interface DraftInput {
  plan: Plan;
  /** The day of the draft (the quarter's last working day). */
  date: IsoDate;
  hazards: readonly HazardRecord[];
  /** The town's earlier lists, to say which hazards a published list already carried. */
  earlier?: readonly ExposureList[];
}

/**
 * The draft list of a quarter: every hazard that is major, open and found on or before the day,
 * listed ones first, then by the day found; with personal data removed.
 */
export function draftExposure({ plan, date, hazards, earlier = [] }: DraftInput): ExposureList {
  const quarter = quarterOf(date);
  const published = earlier.filter((l) => l.status === 'published' && l.quarter < quarter);
  const names = [...new Set(hazards.flatMap((h) => namesOf(h)))];
  const entries = hazards
    .filter((h) => h.grade === 'major' && h.status === 'open' && h.foundOn <= date)
    .sort((a, b) => Number(b.listed !== null) - Number(a.listed !== null) || (a.foundOn < b.foundOn ? -1 : a.foundOn > b.foundOn ? 1 : a.id < b.id ? -1 : 1))
    .map((h) =>
      exposureEntry(
        plan,
        h,
        published.filter((l) => l.entries.some((e) => e.hazardId === h.id)).map((l) => l.quarter),
        names,
      ),
    );
  return {
    id: quarter,
    town: plan.town.id,
    quarter,
    draftedOn: date,
    status: 'draft',
    entries,
    removed: [],
    edited: false,
    approvedOn: null,
    publishedOn: null,
    history: [],
    version: 0,
  };
}

/** Personal data found in an exposure's entries: every text field, each finding with its entry and field. */
export function exposureProblems(entries: readonly Pick<ExposureEntry, 'hazardId' | 'place' | 'description'>[], namesByHazard: ReadonlyMap<string, string[]> = new Map(), pathOf?: (n: number, field: string) => string): Problem[] {
  const problems: Problem[] = [];
  const names = allNames(namesByHazard);
  entries.forEach((entry, n) => {
    for (const field of ['place', 'description'] as const) {
      const findings = findPersonalData(entry[field], names);
      for (const f of findings) {
        problems.push({
          path: pathOf ? pathOf(n, field) : `entries[${n}].${field}`,
          message: `entry ${entry.hazardId}: the ${field} contains ${personalKindLabel[f.kind]} (${masked(f.text)}): an exposure list names no person and no phone number; remove it`,
        });
      }
    }
  });
  return problems;
}

export interface ExposureEdit {
  version: number;
  entries?: { hazardId: string; place?: string | undefined; description?: string | undefined }[] | undefined;
  remove?: string[] | undefined;
}

function notFinal(list: ExposureList, action: string): void {
  if (list.status === 'published') {
    throw new ConflictError(`the exposure list of ${list.quarter} was published on ${list.publishedOn}: a published list is final and cannot be ${action}`, { current: exposureCurrent(list) });
  }
}

export function exposureCurrent(list: ExposureList) {
  return { id: list.id, version: list.version, status: list.status, entries: list.entries.length, publishedOn: list.publishedOn };
}

export function checkExposureVersion(list: ExposureList, version: number): void {
  if (list.version !== version) {
    throw new ConflictError(`the exposure list of ${list.quarter} is at version ${list.version}, not ${version}: read it again and decide on what it is now`, {
      current: exposureCurrent(list),
    });
  }
}

/**
 * An admin's edit: new texts for entries, entries removed. Refused whole (400, every problem with
 * its field) when it names an entry not on the list, or when a text it sets carries personal data
 * (`entries[n].description: entry hz-…: the description contains a personal phone number …`).
 * An approved list edited goes back to draft; a published one is final (409).
 */
export function editExposure(list: ExposureList, edit: ExposureEdit, who: { by: string; on: IsoDate }, namesByHazard: ReadonlyMap<string, string[]> = new Map()): ExposureList {
  notFinal(list, 'edited');
  checkExposureVersion(list, edit.version);
  const problems: Problem[] = [];
  const onList = new Set(list.entries.map((e) => e.hazardId));
  const texts = new Map<string, { place?: string | undefined; description?: string | undefined }>();
  const names = allNames(namesByHazard);
  (edit.entries ?? []).forEach((change, n) => {
    if (!onList.has(change.hazardId)) problems.push({ path: `entries[${n}].hazardId`, message: `${change.hazardId} is not an entry of the list of ${list.quarter}` });
    else if (texts.has(change.hazardId)) problems.push({ path: `entries[${n}].hazardId`, message: `${change.hazardId} is edited twice` });
    for (const field of ['place', 'description'] as const) {
      const value = change[field];
      if (value === undefined) continue;
      for (const f of findPersonalData(value, names)) {
        problems.push({
          path: `entries[${n}].${field}`,
          message: `entry ${change.hazardId}: the ${field} contains ${personalKindLabel[f.kind]} (${masked(f.text)}): an exposure list names no person and no phone number; remove it`,
        });
      }
    }
    texts.set(change.hazardId, change);
  });
  (edit.remove ?? []).forEach((id, n) => {
    if (!onList.has(id)) problems.push({ path: `remove[${n}]`, message: `${id} is not an entry of the list of ${list.quarter}` });
  });
  if (problems.length > 0) throw new InvalidInputError('exposure edit', problems);
  const removed = new Set(edit.remove ?? []);
  const edited: string[] = [];
  const entries = list.entries
    .filter((e) => !removed.has(e.hazardId))
    .map((e) => {
      const change = texts.get(e.hazardId);
      if (!change) return e;
      const next = { ...e, ...(change.place === undefined ? {} : { place: change.place }), ...(change.description === undefined ? {} : { description: change.description }) };
      if (next.place !== e.place || next.description !== e.description) edited.push(e.hazardId);
      return next;
    });
  return {
    ...list,
    entries,
    removed: [...list.removed, ...removed],
    edited: true,
    status: 'draft',
    approvedOn: null,
    history: [...list.history, { on: who.on, by: who.by, action: 'edit', edited, removed: [...removed] }],
  };
}

/** A draft approved as it stands; the entries are checked once more for personal data. */
export function approveExposure(list: ExposureList, version: number, who: { by: string; on: IsoDate }, namesByHazard: ReadonlyMap<string, string[]> = new Map()): ExposureList {
  notFinal(list, 'approved again');
  checkExposureVersion(list, version);
  if (list.status !== 'draft') throw new ConflictError(`the exposure list of ${list.quarter} was already approved on ${list.approvedOn}`, { current: exposureCurrent(list) });
  const problems = exposureProblems(list.entries, namesByHazard);
  if (problems.length > 0) throw new InvalidInputError('exposure list', problems);
  return { ...list, status: 'approved', approvedOn: who.on, history: [...list.history, { on: who.on, by: who.by, action: 'approve' }] };
}

/** An approved list recorded as published on the day; final from then on. */
export function publishExposure(list: ExposureList, version: number, who: { by: string; on: IsoDate }): ExposureList {
  notFinal(list, 'published again');
  checkExposureVersion(list, version);
  if (list.status !== 'approved') throw new ConflictError(`the exposure list of ${list.quarter} is a draft: approve it before it is published`, { current: exposureCurrent(list) });
  return { ...list, status: 'published', publishedOn: who.on, history: [...list.history, { on: who.on, by: who.by, action: 'publish' }] };
}

/** The note of the quarter's exposure duty reported when its list is published. */
export function publishedNote(list: ExposureList): string {
  return `${quarterLabel(list.quarter)}重大火灾隐患曝光清单已于${list.publishedOn ?? ''}公开，共${list.entries.length}处。`;
}

/** The duty of item 8 a published list fulfils: the quarter's instance of it is reported when the list is published. */
export const EXPOSURE_DUTY = 'c08-quarterly-hazard-exposure';

/**
 * The quarter's exposure instance reported done on the day its list was published, with the list as
 * its evidence, awaiting the committee office's review as any report does; undefined when it was
 * reported already (then it is left as it is).
 */
export function reportPublished(record: InstanceRecord, list: ExposureList): InstanceRecord | undefined {
  if (record.completedOn !== null || list.publishedOn === null) return undefined;
  const on = list.publishedOn;
  const report = {
    n: record.reports.length + 1,
    on,
    note: publishedNote(list),
    evidence: [{ kind: 'list', name: `${quarterLabel(list.quarter)}重大火灾隐患曝光清单（${list.entries.length}处）` }],
  };
  return refresh({ ...record, completedOn: on, review: 'awaiting', reports: [...record.reports, report] }, on);
}
