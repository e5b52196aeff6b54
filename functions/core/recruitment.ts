import type { WorkCalendar } from './calendar.ts';
import { addDays, daysBetween, localDate, minDate, type IsoDate } from './dates.ts';
import type { Problem } from './errors.ts';
import { instanceId } from './ids.ts';
import type { InstanceRecord } from './instance.ts';
import { clauseLabel, escapeHtml, gridTable, unitName, type EmailContent, type Language } from './messages.ts';
import { periodContaining } from './periods.ts';
import type { Duty, Plan } from './plan-schema.ts';
import { periodsOf, resolveOwners, scheduleFor } from './schedule.ts';
import { GAP, safeFilename, tableWorkbook, XLSX_MEDIA_TYPE, type WorkbookSheet } from './workbook.ts';

/**
 * Recruiting the government full-time firefighters of item 17 (新招录政府专职消防员15人) as a
 * campaign: its target and deadline come from the plan's recruitment duty, the owning unit records
 * how many candidates reached each stage of the recruitment, and a monthly check projects the
 * hires from the pipeline with a per-stage pass-rate model and escalates to leadership when the
 * projection or the time left falls short (docs/recruitment.md).
 *
 * Pure: no clock, no I/O. Dates are Asia/Shanghai calendar days; the day judged is always passed in.
 */

// The stages

/**
 * `posts`: the count is of posts (岗位数): the approved recruitment plan and the posts announced.
 * `candidates`: the count is of people who reached the stage (took part in it), cumulative: a
 * candidate who reached the interview is counted at registration, qualification review, the
 * written and the physical test too. So each candidate stage counts at most as many as the one
 * before it.
 */
export type StageKind = 'posts' | 'candidates';

export const RECRUITMENT_STAGES = [
  { id: 'plan-approved', zh: '招录计划审批', en: 'recruitment plan approved', kind: 'posts' },
  { id: 'announcement', zh: '发布公告', en: 'announcement', kind: 'posts' },
  { id: 'registration', zh: '报名', en: 'registration', kind: 'candidates' },
  { id: 'qualification-review', zh: '资格审查', en: 'qualification review', kind: 'candidates' },
  { id: 'written-test', zh: '笔试', en: 'written test', kind: 'candidates' },
  { id: 'physical-test', zh: '体能测试', en: 'physical test', kind: 'candidates' },
  { id: 'interview', zh: '面试', en: 'interview', kind: 'candidates' },
  { id: 'medical-check', zh: '体检', en: 'medical check', kind: 'candidates' },
  { id: 'political-review', zh: '政治考察', en: 'political review', kind: 'candidates' },
  { id: 'public-notice', zh: '公示', en: 'public notice', kind: 'candidates' },
  { id: 'hired', zh: '聘用', en: 'hire', kind: 'candidates' },
  { id: 'induction-training', zh: '入职培训', en: 'induction training', kind: 'candidates' },
] as const satisfies readonly { id: string; zh: string; en: string; kind: StageKind }[];

export type StageId = (typeof RECRUITMENT_STAGES)[number]['id'];
export const STAGE_IDS = RECRUITMENT_STAGES.map((s) => s.id) as unknown as readonly [StageId, ...StageId[]];

/** The stages a pass rate leads into: every candidate stage after registration. */
export const RATE_STAGES = [
  'qualification-review',
  'written-test',
  'physical-test',
  'interview',
  'medical-check',
  'political-review',
  'public-notice',
  'hired',
  'induction-training',
] as const satisfies readonly StageId[];
export type RateStage = (typeof RATE_STAGES)[number];

export type StageCounts = Record<StageId, number>;

export interface RecruitmentModel {
  /**
   * The share of the candidates of the stage before who reach this stage (pass the stage before
   * and take part in this one), 0–1.
   */
  passRates: Record<RateStage, number>;
  /** Calendar days a stage takes before the next one can start (公告期, 公示期 …). */
  stageDays: Record<StageId, number>;
}

/**
 * Default pass rates, as planning figures for a township's recruitment of government full-time
 * firefighters (docs/recruitment.md says where each comes from): about 7 registrants per hire.
 */
export const DEFAULT_PASS_RATES: Readonly<Record<RateStage, number>> = {
  'qualification-review': 0.95,
  'written-test': 0.8,
  'physical-test': 0.6,
  interview: 0.6,
  'medical-check': 0.65,
  'political-review': 0.85,
  'public-notice': 0.95,
  hired: 0.98,
  'induction-training': 0.98,
};

