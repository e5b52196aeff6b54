import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHEET, EMPTY_TEXT, HEADER_ROW, LEDGER_COLUMNS, ledgerFilename, ledgerRow, ledgerWorkbook, filtersText } from '../../functions/core/ledger.ts';
import { documentPlan, documentRecords, ids } from '../support/document-fixture.ts';

const plan = documentPlan();
const records = documentRecords(plan);
// 01:00 on 2022-07-01 in Shanghai, still 2022-06-30 in UTC: the ledger is made on the Shanghai day.
const madeAt = new Date('2022-06-30T17:00:00Z');

async function open(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook;
}

const headers = LEDGER_COLUMNS.map((c) => c.header);

function rowValues(sheet: ExcelJS.Worksheet, row: number): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  headers.forEach((header, i) => {
    values[header] = sheet.getRow(row).getCell(i + 1).value;
  });
  return values;
}

function rowOf(sheet: ExcelJS.Worksheet, instanceId: string): Record<string, unknown> {
  for (let row = HEADER_ROW + 1; row <= sheet.rowCount; row++) {
    const values = rowValues(sheet, row);
    if (values['实例编号'] === instanceId) return values;
  }
  throw new Error(`no row for ${instanceId} in sheet ${sheet.name}`);
}

const day = (value: unknown) => (value instanceof Date ? value.toISOString().slice(0, 10) : value);

