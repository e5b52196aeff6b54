import type { WorkCalendar } from './calendar.ts';
import { addDays, endOfMonth, makeDate, monthOf, yearOf, type IsoDate } from './dates.ts';
import { refresh, type InstanceRecord } from './instance.ts';
import type { Light } from './ladder.ts';
import { clauseLabel, escapeHtml, gridTable, unitName, type EmailContent, type Language } from './messages.ts';
import type { Plan, Unit } from './plan-schema.ts';
import { funnelPart, summaryLine, trajectory, type Campaign, type RecruitmentResult, type Trajectory } from './recruitment.ts';
import { resolveOwners } from './schedule.ts';
import { judge, rank, scoreUnits, type Deduction, type DeductionRule, type UnitScore } from './scoring.ts';

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
  /** The recruitment campaign of item 17 (its funnel and trajectory on the report's day), when the plan has one that year. */
  recruitment?: RecruitmentSection;
}

export interface RecruitmentSection {
  year: number;
  clause: string;
  title: { zh: string; en: string };
  owner: string;
  deadline: IsoDate;
  trajectory: Trajectory;
}

/** The campaign as a report shows it: its funnel and trajectory on the day. */
export function recruitmentSection(campaign: Campaign, asOf: IsoDate, calendar: WorkCalendar): RecruitmentSection {
  return { year: campaign.year, clause: campaign.clause, title: campaign.title, owner: campaign.owner, deadline: campaign.deadline, trajectory: trajectory(campaign, asOf, calendar) };
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

/**
 * The month's report. With `campaign` (the recruitment campaign of the month reported on), the
 * report also carries its funnel and trajectory on the report's day.
 */
export function monthlyReport(plan: Plan, stored: readonly InstanceRecord[], asOf: IsoDate, calendar: WorkCalendar, campaign?: Campaign): MonthlyReport {
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
    ...(campaign ? { recruitment: recruitmentSection(campaign, asOf, calendar) } : {}),
  };
}

