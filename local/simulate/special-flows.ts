import type { WorkCalendar } from '../../functions/core/calendar.ts';
import { addDays, endOfMonth, makeDate, monthOf, yearOf, type IsoDate } from '../../functions/core/dates.ts';
import { deadlineOf, selfBuiltProblems, type HazardCategory, type HazardGrade, type SelfBuiltProblem } from '../../functions/core/hazards.ts';
import type { IncidentInput, PartyType } from '../../functions/core/incidents.ts';
import { isRetired, type Plan } from '../../functions/core/plan-schema.ts';
import { campaignFromPlan, DEFAULT_PASS_RATES, STAGE_IDS, type RateStage, type StageCounts, type StageId } from '../../functions/core/recruitment.ts';
import { random } from './behaviour.ts';

/**
 * What the replay's people do in the plan's special flows (issue 5), planned up front from the seed:
 * the recruitment's stage counts month by month (item 17), the fires (item 5 and 三(三)), the
 * stream of hazards with their closures, listings and progress reports (items 6–8), and the
 * committee office's review and publication of each quarter's exposure list. Pure: the same seed
 * and plan give the same actions, whatever window is replayed (a shorter window replays a prefix).
 * The simulator carries each action out through the API on its day (`local/simulate/simulate.ts`).
 */

/** Who acts: the town's committee office (an admin), or a unit with its own token. */
export type Actor = { role: 'admin' } | { role: 'unit'; unit: string };

/** When in the day: `day` at 11:00 after the units' reports; `evening` at 17:00, after the QuarterlyExposure draft (16:00). */
export type Slot = 'day' | 'evening';

interface Base {
  on: IsoDate;
  slot: Slot;
}

/**
 * The owner records the counts of every stage reached so far (GET /recruitment for the version,
 * then PUT /recruitment/{id}/stages): counts are cumulative, so repeating the earlier stages
 * changes nothing, and a replay that starts in the middle of the year still records a funnel that holds.
 */
export interface RecruitmentUpdate extends Base {
  kind: 'recruitment';
  year: number;
  actor: Actor;
  counts: Partial<StageCounts>;
  note: string;
}

export interface RecordIncident extends Base {
  kind: 'record-incident';
  /** The simulator's name for the fire, until the API gives it its id (`fire-<n>`). */
  key: string;
  body: IncidentInput;
}

export interface CloseInvestigation extends Base {
  kind: 'close-investigation';
  key: string;
  body: {
    findings: string;
    responsibleParties: { party: PartyType; name: string }[];
    rectifications: { what: string; owner: string; deadline: IsoDate }[];
    lookBackAfterMonths: number;
  };
}

export interface HazardBody {
  place: string;
  area: string;
  category: Exclude<HazardCategory, 'self-built-house'>;
  grade: HazardGrade;
  owner?: string;
  description: string;
  deadline?: IsoDate;
  contact?: { name: string; phone: string };
  measure?: 'demolish' | 'relocate' | 'rectify' | 'close';
}

export interface HouseBody {
  address: string;
  area: string;
  floors: number;
  occupants: number;
  uses: ('production' | 'business' | 'rental')[];
  problems: { code: SelfBuiltProblem }[];
  contact: { name: string; phone: string };
}

export interface RecordHazard extends Base {
  kind: 'record-hazard';
  key: string;
  actor: Actor;
  body: HazardBody;
  /** The deadline the API will set (planning only: the API computes its own). */
  deadline: IsoDate;
}

/** Item 7: the village adds a self-built house to the baseline list and turns its first problem into a hazard. */
export interface RecordHouseHazard extends Base {
  kind: 'record-house-hazard';
  key: string;
  actor: Actor;
  house: HouseBody;
  grade: HazardGrade;
  deadline: IsoDate;
}

export interface ListHazard extends Base {
  kind: 'list-hazard';
  key: string;
  note: string;
}

export interface HazardProgress extends Base {
  kind: 'hazard-progress';
  key: string;
  actor: Actor;
  note: string;
}

export interface CloseHazard extends Base {
  kind: 'close-hazard';
  key: string;
  note: string;
}

/** The admin reads the quarter's draft, edits one entry's text now and then, and approves it. */
export interface ReviewExposure extends Base {
  kind: 'review-exposure';
  quarter: string;
  edit: boolean;
}

export interface PublishExposure extends Base {
  kind: 'publish-exposure';
  quarter: string;
}

