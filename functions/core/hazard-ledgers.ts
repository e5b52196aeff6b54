import { localDate, type IsoDate } from './dates.ts';
import { exposureStatusLabel, quarterLabel, type ExposureList } from './exposure.ts';
import { categoryLabel, gradeLabel, plantMeasureLabel, selfBuiltProblemLabel, type HazardContact, type HazardRecord } from './hazards.ts';
import { unitName } from './messages.ts';
import type { Plan } from './plan-schema.ts';
import { selfBuiltUseLabel, type SelfBuiltHouse } from './self-built-houses.ts';
import { GAP, safeFilename, tableWorkbook, type WorkbookColumn } from './workbook.ts';

/**
 * The ledgers of items 6, 7 and 8 as Excel workbooks, with Chinese headers, through the one
 * workbook writer (functions/core/workbook.ts): the hazard ledger (火灾隐患整改台账), the baseline
 * list of self-built houses with its problem ledger (自建房底数清单和问题台账), and a quarter's
 * exposure list (重大火灾隐患曝光清单). Personal data (contacts) appear only in the hazard and house
 * ledgers, and only when asked for (admins); never in an exposure list.
 *
 * Pure: records in, bytes out; the day is the request's.
 */

export const HAZARD_COLUMNS = [
  { header: '序号', width: 6 },
  { header: '隐患编号', width: 22 },
  { header: '发现日期', width: 12, kind: 'date' },
  { header: '场所（地点）', width: 28, kind: 'wrap' },
  { header: '所在村（社区）', width: 14 },
  { header: '类别', width: 16, kind: 'wrap' },
  { header: '等级', width: 14 },
  { header: '隐患情况', width: 44, kind: 'wrap' },
  { header: '自建房突出问题', width: 36, kind: 'wrap' },
  { header: '住宿人数', width: 9 },
  { header: '整治措施', width: 9 },
  { header: '整改责任单位', width: 14 },
  { header: '整改期限', width: 12, kind: 'date' },
  { header: '状态', width: 10 },
  { header: '挂牌督办', width: 22, kind: 'wrap' },
  { header: '督办进展', width: 40, kind: 'wrap' },
  { header: '销案日期', width: 12, kind: 'date' },
  { header: '销案情况', width: 36, kind: 'wrap' },
  { header: '跟踪事项编号', width: 44 },
] as const satisfies readonly WorkbookColumn[];

export const CONTACT_COLUMNS = [
  { header: '联系人', width: 10 },
  { header: '联系电话', width: 16 },
] as const satisfies readonly WorkbookColumn[];

/** A ledger's columns, with the contact's (personal data) at the end when they are asked for. */
function withContactColumns(columns: readonly WorkbookColumn[], withContacts: boolean): readonly WorkbookColumn[] {
  return withContacts ? [...columns, ...CONTACT_COLUMNS] : columns;
}

/** The cells of CONTACT_COLUMNS. */
function contactCells(contact: HazardContact | null | undefined): string[] {
  return [contact?.name ?? '', contact?.phone ?? ''];
}

export const HOUSE_COLUMNS = [
  { header: '序号', width: 6 },
  { header: '编号', width: 22 },
  { header: '地址', width: 30, kind: 'wrap' },
  { header: '所在村（社区）', width: 14 },
  { header: '层数', width: 6 },
  { header: '住宿人数', width: 9 },
  { header: '使用功能', width: 14 },
  { header: '纳入综合治理', width: 12 },
  { header: '发现问题', width: 48, kind: 'wrap' },
  { header: '已登记隐患', width: 26, kind: 'wrap' },
  { header: '登记日期', width: 12, kind: 'date' },
  { header: '备注', width: 24, kind: 'wrap' },
] as const satisfies readonly WorkbookColumn[];

export const EXPOSURE_COLUMNS = [
  { header: '序号', width: 6 },
  { header: '隐患编号', width: 22 },
  { header: '场所（地点）', width: 30, kind: 'wrap' },
  { header: '所在村（社区）', width: 14 },
  { header: '类别', width: 16, kind: 'wrap' },
  { header: '隐患情况', width: 50, kind: 'wrap' },
  { header: '整改责任单位', width: 14 },
  { header: '发现日期', width: 12, kind: 'date' },
  { header: '整改期限', width: 12, kind: 'date' },
  { header: '挂牌督办', width: 9 },
] as const satisfies readonly WorkbookColumn[];

