import type { WorkCalendar } from './calendar.ts';
import { addDays, endOfMonth, makeDate, monthOf, yearOf, type IsoDate } from './dates.ts';
import { refresh, type InstanceRecord } from './instance.ts';
import type { Light } from './ladder.ts';
import { escapeHtml, unitName, type EmailContent, type Language } from './messages.ts';
import type { Plan, Unit } from './plan-schema.ts';
import { resolveOwners } from './schedule.ts';
import { scoreUnits, type UnitScore } from './scoring.ts';

/**
 * What leadership reads: the monthly light board and league table, and the annual evaluation
 * (实绩考核) with the units that 三(三) says face 通报批评 or 警示约谈. All derived from the
 * stored instances on the day asked, never kept by hand.
 */

export interface BoardRow {
  unit: string;
  name: string;
  green: number;
  yellow: number;
  red: number;
  onTime: number;
  late: number;
  missed: number;
}

export interface OverdueItem {
  instanceId: string;
  owner: string;
  title: string;
  dueOn: IsoDate;
  light: Light;
  workdaysOverdue: number;
}

export interface MonthlyReport {
  town: string;
  month: string;
  asOf: IsoDate;
  dueInMonth: { total: number; onTime: number; late: number; missed: number; open: number };
  board: BoardRow[];
  scores: UnitScore[];
  overdue: OverdueItem[];
  /** Units that own duties but have no contact address: nobody can tell them anything. */
  unreachable: { unit: string; name: string; duties: number }[];
}

export function scoredInstances(instances: readonly InstanceRecord[]) {
  return instances.map((i) => ({ instanceId: i.id, owner: i.owner, dutyId: i.dutyId, clause: i.clause, weight: i.weight, schedule: i, completedOn: i.completedOn }));
}

export function unreachableUnits(plan: Plan): MonthlyReport['unreachable'] {
  const counts = new Map<string, number>();
  for (const duty of plan.duties) for (const owner of resolveOwners(plan, duty)) if (owner.contacts.length === 0) counts.set(owner.id, (counts.get(owner.id) ?? 0) + 1);
  return [...counts].map(([unit, duties]) => ({ unit, name: unitName(plan, unit), duties }));
}

/** The month a report on `asOf` covers: the calendar month before it. */
export function previousMonth(asOf: IsoDate): string {
  return addDays(makeDate(yearOf(asOf), monthOf(asOf), 1), -1).slice(0, 7);
}

export function monthlyReport(plan: Plan, stored: readonly InstanceRecord[], asOf: IsoDate, calendar: WorkCalendar): MonthlyReport {
  const instances = stored.map((i) => refresh(i, asOf));
  const month = previousMonth(asOf);
  const monthStart = `${month}-01`;
  const monthEnd = endOfMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7)));
  const inMonth = instances.filter((i) => i.dueOn >= monthStart && i.dueOn <= monthEnd);
  const count = (list: InstanceRecord[], status: InstanceRecord['status']) => list.filter((i) => i.status === status).length;

  const board = new Map<string, BoardRow>();
  for (const i of instances) {
    if (i.opensOn > asOf) continue;
    const row = board.get(i.owner) ?? { unit: i.owner, name: unitName(plan, i.owner), green: 0, yellow: 0, red: 0, onTime: 0, late: 0, missed: 0 };
    if (i.status === 'open') row[i.light] += 1;
    else if (i.status === 'on_time') row.onTime += 1;
    else if (i.status === 'late') row.late += 1;
    else row.missed += 1;
    board.set(i.owner, row);
  }
  const order = new Map(plan.units.map((u, n) => [u.id, n]));
  return {
    town: plan.town.id,
    month,
    asOf,
    dueInMonth: { total: inMonth.length, onTime: count(inMonth, 'on_time'), late: count(inMonth, 'late'), missed: count(inMonth, 'missed'), open: count(inMonth, 'open') },
    board: [...board.values()].sort((a, b) => (order.get(a.unit) ?? 0) - (order.get(b.unit) ?? 0)),
    scores: scoreUnits(scoredInstances(instances), plan.scoring, calendar, asOf),
    overdue: instances
      .filter((i) => i.status === 'open' && i.dueOn < asOf)
      .map((i) => ({ instanceId: i.id, owner: i.owner, title: i.title.zh, dueOn: i.dueOn, light: i.light, workdaysOverdue: calendar.workdaysBetween(i.dueOn, asOf) }))
      .sort((a, b) => b.workdaysOverdue - a.workdaysOverdue || (a.instanceId < b.instanceId ? -1 : 1)),
    unreachable: unreachableUnits(plan),
  };
}

