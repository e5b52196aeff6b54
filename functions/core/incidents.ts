import type { WorkCalendar } from './calendar.ts';
import { addDays, endOfMonth, makeDate, monthOf, yearOf, type IsoDate } from './dates.ts';
import { statusLabel } from './duty-labels.ts';
import { ConflictError, InvalidInputError, type Problem } from './errors.ts';
import { instanceSummary, newInstance, refresh, type InstanceRecord } from './instance.ts';
import { clauseLabel, detailTable, escapeHtml, evidenceLabel, reportLink, unitName, type EmailContent, type Language, type MessageContext } from './messages.ts';
import { isRetired, type Duty, type Plan, type Unit } from './plan-schema.ts';
import type { Period } from './periods.ts';
import { accept, reviewStageOf } from './review.ts';
import { eventPeriod, resolveOwners, scheduleFor } from './schedule.ts';
import { cellsInOrder, GAP, safeFilename, tableWorkbook, XLSX_MEDIA_TYPE, type HeaderOf, type WorkbookColumn } from './workbook.ts';

/**
 * Fire incidents (item 5 and 三(三) of the 2022 plan), as a chain of duty instances kept on one record:
 *
 *   record a fire ──(a death, or major social impact: a "serious fire")──▶ the extended investigation
 *   (延伸调查) and the accountability review (责任倒查, 三(三)) open, for the owners the plan names
 *   ──close the investigation──▶ findings and responsible parties recorded, one rectification duty
 *   per rectification item (整改), and the look-back (回头看) written with its opening day months ahead.
 *
 * Which duties a fire opens is the plan's data: every event duty whose `event` is `serious-fire`
 * opens for a serious fire, every `investigation-closed` one when its investigation is closed. The
 * serious-fire duties of the same item as an `investigation-closed` duty (item 5 in 2022) are "the
 * investigation" that a close completes; the others (三(三)'s accountability review) run on their own.
 *
 * Every instance is an ordinary duty instance, followed by the daily follow-up's ladder like any
 * other (reminders, yellow, red, warning talk). An instance that opens by the next follow-up is told
 * at once, in the request that opens it (the mail goes through the outbox in the same transaction,
 * and its `notice` step is recorded as done so that the follow-up does not send it again); one that
 * opens later (the look-back) gets its notice from the follow-up on its opening day.
 *
 * Pure: no clock (the request's day is passed in), no I/O.
 */

// The words of the plan

export const socialImpacts = ['none', 'minor', 'major'] as const;
export type SocialImpact = (typeof socialImpacts)[number];

export const socialImpactLabel: Record<SocialImpact, { zh: string; en: string }> = {
  none: { zh: '无', en: 'none' },
  minor: { zh: '一般', en: 'minor' },
  major: { zh: '重大', en: 'major' },
};

/** The parties whose responsibility an extended investigation examines (item 5: 倒查工程建设、中介服务、消防产品质量、使用管理等各方主体责任). */
export const partyTypes = ['construction', 'intermediary', 'fire-product', 'use-management'] as const;
export type PartyType = (typeof partyTypes)[number];

export const partyLabel: Record<PartyType, { zh: string; en: string }> = {
  construction: { zh: '工程建设', en: 'construction' },
  intermediary: { zh: '中介服务', en: 'intermediary services' },
  'fire-product': { zh: '消防产品质量', en: 'fire product quality' },
  'use-management': { zh: '使用管理', en: 'use and management' },
};

/** Why a fire is serious: a death, or major social impact (逐起对造成人员死亡或重大社会影响的火灾事故启动延伸调查). */
export type SeriousTrigger = 'deaths' | 'major-impact';

/** The duty a rectification item becomes. The plan has none: it is made from the incident (see `rectificationDuty`). */
export const RECTIFICATION_DUTY = 'c05-rectification';
/** A rectification's weight in its owner's score: set by this system (the plan has no such duty), as the look-back's order of magnitude. */
export const RECTIFICATION_WEIGHT = 2;
export const DEFAULT_LOOK_BACK_MONTHS = 3;
export const MAX_LOOK_BACK_MONTHS = 12;
/** A rectification deadline is at most this many days after the close. */
export const MAX_RECTIFICATION_DAYS = 366;

// The record

export interface Casualties {
  deaths: number;
  injuries: number;
}

export interface IncidentInput {
  occurredOn: IsoDate;
  place: string;
  casualties: Casualties;
  socialImpact: SocialImpact;
  description: string;
}

/** The duties of one kind a request opened, with their instances. */
export interface ChainDuty {
  dutyId: string;
  clause: string;
  title: { zh: string; en: string };
  owners: string[];
  instanceIds: string[];
  opensOn: IsoDate;
  dueOn: IsoDate;
}

export interface ChecklistItem {
  party: PartyType;
  label: string;
}

export interface ResponsibleParty {
  party: PartyType;
  name: string;
  organisation?: string;
}

export interface Investigation {
  duties: ChainDuty[];
  /** The parties the investigation examines, as the plan lists them. */
  checklist: ChecklistItem[];
  status: 'open' | 'closed';
  closedOn: IsoDate | null;
  /** The `sub` of the admin who closed it. */
  closedBy: string | null;
  findings: string | null;
  responsibleParties: ResponsibleParty[];
}

export interface Rectification {
  /** 1, 2 … in the order the close gave them. */
  n: number;
  what: string;
  owner: string;
  deadline: IsoDate;
  instanceId: string;
}

