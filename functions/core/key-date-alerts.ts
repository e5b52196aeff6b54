import type { WorkCalendar } from './calendar.ts';
import { addDays, maxDate, type IsoDate } from './dates.ts';
import { categoryLabel, type HazardRecord } from './hazards.ts';
import { newInstance, type InstanceRecord } from './instance.ts';
import { clauseLabel, escapeHtml, evidenceLabel, reportLink, unitName, type EmailContent, type Language, type MessageContext } from './messages.ts';
import { keyDatePeriod, type Period } from './periods.ts';
import { isRetired, type Duty, type KeyDate, type Plan, type Unit, type UnitKind } from './plan-schema.ts';
import { resolveOwners, scheduleFor } from './schedule.ts';

/**
 * Key-date alerts (item 9, 抓好重要节点火灾防控工作): a set number of working days before each key
 * date of the plan (`defaults.keyDateAlertWorkdays`, 5 by default), every unit with a contact gets
 * one risk alert (风险提示) for it: what the key date is and when, the raised-vigilance window, what
 * to do, its own duties for the key date and the hazards under listed supervision (挂牌督办) it
 * should watch. The owners of the key-date duties (the inspections and close watch of item 9) get
 * those duties for the window, opened no later than the alert day.
 *
 * Pure: the day and the calendar are passed in; the handler reads and writes. docs/key-date-alerts.md.
 */

/** The outbox purpose of a key date's alert: with the recipient, what makes it go out once. */
export function keyDateAlertPurpose(keyDateId: string): string {
  return `key-date-alert#${keyDateId}`;
}

export interface KeyDateWindow {
  keyDate: KeyDate;
  /** The key date's period, as its duties' instances have it (id: the first day). */
  period: Period;
  starts: IsoDate;
  ends: IsoDate;
  /** The day the alert is due: the N-th working day before the first day of the key date. */
  alertOn: IsoDate;
  /** The last working day before the key date: hidden-hazard checks are done by then. */
  checkBy: IsoDate;
}

/**
 * The alert day of a key date: `workdays` working days before its first day, counted over working
 * days only (the first day itself not counted). It is always a working day: when the day that many
 * working days back would be a rest day, counting over working days has already landed on the last
 * working day before it.
 */
export function alertDayOf(keyDate: Pick<KeyDate, 'starts'>, workdays: number, calendar: WorkCalendar): IsoDate {
  return calendar.addWorkdays(keyDate.starts, -workdays);
}

export function windowOf(plan: Plan, keyDate: KeyDate, calendar: WorkCalendar): KeyDateWindow {
  const period = keyDatePeriod(keyDate);
  return {
    keyDate,
    period,
    starts: period.starts,
    ends: period.ends,
    alertOn: alertDayOf(keyDate, plan.defaults.keyDateAlertWorkdays, calendar),
    checkBy: calendar.addWorkdays(period.starts, -1),
  };
}

/** Every key date the plan alerts for (those that start while the plan is in force, as their duties open), earliest first. */
export function keyDateWindows(plan: Plan, calendar: WorkCalendar): KeyDateWindow[] {
  return plan.calendar.keyDates
    .filter((k) => k.starts >= plan.effectiveFrom && k.starts <= plan.effectiveTo)
    .map((k) => windowOf(plan, k, calendar))
    .sort((a, b) => compare(a.starts, b.starts) || compare(a.keyDate.id, b.keyDate.id));
}

/**
 * The key dates whose alert is due on a day: from the alert day to the key date's last day. On the
 * alert day itself that is the regular alert; on a later day, the alert of a key date entered late
 * (fewer than N working days before it) or of a run that failed, which goes out on the next run
 * unless it went out already (the handler looks at the outbox of the earlier days). Nothing on a
 * rest day.
 */
export function alertsDueOn(plan: Plan, today: IsoDate, calendar: WorkCalendar): KeyDateWindow[] {
  if (!calendar.isWorkday(today)) return [];
  return keyDateWindows(plan, calendar).filter((w) => w.alertOn <= today && today <= w.ends);
}

/**
 * The earlier working days of a key date's alert window, up to the day before `today`, on which
 * its alert may already have gone out (the outbox keeps a town's mail by day). None on the alert
 * day itself; none before the plan took effect.
 */
export function earlierAlertDays(plan: Plan, window: KeyDateWindow, today: IsoDate, calendar: WorkCalendar): IsoDate[] {
  const from = maxDate(window.alertOn, plan.effectiveFrom);
  const to = addDays(today, -1);
  return to < from ? [] : calendar.workdaysIn(from, to);
}

