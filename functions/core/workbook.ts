import ExcelJS from 'exceljs';

/**
 * Ledgers (台账) as Excel workbooks, one way for all of them: each sheet has a title row, a line
 * saying what it holds (filters, the day it was made, how many rows), a frozen header row of
 * Chinese headers, column widths, an autofilter and print settings (A4 landscape, one page wide,
 * the header repeated on every page). Dates are written as Excel dates so that they sort and
 * filter as dates. Pure: rows in, bytes out (exceljs does no I/O for `writeBuffer`).
 */

export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Rows above the header: the title and the line of filters. */
const TITLE_ROWS = 2;
export const HEADER_ROW = TITLE_ROWS + 1;
/** Two ideographic spaces between the parts of a sheet's second line. */
export const GAP = '\u3000\u3000';

export interface WorkbookColumn {
  header: string;
  width: number;
  /** `date`: YYYY-MM-DD written as an Excel date; `wrap`: long text, wrapped. */
  kind?: 'date' | 'text' | 'wrap';
}

export type CellValue = string | number | null;

/** The headers of a list of columns written `as const`. */
export type HeaderOf<C extends readonly WorkbookColumn[]> = C[number]['header'];

/** A row given by header (`{ 序号: 1, … }`), as the sheet takes it: its cells in the columns' order. */
export function cellsInOrder<C extends readonly WorkbookColumn[]>(columns: C, row: Readonly<Record<HeaderOf<C>, CellValue>>): CellValue[] {
  return columns.map((column: C[number]) => row[column.header as HeaderOf<C>]);
}

export interface WorkbookSheet {
  name: string;
  title: string;
  subtitle: string;
  columns: readonly WorkbookColumn[];
  rows: readonly (readonly CellValue[])[];
  /** Columns kept in view when scrolling right. @default 0 */
  frozenColumns?: number;
  /** The line under the header of a sheet without rows. */
  emptyText?: string;
  /** Fill colours (ARGB) of single cells: row index (0-based, of `rows`) and column index. */
  fills?: readonly { row: number; column: number; argb: string }[];
}

export interface WorkbookInput {
  title: string;
  subject?: string;
  /** The instant it was made (the request's, never the system clock). */
  madeAt: Date;
  sheets: readonly WorkbookSheet[];
}

function excelDate(date: string): Date | string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : date;
}

/** A file name without the characters Windows and phones refuse. */
export function safeFilename(parts: readonly string[], extension = 'xlsx'): string {
  return `${parts.join('-').replace(/[\\/:*?"<>|\s]+/g, '_')}.${extension}`;
}

function addSheet(workbook: ExcelJS.Workbook, spec: WorkbookSheet): void {
  const { columns } = spec;
  const frozen = spec.frozenColumns ?? 0;
  const firstFree = String.fromCharCode('A'.charCodeAt(0) + frozen);
  const sheet = workbook.addWorksheet(spec.name, {
    views: [{ state: 'frozen', xSplit: frozen, ySplit: HEADER_ROW, topLeftCell: `${firstFree}${HEADER_ROW + 1}`, activeCell: `A${HEADER_ROW + 1}` }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: `${HEADER_ROW}:${HEADER_ROW}` },
  });
  columns.forEach((column, i) => {
    const col = sheet.getColumn(i + 1);
    col.width = column.width;
    if (column.kind === 'date') col.numFmt = 'yyyy-mm-dd';
  });
  const last = columns.length;
  const titleRow = sheet.getRow(1);
  titleRow.getCell(1).value = spec.title;
  titleRow.getCell(1).font = { bold: true, size: 14 };
  titleRow.height = 24;
  sheet.mergeCells(1, 1, 1, last);
  sheet.getRow(2).getCell(1).value = spec.subtitle;
  sheet.getRow(2).getCell(1).font = { size: 10, color: { argb: 'FF555555' } };
  sheet.mergeCells(2, 1, 2, last);
  const header = sheet.getRow(HEADER_ROW);
  columns.forEach((column, i) => {
    const cell = header.getCell(i + 1);
    cell.value = column.header;
    cell.font = { bold: true };
    cell.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
    cell.border = { bottom: { style: 'thin' } };
  });
  if (spec.rows.length === 0 && spec.emptyText) {
    sheet.getRow(HEADER_ROW + 1).getCell(1).value = spec.emptyText;
    sheet.mergeCells(HEADER_ROW + 1, 1, HEADER_ROW + 1, last);
  }
  spec.rows.forEach((values, i) => {
    const row = sheet.getRow(HEADER_ROW + 1 + i);
    columns.forEach((column, c) => {
      const value = values[c] ?? null;
      const cell = row.getCell(c + 1);
      cell.value = column.kind === 'date' && typeof value === 'string' && value !== '' ? excelDate(value) : value === '' ? null : value;
      cell.alignment = { vertical: 'top', wrapText: column.kind === 'wrap' };
    });
  });
  for (const fill of spec.fills ?? []) {
    const cell = sheet.getRow(HEADER_ROW + 1 + fill.row).getCell(fill.column + 1);
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: fill.argb } };
    cell.alignment = { vertical: 'top', horizontal: 'center' };
  }
  sheet.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: HEADER_ROW + Math.max(spec.rows.length, 0), column: last } };
}

/** The workbook's bytes. */
export async function tableWorkbook(input: WorkbookInput): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Fireplan';
  workbook.created = input.madeAt;
  workbook.modified = input.madeAt;
  workbook.title = input.title;
  if (input.subject) workbook.subject = input.subject;
  for (const sheet of input.sheets) addSheet(workbook, sheet);
  const bytes = await workbook.xlsx.writeBuffer();
  return Buffer.from(bytes as unknown as ArrayBuffer);
}