/** Default days per stage: a round from approval to hire takes about four months (113 days). */
export const DEFAULT_STAGE_DAYS: Readonly<Record<StageId, number>> = {
  'plan-approved': 20,
  announcement: 7,
  registration: 10,
  'qualification-review': 7,
  'written-test': 10,
  'physical-test': 10,
  interview: 10,
  'medical-check': 10,
  'political-review': 15,
  'public-notice': 7,
  hired: 7,
  'induction-training': 30,
};

export function defaultModel(): RecruitmentModel {
  return { passRates: { ...DEFAULT_PASS_RATES }, stageDays: { ...DEFAULT_STAGE_DAYS } };
}

export function stageOf(id: StageId): (typeof RECRUITMENT_STAGES)[number] {
  return RECRUITMENT_STAGES.find((s) => s.id === id) as (typeof RECRUITMENT_STAGES)[number];
}

export function stageName(id: StageId, language: Language = 'zh'): string {
  const stage = stageOf(id);
  return language === 'en' ? stage.en : stage.zh;
}

const indexOf = (id: StageId) => STAGE_IDS.indexOf(id);
const HIRED = indexOf('hired');
const REGISTRATION = indexOf('registration');

export function zeroCounts(): StageCounts {
  return Object.fromEntries(STAGE_IDS.map((id) => [id, 0])) as StageCounts;
}

// The campaign

/** One change to the campaign, by whom and when (the request's instant). */
export interface CampaignUpdate {
  at: string;
  on: IsoDate;
  by: string;
  role: 'admin' | 'leader' | 'unit' | 'system';
  unit?: string;
  /** `stages`: the counts; `model`: pass rates or stage days. */
  action: 'stages' | 'model';
  /** What changed: a stage id, `passRates.<stage>` or `stageDays.<stage>`, from and to. */
  changes: { field: string; from: number; to: number }[];
  note?: string;
}

export interface Campaign {
  /** The campaign's id: its year, `2022`. */
  id: string;
  town: string;
  year: number;
  planId: string;
  dutyId: string;
  clause: string;
  title: { zh: string; en: string };
  /** The owning unit (the duty's owner): records the counts. */
  owner: string;
  /** The duty instance of the year the campaign belongs to (scored in the annual evaluation). */
  instanceId: string;
  target: number;
  targetUnit: string;
  opensOn: IsoDate;
  /** The duty's due date for the year (年内: the last working day of the year). */
  deadline: IsoDate;
  counts: StageCounts;
  model: RecruitmentModel;
  history: CampaignUpdate[];
  /** 0 while nothing is stored; every write adds one. */
  version: number;
}

/** A month in which the check escalated a campaign that was behind: at most one per month. */
export interface CampaignEscalation {
  month: string;
  on: IsoDate;
  to: string[];
  hired: number;
  projected: number;
  missing: number;
  thinStage: StageId | null;
}

/**
 * The plan's recruitment duty: the one with a target counted in people whose id says it recruits
 * (`c17-recruit-firefighters` in the 2022 Qingfeng plan), or undefined when the plan has none.
 */
export function recruitmentDuty(plan: Plan): Duty | undefined {
  return plan.duties.find((d) => d.target !== undefined && /recruit/.test(d.id));
}

/**
 * The campaign of a year as the plan defines it, before anything is recorded (version 0): target
 * and owner from the recruitment duty, the deadline its due date that year. Undefined when the plan
 * has no recruitment duty or the duty has no period in that year.
 */
export function campaignFromPlan(plan: Plan, calendar: WorkCalendar, year: number): Campaign | undefined {
  const duty = recruitmentDuty(plan);
  if (!duty?.target) return undefined;
  const owner = resolveOwners(plan, duty)[0];
  if (!owner) return undefined;
  const wanted = duty.cadence === 'annual' ? periodContaining('annual', `${year}-06-30`).id : undefined;
  const period = periodsOf(plan, duty).find((p) => (wanted ? p.id === wanted : p.ends.startsWith(String(year))));
  if (!period) return undefined;
  const schedule = scheduleFor(plan, calendar, duty, period);
  return {
    id: String(year),
    town: plan.town.id,
    year,
    planId: plan.id,
    dutyId: duty.id,
    clause: duty.clause,
    title: duty.title,
    owner: owner.id,
    instanceId: instanceId({ town: plan.town.id, duty: duty.id, owner: owner.id, period: period.id }),
    target: duty.target.value,
    targetUnit: duty.target.unit,
    opensOn: schedule.opensOn,
    deadline: schedule.dueOn,
    counts: zeroCounts(),
    model: defaultModel(),
    history: [],
    version: 0,
  };
}

// Validation of the funnel

const countLabel = (id: StageId) => (stageOf(id).kind === 'posts' ? '岗位数' : '人数');