/** Who reads the reports: the town's leadership and its committees (镇政府主要负责人, 分管负责人, 镇安委会, 消委会及其办公室). */
export function reportReaders(plan: Plan): Unit[] {
  return plan.units.filter((u) => u.kind === 'leadership' || u.kind === 'committee');
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${Math.round((100 * part) / whole)}%`;
}

function htmlTable(head: string[], rows: (string | number)[][]): string {
  const th = head.map((h) => `<th style="border:1px solid #ccc;padding:2px 6px">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td style="border:1px solid #ccc;padding:2px 6px">${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('');
  return `<table style="border-collapse:collapse"><tr>${th}</tr>${body}</table>`;
}

function textTable(head: string[], rows: (string | number)[][]): string {
  return [head.join(' | '), ...rows.map((r) => r.join(' | '))].join('\n');
}

function page(parts: { heading: string; head: string[]; rows: (string | number)[][] }[], intro: string[], closing: string): { text: string; html: string } {
  const text = [...intro, '', ...parts.flatMap((p) => [`■ ${p.heading}`, p.rows.length === 0 ? '（无）' : textTable(p.head, p.rows), '']), closing].join('\n');
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    ...intro.map((l) => `<p>${escapeHtml(l)}</p>`),
    ...parts.map((p) => `<h3>${escapeHtml(p.heading)}</h3>${p.rows.length === 0 ? '<p>（无）</p>' : htmlTable(p.head, p.rows)}`),
    `<p>${escapeHtml(closing)}</p></body></html>`,
  ].join('\n');
  return { text, html };
}

export function monthlyReportEmail(plan: Plan, report: MonthlyReport, language: Language): EmailContent {
  const d = report.dueInMonth;
  const red = report.overdue.filter((o) => o.light === 'red').length;
  const [year, month] = [report.month.slice(0, 4), Number(report.month.slice(5, 7))];
  const zh = language === 'zh';
  const subject = zh
    ? `【月度通报】${plan.town.name}${year}年${month}月消防工作：到期${d.total}项，按时完成率${percent(d.onTime, d.total)}，逾期未报${report.overdue.length}项（红灯${red}项）`
    : `[Monthly report] ${plan.town.name} fire-safety work, ${report.month}: ${d.total} due, ${percent(d.onTime, d.total)} on time, ${report.overdue.length} overdue (${red} red)`;
  const intro = zh
    ? [
        `${year}年${month}月消防工作月度通报（截至${report.asOf}）。`,
        `本月到期${d.total}项：按时完成${d.onTime}项，逾期完成${d.late}项，未完成${d.missed}项，尚未报送${d.open}项。`,
        `请分管负责人对红灯事项督办；对逾期严重的单位，按《${plan.title.zh}》三(三)由镇安委会通报批评或警示约谈。`,
      ]
    : [
        `Monthly fire-safety report for ${report.month} (as of ${report.asOf}).`,
        `Due this month: ${d.total}; on time ${d.onTime}, late ${d.late}, missed ${d.missed}, not yet reported ${d.open}.`,
        `Please chase the red items; units far behind face public criticism or a warning talk under item 三(三) of the plan.`,
      ];
  const parts = [
    {
      heading: zh ? '红黄绿灯（各单位在办事项）' : 'Light board (open duties by unit)',
      head: zh ? ['单位', '绿灯', '黄灯', '红灯', '按时完成', '逾期完成', '未完成'] : ['Unit', 'Green', 'Yellow', 'Red', 'On time', 'Late', 'Missed'],
      rows: report.board.map((r) => [unitName(plan, r.unit, language), r.green, r.yellow, r.red, r.onTime, r.late, r.missed]),
    },
    {
      heading: zh ? '排名' : 'League table',
      head: zh ? ['名次', '单位', '得分', '计分事项'] : ['Rank', 'Unit', 'Score', 'Counted'],
      rows: report.scores.map((s) => [s.rank, unitName(plan, s.unit, language), s.score.toFixed(1), s.counted]),
    },
    {
      heading: zh ? '逾期未报送事项' : 'Overdue and not reported',
      head: zh ? ['责任单位', '任务', '期限', '逾期工作日', '灯'] : ['Owner', 'Duty', 'Due', 'Working days overdue', 'Light'],
      rows: report.overdue.map((o) => [unitName(plan, o.owner, language), o.title, o.dueOn, o.workdaysOverdue, o.light]),
    },
    {
      heading: zh ? '无联系方式的责任单位（无法通知，请补录）' : 'Owners with no contact address (cannot be told: add one)',
      head: zh ? ['单位', '涉及任务数'] : ['Unit', 'Duties'],
      rows: report.unreachable.map((u) => [unitName(plan, u.unit, language), u.duties]),
    },
  ];
  const closing = zh ? '（本通报由 Fireplan 根据各单位报送记录自动生成。）' : '(Generated by Fireplan from the units\' reports.)';
  return { subject, ...page(parts, intro, closing) };
}