export type SpecialAction = RecruitmentUpdate | RecordIncident | CloseInvestigation | RecordHazard | RecordHouseHazard | ListHazard | HazardProgress | CloseHazard | ReviewExposure | PublishExposure;

const SLOT_ORDER: Record<Slot, number> = { day: 0, evening: 1 };

/** A pick from a list by a random number in [0, 1). */
function pick<T>(list: readonly T[], r: number): T {
  if (list.length === 0) throw new Error('pick from an empty list');
  return list[Math.min(list.length - 1, Math.floor(r * list.length))] as T;
}

/** A whole number in [min, max] by a random number in [0, 1). */
function between(min: number, max: number, r: number): number {
  return min + Math.min(max - min, Math.floor(r * (max - min + 1)));
}

/** A working day in [from, to] chosen by r, or undefined when there is none. */
function workdayBetween(calendar: WorkCalendar, from: IsoDate, to: IsoDate, r: number): IsoDate | undefined {
  const days = calendar.workdaysIn(from, to);
  return days.length === 0 ? undefined : pick(days, r);
}

const later = (a: IsoDate, b: IsoDate) => (a > b ? a : b);

// ── Recruitment (item 17) ──

/** The stages reported together in one monthly update, in the order a recruitment goes through them. */
export const RECRUITMENT_STEPS: readonly { stages: readonly StageId[]; note: string }[] = [
  { stages: ['plan-approved'], note: '招录计划已获区人力社保局批准' },
  { stages: ['announcement', 'registration'], note: '招录公告已发布，报名结束' },
  { stages: ['qualification-review', 'written-test'], note: '资格审查完毕，笔试结束' },
  { stages: ['physical-test', 'interview'], note: '体能测试和面试结束' },
  { stages: ['medical-check', 'political-review'], note: '体检和政治考察结束' },
  { stages: ['public-notice', 'hired'], note: '拟聘人员公示期满，办理聘用' },
  { stages: ['induction-training'], note: '新聘人员参加入职培训' },
];

/**
 * The funnel the year ends with: posts equal to the target, hires the target or up to three short
 * (half the seeds reach it), and each earlier stage what the default pass rates would need for the
 * stage after it, give or take 8%: about 7 registrants per hire, as docs/recruitment.md models it.
 * Counted backwards from the hires, so that every stage holds at most the one before it.
 */
export function recruitmentFunnel(seed: number, town: string, target: number): StageCounts {
  const r = (key: string) => random(seed, `recruitment:${town}:${key}`);
  const shortfall = pick([0, 0, 0, 0, 0, 1, 1, 2, 2, 3], r('shortfall'));
  const counts = Object.fromEntries(STAGE_IDS.map((id) => [id, 0])) as StageCounts;
  counts['plan-approved'] = target;
  counts.announcement = target;
  counts.hired = Math.max(0, target - shortfall);
  counts['induction-training'] = Math.max(0, counts.hired - (r('induction') < 0.3 ? 1 : 0));
  const hired = STAGE_IDS.indexOf('hired');
  const registration = STAGE_IDS.indexOf('registration');
  for (let i = hired - 1; i >= registration; i -= 1) {
    const stage = STAGE_IDS[i] as StageId;
    const next = STAGE_IDS[i + 1] as RateStage;
    const noise = 0.92 + 0.16 * r(`noise:${stage}`);
    counts[stage] = Math.max(counts[next], Math.round(counts[next] / (DEFAULT_PASS_RATES[next] * noise)));
  }
  return counts;
}

/** The months from `from` to `to` (inclusive), as [year, month]. */
function monthsBetween(from: IsoDate, to: IsoDate): [number, number][] {
  const months: [number, number][] = [];
  let y = yearOf(from);
  let m = monthOf(from);
  while (y < yearOf(to) || (y === yearOf(to) && m <= monthOf(to))) {
    months.push([y, m]);
    y += m === 12 ? 1 : 0;
    m = m === 12 ? 1 : m + 1;
  }
  return months;
}

/**
 * The owner's updates: one a month from the month after the campaign opens, each step of
 * RECRUITMENT_STEPS in its month (steps share a month when fewer months are left), on a working
 * day between the 5th and the 25th.
 */