/**
 * Every inconsistency of a funnel, each naming its stage (`counts.<stage>`): posts announced beyond
 * the approved plan; registrants before an announcement; a candidate stage with more people than
 * the stage before it (`体检 人数 12 多于 面试 人数 10`); more hires than posts announced.
 */
export function funnelProblems(counts: StageCounts): Problem[] {
  const problems: Problem[] = [];
  const more = (stage: StageId, than: StageId, en: string) =>
    problems.push({
      path: `counts.${stage}`,
      message: `${stageName(stage)} ${countLabel(stage)} ${counts[stage]} 多于 ${stageName(than)} ${countLabel(than)} ${counts[than]}（${en}）`,
    });
  if (counts.announcement > counts['plan-approved']) more('announcement', 'plan-approved', 'more posts announced than the approved plan has');
  if (counts.registration > 0 && counts.announcement === 0) {
    problems.push({
      path: 'counts.registration',
      message: `报名 人数 ${counts.registration}，但 发布公告 岗位数 为 0：先发布公告再报名（registrants before any post was announced）`,
    });
  }
  for (let i = REGISTRATION + 1; i < STAGE_IDS.length; i += 1) {
    const stage = STAGE_IDS[i] as StageId;
    const before = STAGE_IDS[i - 1] as StageId;
    if (counts[stage] > counts[before]) more(stage, before, `more candidates at ${stageName(stage, 'en')} than at ${stageName(before, 'en')}`);
  }
  if (counts.hired > counts.announcement && counts.announcement > 0) more('hired', 'announcement', 'more hires than posts announced');
  return problems;
}

/** The changes a set of new counts makes, in the order of the stages. */
export function countChanges(before: StageCounts, after: StageCounts): CampaignUpdate['changes'] {
  return STAGE_IDS.filter((id) => before[id] !== after[id]).map((id) => ({ field: id, from: before[id], to: after[id] }));
}

export type Updater = Pick<CampaignUpdate, 'at' | 'on' | 'by' | 'role' | 'unit' | 'note'>;

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The campaign with the stages given set (the others keep their counts), and the change in its
 * history; the same campaign when nothing changes. The caller validates the funnel first.
 */
export function applyCounts(campaign: Campaign, patch: Partial<StageCounts>, by: Updater): Campaign {
  const counts = { ...campaign.counts, ...withoutUndefined(patch) };
  const changes = countChanges(campaign.counts, counts);
  if (changes.length === 0) return campaign;
  return { ...campaign, counts, history: [...campaign.history, withoutUndefined({ ...by, action: 'stages' as const, changes })] };
}

/** The campaign with the pass rates and stage days given set, and the change in its history. */
export function applyModel(campaign: Campaign, patch: { passRates?: Partial<Record<RateStage, number>>; stageDays?: Partial<Record<StageId, number>> }, by: Updater): Campaign {
  const passRates = { ...campaign.model.passRates, ...withoutUndefined(patch.passRates ?? {}) };
  const stageDays = { ...campaign.model.stageDays, ...withoutUndefined(patch.stageDays ?? {}) };
  const changes = [
    ...RATE_STAGES.filter((s) => passRates[s] !== campaign.model.passRates[s]).map((s) => ({ field: `passRates.${s}`, from: campaign.model.passRates[s], to: passRates[s] })),
    ...STAGE_IDS.filter((s) => stageDays[s] !== campaign.model.stageDays[s]).map((s) => ({ field: `stageDays.${s}`, from: campaign.model.stageDays[s], to: stageDays[s] })),
  ];
  if (changes.length === 0) return campaign;
  return { ...campaign, model: { passRates, stageDays }, history: [...campaign.history, withoutUndefined({ ...by, action: 'model' as const, changes })] };
}

// The trajectory

/**
 * The expected share of the candidates who reached `stage` that will be hired: the product of the
 * pass rates of every stage after it up to the hire. 1 at the hire; undefined for a posts stage and
 * for induction training (after the hire).
 */
export function yieldFrom(model: RecruitmentModel, stage: StageId): number | undefined {
  const i = indexOf(stage);
  if (stageOf(stage).kind === 'posts' || i > HIRED) return undefined;
  let share = 1;
  for (let j = i + 1; j <= HIRED; j += 1) share *= model.passRates[STAGE_IDS[j] as RateStage];
  return share;
}

function daysOf(model: RecruitmentModel, from: StageId, to: StageId): number {
  let days = 0;
  for (let i = indexOf(from); i <= indexOf(to); i += 1) days += model.stageDays[STAGE_IDS[i] as StageId];
  return days;
}