const statusText = (h: HazardRecord) => (h.status === 'closed' ? '已销案' : '整改中');

export function hazardRow(plan: Plan, h: HazardRecord, n: number, withContacts: boolean): (string | number | null)[] {
  const listed = h.listed ? `${h.listed.since}起挂牌，督办期限${h.listed.deadline}` : '';
  const progress = h.listed ? h.listed.progress.map((p) => `${p.on}：${p.note}`).join('\n') : '';
  const row: (string | number | null)[] = [
    n,
    h.id,
    h.foundOn,
    h.place,
    unitName(plan, h.area),
    categoryLabel[h.category] ?? h.category,
    gradeLabel[h.grade] ?? h.grade,
    h.description,
    (h.problems ?? []).map((p) => selfBuiltProblemLabel[p] ?? p).join('；'),
    h.occupants ?? null,
    h.measure ? plantMeasureLabel[h.measure] : '',
    unitName(plan, h.owner),
    h.deadline,
    statusText(h),
    listed,
    progress,
    h.closedOn ?? '',
    h.closure ? h.closure.note : '',
    h.instanceId,
  ];
  if (withContacts) row.push(...contactCells(h.contact));
  return row;
}

export interface HazardLedgerInput {
  plan: Plan;
  hazards: readonly HazardRecord[];
  /** `状态：整改中；等级：重大火灾隐患`, or 全部. */
  filters: string;
  madeAt: Date;
  withContacts: boolean;
}

export async function hazardLedgerWorkbook({ plan, hazards, filters, madeAt, withContacts }: HazardLedgerInput): Promise<Buffer> {
  const madeOn = localDate(madeAt, plan.timeZone);
  const sorted = [...hazards].sort((a, b) => a.foundOn.localeCompare(b.foundOn) || a.id.localeCompare(b.id));
  return tableWorkbook({
    title: `${plan.town.name}火灾隐患整改台账`,
    subject: '火灾隐患整改台账（第6、7、8条）',
    madeAt,
    sheets: [
      {
        name: '火灾隐患台账',
        title: `${plan.town.name}火灾隐患整改台账 · ${plan.title.zh}（${plan.document.number}）第6、7、8条`,
        subtitle: `筛选：${filters}${GAP}制表日期：${madeOn}${GAP}共 ${sorted.length} 处`,
        columns: withContactColumns(HAZARD_COLUMNS, withContacts),
        rows: sorted.map((h, i) => hazardRow(plan, h, i + 1, withContacts)),
        frozenColumns: 2,
        emptyText: '没有符合筛选条件的火灾隐患。',
      },
    ],
  });
}

export function houseRow(plan: Plan, h: SelfBuiltHouse, n: number, withContacts: boolean): (string | number | null)[] {
  const row: (string | number | null)[] = [
    n,
    h.id,
    h.address,
    unitName(plan, h.area),
    h.floors,
    h.occupants,
    h.uses.map((u) => selfBuiltUseLabel[u] ?? u).join('、'),
    h.inScope ? '是' : '否',
    h.problems.map((p) => `${selfBuiltProblemLabel[p.code] ?? p.code}${p.note ? `（${p.note}）` : ''}`).join('\n'),
    h.problems.flatMap((p) => (p.hazardId ? [p.hazardId] : [])).join('\n'),
    h.recordedOn,
    h.note ?? '',
  ];
  if (withContacts) row.push(...contactCells(h.contact));
  return row;
}

export interface HouseLedgerInput {
  plan: Plan;
  houses: readonly SelfBuiltHouse[];
  filters: string;
  madeAt: Date;
  withContacts: boolean;
}