export interface LookBack {
  afterMonths: number;
  /** The day the interval ends (before moving to a working day). */
  on: IsoDate;
  duties: ChainDuty[];
}

export interface IncidentRecord {
  /** `fire-<n>`, numbered per town: the `<ref>` of its instances' period ids (`2022-06-15~fire-3`). */
  id: string;
  town: string;
  planId: string;
  planVersion: string;
  occurredOn: IsoDate;
  place: string;
  casualties: Casualties;
  socialImpact: SocialImpact;
  description: string;
  serious: boolean;
  triggers: SeriousTrigger[];
  recordedOn: IsoDate;
  recordedBy: string;
  investigation: Investigation | null;
  /** The other duties a serious fire opens: in 2022 the accountability review of 三(三). */
  accountability: ChainDuty[];
  rectifications: Rectification[];
  lookBack: LookBack | null;
  /** Every unit that owns an instance of the chain: who may read the incident besides the town's staff. */
  units: string[];
  version: number;
}

export interface CloseInput {
  findings: string;
  responsibleParties: ResponsibleParty[];
  rectifications: { what: string; owner: string; deadline: IsoDate }[];
  lookBackAfterMonths: number;
}

/** What a request knows: the plan it runs by, the day (Asia/Shanghai) and who is acting. */
export interface IncidentContext {
  plan: Plan;
  planVersion: string;
  calendar: WorkCalendar;
  today: IsoDate;
  /** The actor's `sub`. */
  by: string;
}

// Dates