export interface StageRow {
  stage: StageId;
  zh: string;
  en: string;
  kind: StageKind;
  count: number;
  /** The model's pass rate into this stage; null for the posts stages and registration. */
  passRate: number | null;
  /** This stage's count over the stage before's; null when the stage before has none (or for the first stages). */
  observedRate: number | null;
  /** How many the stage needs for the target: the target for a posts stage, target ÷ yield for a candidate stage up to the hire. */
  required: number | null;
  /** Hires to expect from this stage's count (count × yield), one decimal; null when the stage has no one or is after the hire. */
  projection: number | null;
}

export type TrajectoryStatus = 'not-open' | 'done' | 'on-track' | 'behind' | 'closed';
export type BehindReason = 'posts' | 'yield' | 'time';

export interface Trajectory {
  asOf: IsoDate;
  target: number;
  hired: number;
  deadline: IsoDate;
  daysLeft: number;
  /** Months to the deadline, rounded (约7个月). */
  monthsLeft: number;
  /** The furthest stage before the hire that anyone (or any post) reached; null before anything. */
  front: StageId | null;
  /** Candidates at the front still to go through to the hire. */
  inPipeline: number;
  /** Hires to expect: hired so far plus the pipeline's yield (before registration: the posts planned), one decimal. */
  expected: number;
  /** `expected` rounded to whole people. */
  projected: number;
  /** The target less the projection (0 when on track). */
  missing: number;
  /** The target less those hired so far. */
  stillToHire: number;
  /** Candidates the front stage would need for the hires still missing; null before registration. */
  neededAtFront: number | null;
  /** Days the stages still to go take (the front's own included), and the day they would end. */
  daysNeeded: number;
  finishesOn: IsoDate;
  status: TrajectoryStatus;
  reasons: BehindReason[];
  /** Where the pipeline is thin: the first stage whose count cannot yield the target, else the stage to start next. */
  thinStage: StageId | null;
  /** The latest day a supplementary round (补录, from the announcement on) could be announced and still hire by the deadline. */
  latestRestart: IsoDate;
  /** What to do by: 10 working days on (the plan's minimum lead time), never after the deadline. */
  actBy: IsoDate;
  stages: StageRow[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Working days the owner is given to answer an escalation: two working weeks, as the plan gives for a submission. */
export const RESPONSE_WORKDAYS = 10;

/**
 * Where the campaign stands on a day. The pipeline is taken as one round moving through the stages
 * together (as a recruitment examination does): its front is the furthest stage reached before the
 * hire; the candidates there not yet hired are expected to yield `count × yield(front)` hires.
 * Before anyone registered, the projection is the posts announced (or approved; or the target while
 * no plan is approved yet) and only time and posts can put it behind.
 *
 * Behind when not all hired and any of: the posts approved or announced are fewer than the target
 * (`posts`); the projection rounds below the target (`yield`); the stages still to go end after the
 * deadline (`time`). Before the duty opens it is `not-open`; after the deadline `closed`.
 */
export function trajectory(campaign: Campaign, asOf: IsoDate, calendar: WorkCalendar): Trajectory {
  const { counts, model, target, deadline } = campaign;
  const hired = counts.hired;
  let frontIndex = -1;
  for (let i = 0; i < HIRED; i += 1) if (counts[STAGE_IDS[i] as StageId] > 0) frontIndex = i;
  const front = frontIndex < 0 ? null : (STAGE_IDS[frontIndex] as StageId);
  const finished = counts['public-notice'] > 0 && counts['public-notice'] === hired && hired > 0;

  const stages: StageRow[] = RECRUITMENT_STAGES.map((s, i) => {
    const before = i > 0 ? counts[STAGE_IDS[i - 1] as StageId] : 0;
    const y = yieldFrom(model, s.id);
    const rate = i > REGISTRATION ? model.passRates[s.id as RateStage] : null;
    return {
      stage: s.id,
      zh: s.zh,
      en: s.en,
      kind: s.kind,
      count: counts[s.id],
      passRate: rate,
      observedRate: i > REGISTRATION && before > 0 ? round1((100 * counts[s.id]) / before) / 100 : null,
      required: s.kind === 'posts' ? target : y === undefined ? null : Math.ceil(target / y - 1e-9),
      projection: y === undefined || counts[s.id] === 0 ? null : round1(counts[s.id] * y),
    };
  });

  const candidates = counts.registration > 0;
  const plannedPosts = counts.announcement > 0 ? counts.announcement : counts['plan-approved'] > 0 ? counts['plan-approved'] : target;
  let inPipeline = 0;
  let expected: number;
  let neededAtFront: number | null = null;
  if (!candidates) {
    expected = Math.min(plannedPosts, target);
  } else {
    const atFront = front === null ? 0 : counts[front];
    inPipeline = front === null || finished ? 0 : Math.max(0, atFront - (front === 'public-notice' ? hired : 0));
    const y = front === null ? 0 : (yieldFrom(model, front) ?? 0);
    expected = hired + inPipeline * y;
    if (front !== null && y > 0 && !finished) neededAtFront = Math.ceil((target - hired) / y - 1e-9);
  }
  expected = round1(expected);
  const projected = Math.round(expected);

  // Time: the stages still to go, the front's own included (its end is not recorded); a finished round that fell short needs a supplementary one.
  const restart = daysOf(model, 'announcement', 'hired');
  let daysNeeded = 0;
  if (hired < target) {
    if (front === null) daysNeeded = daysOf(model, 'plan-approved', 'hired');
    else if (finished || (candidates && inPipeline === 0)) daysNeeded = restart;
    else daysNeeded = daysOf(model, front, 'hired');
  }
  const finishesOn = addDays(asOf, daysNeeded);
  const daysLeft = Math.max(0, daysBetween(asOf, deadline));

  const reasons: BehindReason[] = [];
  const postsShort = (counts['plan-approved'] > 0 && counts['plan-approved'] < target) || (counts.announcement > 0 && counts.announcement < target);
  if (hired < target) {
    if (postsShort) reasons.push('posts');
    if (projected < target) reasons.push('yield');
    if (finishesOn > deadline) reasons.push('time');
  }

  let status: TrajectoryStatus;
  if (hired >= target) status = 'done';
  else if (asOf < campaign.opensOn) status = 'not-open';
  else if (asOf > deadline) status = 'closed';
  else status = reasons.length > 0 ? 'behind' : 'on-track';

  return {
    asOf,
    target,
    hired,
    deadline,
    daysLeft,
    monthsLeft: Math.round(daysLeft / 30.44),
    front,
    inPipeline,
    expected,
    projected,
    missing: Math.max(0, target - projected),
    stillToHire: Math.max(0, target - hired),
    neededAtFront,
    daysNeeded,
    finishesOn,
    status,
    reasons,
    thinStage: hired >= target ? null : thinStage(campaign, stages, front, postsShort),
    latestRestart: calendar.onOrBefore(addDays(deadline, -restart)),
    actBy: minDate(calendar.addWorkdays(asOf, RESPONSE_WORKDAYS), deadline),
    stages,
  };
}

/**
 * The stage where the pipeline is thin: a posts stage with fewer posts than the target; else the
 * first candidate stage reached whose count cannot yield the target (its projection rounds below
 * it); else, when nothing was found short, the first stage nobody reached yet (what must start
 * next), or the front itself (when only time is short).
 */
function thinStage(campaign: Campaign, stages: StageRow[], front: StageId | null, postsShort: boolean): StageId | null {
  const { counts, target } = campaign;
  if (postsShort) return counts['plan-approved'] > 0 && counts['plan-approved'] < target ? 'plan-approved' : 'announcement';
  for (const row of stages) {
    if (row.kind !== 'candidates' || indexOf(row.stage) >= HIRED || row.count === 0) continue;
    if (row.projection !== null && Math.round(row.projection) < target) return row.stage;
  }
  if (front === null) return 'plan-approved';
  const next = STAGE_IDS[indexOf(front) + 1] as StageId;
  return counts.registration === 0 ? next : front;
}

// The escalation

export interface EscalationDecision {
  escalate: boolean;
  month: string;
  /** Why not, when not. */
  why?: string;
}

/** Once a month at most, while the duty is open and the campaign behind. */
export function escalationDecision(t: Trajectory, escalations: readonly Pick<CampaignEscalation, 'month'>[]): EscalationDecision {
  const month = t.asOf.slice(0, 7);
  if (t.status !== 'behind') return { escalate: false, month, why: `the campaign is ${t.status}` };
  if (escalations.some((e) => e.month === month)) return { escalate: false, month, why: `already escalated in ${month}` };
  return { escalate: true, month };
}

/** The purpose of the escalation mail in the outbox: one per recipient per month. */
export const escalationPurpose = (month: string) => `recruitment-behind#${month}`;

// Messages

function percent(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)}%`;
}

interface Part {
  heading: string;
  head: string[];
  rows: (string | number)[][];
}

function render(intro: string[], parts: Part[], closing: string): { text: string; html: string } {
  const text = [...intro, '', ...parts.flatMap((p) => [`■ ${p.heading}`, [p.head.join(' | '), ...p.rows.map((r) => r.join(' | '))].join('\n'), '']), closing].join('\n');
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    ...intro.map((l) => `<p>${escapeHtml(l)}</p>`),
    ...parts.map((p) => `<h3>${escapeHtml(p.heading)}</h3>${gridTable(p.head, p.rows)}`),
    `<p>${escapeHtml(closing)}</p></body></html>`,
  ].join('\n');
  return { text, html };
}

export const trajectoryStatusLabel: Record<Language, Record<TrajectoryStatus, string>> = {
  zh: { 'not-open': '尚未开始', done: '已完成', 'on-track': '进度正常', behind: '进度滞后', closed: '已截止' },
  en: { 'not-open': 'not open yet', done: 'done', 'on-track': 'on track', behind: 'behind', closed: 'closed' },
};

/** The funnel as a table: stage, count, model pass rate, needed for the target, expected hires. */
export function funnelPart(t: Trajectory, language: Language, heading: string): Part {
  const zh = language === 'zh';
  return {
    heading,
    head: zh ? ['环节', '人数（岗位数）', '模型通过率', '完成目标需要', '预计可聘用'] : ['Stage', 'Count (posts)', 'Model pass rate', 'Needed for the target', 'Expected hires'],
    rows: t.stages.map((s) => [
      zh ? s.zh : s.en,
      s.kind === 'posts' ? (zh ? `${s.count}（岗位）` : `${s.count} (posts)`) : s.count,
      percent(s.passRate),
      s.required ?? '—',
      s.projection ?? '—',
    ]),
  };
}

/** `目标15人，已聘用3人，预计约12人，进度滞后（缺口3人，薄弱环节：体能测试）`. */
export function summaryLine(t: Trajectory, language: Language): string {
  const zh = language === 'zh';
  const thin = t.thinStage ? stageName(t.thinStage, language) : undefined;
  if (zh) {
    const gap = t.status === 'behind' || t.status === 'closed' ? `（缺口${t.missing || t.stillToHire}人${thin ? `，薄弱环节：${thin}` : ''}）` : '';
    return `目标${t.target}人，已聘用${t.hired}人，预计约${t.projected}人，${trajectoryStatusLabel.zh[t.status]}${gap}`;
  }
  const gap = t.status === 'behind' || t.status === 'closed' ? ` (${t.missing || t.stillToHire} missing${thin ? `; thin at ${thin}` : ''})` : '';
  return `target ${t.target}, hired ${t.hired}, expected about ${t.projected}, ${trajectoryStatusLabel.en[t.status]}${gap}`;
}

/** What the escalation says is wrong, one sentence per reason. */
function reasonLines(campaign: Campaign, t: Trajectory, language: Language): string[] {
  const zh = language === 'zh';
  const lines: string[] = [];
  const thin = t.thinStage;
  const row = thin ? t.stages.find((s) => s.stage === thin) : undefined;
  if (t.reasons.includes('posts') && thin) {
    lines.push(
      zh
        ? `${stageName(thin)}岗位数${campaign.counts[thin]}个，少于目标${t.target}人：需追加招录计划名额。`
        : `${stageName(thin, 'en')}: ${campaign.counts[thin]} posts, fewer than the target of ${t.target}: more posts must be approved.`,
    );
  }
  if (t.reasons.includes('yield')) {
    if (t.front === null || campaign.counts.registration === 0) {
      lines.push(zh ? `尚无报名人员。` : `Nobody has registered yet.`);
    } else if (thin && row) {
      lines.push(
        zh
          ? `薄弱环节：${row.zh}，现有${row.count}人，按模型预计只能聘用约${row.projection ?? 0}人；完成目标需要约${row.required ?? '—'}人。`
          : `Thin at ${row.en}: ${row.count} candidates, expected to yield about ${row.projection ?? 0} hires; the target needs about ${row.required ?? '—'}.`,
      );
    }
  }
  if (t.reasons.includes('time')) {
    lines.push(
      zh
        ? `剩余环节预计需要${t.daysNeeded}天，将于${t.finishesOn}前后完成，晚于截止日期${t.deadline}。`
        : `The stages still to go take about ${t.daysNeeded} days and would end around ${t.finishesOn}, after the deadline of ${t.deadline}.`,
    );
  }
  return lines;
}

/**
 * The escalation to leadership (and the owning unit) when the campaign is behind: how many are
 * missing, where the pipeline is thin, and what to do by when.
 */
export function recruitmentBehindEmail(plan: Plan, campaign: Campaign, t: Trajectory, language: Language): EmailContent {
  const zh = language === 'zh';
  const owner = unitName(plan, campaign.owner, language);
  const thin = t.thinStage ? stageName(t.thinStage, language) : undefined;
  const subject = zh
    ? `【招录督办】${plan.town.name}${campaign.year}年新招录政府专职消防员进度滞后：目标${t.target}人，已聘用${t.hired}人，预计缺口${t.missing || t.stillToHire}人${thin ? `（薄弱环节：${thin}）` : ''}，请于${t.actBy}前提出补救措施`
    : `[Recruitment behind] ${plan.town.name} ${campaign.year} full-time firefighters: target ${t.target}, hired ${t.hired}, about ${t.missing || t.stillToHire} missing${thin ? ` (thin at ${thin})` : ''}; remedy by ${t.actBy}`;
  const intro = zh
    ? [
        `《${plan.title.zh}》${clauseLabel(campaign.clause)}要求“${campaign.title.zh}${t.target}${campaign.targetUnit}”，责任单位${owner}，截止日期${t.deadline}（还有${t.daysLeft}天，约${t.monthsLeft}个月）。`,
        `截至${t.asOf}：已聘用${t.hired}人；仍在招录流程中的候选人${t.inPipeline}人${t.front ? `（当前环节：${stageName(t.front)}）` : ''}；按各环节通过率预计共可聘用约${t.expected}人，还缺约${t.missing || t.stillToHire}人。`,
        ...reasonLines(campaign, t, language),
        `请${owner}于${t.actBy}前提出补救措施（扩大报名宣传、组织补录等；补录最迟须于${t.latestRestart}前发布公告才能在截止日期前完成聘用），并在系统中更新各环节人数；请分管负责人督办，镇安委会跟踪。`,
      ]
    : [
        `Item ${campaign.clause} of ${plan.title.en} asks to “${campaign.title.en}”: ${t.target} by ${t.deadline}, owned by ${owner} (${t.daysLeft} days, about ${t.monthsLeft} months left).`,
        `As of ${t.asOf}: ${t.hired} hired; ${t.inPipeline} candidates still in the pipeline${t.front ? ` (at ${stageName(t.front, 'en')})` : ''}; with the stages' pass rates about ${t.expected} hires in all, about ${t.missing || t.stillToHire} short.`,
        ...reasonLines(campaign, t, language),
        `${owner}: please propose a remedy by ${t.actBy} (wider publicity, a supplementary round: announced by ${t.latestRestart} at the latest to hire by the deadline) and update the counts in the system. The deputy head supervises; the town safety committee follows up.`,
      ];
  const closing = zh ? '（本督办由 Fireplan 根据应急办登记的招录进度按月自动生成。）' : '(Generated monthly by Fireplan from the recruitment progress the owner recorded.)';
  return { subject, ...render(intro, [funnelPart(t, language, zh ? '招录各环节人数' : 'Candidates by stage')], closing) };
}