/** Two sheets: the baseline list (every house) and the problem ledger (one row per problem found). */
export async function houseLedgerWorkbook({ plan, houses, filters, madeAt, withContacts }: HouseLedgerInput): Promise<Buffer> {
  const madeOn = localDate(madeAt, plan.timeZone);
  const sorted = [...houses].sort((a, b) => a.area.localeCompare(b.area) || a.address.localeCompare(b.address, 'zh') || a.id.localeCompare(b.id));
  const problems = sorted.flatMap((h) => h.problems.map((p) => ({ house: h, problem: p })));
  return tableWorkbook({
    title: `${plan.town.name}自建房底数清单和问题台账`,
    subject: '自建房重大火灾风险综合治理（第7条）',
    madeAt,
    sheets: [
      {
        name: '底数清单',
        title: `${plan.town.name}自建房底数清单（具有生产、经营、租住功能且住宿10人及以上的纳入综合治理）`,
        subtitle: `筛选：${filters}${GAP}制表日期：${madeOn}${GAP}共 ${sorted.length} 栋，纳入治理 ${sorted.filter((h) => h.inScope).length} 栋`,
        columns: withContactColumns(HOUSE_COLUMNS, withContacts),
        rows: sorted.map((h, i) => houseRow(plan, h, i + 1, withContacts)),
        frozenColumns: 3,
        emptyText: '没有登记的自建房。',
      },
      {
        name: '问题台账',
        title: `${plan.town.name}自建房突出问题台账`,
        subtitle: `筛选：${filters}${GAP}制表日期：${madeOn}${GAP}共 ${problems.length} 项`,
        columns: [
          { header: '序号', width: 6 },
          { header: '自建房编号', width: 22 },
          { header: '地址', width: 30, kind: 'wrap' },
          { header: '所在村（社区）', width: 14 },
          { header: '突出问题', width: 44, kind: 'wrap' },
          { header: '情况说明', width: 30, kind: 'wrap' },
          { header: '隐患编号', width: 22 },
        ],
        rows: problems.map(({ house, problem }, i) => [
          i + 1,
          house.id,
          house.address,
          unitName(plan, house.area),
          selfBuiltProblemLabel[problem.code] ?? problem.code,
          problem.note ?? '',
          problem.hazardId ?? '未登记',
        ]),
        frozenColumns: 2,
        emptyText: '没有发现突出问题。',
      },
    ],
  });
}

export function exposureRows(list: ExposureList): (string | number | null)[][] {
  return list.entries.map((e, i) => [i + 1, e.hazardId, e.place, e.areaName, e.categoryName, e.description, e.ownerName, e.foundOn, e.deadline, e.listed ? '是' : '否']);
}

/** A quarter's exposure list as it stands (草稿, 已审核 or 已公开): no contact, no person, no phone number. */
export async function exposureWorkbook(plan: Plan, list: ExposureList, madeAt: Date): Promise<Buffer> {
  const madeOn = localDate(madeAt, plan.timeZone);
  const state = list.status === 'published' ? `已于${list.publishedOn}公开` : exposureStatusLabel[list.status];
  return tableWorkbook({
    title: `${plan.town.name}${quarterLabel(list.quarter)}重大火灾隐患曝光清单`,
    subject: '每季度集中曝光一批重大火灾隐患（第8条）',
    madeAt,
    sheets: [
      {
        name: '曝光清单',
        title: `${plan.town.name}${quarterLabel(list.quarter)}重大火灾隐患曝光清单（${state}）`,
        subtitle: `起草日期：${list.draftedOn}${GAP}制表日期：${madeOn}${GAP}共 ${list.entries.length} 处`,
        columns: EXPOSURE_COLUMNS,
        rows: exposureRows(list),
        frozenColumns: 2,
        emptyText: '本季度没有拟曝光的重大火灾隐患。',
      },
    ],
  });
}

export function hazardLedgerFilename(plan: Plan, madeOn: IsoDate): string {
  return safeFilename(['火灾隐患整改台账', plan.town.name, madeOn]);
}

export function houseLedgerFilename(plan: Plan, madeOn: IsoDate): string {
  return safeFilename(['自建房底数清单和问题台账', plan.town.name, madeOn]);
}

export function exposureFilename(plan: Plan, list: ExposureList): string {
  return safeFilename(['重大火灾隐患曝光清单', plan.town.name, list.quarter, exposureStatusLabel[list.status]]);
}