export function recruitmentPlan(seed: number, plan: Plan, calendar: WorkCalendar): RecruitmentUpdate[] {
  const year = yearOf(plan.effectiveFrom);
  const campaign = campaignFromPlan(plan, calendar, year);
  if (!campaign) return [];
  const town = plan.town.id;
  const funnel = recruitmentFunnel(seed, town, campaign.target);
  const start = addDays(endOfMonth(yearOf(campaign.opensOn), monthOf(campaign.opensOn)), 1);
  const last = campaign.deadline < plan.effectiveTo ? campaign.deadline : plan.effectiveTo;
  const months = start <= last ? monthsBetween(start, last) : [];
  if (months.length === 0) return [];
  const byMonth = new Map<number, RecruitmentUpdate>();
  let reached: Partial<StageCounts> = {};
  RECRUITMENT_STEPS.forEach((step, n) => {
    const index = Math.floor((n * months.length) / RECRUITMENT_STEPS.length);
    const [y, m] = months[index] as [number, number];
    reached = { ...reached, ...(Object.fromEntries(step.stages.map((s) => [s, funnel[s]])) as Partial<StageCounts>) };
    const counts = { ...reached };
    const existing = byMonth.get(index);
    if (existing) {
      existing.counts = counts;
      existing.note = `${existing.note}；${step.note}`;
      return;
    }
    const from = later(makeDate(y, m, 5), campaign.opensOn);
    const to = makeDate(y, m, 25) < last ? makeDate(y, m, 25) : last;
    const on = workdayBetween(calendar, from, to, random(seed, `recruitment:${town}:day:${y}-${m}`));
    if (on === undefined) return;
    byMonth.set(index, { kind: 'recruitment', on, slot: 'day', year, actor: { role: 'unit', unit: campaign.owner }, counts, note: step.note });
  });
  return [...byMonth.values()];
}

// ── Fires (item 5, 三(三)) ──

/** Villages and residential communities still in the plan, in plan order: where fires and hazards happen. */
function localities(plan: Plan): { id: string; name: string }[] {
  return plan.units.filter((u) => (u.kind === 'village' || u.kind === 'residential') && !isRetired(u)).map((u) => ({ id: u.id, name: u.name }));
}

const unitExists = (plan: Plan, id: string) => plan.units.some((u) => u.id === id && !isRetired(u));

/**
 * Two fires a year: a serious one (a death, or major social impact without one) between three and
 * eight weeks after the plan takes effect, recorded the same or a following working day, its
 * investigation closed 22–35 working days after the fire (the time limit is 30: some closes are
 * late) with two or three rectifications, so that the look-back three months later falls in the
 * year; and a minor one in the summer or autumn that opens nothing.
 */
export function incidentPlan(seed: number, plan: Plan, calendar: WorkCalendar): (RecordIncident | CloseInvestigation)[] {
  const town = plan.town.id;
  const r = (key: string) => random(seed, `incident:${town}:${key}`);
  const places = localities(plan);
  if (places.length === 0) return [];
  const actions: (RecordIncident | CloseInvestigation)[] = [];

  const area = pick(places, r('serious:area'));
  const occurredOn = addDays(plan.effectiveFrom, between(20, 60, r('serious:day')));
  const recordedOn = calendar.onOrAfter(addDays(occurredOn, between(0, 2, r('serious:recorded'))));
  const deaths = r('serious:fatal') < 0.6 ? between(1, 2, r('serious:deaths')) : 0;
  const cause = pick(['一楼电动自行车室内充电起火', '厨房液化气罐软管老化泄漏起火', '二楼出租房私拉乱接电线短路起火'], r('serious:cause'));
  if (recordedOn <= plan.effectiveTo) {
    actions.push({
      kind: 'record-incident',
      on: recordedOn,
      slot: 'day',
      key: 'serious',
      body: {
        occurredOn,
        place: `${area.name} 场镇一处经营性自建房`,
        casualties: { deaths, injuries: between(0, 3, r('serious:injuries')) },
        socialImpact: deaths > 0 ? (r('serious:impact') < 0.3 ? 'major' : 'minor') : 'major',
        description: `${cause}，${deaths > 0 ? `造成${deaths}人死亡` : '无人员死亡，但引发网络舆情，社会影响重大'}。`,
      },
    });
    const closeOn = calendar.addWorkdays(occurredOn, between(22, 35, r('serious:close')));
    const candidates = [
      { what: '拆除违规搭建的电动自行车充电棚', owner: area.id },
      { what: '补齐楼道应急照明和疏散指示标志', owner: area.id },
      { what: '开展场镇经营性自建房电气线路专项检查', owner: 'construction-office' },
      { what: '对涉事经营场所从业人员开展消防安全培训', owner: 'economic-office' },
    ].filter((c) => unitExists(plan, c.owner));
    const count = Math.min(candidates.length, 2 + (r('serious:items') < 0.5 ? 1 : 0));
    const first = between(0, candidates.length - 1, r('serious:first'));
    const rectifications = Array.from({ length: count }, (_, n) => {
      const item = candidates[(first + n) % candidates.length] as { what: string; owner: string };
      return { ...item, deadline: addDays(closeOn, between(20, 50, r(`serious:deadline:${n}`))) };
    });
    if (closeOn <= plan.effectiveTo) {
      actions.push({
        kind: 'close-investigation',
        on: closeOn,
        slot: 'day',
        key: 'serious',
        body: {
          findings: `${cause}。房屋业主擅自改变使用性质，未落实消防安全管理责任；施工单位违规使用易燃材料搭建隔断。`,
          responsibleParties: [
            { party: 'use-management', name: '房屋业主及经营者' },
            { party: 'construction', name: '某装饰工程队' },
          ],
          rectifications,
          lookBackAfterMonths: 3,
        },
      });
    }
  }

  const minorArea = pick(places, r('minor:area'));
  const minorOn = addDays(plan.effectiveFrom, between(90, 180, r('minor:day')));
  const minorRecorded = calendar.onOrAfter(addDays(minorOn, between(0, 1, r('minor:recorded'))));
  if (minorRecorded <= plan.effectiveTo) {
    actions.push({
      kind: 'record-incident',
      on: minorRecorded,
      slot: 'day',
      key: 'minor',
      body: {
        occurredOn: minorOn,
        place: `${minorArea.name} 一处农户柴房`,
        casualties: { deaths: 0, injuries: r('minor:injured') < 0.3 ? 1 : 0 },
        socialImpact: r('minor:impact') < 0.5 ? 'none' : 'minor',
        description: '柴房内堆放的秸秆被烟头引燃，村微型消防站及时扑灭。',
      },
    });
  }
  return actions;
}