// The annual evaluation: hired against the target

export interface RecruitmentResult {
  dutyId: string;
  owner: string;
  instanceId: string;
  target: number;
  hired: number;
  /** Where the hired count came from: the campaign's hire stage, else the last figure reported on the duty instance, else none (0). */
  source: 'campaign' | 'report' | 'none';
}

/**
 * What the annual evaluation scores the recruitment duty on: the campaign's hires when the
 * campaign was recorded, else the figure the owner last reported on the duty's instance, else 0.
 */
export function recruitmentResult(campaign: Campaign | undefined, stored: boolean, instance: InstanceRecord | undefined): RecruitmentResult | undefined {
  if (!campaign) return undefined;
  const base = { dutyId: campaign.dutyId, owner: campaign.owner, instanceId: campaign.instanceId, target: campaign.target };
  if (stored) return { ...base, hired: campaign.counts.hired, source: 'campaign' };
  const figure = instance?.reports.at(-1)?.figure;
  if (figure !== undefined) return { ...base, hired: figure, source: 'report' };
  return { ...base, hired: 0, source: 'none' };
}

// The ledger (台账)

export const RECRUITMENT_LEDGER_MEDIA_TYPE = XLSX_MEDIA_TYPE;

function fieldLabel(field: string): string {
  const [kind, stage] = field.includes('.') ? (field.split('.') as [string, StageId]) : ['count', field as StageId];
  const name = STAGE_IDS.includes(stage) ? stageName(stage) : stage;
  if (kind === 'passRates') return `${name}通过率`;
  if (kind === 'stageDays') return `${name}用时（天）`;
  return name;
}

