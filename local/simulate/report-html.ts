import { exposureStatusLabel } from '../../functions/core/exposure.ts';
import { categoryLabel, type HazardCategory } from '../../functions/core/hazards.ts';
import { stageLabel } from '../../functions/core/incidents.ts';
import { escapeHtml } from '../../functions/core/messages.ts';
import { trajectoryStatusLabel } from '../../functions/core/recruitment.ts';
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

const td = (value: string | number, right = false) => `<td${right ? ' style="text-align:right"' : ''}>${escapeHtml(String(value))}</td>`;

const statusWords: Record<string, string> = { on_time: '按时完成', late: '逾期完成', missed: '未完成', open: '办理中' };
const triggerWords: Record<string, string> = { deaths: '亡人', 'major-impact': '重大社会影响' };
const categoryName = (category: string) => categoryLabel[category as HazardCategory] ?? category;

/** The special flows: a section each for recruitment, fires, hazards with the exposure lists, and the key-date alerts. */
export function specialSections(summary: Summary, unitLabel: (id: string) => string): string {
  const towns = summary.towns.length > 1;
  const townCell = (town: string) => (towns ? td(town) : '');
  const townHead = towns ? '<th>镇</th>' : '';

  const recruitment = summary.recruitment
    .map((c) => {
      const stageName = new Map<string, string>(c.byStage.map((s) => [s.stage, s.name]));
      const stages = c.byStage.map((s) => `<tr>${townCell(c.town)}${td(s.name)}${td(s.stage)}${td(s.count, true)}</tr>`).join('\n');
      const escalations =
        c.escalations.length === 0
          ? '<p>全年未因进度滞后督办。</p>'
          : `<table><tr>${townHead}<th>月份</th><th>督办日期</th><th>已聘用</th><th>预计聘用</th><th>缺口</th><th>薄弱环节</th></tr>\n${c.escalations
              .map((e) => `<tr>${townCell(c.town)}${td(e.month)}${td(e.on)}${td(e.hired, true)}${td(e.projected, true)}${td(e.missing, true)}${td(e.thinStage ? (stageName.get(e.thinStage) ?? e.thinStage) : '')}</tr>`)
              .join('\n')}</table>`;
      return `<p>${escapeHtml(towns ? `${c.town}：` : '')}目标 ${c.target} 人，截止 ${c.deadline}，已聘用 ${c.hired} 人，预计 ${c.projected} 人（${escapeHtml(trajectoryStatusLabel.zh[c.status])}），责任单位 ${escapeHtml(unitLabel(c.owner))}，更新 ${c.updates} 次。</p>
<table><tr>${townHead}<th>环节</th><th>Stage</th><th>人数/岗位数</th></tr>
${stages}
</table>
${escalations}`;
    })
    .join('\n');

  const chainRows = summary.incidents
    .flatMap((f) => {
      const part = (label: string, list: { id: string; owner: string; opensOn: string; dueOn: string; completedOn: string | null; status: string }[]) =>
        list.map((i) => `<tr>${townCell(f.town)}${td(f.id)}${td(label)}${td(unitLabel(i.owner))}${td(i.opensOn)}${td(i.dueOn)}${td(i.completedOn ?? '')}${td(statusWords[i.status] ?? i.status)}</tr>`);
      const head = `<tr>${townCell(f.town)}${td(f.id)}<td colspan="6"><b>${escapeHtml(`${f.occurredOn} 火灾，${f.severity === 'serious' ? `亡人及有影响（${f.triggers.map((t) => triggerWords[t] ?? t).join('、')}）` : '一般'}，死亡 ${f.deaths} 人，受伤 ${f.injuries} 人，登记 ${f.recordedOn}，${stageLabel[f.stage]}`)}${f.investigation?.closedOn ? escapeHtml(`，延伸调查 ${f.investigation.closedOn} 结案`) : ''}</b></td></tr>`;
      return [
        head,
        ...part('延伸调查', f.investigation?.instances ?? []),
        ...part('责任倒查', f.accountabilityReview),
        ...f.rectifications.flatMap((r) => part(`整改${r.n}`, [r])),
        ...part('回头看', f.lookBack?.instances ?? []),
      ];
    })
    .join('\n');
  const incidents =
    summary.incidents.length === 0
      ? '<p>回放期间未发生火灾。</p>'
      : `<table><tr>${townHead}<th>事故</th><th>事项</th><th>责任单位</th><th>开始</th><th>期限</th><th>完成</th><th>状态</th></tr>
${chainRows}
</table>`;

  const hazards = summary.hazards
    .map((h) => {
      const counts = `<table><tr>${townHead}<th>合计</th><th>一般</th><th>重大</th><th>已销案（按期/逾期）</th><th>整改中（已逾期）</th><th>经营性自建房</th></tr>
<tr>${townCell(h.town)}${td(h.total, true)}${td(h.byGrade.general, true)}${td(h.byGrade.major, true)}${td(`${h.byStatus.closed}（${h.closedOnTime}/${h.closedLate}）`, true)}${td(`${h.byStatus.open}（${h.openOverdue}）`, true)}${td(h.selfBuiltHouses, true)}</tr></table>
<table><tr>${townHead}<th>类别</th><th>数量</th></tr>
${Object.entries(h.byCategory)
  .map(([category, n]) => `<tr>${townCell(h.town)}${td(categoryName(category))}${td(n ?? 0, true)}</tr>`)
  .join('\n')}
</table>`;
      const listed = `<h3>挂牌督办 Listed supervision</h3><table><tr>${townHead}<th>隐患</th><th>类别</th><th>所在村（社区）</th><th>挂牌</th><th>督办期限</th><th>进展报告</th><th>状态</th><th>销案</th></tr>
${h.listed.map((l) => `<tr>${townCell(h.town)}${td(l.id)}${td(categoryName(l.category))}${td(unitLabel(l.area))}${td(l.listedOn)}${td(l.listedDeadline)}${td(l.progressReports, true)}${td(l.status === 'open' ? '整改中' : '已销案')}${td(l.closedOn ?? '')}</tr>`).join('\n')}
</table>`;
      const exposures = `<h3>季度曝光 Quarterly exposure</h3><table><tr>${townHead}<th>季度</th><th>状态</th><th>隐患数</th><th>其中挂牌</th><th>起草</th><th>审核</th><th>公开</th></tr>
${h.exposures.map((e) => `<tr>${townCell(h.town)}${td(e.quarter)}${td(exposureStatusLabel[e.status])}${td(e.entries, true)}${td(e.listedEntries, true)}${td(e.draftedOn)}${td(e.approvedOn ?? '')}${td(e.publishedOn ?? '')}</tr>`).join('\n')}
</table>`;
      return `${counts}\n${listed}\n${exposures}`;
    })
    .join('\n');

  const alerts = new Map<string, number>();
  for (const n of summary.notices) if (n.kind === 'alert') alerts.set(n.sentOn, (alerts.get(n.sentOn) ?? 0) + 1);
  const alertRows = [...alerts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, n]) => `<tr>${td(day)}${td(n, true)}</tr>`).join('\n');

  return `<h2>招录专职消防员 Recruitment (第17条)</h2>
${recruitment || '<p>无招录任务。</p>'}
<h2>火灾事故 Incidents (第5条、三(三))</h2>
${incidents}
<h2>火灾隐患 Hazards (第6–8条)</h2>
${hazards || '<p>无隐患记录。</p>'}
<h2>重要节点风险提示 Key-date alerts (第9条)</h2>
${alertRows ? `<table><tr><th>发出日期</th><th>提示邮件</th></tr>\n${alertRows}\n</table>` : '<p>回放期间无重要节点风险提示。</p>'}`;
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
${specialSections(summary, unitLabel)}
<h2>运行成本 Operations</h2>
<table>${Object.entries(summary.operations).map(([k, v]) => `<tr><th style="text-align:left">${escapeHtml(k)}</th><td style="text-align:right">${v}</td></tr>`).join('')}</table>
</body></html>
`;
}