// ── Hazards (items 6–8) and the quarterly exposure ──

const CATEGORIES: readonly Exclude<HazardCategory, 'self-built-house'>[] = [
  'nine-small',
  'nine-small',
  'three-in-one',
  'three-in-one',
  'plant-warehouse',
  'residential',
  'elderly-care',
  'old-commercial-residential',
  'three-no-community',
  'gas',
  'school',
  'other',
];

const PLACE: Record<Exclude<HazardCategory, 'self-built-house'>, { place: string; description: string }> = {
  'three-in-one': { place: '场镇一家“三合一”小作坊', description: '生产、储存、住宿在同一建筑内，未设置防火分隔' },
  'nine-small': { place: '场镇一家小餐饮店', description: '厨房燃气管道老化，未安装燃气泄漏报警装置' },
  'plant-warehouse': { place: '一处五金加工厂仓库', description: '仓库内违规设置员工宿舍，安全出口上锁' },
  residential: { place: '一处老旧居民楼', description: '楼道堆放杂物，电动自行车在楼道内充电' },
  other: { place: '一处农贸市场', description: '电气线路私拉乱接，灭火器过期' },
  'three-no-community': { place: '一处“三无”小区', description: '无物业管理，室内消火栓无水' },
  petrochemical: { place: '一处加油站', description: '防雷防静电检测过期' },
  'elderly-care': { place: '一处农村敬老院', description: '未安装独立式感烟火灾探测报警器，夜间值班人员不足' },
  school: { place: '一所村小', description: '学生宿舍疏散指示标志损坏' },
  hospital: { place: '一处村卫生室', description: '氧气瓶与易燃物混放' },
  gas: { place: '一处液化气供应站', description: '钢瓶露天堆放，未设置防晒设施' },
  'old-commercial-residential': { place: '一栋老旧商住楼', description: '商业与住宅共用疏散楼梯，未设置防火分隔' },
  'relocation-site': { place: '一处易地搬迁安置点', description: '消防车通道被占用' },
  'epidemic-site': { place: '一处临时隔离点', description: '临时建筑使用易燃夹芯彩钢板' },
};

const OWNER_BY_CATEGORY: Partial<Record<HazardCategory, string>> = {
  'plant-warehouse': 'economic-office',
  'elderly-care': 'civil-affairs-office',
  school: 'education-center',
  gas: 'emergency-office',
};

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄'];
const GIVEN = ['建国', '秀英', '德明', '桂芳', '志强', '玉兰', '国华', '春梅'];

/** A placeholder person on the hazard: personal data the exposure list must never carry. */
function contactOf(seed: number, key: string): { name: string; phone: string } {
  const r = (k: string) => random(seed, `${key}:contact:${k}`);
  return { name: `${pick(SURNAMES, r('surname'))}${pick(GIVEN, r('given'))}`, phone: `1380000${String(between(0, 9999, r('phone'))).padStart(4, '0')}` };
}