/** The key-date duties of a key date (its raised-vigilance duties: inspections, close watch, the alert itself), not paused. */
export function vigilanceDuties(plan: Plan, keyDate: Pick<KeyDate, 'id'>): Duty[] {
  return plan.duties.filter(
    (d) => d.cadence === 'key-date' && d.paused !== true && (d.keyDates === undefined || d.keyDates.length === 0 || d.keyDates.includes(keyDate.id)),
  );
}

/**
 * The raised-vigilance instances of a key date that must exist on `today`: each key-date duty of
 * the key date for each owner, as the dated opener opens it, except that one which would open
 * after today opens today (the alert day) instead, so that the alert can point to it. Creating
 * them is idempotent: one the opener created already is left as it is.
 */
export function vigilanceInstances(plan: Plan, planVersion: string, window: KeyDateWindow, today: IsoDate, calendar: WorkCalendar): InstanceRecord[] {
  const records: InstanceRecord[] = [];
  for (const duty of vigilanceDuties(plan, window.keyDate)) {
    const planned = scheduleFor(plan, calendar, duty, window.period);
    const schedule = planned.opensOn > today ? { ...planned, opensOn: today, reminders: planned.reminders.filter((d) => d > today) } : planned;
    for (const owner of resolveOwners(plan, duty)) records.push(newInstance(plan, planVersion, duty, owner, schedule));
  }
  return records;
}

/** Units that see every listed hazard of the town rather than their area's: leadership, the committees and the owners of the key date's duties (they inspect and watch the whole town). */
const TOWN_WIDE_KINDS: ReadonlySet<UnitKind> = new Set<UnitKind>(['leadership', 'committee']);

export type HazardScope = 'area' | 'town';

export interface UnitAlert {
  window: KeyDateWindow;
  unit: Unit;
  scope: HazardScope;
  /** The unit's instances of the key date's duties, earliest due first. */
  duties: InstanceRecord[];
  /** Open hazards under listed supervision in its area (or the whole town's), earliest deadline first. */
  hazards: HazardRecord[];
}

/** Hazards under listed supervision, still open, in a unit's area (all of the town's for a town-wide scope). */
export function listedHazardsFor(unit: Pick<Unit, 'id'>, hazards: readonly HazardRecord[], scope: HazardScope): HazardRecord[] {
  return hazards
    .filter((h) => h.listed !== null && h.status === 'open' && (scope === 'town' || h.area === unit.id))
    .sort((a, b) => compare(listedDeadline(a), listedDeadline(b)) || compare(a.area, b.area) || compare(a.id, b.id));
}

function listedDeadline(hazard: HazardRecord): IsoDate {
  return hazard.listed?.deadline ?? hazard.deadline;
}

/** Who gets a key date's alert and with what: every unit with a contact that is not retired, in the plan's order. */
export function unitAlerts(plan: Plan, window: KeyDateWindow, instances: readonly InstanceRecord[], hazards: readonly HazardRecord[]): UnitAlert[] {
  const duties = vigilanceDuties(plan, window.keyDate);
  const dutyIds = new Set(duties.map((d) => d.id));
  const watchers = new Set(duties.flatMap((d) => resolveOwners(plan, d).map((u) => u.id)));
  const ofKeyDate = instances.filter((i) => dutyIds.has(i.dutyId) && i.periodId === window.period.id);
  return plan.units
    .filter((u) => !isRetired(u) && u.contacts.length > 0)
    .map((unit) => {
      const scope: HazardScope = TOWN_WIDE_KINDS.has(unit.kind) || watchers.has(unit.id) ? 'town' : 'area';
      return {
        window,
        unit,
        scope,
        duties: ofKeyDate.filter((i) => i.owner === unit.id).sort((a, b) => compare(a.dueOn, b.dueOn) || compare(a.dutyId, b.dutyId)),
        hazards: listedHazardsFor(unit, hazards, scope),
      };
    });
}

/** Units that would get an alert but have no contact address: reported, never skipped silently. */
export function unreachableUnits(plan: Plan): string[] {
  return plan.units.filter((u) => !isRetired(u) && u.contacts.length === 0).map((u) => u.id);
}

export interface KeyDateAlertMail {
  keyDateId: string;
  unit: string;
  recipient: string;
  language: Language;
  purpose: string;
  content: EmailContent;
  /** The unit's instances of the key date's duties the alert points to. */
  instanceIds: string[];
  hazardIds: string[];
}

