import type { IsoDate } from './dates.ts';

/**
 * The hazard ledger of items 6, 7 and 8 (火灾隐患台账). A hazard is recorded with its place,
 * category and grade, the unit that owns its rectification and the area it lies in; it follows a
 * ladder like any duty until it is closed with evidence (整改销案). A major hazard may be put under
 * listed supervision (挂牌督办). Being built (issue 5): this file holds the shared shape first.
 */

export const hazardCategories = [
  'three-in-one', // 三合一场所
  'nine-small', // 九小场所
  'self-built-house', // 经营性自建房（10人以上）
  'plant-warehouse', // 厂房、仓库
  'residential', // 居民住宅、老旧小区
  'other',
] as const;
export type HazardCategory = (typeof hazardCategories)[number];

export const hazardGrades = ['general', 'major'] as const;
export type HazardGrade = (typeof hazardGrades)[number];

export interface ListedSupervision {
  since: IsoDate;
  deadline: IsoDate;
  /** Regular progress reports under listed supervision. */
  progress: { on: IsoDate; note: string }[];
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
}
