/** The ledgers of items 6, 7 and 8 as Excel workbooks (functions/core/hazard-ledgers.ts), opened with exceljs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { draftExposure } from '../../functions/core/exposure.ts';
import { CONTACT_COLUMNS, EXPOSURE_COLUMNS, HAZARD_COLUMNS, HOUSE_COLUMNS, exposureWorkbook, hazardLedgerWorkbook, houseLedgerWorkbook } from '../../functions/core/hazard-ledgers.ts';
import { hazardIdFor, newHazard, type HazardInput } from '../../functions/core/hazards.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import { planCalendar } from '../../functions/core/schedule.ts';
import { newHouse } from '../../functions/core/self-built-houses.ts';
import { HEADER_ROW } from '../../functions/core/workbook.ts';

const file = join(import.meta.dirname, '../../plans/qingfeng-2022.yaml');
const plan = parsePlan(readFileSync(file, 'utf8'), file);
const calendar = planCalendar(plan);
const madeAt = new Date('2022-06-30T02:00:00Z');

const hazard = (seed: string, overrides: Partial<HazardInput>) =>
  newHazard({
    plan,
    planVersion: 'v1',
    calendar,
    id: hazardIdFor('2022-06-20', seed),
    input: { place: '兴隆路8号 日杂店', area: 'village-1', category: 'nine-small', grade: 'major', owner: 'village-1', description: '电动车室内充电', ...overrides },
    today: '2022-06-20',
    by: 'admin-1',
  }).hazard;

async function open(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook;
}

const headersOf = (sheet: ExcelJS.Worksheet) => (sheet.getRow(HEADER_ROW).values as unknown[]).slice(1);
const cellsOf = (sheet: ExcelJS.Worksheet, row: number) => (sheet.getRow(row).values as unknown[]).slice(1).map((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v));

describe('the hazard ledger', () => {
  const hazards = [hazard('a', { contact: { name: '王小明', phone: '13812345678' } }), hazard('b', { category: 'self-built-house', occupants: 12, problems: ['insufficient-exits'] })];

  it('has the Chinese headers and a row per hazard, with contacts only when asked for', async () => {
    const withContacts = await open(await hazardLedgerWorkbook({ plan, hazards, filters: '全部', madeAt, withContacts: true }));
    const without = await open(await hazardLedgerWorkbook({ plan, hazards, filters: '全部', madeAt, withContacts: false }));

    const sheet = withContacts.getWorksheet('火灾隐患台账')!;
    expect(headersOf(sheet)).toEqual([...HAZARD_COLUMNS, ...CONTACT_COLUMNS].map((c) => c.header));
    expect(sheet.getRow(2).getCell(1).value).toBe('筛选：全部\u3000\u3000制表日期：2022-06-30\u3000\u3000共 2 处');
    const row = cellsOf(sheet, HEADER_ROW + 1);
    expect(row.slice(0, 8)).toEqual([1, hazards[0]!.id, '2022-06-20', '兴隆路8号 日杂店', '示例村一', '九小场所', '重大火灾隐患', '电动车室内充电']);
    expect(row.slice(-2)).toEqual(['王小明', '13812345678']);
    expect(cellsOf(sheet, HEADER_ROW + 2)[8]).toBe('安全出口、疏散楼梯不足');
    const plain = without.getWorksheet('火灾隐患台账')!;
    expect(headersOf(plain)).toEqual(HAZARD_COLUMNS.map((c) => c.header));
    expect(JSON.stringify(plain.getSheetValues())).not.toContain('13812345678');
  });
});

describe('the self-built houses ledger', () => {
  it('has the baseline list and the problem ledger', async () => {
    const house = newHouse(plan, 'sbh-20220620-00000001', { address: '3组45号', area: 'village-1', floors: 4, occupants: 16, uses: ['rental'], problems: [{ code: 'flammable-panels' }, { code: 'indoor-ebike-charging', note: '楼梯间' }] }, '2022-06-20', 'u');

    const workbook = await open(await houseLedgerWorkbook({ plan, houses: [house], filters: '全部', madeAt, withContacts: false }));

    const list = workbook.getWorksheet('底数清单')!;
    expect(headersOf(list)).toEqual(HOUSE_COLUMNS.map((c) => c.header));
    expect(cellsOf(list, HEADER_ROW + 1).slice(0, 8)).toEqual([1, house.id, '3组45号', '示例村一', 4, 16, '租住', '是']);
    const problems = workbook.getWorksheet('问题台账')!;
    expect(cellsOf(problems, HEADER_ROW + 2)).toEqual([2, house.id, '3组45号', '示例村一', '电动车及蓄电池在室内停放、充电', '楼梯间', '未登记']);
  });
});

describe('the exposure list', () => {
  it('shows the entries under Chinese headers, and no personal data', async () => {
    const list = draftExposure({ plan, date: '2022-06-30', hazards: [hazard('a', { description: '店主王小明电话13812345678', contact: { name: '王小明', phone: '13812345678' } })] });

    const workbook = await open(await exposureWorkbook(plan, list, madeAt));

    const sheet = workbook.getWorksheet('曝光清单')!;
    expect(sheet.getRow(1).getCell(1).value).toBe(`${plan.town.name}2022年第二季度重大火灾隐患曝光清单（草稿）`);
    expect(headersOf(sheet)).toEqual(EXPOSURE_COLUMNS.map((c) => c.header));
    expect(cellsOf(sheet, HEADER_ROW + 1)[5]).toBe('店主[姓名已隐去]电话[电话已隐去]');
    const everything = JSON.stringify(sheet.getSheetValues());
    expect(everything).not.toContain('13812345678');
    expect(everything).not.toContain('王小明');
  });
});