export type Sanction = 'warning-talk' | 'criticism';

export interface AnnualEvaluation {
  town: string;
  year: number;
  asOf: IsoDate;
  scores: UnitScore[];
  sanctions: { unit: string; sanction: Sanction; reasons: string[] }[];
}

/**
 * 三(三): a unit whose work lags faces 警示约谈 when its score is below the plan's threshold or any
 * of its duties reached the warning-talk rung; else 通报批评 below the criticism threshold or at red.
 */
export function annualEvaluation(plan: Plan, stored: readonly InstanceRecord[], asOf: IsoDate, calendar: WorkCalendar): AnnualEvaluation {
  const instances = stored.map((i) => refresh(i, asOf));
  const scores = scoreUnits(scoredInstances(instances), plan.scoring, calendar, asOf);
  const { criticismBelow, warningTalkBelow } = plan.scoring.evaluation;
  const sanctions: AnnualEvaluation['sanctions'] = [];
  for (const score of scores) {
    const own = instances.filter((i) => i.owner === score.unit);
    const topRung = Math.max(0, ...own.flatMap((i) => i.escalations.map((e) => e.level)));
    const reasons: string[] = [];
    let sanction: Sanction | undefined;
    if (score.score < warningTalkBelow || topRung >= 3) {
      sanction = 'warning-talk';
      if (score.score < warningTalkBelow) reasons.push(`score ${score.score.toFixed(1)} < ${warningTalkBelow}`);
      if (topRung >= 3) reasons.push('a duty reached the warning-talk rung');
    } else if (score.score < criticismBelow || topRung >= 2) {
      sanction = 'criticism';
      if (score.score < criticismBelow) reasons.push(`score ${score.score.toFixed(1)} < ${criticismBelow}`);
      if (topRung >= 2) reasons.push('a duty reached the red rung');
    }
    if (sanction) sanctions.push({ unit: score.unit, sanction, reasons });
  }
  return { town: plan.town.id, year: yearOf(asOf), asOf, scores, sanctions };
}