/** The last working day of each quarter of the plan, while the plan is in force: the QuarterlyExposure's days. */
export function exposureDays(plan: Plan, calendar: WorkCalendar): { quarter: string; on: IsoDate }[] {
  const days: { quarter: string; on: IsoDate }[] = [];
  for (let y = yearOf(plan.effectiveFrom); y <= yearOf(plan.effectiveTo); y += 1) {
    for (let q = 1; q <= 4; q += 1) {
      const on = calendar.onOrBefore(endOfMonth(y, q * 3));
      if (on >= plan.effectiveFrom && on <= plan.effectiveTo) days.push({ quarter: `${y}-Q${q}`, on });
    }
  }
  return days;
}

type HazardOutcome = 'on-time' | 'late' | 'open';

/**
 * The hazard stream: two to four hazards a month found on working days, of various categories and
 * areas, about one in five major, and the first of each quarter major so that every quarter's
 * exposure list has something to expose; some in self-built houses where ten or more people live
 * (recorded by the village through the baseline list). Recorded by the committee office or the
 * village. Half are closed with evidence before their deadline, three in ten after it, the rest
 * left open. The first major hazard of the year, and half the others, go under listed supervision
 * a few working days after they are found, with a progress report every two working weeks until
 * they are closed.
 */
export function hazardPlan(seed: number, plan: Plan, calendar: WorkCalendar): SpecialAction[] {
  const town = plan.town.id;
  const places = localities(plan);
  if (places.length === 0) return [];
  const actions: SpecialAction[] = [];
  const quartersWithMajor = new Set<string>();
  let listedAny = false;
  let n = 0;
  for (const [y, m] of monthsBetween(plan.effectiveFrom, plan.effectiveTo)) {
    const monthKey = `${y}-${String(m).padStart(2, '0')}`;
    const count = between(2, 4, random(seed, `hazard:${town}:${monthKey}:count`));
    const from = later(makeDate(y, m, 1), plan.effectiveFrom);
    const to = endOfMonth(y, m) < plan.effectiveTo ? endOfMonth(y, m) : plan.effectiveTo;
    const days = Array.from({ length: count }, (_, i) => workdayBetween(calendar, from, to, random(seed, `hazard:${town}:${monthKey}:${i}:day`)))
      .filter((d): d is IsoDate => d !== undefined)
      .sort();
    for (const foundOn of days) {
      n += 1;
      const key = `h${String(n).padStart(3, '0')}`;
      const r = (k: string) => random(seed, `hazard:${town}:${key}:${k}`);
      const quarter = `${y}-Q${Math.ceil(m / 3)}`;
      const grade: HazardGrade = !quartersWithMajor.has(quarter) || r('grade') < 0.2 ? 'major' : 'general';
      if (grade === 'major') quartersWithMajor.add(quarter);
      const area = pick(places, r('area'));
      const selfBuilt = r('self-built') < 0.2;
      let deadline: IsoDate;
      if (selfBuilt) {
        const problems = [...selfBuiltProblems].sort((a, b) => r(`problem:${a}`) - r(`problem:${b}`)).slice(0, between(1, 3, r('problems')));
        deadline = deadlineOf({ grade }, foundOn, calendar);
        actions.push({
          kind: 'record-house-hazard',
          on: foundOn,
          slot: 'day',
          key,
          actor: { role: 'unit', unit: area.id },
          house: {
            address: `${area.name} ${between(1, 9, r('group'))}组${between(1, 80, r('number'))}号`,
            area: area.id,
            floors: between(3, 6, r('floors')),
            occupants: between(10, 32, r('occupants')),
            uses: pick([['rental'], ['business', 'rental'], ['production', 'rental']] as const, r('uses')).slice(),
            problems: problems.map((code) => ({ code })),
            contact: contactOf(seed, `hazard:${town}:${key}`),
          },
          grade,
          deadline,
        });
      } else {
        const category = pick(CATEGORIES, r('category'));
        const owner = OWNER_BY_CATEGORY[category];
        const explicit = grade === 'general' && r('explicit') < 0.2 ? calendar.onOrAfter(addDays(foundOn, 15)) : undefined;
        deadline = deadlineOf({ grade, deadline: explicit }, foundOn, calendar);
        // A unit records only what it rectifies itself; one owned by a department is the committee office's to record.
        const ownedByArea = !(owner && unitExists(plan, owner)) || owner === area.id;
        const byUnit = r('recorder') < 0.4 && ownedByArea;
        actions.push({
          kind: 'record-hazard',
          on: foundOn,
          slot: 'day',
          key,
          actor: byUnit ? { role: 'unit', unit: area.id } : { role: 'admin' },
          body: {
            place: `${area.name} ${PLACE[category].place}`,
            area: area.id,
            category,
            grade,
            ...(owner && unitExists(plan, owner) ? { owner } : {}),
            description: PLACE[category].description,
            ...(explicit ? { deadline: explicit } : {}),
            ...(r('contact') < 0.5 ? { contact: contactOf(seed, `hazard:${town}:${key}`) } : {}),
            ...(category === 'plant-warehouse' ? { measure: pick(['demolish', 'relocate', 'rectify', 'close'] as const, r('measure')) } : {}),
          },
          deadline,
        });
      }

      const listed: boolean = grade === 'major' && (!listedAny || r('listed') < 0.5);
      let outcome: HazardOutcome = pick(['on-time', 'on-time', 'on-time', 'on-time', 'on-time', 'late', 'late', 'late', 'open', 'open'] as const, r('outcome'));
      if (listed && !listedAny) outcome = 'on-time';
      listedAny ||= listed;
      let closeOn: IsoDate | undefined;
      const window = calendar.workdaysBetween(foundOn, deadline);
      if (outcome === 'on-time') closeOn = calendar.addWorkdays(foundOn, Math.max(1, Math.round(window * (0.35 + 0.6 * r('close')))));
      else if (outcome === 'late') closeOn = calendar.addWorkdays(deadline, between(1, 12, r('close')));
      if (closeOn !== undefined && closeOn > deadline && outcome === 'on-time') closeOn = deadline;

      const listOn = calendar.addWorkdays(foundOn, between(2, 4, r('list')));
      if (listed && listOn <= plan.effectiveTo) {
        if (closeOn !== undefined && closeOn <= calendar.addWorkdays(listOn, 12)) closeOn = calendar.addWorkdays(listOn, 12 + between(0, 10, r('close-listed')));
        actions.push({ kind: 'list-hazard', on: listOn, slot: 'day', key, note: '重大火灾隐患，按区县政府要求挂牌督办，每两周报告整改进展' });
        for (let k = 1; ; k += 1) {
          const on = calendar.addWorkdays(listOn, 10 * k);
          if ((closeOn !== undefined && on >= closeOn) || on > plan.effectiveTo || k > 6) break;
          actions.push({
            kind: 'hazard-progress',
            on,
            slot: 'day',
            key,
            actor: r(`progress:${k}`) < 0.5 ? { role: 'unit', unit: area.id } : { role: 'admin' },
            note: pick(['已制定整改方案，落实整改资金', '已完成部分整改，正在组织复查', '临时防范措施已落实，专人值守'], r(`progress-note:${k}`)),
          });
        }
      }
      if (closeOn !== undefined && closeOn <= plan.effectiveTo) {
        actions.push({ kind: 'close-hazard', on: closeOn, slot: 'day', key, note: outcome === 'late' ? '逾期完成整改，现场复查合格' : '已按期完成整改，现场复查合格' });
      }
    }
  }

  for (const { quarter, on } of exposureDays(plan, calendar)) {
    const r = (k: string) => random(seed, `exposure:${town}:${quarter}:${k}`);
    actions.push({ kind: 'review-exposure', on, slot: 'evening', quarter, edit: r('edit') < 0.4 });
    const late = r('publish') < 0.4 ? calendar.addWorkdays(on, between(1, 3, r('delay'))) : on;
    actions.push({ kind: 'publish-exposure', on: late <= plan.effectiveTo ? late : on, slot: 'evening', quarter });
  }
  return actions;
}

/** Every special action of a town's year, in the order they happen (day, slot, then as planned). */
export function specialFlowPlan(seed: number, plan: Plan, calendar: WorkCalendar): SpecialAction[] {
  const actions = [...recruitmentPlan(seed, plan, calendar), ...incidentPlan(seed, plan, calendar), ...hazardPlan(seed, plan, calendar)];
  return actions
    .map((action, index) => ({ action, index }))
    .sort((a, b) => (a.action.on < b.action.on ? -1 : a.action.on > b.action.on ? 1 : SLOT_ORDER[a.action.slot] - SLOT_ORDER[b.action.slot] || a.index - b.index))
    .map(({ action }) => action);
}
