import { localDate, type IsoDate } from './dates.ts';
import {
  cadenceLabel,
  cadenceLabels,
  escalationsText,
  evidenceKindsText,
  lightLabel,
  periodLabel,
  reviewLabel,
  statusLabel,
  targetText,
} from './duty-labels.ts';
import type { InstanceRecord, ReviewState } from './instance.ts';
import type { InstanceStatus, Light } from './ladder.ts';
import { clauseLabel, unitName } from './messages.ts';
import type { Cadence, Plan } from './plan-schema.ts';
import { cellsInOrder, GAP, HEADER_ROW, safeFilename, tableWorkbook, XLSX_MEDIA_TYPE, type HeaderOf, type WorkbookColumn, type WorkbookSheet } from './workbook.ts';

/**
 * The duty ledger (消防工作台账) as an Excel workbook: every instance given, one sheet per cadence
 * (月度, 季度, 半年, 年度, 学年, 一次性, 事件, 重要节点; only the cadences that have rows, in that
 * order), each with a title row naming the town, the plan, the filters and the day it was made, a
 * frozen header row of Chinese headers, column widths, an autofilter and print settings (A4
 * landscape, one page wide, the header repeated on every page). With no instance at all, one sheet
 * `台账` says so under the same titles and headers.
 *
 * Pure: records and plan in, bytes out. The day it was made is the request's (never the system
 * clock); exceljs does no I/O for `writeBuffer`.
 */

export interface LedgerFilters {
  unit?: string | undefined;
  status?: InstanceStatus | undefined;
  light?: Light | undefined;
  period?: string | undefined;
  duty?: string | undefined;
  review?: ReviewState | undefined;
}

export interface LedgerInput {
  plan: Plan;
  records: readonly InstanceRecord[];
  filters: LedgerFilters;
  /** The request's instant: the day the ledger was made, in the plan's time zone, is taken from it. */
  madeAt: Date;
}

export const LEDGER_MEDIA_TYPE = XLSX_MEDIA_TYPE;

/** The sheet of the empty ledger. */
export const EMPTY_SHEET = '台账';
export const EMPTY_TEXT = '没有符合筛选条件的工作事项。';

export { HEADER_ROW };

type Column = WorkbookColumn;

/** The columns of every sheet, in order. */
export const LEDGER_COLUMNS = [
  { header: '序号', width: 6 },
  { header: '条款', width: 9 },
  { header: '工作事项', width: 36, kind: 'wrap' },
  { header: '责任单位', width: 16, kind: 'wrap' },
  { header: '周期', width: 16 },
  { header: '开始日期', width: 12, kind: 'date' },
  { header: '截止日期', width: 12, kind: 'date' },
  { header: '完成日期', width: 12, kind: 'date' },
  { header: '状态', width: 10 },
  { header: '灯色', width: 6 },
  { header: '督办记录', width: 26, kind: 'wrap' },
  { header: '审核', width: 24, kind: 'wrap' },
  { header: '报送情况', width: 40, kind: 'wrap' },
  { header: '目标与完成数', width: 20, kind: 'wrap' },
  { header: '应报材料', width: 18, kind: 'wrap' },
  { header: '佐证材料', width: 48, kind: 'wrap' },
  { header: '实例编号', width: 44 },
] as const satisfies readonly Column[];

export type LedgerHeader = HeaderOf<typeof LEDGER_COLUMNS>;

/** One row of the ledger, by header; dates as YYYY-MM-DD (written to the sheet as Excel dates). */
export type LedgerRow = Record<LedgerHeader, string | number>;

const LIGHT_FILL: Record<Light, string> = { green: 'FFC6EFCE', yellow: 'FFFFEB9C', red: 'FFFFC7CE' };

interface StoredEvidence {
  kind?: string;
  name?: string;
  url?: string;
  key?: string;
}

function evidenceText(record: InstanceRecord): string {
  const several = record.reports.length > 1;
  return record.reports
    .flatMap((report) =>
      (report.evidence as StoredEvidence[]).map((e) => {
        const parts = [e.name ?? e.kind ?? '', e.url, e.key ? `[文件 ${e.key}]` : undefined].filter((p): p is string => Boolean(p));
        return `${several ? `第${report.n}次：` : ''}${parts.join(' ')}`;
      }),
    )
    .join('\n');
}

function reportsText(record: InstanceRecord): string {
  return record.reports.map((r) => `第${r.n}次 ${r.on}：${r.note}${r.figure === undefined ? '' : `（数值 ${r.figure}）`}`).join('\n');
}

function reviewText(record: InstanceRecord): string {
  if (!record.review) return '';
  const last = record.reviews?.at(-1);
  const label = reviewLabel[record.review];
  if (!last || record.review === 'awaiting') return label;
  return `${label}（${last.on}${last.reason ? `：${last.reason}` : ''}）`;
}

function targetAndFigure(record: InstanceRecord): string {
  const target = targetText(record);
  const figure = record.reports.at(-1)?.figure;
  if (!target && figure === undefined) return '';
  if (figure === undefined) return target;
  return target ? `${target}；报送 ${figure}${record.target?.unit ?? ''}` : `报送 ${figure}`;
}

/** `（2022-06-10起暂停）` while the instance's duty is paused. */
function pausedText(record: InstanceRecord): string {
  const pausedOn = (record as { pausedOn?: string }).pausedOn;
  return pausedOn ? `（${pausedOn}起暂停）` : '';
}