/**
 * The alerts of one key date to record today: one per contact of each unit, except to addresses
 * that had this key date's alert on an earlier day (`alreadySent`).
 */
export function keyDateAlertMails(ctx: MessageContext, alerts: readonly UnitAlert[], alreadySent: ReadonlySet<string> = new Set()): KeyDateAlertMail[] {
  const mails: KeyDateAlertMail[] = [];
  const seen = new Set(alreadySent);
  for (const alert of alerts) {
    for (const contact of alert.unit.contacts) {
      if (seen.has(contact.email)) continue;
      seen.add(contact.email);
      mails.push({
        keyDateId: alert.window.keyDate.id,
        unit: alert.unit.id,
        recipient: contact.email,
        language: contact.language,
        purpose: keyDateAlertPurpose(alert.window.keyDate.id),
        content: keyDateAlertEmail(ctx, alert, contact.language),
        instanceIds: alert.duties.map((d) => d.id),
        hazardIds: alert.hazards.map((h) => h.id),
      });
    }
  }
  return mails;
}

// The message

const kindLabel: Record<Language, Record<KeyDate['kind'], string>> = {
  zh: { holiday: '重要节日', meeting: '重要会议', event: '重大活动' },
  en: { holiday: 'public holiday', meeting: 'major meeting', event: 'major event' },
};

const categoryLabelEn: Partial<Record<string, string>> = {
  'three-in-one': '"three-in-one" premises',
  'nine-small': '"nine small" premises',
  'self-built-house': 'self-built house (10 or more occupants)',
  'plant-warehouse': 'factory or warehouse',
  residential: 'housing, old residential estate',
  'three-no-community': 'estate without management',
  petrochemical: 'petrochemical enterprise',
  'elderly-care': 'elderly-care institution',
  school: 'school',
  hospital: 'hospital',
  gas: 'gas premises',
  'old-commercial-residential': 'old commercial-residential building',
  'relocation-site': 'relocation settlement',
  'epidemic-site': 'epidemic-control site',
  other: 'other',
};

function hazardCategory(hazard: HazardRecord, language: Language): string {
  if (language === 'en') return categoryLabelEn[hazard.category] ?? hazard.category;
  return (categoryLabel as Partial<Record<string, string>>)[hazard.category] ?? hazard.category;
}

function span(window: KeyDateWindow, language: Language): string {
  if (window.starts === window.ends) return window.starts;
  return language === 'zh' ? `${window.starts}至${window.ends}` : `${window.starts} to ${window.ends}`;
}

/** What the key date asks of a unit of this kind by way of hidden-hazard checks. */
function checkTask(kind: UnitKind, language: Language): string {
  const zh = language === 'zh';
  switch (kind) {
    case 'village':
    case 'residential':
      return zh
        ? '组织村（社区）干部和网格员对辖区不放心区域、不放心场所和高风险对象（“三合一”场所、九小场所、经营性自建房、老旧小区等）开展一次全面隐患排查'
        : 'have the village (community) cadres and grid workers check every worrying area, premises and high-risk object of the area ("three-in-one" and "nine small" premises, self-built houses, old estates …) for hidden hazards';
    case 'department':
    case 'district-department':
      return zh
        ? '对本行业、本领域的不放心场所和高风险对象开展一次消防安全检查'
        : 'inspect the worrying premises and high-risk objects of your sector for fire safety';
    case 'school':
      return zh ? '对本校教学楼、宿舍、食堂、实验室等开展一次消防安全自查' : "check the school's classrooms, dormitories, canteen and laboratories for fire safety";
    default:
      return zh
        ? '督促各村（居）和行业部门开展隐患排查，对不放心区域、不放心场所和高风险对象组织抽查'
        : 'see that the villages, communities and departments check for hidden hazards, and spot-check worrying areas, premises and high-risk objects';
  }
}

