import { escapeHtml } from '../../functions/core/messages.ts';
import type { Summary } from './summary.ts';

/**
 * One self-contained page (no scripts, no external files) for leadership: the light board, the
 * monthly on-time rate, and the league table, from a simulation's summary.
 */

export interface MonthRate {
  month: string;
  due: number;
  onTime: number;
  late: number;
  missed: number;
  open: number;
}

export function monthlyRates(summary: Summary): MonthRate[] {
  const months = new Map<string, MonthRate>();
  for (const i of summary.instances) {
    if (i.dueOn > summary.to) continue;
    const month = i.dueOn.slice(0, 7);
    const row = months.get(month) ?? { month, due: 0, onTime: 0, late: 0, missed: 0, open: 0 };
    row.due += 1;
    if (i.status === 'on_time') row.onTime += 1;
    else if (i.status === 'late') row.late += 1;
    else if (i.status === 'missed') row.missed += 1;
    else row.open += 1;
    months.set(month, row);
  }
  return [...months.values()].sort((a, b) => (a.month < b.month ? -1 : 1));
}

function chart(rates: MonthRate[]): string {
  const width = 640;
  const height = 220;
  const left = 40;
  const bottom = 30;
  const barWidth = rates.length === 0 ? 0 : Math.min(48, (width - left - 10) / rates.length - 8);
  const bars = rates
    .map((r, n) => {
      const rate = r.due === 0 ? 0 : r.onTime / r.due;
      const h = Math.round(rate * (height - bottom - 20));
      const x = left + 8 + n * (barWidth + 8);
      const y = height - bottom - h;
      return [
        `<rect x="${x}" y="${y}" width="${barWidth}" height="${h}" fill="#2e7d32"><title>${escapeHtml(`${r.month}: ${r.onTime}/${r.due} on time`)}</title></rect>`,
        `<text x="${x + barWidth / 2}" y="${y - 4}" font-size="11" text-anchor="middle">${Math.round(rate * 100)}%</text>`,
        `<text x="${x + barWidth / 2}" y="${height - bottom + 16}" font-size="11" text-anchor="middle">${escapeHtml(r.month.slice(5))}月</text>`,
      ].join('');
    })
    .join('');
  const axis = `<line x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}" stroke="#555"/><text x="4" y="14" font-size="11">按时完成率</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="monthly on-time rate">${axis}${bars}</svg>`;
}

export function reportHtml(summary: Summary): string {
  const names = new Map(summary.units.map((u) => [u.id, u.name]));
  const towns = summary.towns.length;
  const unitLabel = (id: string) => (towns > 1 ? `${names.get(id) ?? id}（${id.split(':')[0]}）` : (names.get(id) ?? id));
  const board = new Map<string, Record<string, number>>();
  for (const i of summary.instances) {
    if (i.opensOn > summary.to) continue;
    const row = board.get(i.owner) ?? { green: 0, yellow: 0, red: 0, on_time: 0, late: 0, missed: 0 };
    if (i.status === 'open') row[i.light] = (row[i.light] ?? 0) + 1;
    else row[i.status] = (row[i.status] ?? 0) + 1;
    board.set(i.owner, row);
  }
  const order = summary.units.map((u) => u.id).filter((id) => board.has(id));
  const cell = (n: number, colour: string) => `<td style="text-align:right;${n > 0 ? `background:${colour}` : ''}">${n}</td>`;
  const boardRows = order
    .map((id) => {
      const r = board.get(id) ?? {};
      return `<tr><td>${escapeHtml(unitLabel(id))}</td>${cell(r['green'] ?? 0, '#c8e6c9')}${cell(r['yellow'] ?? 0, '#fff59d')}${cell(r['red'] ?? 0, '#ef9a9a')}${cell(r['on_time'] ?? 0, '')}${cell(r['late'] ?? 0, '')}${cell(r['missed'] ?? 0, '#ef9a9a')}</tr>`;
    })
    .join('\n');
  const league = [...summary.scores]
    .sort((a, b) => (a.town < b.town ? -1 : a.town > b.town ? 1 : a.rank - b.rank))
    .map((s) => `<tr><td>${s.rank}</td><td>${escapeHtml(unitLabel(s.unit))}</td><td style="text-align:right">${s.score.toFixed(1)}</td><td style="text-align:right">${s.onTime}</td><td style="text-align:right">${s.late}</td><td style="text-align:right">${s.missed + s.overdue}</td></tr>`)
    .join('\n');
  const rates = monthlyRates(summary);
  const rateRows = rates.map((r) => `<tr><td>${r.month}</td><td style="text-align:right">${r.due}</td><td style="text-align:right">${r.onTime}</td><td style="text-align:right">${r.late}</td><td style="text-align:right">${r.missed}</td><td style="text-align:right">${r.open}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(summary.planId)} · ${summary.from}—${summary.to}</title>
<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #ccc;padding:3px 8px}th{background:#f3f3f3}</style></head>
<body>
<h1>消防工作回放报告 · ${escapeHtml(summary.planId)}</h1>
<p>${summary.from} 至 ${summary.to}，${towns} 个镇，随机种子 ${summary.seed}。共 ${summary.instances.length} 项任务实例，发出邮件 ${summary.notices.length} 封。</p>
<h2>红黄绿灯 Light board</h2>
<table><tr><th>单位 Unit</th><th>绿灯</th><th>黄灯</th><th>红灯</th><th>按时完成</th><th>逾期完成</th><th>未完成</th></tr>
${boardRows}
</table>
<h2>每月按时完成率 Monthly on-time rate</h2>
${chart(rates)}
<table><tr><th>月份</th><th>到期</th><th>按时</th><th>逾期完成</th><th>未完成</th><th>未报送</th></tr>
${rateRows}
</table>
<h2>排名 League table</h2>
<table><tr><th>名次</th><th>单位</th><th>得分</th><th>按时</th><th>逾期</th><th>未完成</th></tr>
${league}
</table>
<h2>运行成本 Operations</h2>
<table>${Object.entries(summary.operations).map(([k, v]) => `<tr><th style="text-align:left">${escapeHtml(k)}</th><td style="text-align:right">${v}</td></tr>`).join('')}</table>
</body></html>
`;
}