export function annualEvaluationEmail(plan: Plan, evaluation: AnnualEvaluation, language: Language): EmailContent {
  const zh = language === 'zh';
  const talks = evaluation.sanctions.filter((s) => s.sanction === 'warning-talk');
  const criticised = evaluation.sanctions.filter((s) => s.sanction === 'criticism');
  const first = evaluation.scores[0];
  const subject = zh
    ? `【年度考评】${plan.town.name}${evaluation.year}年消防工作实绩考核：第一名${first ? unitName(plan, first.unit) : '—'}，通报批评${criticised.length}个单位，警示约谈${talks.length}个单位`
    : `[Annual evaluation] ${plan.town.name} ${evaluation.year}: first ${first ? unitName(plan, first.unit, 'en') : '—'}, ${criticised.length} units for public criticism, ${talks.length} for a warning talk`;
  const intro = zh
    ? [
        `${evaluation.year}年消防工作实绩考核结果（截至${evaluation.asOf}），已纳入全镇经济社会发展实绩考核。`,
        `请镇安委会按《${plan.title.zh}》三(三)，于下一工作周内对下列单位进行通报批评和警示约谈，并将约谈记录报镇消防安全委员会办公室存档。`,
      ]
    : [
        `Results of the ${evaluation.year} fire-safety evaluation (as of ${evaluation.asOf}), part of the town's annual performance assessment.`,
        `Under item 三(三) the town safety committee is asked to hold the criticism and warning talks below within the next working week and file the records with the fire-safety committee office.`,
      ];
  const sanctionName = (s: Sanction) => (s === 'warning-talk' ? (zh ? '警示约谈' : 'warning talk') : zh ? '通报批评' : 'public criticism');
  const parts = [
    {
      heading: zh ? '排名' : 'Ranking',
      head: zh ? ['名次', '单位', '得分', '按时', '逾期', '未完成'] : ['Rank', 'Unit', 'Score', 'On time', 'Late', 'Missed'],
      rows: evaluation.scores.map((s) => [s.rank, unitName(plan, s.unit, language), s.score.toFixed(1), s.onTime, s.late, s.missed + s.overdue]),
    },
    {
      heading: zh ? '通报批评和警示约谈（三(三)）' : 'Criticism and warning talks (item 三(三))',
      head: zh ? ['单位', '措施', '依据'] : ['Unit', 'Measure', 'Why'],
      rows: evaluation.sanctions.map((s) => [unitName(plan, s.unit, language), sanctionName(s.sanction), s.reasons.join('; ')]),
    },
  ];
  const closing = zh ? '（扣分明细见各单位考评通知。本结果由 Fireplan 根据各单位报送记录自动计算。）' : '(Each unit receives its deductions. Computed by Fireplan from the stored record.)';
  return { subject, ...page(parts, intro, closing) };
}

/** The notice a sanctioned unit itself receives, with every deduction and the rule behind it. */
export function sanctionNoticeEmail(plan: Plan, evaluation: AnnualEvaluation, unit: string, language: Language): EmailContent {
  const zh = language === 'zh';
  const score = evaluation.scores.find((s) => s.unit === unit);
  const sanction = evaluation.sanctions.find((s) => s.unit === unit);
  const measure = sanction?.sanction === 'warning-talk' ? (zh ? '警示约谈' : 'a warning talk') : zh ? '通报批评' : 'public criticism';
  const name = unitName(plan, unit, language);
  const subject = zh
    ? `【${sanction?.sanction === 'warning-talk' ? '警示约谈' : '通报批评'}】${name}：${evaluation.year}年消防工作实绩考核得分${score?.score.toFixed(1) ?? '—'}，请于下一工作周内提交整改说明`
    : `[${sanction?.sanction === 'warning-talk' ? 'Warning talk' : 'Public criticism'}] ${name}: ${evaluation.year} fire-safety score ${score?.score.toFixed(1) ?? '—'}; send a rectification statement within the next working week`;
  const intro = zh
    ? [`${name}：`, `根据${evaluation.year}年消防工作实绩考核，你单位得分${score?.score.toFixed(1) ?? '—'}，排名第${score?.rank ?? '—'}，按三(三)将予以${measure}。请于下一工作周内向镇消防安全委员会办公室提交书面整改说明。扣分明细如下：`]
    : [`To ${name},`, `Your unit scored ${score?.score.toFixed(1) ?? '—'} (rank ${score?.rank ?? '—'}) in the ${evaluation.year} evaluation and faces ${measure} under item 三(三). Please send a written rectification statement to the fire-safety committee office within the next working week. Deductions:`];
  const parts = [
    {
      heading: zh ? '扣分明细' : 'Deductions',
      head: zh ? ['事项', '条款', '规则', '扣分', '说明'] : ['Instance', 'Item', 'Rule', 'Points lost', 'Reason'],
      rows: (score?.deductions ?? []).map((d) => [d.instanceId, d.clause, d.ruleRef, d.pointsLost, d.reason]),
    },
  ];
  return { subject, ...page(parts, intro, zh ? '（Fireplan 自动生成）' : '(Generated by Fireplan)') };
}