function actions(ctx: MessageContext, alert: UnitAlert, language: Language): string[] {
  const { window } = alert;
  const late = ctx.today > window.checkBy;
  const when = span(window, language);
  if (language === 'zh') {
    return [
      '加强形势预研预判：结合本单位、本辖区实际，分析研判节点期间的火灾风险，明确防范措施。',
      `开展隐患排查：${checkTask(alert.unit.kind, 'zh')}，${late ? '请立即开展' : `于${window.checkBy}前完成`}；发现隐患立即督促整改，不能立即整改的落实管控措施，并报镇消防安全委员会办公室。`,
      '落实重点监护：落实力量对涉会、涉节场所实施重点监护。',
      `严格值班值守：${when}期间落实领导带班和24小时值班值守，保持通讯畅通，发生火情立即报告、及时处置。`,
      '发布针对性提示：向辖区群众和场所负责人发布消防安全提示，提醒安全用火、用电、用气。',
    ];
  }
  return [
    'Assess the situation: weigh the fire risks of the key date for your unit and area and decide the measures.',
    `Check for hidden hazards: ${checkTask(alert.unit.kind, 'en')}, ${late ? 'starting now' : `by ${window.checkBy}`}; have every hazard found put right at once, and where that cannot be done at once, control it and report it to the town fire-safety committee office.`,
    'Keep close watch: assign people to watch the venues of the meeting, event or holiday.',
    `Keep duty watch: from ${when}, a leader on duty and a 24-hour watch, reachable at all times; report any fire at once and act on it.`,
    'Warn the public: send targeted fire-safety reminders to residents and to those in charge of premises (fire, electricity, gas).',
  ];
}

function dutyLine(ctx: MessageContext, instance: InstanceRecord, language: Language): [string, string] {
  const evidence = instance.evidence.map((e) => evidenceLabel[language][e] ?? e).join(language === 'zh' ? '、' : ', ');
  if (language === 'zh') {
    return [
      `${instance.title.zh}：${instance.opensOn}开始，请于${instance.dueOn}前完成并报送（需提交材料：${evidence}）`,
      `报送：${reportLink(ctx, instance.id)}（任务编号 ${instance.id}）`,
    ];
  }
  return [
    `${instance.title.en}: from ${instance.opensOn}; do it and report it done by ${instance.dueOn} (evidence: ${evidence})`,
    `Report: ${reportLink(ctx, instance.id)} (duty instance ${instance.id})`,
  ];
}

function hazardLine(plan: Plan, hazard: HazardRecord, scope: HazardScope, language: Language): string {
  const deadline = listedDeadline(hazard);
  if (language === 'zh') {
    const area = scope === 'town' ? `所在区域：${unitName(plan, hazard.area)}；` : '';
    return `${hazard.place}（${hazardCategory(hazard, 'zh')}）：${hazard.description}；${area}整改责任单位：${unitName(plan, hazard.owner)}；挂牌督办期限：${deadline}`;
  }
  const area = scope === 'town' ? `area: ${unitName(plan, hazard.area, 'en')}; ` : '';
  return `${hazard.place} (${hazardCategory(hazard, 'en')}): ${hazard.description}; ${area}rectified by: ${unitName(plan, hazard.owner, 'en')}; listed-supervision deadline: ${deadline}`;
}

interface Section {
  heading: string;
  /** Numbered items, each one or more lines; or a plain paragraph when `items` is empty. */
  items: string[][];
  paragraphs: string[];
}

/**
 * The risk alert of a key date to one unit, in its contact's language: the subject says which key
 * date, when, and what to do by when; the body gives the key date, the raised-vigilance window,
 * what to do (item 9), the unit's own duties for the key date with their due dates and links, and
 * the hazards under listed supervision in its area (or the whole town's).
 */
