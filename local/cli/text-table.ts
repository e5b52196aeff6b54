/**
 * Plain-text tables that stay aligned in a terminal when cells hold Chinese: a CJK character takes
 * two columns, so padding counts display width, not string length.
 */

const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += WIDE.test(char) ? 2 : 1;
  return width;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** Rows of cells, columns separated by two spaces, trailing spaces trimmed. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths = header.map((h, column) => Math.max(displayWidth(h), ...rows.map((row) => displayWidth(row[column] ?? ''))));
  const line = (cells: readonly string[]) => (indent + cells.map((cell, column) => padEnd(cell, widths[column] ?? 0)).join('  ')).trimEnd();
  return [line(header), ...rows.map(line)];
}