describe('the ledger workbook', () => {
  it('has one sheet per cadence that has instances, in the order of cadences, each with the Chinese headers and one row per instance', async () => {
    const workbook = await open(await ledgerWorkbook({ plan, records, filters: {}, madeAt }));

    expect(workbook.worksheets.map((s) => s.name)).toEqual(['月度', '季度']);
    const [monthly, quarterly] = workbook.worksheets as [ExcelJS.Worksheet, ExcelJS.Worksheet];
    for (const sheet of [monthly, quarterly]) {
      expect((sheet.getRow(HEADER_ROW).values as unknown[]).slice(1)).toEqual(headers);
    }
    expect(headers).toEqual(expect.arrayContaining(['条款', '工作事项', '责任单位', '周期', '开始日期', '截止日期', '完成日期', '状态', '灯色', '督办记录', '审核', '佐证材料']));
    expect(monthly.rowCount - HEADER_ROW).toBe(3);
    expect(quarterly.rowCount - HEADER_ROW).toBe(1);
  });

  it('writes each instance’s owner, period, dates, status, light, escalations, review, reports and evidence in Chinese', async () => {
    const workbook = await open(await ledgerWorkbook({ plan, records, filters: {}, madeAt }));
    const monthly = workbook.getWorksheet('月度') as ExcelJS.Worksheet;
    const quarterly = workbook.getWorksheet('季度') as ExcelJS.Worksheet;

    const done = rowOf(monthly, ids.analysis('emergency-office'));
    const overdue = rowOf(monthly, ids.analysis('village-1'));
    const missed = rowOf(monthly, ids.analysis('village-2'));
    const meeting = rowOf(quarterly, ids.meeting());

    expect({ ...done, 开始日期: day(done['开始日期']), 截止日期: day(done['截止日期']), 完成日期: day(done['完成日期']) }).toMatchObject({
      条款: '第2条',
      工作事项: '每月分析消防安全形势',
      责任单位: '应急办',
      周期: '2022年6月',
      开始日期: '2022-06-01',
      截止日期: '2022-06-30',
      完成日期: '2022-06-20',
      状态: '按时完成',
      灯色: '绿',
      审核: '已通过（2022-06-22）',
      报送情况: '第1次 2022-06-20：6月20日召开消防安全形势分析会',
      应报材料: '会议纪要、签到表',
    });
    expect(done['佐证材料']).toBe('会议纪要.pdf https://docs.example.org/minutes-0620.pdf\n签到表.jpg [文件 evidence/qingfeng/emergency-office/0620-sign-in.jpg]');
    expect(done['督办记录']).toBeNull();
    expect(overdue).toMatchObject({ 责任单位: '示例村一', 状态: '进行中', 灯色: '黄', 督办记录: '黄灯督办 2022-07-01', 完成日期: null, 审核: null });
    expect(missed).toMatchObject({ 责任单位: '示例村二', 状态: '未完成', 灯色: '红', 督办记录: '黄灯督办 2022-07-01；红灯通报 2022-07-07；警示约谈 2022-07-14' });
    expect(meeting).toMatchObject({ 条款: '三（二）', 周期: '2022年第二季度', 状态: '逾期完成', 审核: '待审核', 目标与完成数: '参会人数不少于15人；报送 16人' });
    // Rows by due date, then the plan's order of units; 序号 counts within the sheet.
    expect([4, 5, 6].map((row) => monthly.getRow(row).getCell(headers.indexOf('责任单位') + 1).value)).toEqual(['应急办', '示例村一', '示例村二']);
    expect([4, 5, 6].map((row) => monthly.getRow(row).getCell(1).value)).toEqual([1, 2, 3]);
  });

  it('names the town, the plan, the filters and the request’s day (in Shanghai) above a frozen, filterable header', async () => {
    const filtered = records.filter((r) => r.owner === 'emergency-office');
    const workbook = await open(await ledgerWorkbook({ plan, records: filtered, filters: { unit: 'emergency-office', status: 'on_time' }, madeAt }));
    const sheet = workbook.getWorksheet('月度') as ExcelJS.Worksheet;

    const title = String(sheet.getCell('A1').value);
    const subtitle = String(sheet.getCell('A2').value);
    expect(title).toContain('青峰镇');
    expect(title).toContain('测试计划');
    expect(title).toContain('测试〔2022〕1号');
    expect(subtitle).toContain('责任单位：应急办；状态：按时完成');
    expect(subtitle).toContain('制表日期：2022-07-01');
    expect(subtitle).toContain('共 1 项');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: HEADER_ROW, xSplit: 3 });
    expect(sheet.autoFilter).toBe(`A${HEADER_ROW}:Q${HEADER_ROW + 1}`);
    expect(sheet.getColumn(headers.indexOf('工作事项') + 1).width).toBe(36);
    expect(sheet.getColumn(headers.indexOf('截止日期') + 1).numFmt).toBe('yyyy-mm-dd');
    expect(workbook.created.toISOString()).toBe(madeAt.toISOString());
  });

  it('says so on one sheet when nothing matches the filters', async () => {
    const workbook = await open(await ledgerWorkbook({ plan, records: [], filters: { light: 'red' }, madeAt }));

    expect(workbook.worksheets.map((s) => s.name)).toEqual([EMPTY_SHEET]);
    const sheet = workbook.worksheets[0] as ExcelJS.Worksheet;
    expect((sheet.getRow(HEADER_ROW).values as unknown[]).slice(1)).toEqual(headers);
    expect(sheet.getCell(`A${HEADER_ROW + 1}`).value).toBe(EMPTY_TEXT);
    expect(String(sheet.getCell('A2').value)).toContain('灯色：红');
    expect(String(sheet.getCell('A2').value)).toContain('共 0 项');
  });

  it('names the file after the town, the unit and the day, and the filters in words', () => {
    expect(ledgerFilename(plan, '2022-07-01')).toBe('消防工作台账-青峰镇-2022-07-01.xlsx');
    expect(ledgerFilename(plan, '2022-07-01', 'village-1')).toBe('消防工作台账-青峰镇-示例村一-2022-07-01.xlsx');
    expect(filtersText(plan, {})).toBe('全部');
    expect(filtersText(plan, { period: '2022-06', review: 'returned', duty: 'monthly-analysis' })).toBe('工作事项：每月分析消防安全形势；周期：2022-06；审核：已退回');
  });

  it('shows a returned report with its day and reason', () => {
    const [done] = records;
    const returned = { ...done!, review: 'returned' as const, reviews: [{ report: 1, outcome: 'returned' as const, on: '2022-06-21', by: 'admin-1', reason: '缺少签到表' }] };

    expect(ledgerRow(plan, returned, 1)['审核']).toBe('已退回（2022-06-21：缺少签到表）');
  });
});