export function keyDateAlertEmail(ctx: MessageContext, alert: UnitAlert, language: Language): EmailContent {
  const { plan, today } = ctx;
  const { window, unit, scope } = alert;
  const zh = language === 'zh';
  const name = window.keyDate.name;
  const kind = kindLabel[language][window.keyDate.kind];
  const who = unitName(plan, unit.id, language);
  const when = span(window, language);
  const from = maxDate(window.alertOn, today);
  const vigilance = zh ? `${from}至${window.ends}` : `${from} to ${window.ends}`;
  const late = today > window.checkBy;
  const started = today >= window.starts;
  const hazardCount = alert.hazards.length;
  const where = zh ? (scope === 'town' ? '全镇' : '辖区') : scope === 'town' ? 'in the town' : 'in your area';

  const subject = zh
    ? `【风险提示】${who}：${name}（${when}）火灾防范提级，${late ? '请立即开展隐患排查' : `请于${window.checkBy}前完成隐患排查`}${hazardCount > 0 ? `，${where}挂牌督办隐患${hazardCount}处` : ''}`
    : `[Risk alert] ${who}: ${name} (${when}), raised fire vigilance: ${late ? 'check for hidden hazards now' : `finish hazard checks by ${window.checkBy}`}${hazardCount > 0 ? `; ${hazardCount} listed major hazard${hazardCount === 1 ? '' : 's'} ${where}` : ''}`;

  const greeting = zh ? `${who}：` : `To ${who},`;
  const town = plan.town.name;
  const intro = zh
    ? `${kind}“${name}”${started ? '正在进行' : '即将到来'}（${when}）。根据《${plan.title.zh}》${clauseLabel('9')}“抓好重要节点火灾防控工作”，${vigilance}为火灾防范提级期，请提升火灾防范等级，做好以下工作。`
    : `The ${kind} "${name}" ${started ? 'is under way' : 'is coming'} (${when}). Under item 9 of the ${plan.title.en} (fire prevention at key dates), ${vigilance} is a period of raised fire vigilance: please raise your level of fire prevention and do the following.`;

  const sections: Section[] = [
    {
      heading: zh ? '重要节点' : 'Key date',
      items: [],
      paragraphs: zh
        ? [`名称：${name}（${kind}）`, `时间：${when}`, `防范提级期：${vigilance}`]
        : [`Name: ${name} (${kind})`, `When: ${when}`, `Raised vigilance: ${vigilance}`],
    },
    {
      heading: zh ? '工作要求' : 'What to do',
      items: actions(ctx, alert, language).map((a) => [a]),
      paragraphs: [
        zh
          ? '目标：确保社会面不发生大的火灾事故，活动场所不发生火灾事故。'
          : 'The aim: no major fire in the town, and no fire at all at the venues.',
      ],
    },
  ];
  if (alert.duties.length > 0) {
    sections.push({
      heading: zh ? `你单位本节点的工作任务（${alert.duties.length}项）` : `Your duties for this key date (${alert.duties.length})`,
      items: alert.duties.map((d) => dutyLine(ctx, d, language)),
      paragraphs: [],
    });
  }
  sections.push(
    hazardCount > 0
      ? {
          heading: zh ? `${where}挂牌督办的重大火灾隐患（${hazardCount}处）` : `Major hazards under listed supervision ${where} (${hazardCount})`,
          items: alert.hazards.map((h) => [hazardLine(plan, h, scope, language)]),
          paragraphs: [
            zh
              ? '节点期间请加强对上述隐患场所的巡查和管控，督促整改责任单位按期整改，严防发生火灾。'
              : 'During the key date, patrol and control these places closely and see that they are put right on time.',
          ],
        }
      : {
          heading: zh ? `${where}挂牌督办的重大火灾隐患` : `Major hazards under listed supervision ${where}`,
          items: [],
          paragraphs: [zh ? `${where}目前没有挂牌督办的重大火灾隐患。` : `There is no major hazard under listed supervision ${where} at present.`],
        },
  );

  const closing = zh
    ? `如有疑问，请联系${town}消防安全委员会办公室。\n（本邮件由 Fireplan 自动发送，每个重要节点只发送一次。）`
    : `Questions: the ${town} fire-safety committee office.\n(Sent by Fireplan, once for each key date.)`;
  const intro0 = zh ? `${town}消防安全委员会办公室${today}发布风险提示。` : `A risk alert from the ${town} fire-safety committee office, ${today}.`;

  const text = [
    greeting,
    '',
    intro0,
    intro,
    '',
    ...sections.flatMap((s) => [
      `■ ${s.heading}`,
      ...s.items.flatMap((lines, n) => lines.map((line, j) => `${j === 0 ? `${n + 1}. ` : '   '}${line}`)),
      ...s.paragraphs,
      '',
    ]),
    closing,
  ].join('\n');

  const html = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    `<p>${escapeHtml(greeting)}</p><p>${escapeHtml(intro0)}<br>${escapeHtml(intro)}</p>`,
    ...sections.map(
      (s) =>
        `<h3>${escapeHtml(s.heading)}</h3>` +
        (s.items.length > 0 ? `<ol>${s.items.map((lines) => `<li>${lines.map((line) => linkify(line)).join('<br>')}</li>`).join('')}</ol>` : '') +
        s.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join(''),
    ),
    `<p>${escapeHtml(closing).replace(/\n/g, '<br>')}</p>`,
    '</body></html>',
  ].join('\n');

  return { subject, text, html };
}

/** A line with its URL as a link (the duty's report page). */
function linkify(line: string): string {
  const match = /https?:\/\/[^\s（(]+/.exec(line);
  if (!match) return escapeHtml(line);
  const url = match[0];
  const at = match.index;
  return `${escapeHtml(line.slice(0, at))}<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>${escapeHtml(line.slice(at + url.length))}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