/** The ledger's row for one instance (序号 is its place in its sheet). */
export function ledgerRow(plan: Plan, record: InstanceRecord, n: number): LedgerRow {
  return {
    序号: n,
    条款: clauseLabel(record.clause),
    工作事项: record.title.zh,
    责任单位: unitName(plan, record.owner),
    周期: periodLabel(record, plan),
    开始日期: record.opensOn,
    截止日期: record.dueOn,
    完成日期: record.completedOn ?? '',
    状态: `${statusLabel[record.status] ?? record.status}${pausedText(record)}`,
    灯色: lightLabel[record.light] ?? record.light,
    督办记录: escalationsText(record),
    审核: reviewText(record),
    报送情况: reportsText(record),
    目标与完成数: targetAndFigure(record),
    应报材料: evidenceKindsText(record.evidence),
    佐证材料: evidenceText(record),
    实例编号: record.id,
  };
}

/** The records by cadence, in the order of the sheets, each sorted by due date, then the plan's order of duties and units. */
export function ledgerSheets(plan: Plan, records: readonly InstanceRecord[]): { cadence: Cadence; name: string; records: InstanceRecord[] }[] {
  const dutyOrder = new Map(plan.duties.map((d, i) => [d.id, i]));
  const unitOrder = new Map(plan.units.map((u, i) => [u.id, i]));
  const rank = (map: Map<string, number>, id: string) => map.get(id) ?? Number.MAX_SAFE_INTEGER;
  const sorted = [...records].sort(
    (a, b) =>
      a.dueOn.localeCompare(b.dueOn) ||
      rank(dutyOrder, a.dutyId) - rank(dutyOrder, b.dutyId) ||
      rank(unitOrder, a.owner) - rank(unitOrder, b.owner) ||
      a.id.localeCompare(b.id),
  );
  const known = new Set(cadenceLabels.map(([c]) => c));
  const sheets = cadenceLabels.map(([cadence, name]) => ({ cadence, name, records: sorted.filter((r) => r.cadence === cadence) }));
  // A cadence the labels do not know yet (a future plan format) still gets its sheet, after the others.
  for (const cadence of new Set(sorted.map((r) => r.cadence).filter((c) => !known.has(c)))) {
    sheets.push({ cadence, name: cadenceLabel(cadence).slice(0, 31), records: sorted.filter((r) => r.cadence === cadence) });
  }
  return sheets.filter((s) => s.records.length > 0);
}

/** `责任单位：应急办；周期：2022年6月；状态：未完成`, or `全部` without filters. */
export function filtersText(plan: Plan, filters: LedgerFilters): string {
  const parts: string[] = [];
  if (filters.unit) parts.push(`责任单位：${unitName(plan, filters.unit)}`);
  if (filters.duty) parts.push(`工作事项：${plan.duties.find((d) => d.id === filters.duty)?.title.zh ?? filters.duty}`);
  if (filters.period) parts.push(`周期：${filters.period}`);
  if (filters.status) parts.push(`状态：${statusLabel[filters.status]}`);
  if (filters.light) parts.push(`灯色：${lightLabel[filters.light]}`);
  if (filters.review) parts.push(`审核：${reviewLabel[filters.review]}`);
  return parts.length > 0 ? parts.join('；') : '全部';
}

/** `消防工作台账-青峰镇-2022-07-01.xlsx`, with the unit's name when the ledger is one unit's. */
export function ledgerFilename(plan: Plan, madeOn: IsoDate, unit?: string): string {
  const parts = ['消防工作台账', plan.town.name, ...(unit ? [unitName(plan, unit)] : []), madeOn];
  return safeFilename(parts);
}

/** The ledger as the bytes of an .xlsx file. */
export async function ledgerWorkbook(input: LedgerInput): Promise<Buffer> {
  const { plan, records, filters, madeAt } = input;
  const madeOn = localDate(madeAt, plan.timeZone);
  const heading = (sheetName: string) => `${plan.town.name}消防工作台账（${sheetName}）· ${plan.title.zh}（${plan.document.number}）`;
  const subtitle = (count: number) => `筛选：${filtersText(plan, filters)}${GAP}制表日期：${madeOn}${GAP}共 ${count} 项`;
  const columns: readonly Column[] = LEDGER_COLUMNS;
  const lightColumn = columns.findIndex((c) => c.header === '灯色');
  const sheets: WorkbookSheet[] = ledgerSheets(plan, records).map(({ name, records: rows }) => ({
    name,
    title: heading(name),
    subtitle: subtitle(rows.length),
    columns,
    frozenColumns: 3,
    rows: rows.map((record, i) => cellsInOrder(LEDGER_COLUMNS, ledgerRow(plan, record, i + 1))),
    fills: rows.map((record, i) => ({ row: i, column: lightColumn, argb: LIGHT_FILL[record.light] ?? 'FFFFFFFF' })),
  }));
  if (sheets.length === 0) {
    sheets.push({ name: EMPTY_SHEET, title: heading('全部'), subtitle: subtitle(0), columns, frozenColumns: 3, rows: [], emptyText: EMPTY_TEXT });
  }
  return tableWorkbook({ title: `${plan.town.name}消防工作台账`, subject: plan.title.zh, madeAt, sheets });
}