const roleLabel: Record<CampaignUpdate['role'], string> = { admin: '管理员', leader: '领导', unit: '责任单位', system: '系统' };

/** `2022-06-20 10:30` in the plan's time zone. */
function localTime(instant: string, timeZone: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return instant;
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
  return `${localDate(date, timeZone)} ${time}`;
}

export interface RecruitmentLedgerInput {
  plan: Plan;
  campaign: Campaign;
  trajectory: Trajectory;
  escalations: readonly CampaignEscalation[];
  madeAt: Date;
}

export const FUNNEL_SHEET = '招录漏斗';
export const HISTORY_SHEET = '更新记录';
export const ESCALATION_SHEET = '督办记录';

/** The campaign's ledger: the funnel, every update (who, when, what) and the escalations, with Chinese headers. */
export async function recruitmentWorkbook(input: RecruitmentLedgerInput): Promise<Buffer> {
  const { plan, campaign, trajectory: t, escalations, madeAt } = input;
  const madeOn = localDate(madeAt, plan.timeZone);
  const title = `${plan.town.name}${campaign.year}年${campaign.title.zh}台账`;
  const subtitle = [
    `${clauseLabel(campaign.clause)}`,
    `责任单位：${unitName(plan, campaign.owner)}`,
    `目标：${campaign.target}${campaign.targetUnit}`,
    `截止日期：${campaign.deadline}`,
    `已聘用：${t.hired}人`,
    `预计：约${t.projected}人（${trajectoryStatusLabel.zh[t.status]}）`,
    `制表日期：${madeOn}`,
  ].join(GAP);
  const funnel: WorkbookSheet = {
    name: FUNNEL_SHEET,
    title: `${title}（招录漏斗）`,
    subtitle,
    columns: [
      { header: '序号', width: 6 },
      { header: '环节', width: 14 },
      { header: '计数口径', width: 10 },
      { header: '人数', width: 8 },
      { header: '较上一环节', width: 12 },
      { header: '模型通过率', width: 12 },
      { header: '完成目标需要', width: 14 },
      { header: '按模型预计聘用', width: 16 },
      { header: '环节用时（天）', width: 14 },
    ],
    frozenColumns: 2,
    rows: t.stages.map((s, i) => [
      i + 1,
      s.zh,
      s.kind === 'posts' ? '岗位数' : '人数',
      s.count,
      s.observedRate === null ? '' : percent(s.observedRate),
      s.passRate === null ? '' : percent(s.passRate),
      s.required ?? '',
      s.projection ?? '',
      campaign.model.stageDays[s.stage],
    ]),
  };
  const history: WorkbookSheet = {
    name: HISTORY_SHEET,
    title: `${title}（更新记录）`,
    subtitle: `共 ${campaign.history.length} 次更新${GAP}版本：${campaign.version}${GAP}制表日期：${madeOn}`,
    columns: [
      { header: '序号', width: 6 },
      { header: '时间', width: 18 },
      { header: '日期', width: 12, kind: 'date' },
      { header: '更新人', width: 24 },
      { header: '角色', width: 10 },
      { header: '单位', width: 14 },
      { header: '类别', width: 10 },
      { header: '变更内容', width: 48, kind: 'wrap' },
      { header: '备注', width: 30, kind: 'wrap' },
    ],
    frozenColumns: 2,
    emptyText: '尚无更新记录。',
    rows: campaign.history.map((u, i) => [
      i + 1,
      localTime(u.at, plan.timeZone),
      u.on,
      u.by,
      roleLabel[u.role] ?? u.role,
      u.unit ? unitName(plan, u.unit) : '',
      u.action === 'stages' ? '环节人数' : '模型参数',
      u.changes.map((c) => `${fieldLabel(c.field)}：${c.from} → ${c.to}`).join('\n'),
      u.note ?? '',
    ]),
  };
  const escalated: WorkbookSheet = {
    name: ESCALATION_SHEET,
    title: `${title}（督办记录）`,
    subtitle: `共 ${escalations.length} 次督办${GAP}制表日期：${madeOn}`,
    columns: [
      { header: '序号', width: 6 },
      { header: '月份', width: 10 },
      { header: '督办日期', width: 12, kind: 'date' },
      { header: '已聘用', width: 8 },
      { header: '预计聘用', width: 10 },
      { header: '缺口', width: 8 },
      { header: '薄弱环节', width: 14 },
      { header: '督办对象', width: 48, kind: 'wrap' },
    ],
    emptyText: '尚无督办记录。',
    rows: escalations.map((e, i) => [i + 1, e.month, e.on, e.hired, e.projected, e.missing, e.thinStage ? stageName(e.thinStage) : '', e.to.join('\n')]),
  };
  return tableWorkbook({ title, subject: plan.title.zh, madeAt, sheets: [funnel, history, escalated] });
}

/** `专职消防员招录台账-青峰镇-2022-2022-07-01.xlsx`. */
export function recruitmentLedgerFilename(plan: Plan, year: number, madeOn: IsoDate): string {
  return safeFilename(['专职消防员招录台账', plan.town.name, String(year), madeOn]);
}