/** Who reads the reports: the town's leadership and its committees (镇政府主要负责人, 分管负责人, 镇安委会, 消委会及其办公室). */
export function reportReaders(plan: Plan): Unit[] {
  return plan.units.filter((u) => u.kind === 'leadership' || u.kind === 'committee');
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${Math.round((100 * part) / whole)}%`;
}

function textTable(head: string[], rows: (string | number)[][]): string {
  return [head.join(' | '), ...rows.map((r) => r.join(' | '))].join('\n');
}

function page(parts: { heading: string; head: string[]; rows: (string | number)[][] }[], intro: string[], closing: string): { text: string; html: string } {
  const text = [...intro, '', ...parts.flatMap((p) => [`■ ${p.heading}`, p.rows.length === 0 ? '（无）' : textTable(p.head, p.rows), '']), closing].join('\n');
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    ...intro.map((l) => `<p>${escapeHtml(l)}</p>`),
    ...parts.map((p) => `<h3>${escapeHtml(p.heading)}</h3>${p.rows.length === 0 ? '<p>（无）</p>' : gridTable(p.head, p.rows)}`),
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
  if (report.recruitment) parts.push(recruitmentPart(plan, report.recruitment, language));
  const closing = zh ? '（本通报由 Fireplan 根据各单位报送记录自动生成。）' : '(Generated by Fireplan from the units\' reports.)';
  return { subject, ...page(parts, intro, closing) };
}

/** The recruitment funnel of a report: `新招录政府专职消防员进度（第17条，应急办，截止2022-12-30）：目标15人，已聘用3人…`, then the stages. */
function recruitmentPart(plan: Plan, section: RecruitmentSection, language: Language) {
  const zh = language === 'zh';
  const owner = unitName(plan, section.owner, language);
  const heading = zh
    ? `${section.title.zh}进度（${clauseLabel(section.clause)}，${owner}，截止${section.deadline}）：${summaryLine(section.trajectory, 'zh')}`
    : `${section.title.en} (item ${section.clause}, ${owner}, due ${section.deadline}): ${summaryLine(section.trajectory, 'en')}`;
  return funnelPart(section.trajectory, language, heading);
}

export type Sanction = 'warning-talk' | 'criticism';

/** A deduction of the evaluation: the scores' own, or `target` (the recruitment duty's hires short of its target). */
export type EvaluationDeduction = Omit<Deduction, 'rule'> & { rule: DeductionRule | 'target' };

export interface EvaluatedScore extends Omit<UnitScore, 'deductions'> {
  deductions: EvaluationDeduction[];
}

/** How the recruitment duty was scored: hired against the target. */
export interface RecruitmentScore extends RecruitmentResult {
  /** hired ÷ target, at most 1. */
  fulfilment: number;
  /** The instance's credit for its timing (1 on time or not yet due on the day judged), before the target applies. */
  timeliness: number;
  pointsLost: number;
  /** False when the duty's instance of the year was never opened: nothing to score. */
  scored: boolean;
}

export interface AnnualEvaluation {
  town: string;
  year: number;
  asOf: IsoDate;
  scores: EvaluatedScore[];
  sanctions: { unit: string; sanction: Sanction; reasons: string[] }[];
  recruitment?: RecruitmentScore;
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

/**
 * The recruitment duty scored on its hires (item 17: 新招录政府专职消防员15人): its instance of the
 * year earns its timing's credit (counted on the evaluation day even when due that very day) times
 * hired ÷ target; what the shortfall costs is a `target` deduction naming the instance and the
 * duty's target. Scores and ranks are recomputed.
 */
function scoreRecruitment(plan: Plan, scores: UnitScore[], instances: readonly InstanceRecord[], result: RecruitmentResult, asOf: IsoDate, calendar: WorkCalendar): { scores: EvaluatedScore[]; recruitment: RecruitmentScore } {
  const fulfilment = result.target > 0 ? Math.min(1, result.hired / result.target) : 1;
  const evaluated: EvaluatedScore[] = scores.map((s) => ({ ...s, deductions: [...s.deductions] }));
  const instance = instances.find((i) => i.id === result.instanceId);
  if (!instance) return { scores: evaluated, recruitment: { ...result, fulfilment, timeliness: 0, pointsLost: 0, scored: false } };
  const judged = judge(scoredInstances([instance])[0] as Parameters<typeof judge>[0], plan.scoring, calendar, asOf);
  const timeliness = judged?.credit ?? 1;
  let unit = evaluated.find((s) => s.unit === instance.owner);
  if (!unit) {
    unit = { unit: instance.owner, score: 0, earned: 0, possible: 0, counted: 0, onTime: 0, late: 0, missed: 0, overdue: 0, rank: 0, deductions: [] };
    evaluated.push(unit);
  }
  if (!judged) {
    // Due on the evaluation day and not reported yet: counted in full for its timing, on its hires.
    unit.counted += 1;
    unit.possible = round(unit.possible + instance.weight, 4);
    unit.earned = round(unit.earned + instance.weight, 4);
  }
  const pointsLost = round(instance.weight * timeliness * (1 - fulfilment), 4);
  if (pointsLost > 0) {
    unit.earned = round(unit.earned - pointsLost, 4);
    unit.deductions.push({
      instanceId: instance.id,
      dutyId: instance.dutyId,
      clause: instance.clause,
      rule: 'target',
      ruleRef: `duties[${instance.dutyId}].target`,
      weight: instance.weight,
      credit: round(timeliness * fulfilment, 4),
      pointsLost,
      reason: `hired ${result.hired} of the target ${result.target} (${result.source === 'campaign' ? 'recruitment campaign' : result.source === 'report' ? 'figure reported' : 'nothing recorded'}): ${Math.round(fulfilment * 100)}% of the credit`,
    });
  }
  for (const s of evaluated) s.score = s.possible === 0 ? 100 : round((100 * s.earned) / s.possible, 1);
  return { scores: rank(evaluated), recruitment: { ...result, fulfilment: round(fulfilment, 4), timeliness, pointsLost, scored: true } };
}

/**
 * 三(三): a unit whose work lags faces 警示约谈 when its score is below the plan's threshold or any
 * of its duties reached the warning-talk rung; else 通报批评 below the criticism threshold or at red.
 * With `recruitment` (the hires of the year's recruitment campaign), the recruitment duty is scored
 * on hired against its target first.
 */
export function annualEvaluation(plan: Plan, stored: readonly InstanceRecord[], asOf: IsoDate, calendar: WorkCalendar, recruitment?: RecruitmentResult): AnnualEvaluation {
  const instances = stored.map((i) => refresh(i, asOf));
  const timed = scoreUnits(scoredInstances(instances), plan.scoring, calendar, asOf);
  const { scores, recruitment: recruitmentScore } = recruitment
    ? scoreRecruitment(plan, timed, instances, recruitment, asOf, calendar)
    : { scores: timed as EvaluatedScore[], recruitment: undefined };
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
  return { town: plan.town.id, year: yearOf(asOf), asOf, scores, sanctions, ...(recruitmentScore ? { recruitment: recruitmentScore } : {}) };
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
  if (evaluation.recruitment) parts.push(recruitmentScorePart(plan, evaluation.recruitment, language));
  const closing = zh ? '（扣分明细见各单位考评通知。本结果由 Fireplan 根据各单位报送记录自动计算。）' : '(Each unit receives its deductions. Computed by Fireplan from the stored record.)';
  return { subject, ...page(parts, intro, closing) };
}

/** The recruitment duty in the evaluation: target, hired, fulfilment and the points it cost. */
function recruitmentScorePart(plan: Plan, r: RecruitmentScore, language: Language) {
  const zh = language === 'zh';
  const duty = plan.duties.find((d) => d.id === r.dutyId);
  const source = zh
    ? { campaign: '招录进度登记', report: '报送数值', none: '无登记' }[r.source]
    : { campaign: 'recruitment campaign', report: 'figure reported', none: 'nothing recorded' }[r.source];
  return {
    heading: zh ? `${duty?.title.zh ?? r.dutyId}（${clauseLabel(duty?.clause ?? '17')}）：聘用${r.hired}人，目标${r.target}人` : `${duty?.title.en ?? r.dutyId} (item ${duty?.clause ?? '17'}): ${r.hired} hired of ${r.target}`,
    head: zh ? ['责任单位', '目标', '已聘用', '完成率', '扣分', '来源'] : ['Owner', 'Target', 'Hired', 'Fulfilment', 'Points lost', 'Source'],
    rows: [[unitName(plan, r.owner, language), r.target, r.hired, `${Math.round(r.fulfilment * 100)}%`, r.pointsLost, source]],
  };
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