/** The same day `months` later; a day the month lacks becomes its last (2022-11-30 + 3 months = 2023-02-28). */
export function addMonths(day: IsoDate, months: number): IsoDate {
  const index = yearOf(day) * 12 + (monthOf(day) - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const last = endOfMonth(year, month);
  const dayOfMonth = Math.min(Number(day.slice(8, 10)), Number(last.slice(8, 10)));
  return makeDate(year, month, dayOfMonth);
}

/** The day the look-back's interval ends, counted from the close. */
export function lookBackDay(closedOn: IsoDate, afterMonths: number = DEFAULT_LOOK_BACK_MONTHS): IsoDate {
  return addMonths(closedOn, afterMonths);
}

// Which duties

export function seriousTriggers(input: Pick<IncidentInput, 'casualties' | 'socialImpact'>): SeriousTrigger[] {
  return [...(input.casualties.deaths > 0 ? (['deaths'] as const) : []), ...(input.socialImpact === 'major' ? (['major-impact'] as const) : [])];
}

/** The plan's incident duties: what a serious fire opens (the investigation and the rest), and what a closed investigation opens. Paused duties open nothing. */
export function incidentDuties(plan: Plan): { investigation: Duty[]; accountability: Duty[]; lookBack: Duty[] } {
  const events = plan.duties.filter((d) => d.cadence === 'event' && d.paused !== true);
  const lookBack = events.filter((d) => d.event === 'investigation-closed');
  const clauses = new Set(lookBack.map((d) => d.clause));
  const serious = events.filter((d) => d.event === 'serious-fire');
  return { investigation: serious.filter((d) => clauses.has(d.clause)), accountability: serious.filter((d) => !clauses.has(d.clause)), lookBack };
}

/**
 * The period of an incident duty, as for any event duty (`eventPeriod`): the event's day, with the
 * incident as its `ref` (`<day>~fire-3`), so that two fires on one day give two instances. The
 * investigation and the accountability review count from the fire's day; a rectification from the
 * day of the close; the look-back from the day its interval ends.
 */
export function incidentPeriod(eventOn: IsoDate, ref: string): Period {
  return eventPeriod(eventOn, ref);
}

function chainDuty(duty: Duty, records: InstanceRecord[]): ChainDuty | undefined {
  const first = records[0];
  if (!first) return undefined;
  return {
    dutyId: duty.id,
    clause: duty.clause,
    title: first.title,
    owners: records.map((r) => r.owner),
    instanceIds: records.map((r) => r.id),
    opensOn: first.opensOn,
    dueOn: first.dueOn,
  };
}

function openDuties(ctx: IncidentContext, duties: Duty[], period: Period): { chain: ChainDuty[]; records: InstanceRecord[] } {
  const chain: ChainDuty[] = [];
  const records: InstanceRecord[] = [];
  for (const duty of duties) {
    const schedule = scheduleFor(ctx.plan, ctx.calendar, duty, period);
    const opened = resolveOwners(ctx.plan, duty).map((owner) => newInstance(ctx.plan, ctx.planVersion, duty, owner, schedule));
    const entry = chainDuty(duty, opened);
    if (entry) chain.push(entry);
    records.push(...opened);
  }
  return { chain, records };
}

/**
 * The instances that open by the next follow-up (the next working day after `today`) are told in
 * the request: their notice is recorded as done (the request's mail is that notice), so the
 * follow-up goes on with their reminders. The others keep their notice for the follow-up of their
 * opening day.
 */
export function tellNow(records: InstanceRecord[], today: IsoDate, calendar: WorkCalendar): { told: InstanceRecord[]; later: InstanceRecord[]; all: InstanceRecord[] } {
  const nextFollowUp = calendar.addWorkdays(today, 1);
  const all = records.map((r) => (r.opensOn <= nextFollowUp ? refresh({ ...r, done: [...new Set([...r.done, 'notice'])] }, today) : refresh(r, today)));
  return { told: all.filter((r) => r.done.includes('notice')), later: all.filter((r) => !r.done.includes('notice')), all };
}

// Recording a fire

function problemsOf(input: IncidentInput, ctx: IncidentContext): Problem[] {
  const problems: Problem[] = [];
  if (input.occurredOn > ctx.today) {
    problems.push({
      path: 'occurredOn',
      message: `the fire is dated ${input.occurredOn}, after today (${ctx.today}, Asia/Shanghai): a fire is recorded once it has happened`,
    });
  } else if (input.occurredOn < ctx.plan.effectiveFrom) {
    problems.push({
      path: 'occurredOn',
      message: `the fire is dated ${input.occurredOn}, before the town's plan (${ctx.plan.id}) took effect on ${ctx.plan.effectiveFrom}: the plan's duties do not apply to it`,
    });
  }
  const { deaths, injuries } = input.casualties;
  if (!Number.isInteger(deaths) || deaths < 0) problems.push({ path: 'casualties.deaths', message: 'expected a whole number of deaths, 0 or more' });
  if (!Number.isInteger(injuries) || injuries < 0) problems.push({ path: 'casualties.injuries', message: 'expected a whole number of injuries, 0 or more' });
  if (input.place.trim() === '') problems.push({ path: 'place', message: 'say where the fire was' });
  if (input.description.trim() === '') problems.push({ path: 'description', message: 'describe the fire in a few words' });
  return problems;
}

/** Refuses a fire that cannot be recorded (dated in the future or before the plan, negative casualties …), naming each field. */
export function checkIncident(input: IncidentInput, ctx: IncidentContext): void {
  const problems = problemsOf(input, ctx);
  if (problems.length > 0) throw new InvalidInputError('request body', problems);
}

export interface RecordedIncident {
  incident: IncidentRecord;
  /** Every instance opened, as it is to be written. */
  instances: InstanceRecord[];
  /** Those told in this request (their notice is done). */
  told: InstanceRecord[];
}

/** The fire's record and the instances it opens: none for a fire that is not serious. */
export function recordIncident(ctx: IncidentContext, id: string, input: IncidentInput): RecordedIncident {
  checkIncident(input, ctx);
  const triggers = seriousTriggers(input);
  const serious = triggers.length > 0;
  const duties = incidentDuties(ctx.plan);
  const period = incidentPeriod(input.occurredOn, id);
  const investigation = serious ? openDuties(ctx, duties.investigation, period) : { chain: [], records: [] };
  const accountability = serious ? openDuties(ctx, duties.accountability, period) : { chain: [], records: [] };
  const { told, all } = tellNow([...investigation.records, ...accountability.records], ctx.today, ctx.calendar);
  const incident: IncidentRecord = {
    id,
    town: ctx.plan.town.id,
    planId: ctx.plan.id,
    planVersion: ctx.planVersion,
    occurredOn: input.occurredOn,
    place: input.place.trim(),
    casualties: { deaths: input.casualties.deaths, injuries: input.casualties.injuries },
    socialImpact: input.socialImpact,
    description: input.description.trim(),
    serious,
    triggers,
    recordedOn: ctx.today,
    recordedBy: ctx.by,
    investigation:
      investigation.chain.length === 0
        ? null
        : {
            duties: investigation.chain,
            checklist: partyTypes.map((party) => ({ party, label: partyLabel[party].zh })),
            status: 'open',
            closedOn: null,
            closedBy: null,
            findings: null,
            responsibleParties: [],
          },
    accountability: accountability.chain,
    rectifications: [],
    lookBack: null,
    units: unitsOf(all),
    version: 0,
  };
  return { incident, instances: all, told };
}

function unitsOf(records: readonly InstanceRecord[], already: readonly string[] = []): string[] {
  return [...new Set([...already, ...records.map((r) => r.owner)])].sort();
}

// Closing the investigation

/**
 * The duty a rectification item becomes: item 5's 对相关责任单位、人员落实防范和整改措施情况开展评估
 * needs the measures to exist, each with an owner and a deadline, so each item is a duty instance
 * of its owner, due on its deadline (moved to the next working day when that is a rest day), on the
 * plan's default ladder, with the item's words in its title so that every notice and reminder says
 * what is to be done.
 */
export function rectificationDuty(plan: Plan, incidentId: string, item: { what: string; owner: string; deadline: IsoDate }): Duty {
  return {
    id: RECTIFICATION_DUTY,
    clause: '5',
    quote: '对相关责任单位、人员落实防范和整改措施情况开展评估',
    title: { zh: `火灾事故整改：${item.what}`, en: `Rectification after fire ${incidentId}: ${item.what}` },
    owners: [item.owner],
    cadence: 'event',
    event: 'investigation-closed',
    opens: { from: 'start', days: 0, workdays: 0, restDay: 'next' },
    due: { from: 'date', date: item.deadline, days: 0, workdays: 0, restDay: 'next' },
    ladder: plan.defaults.ladder,
    evidence: ['report', 'photos'],
    weight: RECTIFICATION_WEIGHT,
  };
}

function closeProblems(ctx: IncidentContext, incident: IncidentRecord, input: CloseInput): Problem[] {
  const problems: Problem[] = [];
  const checklist = new Set(incident.investigation?.checklist.map((c) => c.party) ?? []);
  input.responsibleParties.forEach((p, i) => {
    if (!checklist.has(p.party)) problems.push({ path: `responsibleParties[${i}].party`, message: `not a party of this investigation's checklist (${[...checklist].join(', ')})` });
  });
  const latest = addDays(ctx.today, MAX_RECTIFICATION_DAYS);
  input.rectifications.forEach((r, i) => {
    const unit = ctx.plan.units.find((u) => u.id === r.owner);
    if (!unit) problems.push({ path: `rectifications[${i}].owner`, message: `no unit ${r.owner} in the plan` });
    else if (isRetired(unit)) problems.push({ path: `rectifications[${i}].owner`, message: `unit ${r.owner} (${unit.name}) is retired: give the unit that took over its work` });
    if (r.deadline <= ctx.today) problems.push({ path: `rectifications[${i}].deadline`, message: `the deadline ${r.deadline} is not after today (${ctx.today}): give a day to come` });
    else if (r.deadline > latest) problems.push({ path: `rectifications[${i}].deadline`, message: `the deadline ${r.deadline} is more than a year away (at most ${latest})` });
  });
  if (!Number.isInteger(input.lookBackAfterMonths) || input.lookBackAfterMonths < 1 || input.lookBackAfterMonths > MAX_LOOK_BACK_MONTHS) {
    problems.push({ path: 'lookBackAfterMonths', message: `expected whole months, 1 to ${MAX_LOOK_BACK_MONTHS}` });
  }
  if (input.findings.trim() === '') problems.push({ path: 'findings', message: 'say what the investigation found' });
  return problems;
}

export interface ClosedInvestigation {
  incident: IncidentRecord;
  /** The investigation's instances that the close changed (completed or accepted), version not bumped. */
  updated: InstanceRecord[];
  /** Rectifications and look-back, as they are to be written. */
  created: InstanceRecord[];
  told: InstanceRecord[];
}

/** The report a close writes on an investigation instance still open: the investigation's conclusion is its report. */
function closedByInvestigation(record: InstanceRecord, ctx: IncidentContext, incident: IncidentRecord, findings: string): InstanceRecord {
  const n = record.reports.length + 1;
  const summary = findings.length > 200 ? `${findings.slice(0, 199)}…` : findings;
  return refresh(
    {
      ...record,
      completedOn: ctx.today,
      review: 'accepted',
      reports: [...record.reports, { n, on: ctx.today, note: `延伸调查于${ctx.today}结案（事故 ${incident.id}）：${summary}`, evidence: [{ kind: 'report', name: `延伸调查结论（${incident.id}）` }] }],
      reviews: [...(record.reviews ?? []), { report: n, outcome: 'accepted', on: ctx.today, by: ctx.by }],
    },
    ctx.today,
  );
}

/**
 * Closes a serious fire's extended investigation: its findings and responsible parties recorded; its
 * instances done on the day of the close (the conclusion is the joint investigation's report: one
 * still open is completed with it and accepted, one awaiting review is accepted, one accepted stays
 * as it is); one rectification instance per item; the look-back's instances written now with their
 * opening day `lookBackAfterMonths` after the close. A fire without an investigation, or one
 * already closed, is a conflict.
 */
export function closeInvestigation(ctx: IncidentContext, incident: IncidentRecord, investigationInstances: readonly InstanceRecord[], input: CloseInput): ClosedInvestigation {
  const investigation = incident.investigation;
  if (!investigation) {
    throw new ConflictError(`incident ${incident.id} has no extended investigation to close: only a fire with a death or major social impact opens one`, {
      current: { id: incident.id, version: incident.version, serious: incident.serious, investigation: null },
    });
  }
  if (investigation.status === 'closed') {
    throw new ConflictError(`the extended investigation of incident ${incident.id} was already closed on ${investigation.closedOn ?? '?'}`, {
      current: { id: incident.id, version: incident.version, investigation: { status: investigation.status, closedOn: investigation.closedOn } },
    });
  }
  const problems = closeProblems(ctx, incident, input);
  if (problems.length > 0) throw new InvalidInputError('request body', problems);

  const findings = input.findings.trim();
  const updated: InstanceRecord[] = [];
  for (const record of investigationInstances) {
    const stage = reviewStageOf(record);
    if (stage === 'open' || stage === 'returned') updated.push(closedByInvestigation(record, ctx, incident, findings));
    else if (stage === 'awaiting') updated.push(accept(record, { by: ctx.by, on: ctx.today }));
  }

  const rectifications: Rectification[] = [];
  const rectificationRecords: InstanceRecord[] = [];
  input.rectifications.forEach((item, i) => {
    const n = i + 1;
    const duty = rectificationDuty(ctx.plan, incident.id, { ...item, what: item.what.trim() });
    const owner = ctx.plan.units.find((u) => u.id === item.owner) as Unit;
    const period = incidentPeriod(ctx.today, `${incident.id}-r${n}`);
    const record = newInstance(ctx.plan, ctx.planVersion, duty, owner, scheduleFor(ctx.plan, ctx.calendar, duty, period));
    rectificationRecords.push(record);
    rectifications.push({ n, what: item.what.trim(), owner: item.owner, deadline: item.deadline, instanceId: record.id });
  });

  const on = lookBackDay(ctx.today, input.lookBackAfterMonths);
  const lookBack = openDuties(ctx, incidentDuties(ctx.plan).lookBack, incidentPeriod(on, incident.id));
  const { told, all } = tellNow([...rectificationRecords, ...lookBack.records], ctx.today, ctx.calendar);

  const next: IncidentRecord = {
    ...incident,
    investigation: {
      ...investigation,
      status: 'closed',
      closedOn: ctx.today,
      closedBy: ctx.by,
      findings,
      responsibleParties: input.responsibleParties.map((p) => ({ party: p.party, name: p.name.trim(), ...(p.organisation ? { organisation: p.organisation.trim() } : {}) })),
    },
    rectifications,
    lookBack: lookBack.chain.length === 0 ? null : { afterMonths: input.lookBackAfterMonths, on, duties: lookBack.chain },
    units: unitsOf(all, incident.units),
  };
  return { incident: next, updated, created: all, told };
}

/** The ids of the investigation's instances (what a close reads first). */
export function investigationInstanceIds(incident: IncidentRecord): string[] {
  return incident.investigation?.duties.flatMap((d) => d.instanceIds) ?? [];
}

/** Every instance id of the chain, in chain order. */
export function chainInstanceIds(incident: IncidentRecord): string[] {
  return [
    ...investigationInstanceIds(incident),
    ...incident.accountability.flatMap((d) => d.instanceIds),
    ...incident.rectifications.map((r) => r.instanceId),
    ...(incident.lookBack?.duties.flatMap((d) => d.instanceIds) ?? []),
  ];
}

// The chain as the API shows it

export type IncidentStage = 'no-investigation' | 'investigating' | 'rectifying' | 'look-back-scheduled' | 'look-back' | 'accountability-review' | 'done';

export const stageLabel: Record<IncidentStage, string> = {
  'no-investigation': '无需延伸调查',
  investigating: '延伸调查中',
  rectifying: '整改中',
  'look-back-scheduled': '待回头看',
  'look-back': '回头看中',
  'accountability-review': '责任倒查中',
  done: '已办结',
};

/** What the chain shows of an instance: where it stands now (as the follow-up last wrote it). */
export type ChainInstance = ReturnType<typeof instanceSummary>;

const isDone = (record: InstanceRecord | undefined) => record !== undefined && record.completedOn !== null;

/** Where the chain stands: the first of investigation, rectification, look-back and accountability review not yet done. */
export function incidentStage(incident: IncidentRecord, instances: ReadonlyMap<string, InstanceRecord>, today: IsoDate): IncidentStage {
  if (!incident.serious || (!incident.investigation && incident.accountability.length === 0)) return 'no-investigation';
  if (incident.investigation && incident.investigation.status === 'open') return 'investigating';
  if (incident.rectifications.some((r) => !isDone(instances.get(r.instanceId)))) return 'rectifying';
  const lookBack = incident.lookBack?.duties.flatMap((d) => d.instanceIds) ?? [];
  if (lookBack.some((id) => !isDone(instances.get(id)))) {
    const opensOn = incident.lookBack?.duties[0]?.opensOn;
    return opensOn !== undefined && opensOn > today ? 'look-back-scheduled' : 'look-back';
  }
  if (incident.accountability.some((d) => d.instanceIds.some((id) => !isDone(instances.get(id))))) return 'accountability-review';
  return 'done';
}

/** The incident with its whole chain, each instance as it stands now. */
export function incidentView(incident: IncidentRecord, instances: ReadonlyMap<string, InstanceRecord>, today: IsoDate) {
  const show = (ids: readonly string[]) => ids.flatMap((id) => {
    const record = instances.get(id);
    return record ? [instanceSummary(record)] : [];
  });
  const duty = (d: ChainDuty) => ({ dutyId: d.dutyId, clause: d.clause, title: d.title, opensOn: d.opensOn, dueOn: d.dueOn, instances: show(d.instanceIds) });
  return {
    id: incident.id,
    town: incident.town,
    occurredOn: incident.occurredOn,
    place: incident.place,
    casualties: incident.casualties,
    socialImpact: incident.socialImpact,
    description: incident.description,
    serious: incident.serious,
    triggers: incident.triggers,
    recordedOn: incident.recordedOn,
    stage: incidentStage(incident, instances, today),
    investigation: incident.investigation
      ? {
          checklist: incident.investigation.checklist,
          status: incident.investigation.status,
          closedOn: incident.investigation.closedOn,
          findings: incident.investigation.findings,
          responsibleParties: incident.investigation.responsibleParties,
          duties: incident.investigation.duties.map(duty),
        }
      : null,
    accountability: incident.accountability.map(duty),
    rectifications: incident.rectifications.map((r) => ({ ...r, instance: show([r.instanceId])[0] ?? null })),
    lookBack: incident.lookBack ? { afterMonths: incident.lookBack.afterMonths, on: incident.lookBack.on, duties: incident.lookBack.duties.map(duty) } : null,
    planId: incident.planId,
    planVersion: incident.planVersion,
    version: incident.version,
  };
}

/** What a list shows of an incident (GET /incidents/{id} gives the chain with its instances). */
export function incidentSummary(incident: IncidentRecord) {
  return {
    id: incident.id,
    occurredOn: incident.occurredOn,
    place: incident.place,
    casualties: incident.casualties,
    socialImpact: incident.socialImpact,
    serious: incident.serious,
    triggers: incident.triggers,
    recordedOn: incident.recordedOn,
    investigation: incident.investigation ? { status: incident.investigation.status, dueOn: incident.investigation.duties[0]?.dueOn ?? null, closedOn: incident.investigation.closedOn } : null,
    rectifications: incident.rectifications.length,
    lookBack: incident.lookBack ? { opensOn: incident.lookBack.duties[0]?.opensOn ?? incident.lookBack.on } : null,
    units: incident.units,
    version: incident.version,
  };
}

// Mail: the owners told in the request that opened their instances

export type IncidentOccasion = 'recorded' | 'closed';

export interface IncidentMail {
  to: string;
  language: Language;
  units: string[];
  instanceIds: string[];
  content: EmailContent;
}

export interface IncidentNotices {
  /** `incident#<id>#recorded` or `…#closed`: with the day and the recipient, the mail's key in the outbox. */
  purpose: string;
  mails: IncidentMail[];
  /** Owners told nothing because they have no contact address (or are gone from the plan). */
  unreachable: string[];
}

function casualtiesText(c: Casualties, language: Language): string {
  return language === 'zh' ? `死亡${c.deaths}人，受伤${c.injuries}人` : `${c.deaths} dead, ${c.injuries} injured`;
}

function fireLine(incident: IncidentRecord, language: Language): string {
  const impact = socialImpactLabel[incident.socialImpact][language];
  return language === 'zh'
    ? `${incident.place}于${incident.occurredOn}发生火灾（事故编号 ${incident.id}；${casualtiesText(incident.casualties, 'zh')}；社会影响：${impact}）。`
    : `A fire at ${incident.place} on ${incident.occurredOn} (incident ${incident.id}; ${casualtiesText(incident.casualties, 'en')}; social impact: ${impact}).`;
}

/** What to do by when: by the due date, or at once when the fire was recorded after it (the time limit counts from the fire). */
function todo(record: InstanceRecord, today: IsoDate, language: Language): string {
  if (record.dueOn >= today) return language === 'zh' ? `请于${record.dueOn}前完成并报送。` : `Please do it and report it done by ${record.dueOn}.`;
  return language === 'zh'
    ? `期限为${record.dueOn}（自火灾发生之日起计算），现已逾期，请立即完成并报送。`
    : `It was due on ${record.dueOn} (counted from the day of the fire) and is overdue: please do it and report it now.`;
}

function instanceRows(ctx: MessageContext, incident: IncidentRecord, record: InstanceRecord, language: Language): [string, string][] {
  const zh = language === 'zh';
  const rows: [string, string][] = [
    [zh ? '任务' : 'Duty', zh ? record.title.zh : record.title.en],
    [zh ? '出处' : 'Source', zh ? `《${ctx.plan.title.zh}》${clauseLabel(record.clause)}` : `${ctx.plan.title.en}, item ${record.clause}`],
    [zh ? '责任单位' : 'Owner', unitName(ctx.plan, record.owner, language)],
    [zh ? '周期' : 'Period', record.periodId],
    [zh ? '开始' : 'Opens', record.opensOn],
    [zh ? '期限' : 'Due', record.dueOn],
    [zh ? '要求' : 'To do', todo(record, ctx.today, language)],
  ];
  const isInvestigation = incident.investigation?.duties.some((d) => d.instanceIds.includes(record.id)) ?? false;
  if (isInvestigation && incident.investigation) {
    rows.push([
      zh ? '调查范围' : 'Examine',
      zh
        ? `倒查${incident.investigation.checklist.map((c) => c.label).join('、')}等各方主体责任`
        : `the responsibility of every party: ${incident.investigation.checklist.map((c) => partyLabel[c.party].en).join(', ')}`,
    ]);
  }
  const rectification = incident.rectifications.find((r) => r.instanceId === record.id);
  if (rectification) rows.push([zh ? '整改事项' : 'Rectify', rectification.what]);
  rows.push([zh ? '需提交材料' : 'Evidence', record.evidence.map((e) => evidenceLabel[language][e] ?? e).join(zh ? '、' : ', ')]);
  rows.push([zh ? '报送' : 'Report', `${reportLink(ctx, record.id)}${zh ? '（任务编号 ' : ' (duty instance '}${record.id}${zh ? '）' : ')'}`]);
  return rows;
}

/**
 * The mail that tells an owner of the duties a fire (or its closed investigation) has just opened:
 * the fire, then for each duty what, by when, with what evidence and where to report it. One mail
 * per address, with every instance of the units it speaks for.
 */
export function incidentNoticeEmail(ctx: MessageContext, incident: IncidentRecord, occasion: IncidentOccasion, records: readonly InstanceRecord[], language: Language): EmailContent {
  const zh = language === 'zh';
  const first = records[0];
  if (!first) throw new Error(`incident ${incident.id}: a notice needs at least one instance`);
  const owners = [...new Set(records.map((r) => r.owner))];
  const whose = owners.map((u) => unitName(ctx.plan, u, language)).join(zh ? '、' : ', ');
  const earliest = records.map((r) => r.dueOn).sort()[0] ?? first.dueOn;
  const label = zh ? (occasion === 'recorded' ? '火灾事故·新任务' : '火灾事故·整改任务') : occasion === 'recorded' ? 'Fire incident · new duty' : 'Fire incident · rectification';
  const overdue = earliest < ctx.today;
  const subject =
    records.length === 1
      ? zh
        ? `【${label}】${whose}：${first.title.zh}（${incident.occurredOn}火灾，${incident.id}），${overdue ? `已于${first.dueOn}到期，请立即报送` : `请于${first.dueOn}前报送`}`
        : `[${label}] ${whose}: ${first.title.en} (fire of ${incident.occurredOn}, ${incident.id}), ${overdue ? `due ${first.dueOn}: report now` : `report by ${first.dueOn}`}`
      : zh
        ? `【${label}】${whose}：${incident.occurredOn}火灾（${incident.id}）待办${records.length}项，最早须于${earliest}前报送`
        : `[${label}] ${whose}: ${records.length} duties after the fire of ${incident.occurredOn} (${incident.id}), the first by ${earliest}`;
  const greeting = zh ? `${whose}：` : `To ${whose},`;
  const investigation = incident.investigation;
  const intro =
    occasion === 'recorded'
      ? zh
        ? `${fireLine(incident, 'zh')}该起火灾${incident.triggers.includes('deaths') ? '造成人员死亡' : ''}${incident.triggers.length === 2 ? '并' : ''}${incident.triggers.includes('major-impact') ? '造成重大社会影响' : ''}，根据《${ctx.plan.title.zh}》，镇消防安全委员会办公室于${ctx.today}登记并启动以下工作：`
        : `${fireLine(incident, 'en')} Under the ${ctx.plan.title.en}, the town fire-safety committee office recorded it on ${ctx.today} and opens the following duties:`
      : zh
        ? `${fireLine(incident, 'zh')}该起火灾的延伸调查已于${investigation?.closedOn ?? ctx.today}结案。调查结论：${investigation?.findings ?? ''}请落实以下工作：`
        : `${fireLine(incident, 'en')} Its extended investigation was closed on ${investigation?.closedOn ?? ctx.today}. Findings: ${investigation?.findings ?? ''} Please see to the following:`;
  const closing = zh
    ? `完成后请在上述链接报送，并附所需材料；逾期未报的将按督办阶梯黄灯督办、红灯通报直至警示约谈。如有疑问，请联系镇消防安全委员会办公室。\n（本邮件由 Fireplan 自动发送。）`
    : `When the work is done, report it at the link above with the evidence asked for; work not reported in time is chased (yellow, red, then a warning talk). Questions: the town fire-safety committee office.\n(Sent by Fireplan.)`;
  const sections = records.map((r) => instanceRows(ctx, incident, r, language));
  const reportKey = zh ? '报送' : 'Report';
  const text = [
    greeting,
    '',
    intro,
    '',
    ...sections.flatMap((rows, n) => [...rows.map(([k, v], j) => `${j === 0 ? `${n + 1}. ` : '   '}${k}：${v}`), '']),
    closing,
  ].join('\n');
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    `<p>${escapeHtml(greeting)}</p><p>${escapeHtml(intro)}</p>`,
    ...sections.map((rows, n) => detailTable(rows, { label: reportKey, href: reportLink(ctx, (records[n] as InstanceRecord).id) })),
    `<p>${escapeHtml(closing).replace(/\n/g, '<br>')}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** Who is told of the instances a request opens at once, and what: each contact of each owner, one mail per address, in its language. */
export function incidentNotices(ctx: MessageContext, incident: IncidentRecord, occasion: IncidentOccasion, told: readonly InstanceRecord[]): IncidentNotices {
  const purpose = `incident#${incident.id}#${occasion}`;
  const byAddress = new Map<string, { language: Language; units: string[]; records: InstanceRecord[] }>();
  const unreachable = new Set<string>();
  for (const record of told) {
    const unit = ctx.plan.units.find((u) => u.id === record.owner);
    if (!unit || isRetired(unit) || unit.contacts.length === 0) {
      unreachable.add(record.owner);
      continue;
    }
    for (const contact of unit.contacts) {
      const entry = byAddress.get(contact.email) ?? { language: contact.language, units: [], records: [] };
      if (!entry.units.includes(unit.id)) entry.units.push(unit.id);
      if (!entry.records.some((r) => r.id === record.id)) entry.records.push(record);
      byAddress.set(contact.email, entry);
    }
  }
  const mails = [...byAddress.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([to, entry]) => ({
      to,
      language: entry.language,
      units: entry.units,
      instanceIds: entry.records.map((r) => r.id),
      content: incidentNoticeEmail(ctx, incident, occasion, entry.records, entry.language),
    }));
  return { purpose, mails, unreachable: [...unreachable].sort() };
}

// The ledger

export const INCIDENT_LEDGER_COLUMNS = [
  { header: '序号', width: 6 },
  { header: '事故编号', width: 10 },
  { header: '发生日期', width: 12, kind: 'date' },
  { header: '发生地点', width: 24, kind: 'wrap' },
  { header: '死亡人数', width: 8 },
  { header: '受伤人数', width: 8 },
  { header: '社会影响', width: 8 },
  { header: '事故概况', width: 36, kind: 'wrap' },
  { header: '登记日期', width: 12, kind: 'date' },
  { header: '当前阶段', width: 12 },
  { header: '延伸调查', width: 36, kind: 'wrap' },
  { header: '调查范围', width: 24, kind: 'wrap' },
  { header: '调查结论', width: 40, kind: 'wrap' },
  { header: '责任主体', width: 30, kind: 'wrap' },
  { header: '责任倒查', width: 36, kind: 'wrap' },
  { header: '整改事项', width: 48, kind: 'wrap' },
  { header: '回头看', width: 36, kind: 'wrap' },
] as const satisfies readonly WorkbookColumn[];

export type IncidentLedgerHeader = HeaderOf<typeof INCIDENT_LEDGER_COLUMNS>;
export type IncidentLedgerRow = Record<IncidentLedgerHeader, string | number>;

function instanceText(plan: Plan, record: InstanceRecord | undefined, id: string): string {
  if (!record) return `${id}：（未找到）`;
  const done = record.completedOn ? `，${record.completedOn}完成` : '';
  return `${unitName(plan, record.owner)}：${statusLabel[record.status] ?? record.status}（${record.opensOn}开始，期限${record.dueOn}${done}）`;
}

/** One row of the incident ledger: the fire and its whole chain, each instance as it stands. */
export function incidentLedgerRow(plan: Plan, incident: IncidentRecord, instances: ReadonlyMap<string, InstanceRecord>, today: IsoDate, n: number): IncidentLedgerRow {
  const lines = (ids: readonly string[]) => ids.map((id) => instanceText(plan, instances.get(id), id)).join('\n');
  const investigation = incident.investigation;
  const closed = investigation?.status === 'closed' ? `\n已于${investigation.closedOn ?? ''}结案` : '';
  return {
    序号: n,
    事故编号: incident.id,
    发生日期: incident.occurredOn,
    发生地点: incident.place,
    死亡人数: incident.casualties.deaths,
    受伤人数: incident.casualties.injuries,
    社会影响: socialImpactLabel[incident.socialImpact].zh,
    事故概况: incident.description,
    登记日期: incident.recordedOn,
    当前阶段: stageLabel[incidentStage(incident, instances, today)],
    延伸调查: investigation ? `${lines(investigation.duties.flatMap((d) => d.instanceIds))}${closed}` : '未启动（无人员死亡或重大社会影响）',
    调查范围: investigation ? investigation.checklist.map((c) => c.label).join('、') : '',
    调查结论: investigation?.findings ?? '',
    责任主体: investigation ? investigation.responsibleParties.map((p) => `${partyLabel[p.party].zh}：${p.name}${p.organisation ? `（${p.organisation}）` : ''}`).join('\n') : '',
    责任倒查: lines(incident.accountability.flatMap((d) => d.instanceIds)),
    整改事项: incident.rectifications
      .map((r) => {
        const record = instances.get(r.instanceId);
        const state = record ? `${statusLabel[record.status] ?? record.status}${record.completedOn ? `，${record.completedOn}完成` : ''}` : '未找到';
        return `${r.n}. ${r.what}——${unitName(plan, r.owner)}，期限${record?.dueOn ?? r.deadline}，${state}`;
      })
      .join('\n'),
    回头看: incident.lookBack ? lines(incident.lookBack.duties.flatMap((d) => d.instanceIds)) : '',
  };
}

export const INCIDENT_LEDGER_MEDIA_TYPE = XLSX_MEDIA_TYPE;
export const INCIDENT_LEDGER_SHEET = '火灾事故台账';

/** `火灾事故台账-青峰镇-2022-07-01.xlsx`. */
export function incidentLedgerFilename(plan: Plan, madeOn: IsoDate): string {
  return safeFilename(['火灾事故台账', plan.town.name, madeOn]);
}

/** The incident ledger as the bytes of an .xlsx file: one row per incident (oldest first), with its chain. */
export async function incidentLedgerWorkbook(input: {
  plan: Plan;
  incidents: readonly IncidentRecord[];
  instances: ReadonlyMap<string, InstanceRecord>;
  madeOn: IsoDate;
  madeAt: Date;
}): Promise<Buffer> {
  const { plan, instances, madeOn } = input;
  const incidents = [...input.incidents].sort((a, b) => a.occurredOn.localeCompare(b.occurredOn) || incidentNumber(a.id) - incidentNumber(b.id));
  const rows = incidents.map((incident, i) => cellsInOrder(INCIDENT_LEDGER_COLUMNS, incidentLedgerRow(plan, incident, instances, madeOn, i + 1)));
  return tableWorkbook({
    title: `${plan.town.name}火灾事故台账`,
    subject: `${plan.title.zh}（${plan.document.number}）第5条、三（三）`,
    madeAt: input.madeAt,
    sheets: [
      {
        name: INCIDENT_LEDGER_SHEET,
        title: `${plan.town.name}火灾事故调查处理台账 · ${plan.title.zh}（${plan.document.number}）`,
        subtitle: `制表日期：${madeOn}${GAP}共 ${rows.length} 起`,
        columns: INCIDENT_LEDGER_COLUMNS,
        rows,
        frozenColumns: 2,
        emptyText: '没有登记的火灾事故。',
      },
    ],
  });
}

// Ids

const INCIDENT_ID = /^fire-([1-9]\d{0,8})$/;

export function incidentId(n: number): string {
  return `fire-${n}`;
}

/** The number of an incident id (`fire-3` → 3), or NaN when it is not one. */
export function incidentNumber(id: string): number {
  const m = INCIDENT_ID.exec(id);
  return m ? Number(m[1]) : Number.NaN;
}

export function isIncidentId(id: string): boolean {
  return INCIDENT_ID.test(id);
}
