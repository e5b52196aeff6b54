import { addDays, daysBetween, type IsoDate } from '../../functions/core/dates.ts';
import { parseInstanceId, unitRef } from '../../functions/core/ids.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import { openingCadences } from '../../functions/core/opening.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { planCalendar } from '../../functions/core/schedule.ts';
import { apiGatewayEvent } from '../api/api-gateway-event.ts';
import { tokenClaims } from '../api/local-auth.ts';
import type { LocalRuntime } from '../runtime/runtime.ts';
import { setActiveCounters } from '../runtime/counters.ts';
import { habitOf, reportDay, type Habit } from './behaviour.ts';
import { specialFlowPlan } from './special-flows.ts';
import { SLOT_TIME, SpecialFlows } from './special-run.ts';
import type { SpecialRecords } from './special-summary.ts';
import { buildSummary, type SentMail, type Summary } from './summary.ts';

/**
 * Replays a plan's year on the local runtime: the template's schedules fire on the replayed clock,
 * and simulated units report their work through the ReportWork handler, as a person would, at
 * mid-morning of the day their habit says. The special flows (recruitment, fires, hazards and the
 * quarterly exposure: special-flows.ts) are acted out through their routes at 11:00, and the
 * exposure lists reviewed at 17:00, after the QuarterlyExposure draft. Nothing is written to the
 * table but by the handlers.
 */

export interface SimulationOptions {
  plans: Plan[];
  seed: number;
  from: IsoDate;
  to: IsoDate;
  runtime: LocalRuntime;
  /** Called after each replayed day. */
  onDay?: (day: IsoDate, index: number, total: number) => void;
}

/** A day's instant at a Shanghai wall-clock time (China has no daylight saving: UTC+8). */
export function shanghai(day: IsoDate, time: string): string {
  return new Date(`${day}T${time}:00+08:00`).toISOString();
}

/** Calendar days from one day to another, at least 1. */
const daysBetweenInclusive = (from: IsoDate, to: IsoDate) => Math.max(1, daysBetween(from, to));

/** The adapters are imported only once the runtime has set the environment they read at load. */
async function tableAdapter() {
  return import('../../functions/adapters/table.ts');
}

/** What the special flows left in the table, read at the end as a bystander (not counted). */
async function specialRecords(plans: Plan[]): Promise<SpecialRecords> {
  const [recruitment, incidents, hazards, exposures] = await Promise.all([
    import('../../functions/adapters/recruitment-store.ts'),
    import('../../functions/adapters/incident-store.ts'),
    import('../../functions/adapters/hazard-store.ts'),
    import('../../functions/adapters/exposure-store.ts'),
  ]);
  const towns = await Promise.all(
    plans.map(async (plan) => {
      const year = Number(plan.effectiveFrom.slice(0, 4));
      const calendar = planCalendar(plan);
      return {
        plan,
        campaign: await recruitment.loadCampaign(plan, calendar, year),
        incidents: await incidents.listAllIncidents(plan.town.id),
        hazards: await hazards.listHazards(plan.town.id),
        exposures: await exposures.listExposures(plan.town.id),
      };
    }),
  );
  return { towns };
}

/** Work the simulator does as a bystander (looking up what exists) is not what the system costs, so it is not counted. */
async function uncounted<T>(runtime: LocalRuntime, work: () => Promise<T>): Promise<T> {
  setActiveCounters(undefined);
  try {
    return await work();
  } finally {
    setActiveCounters(runtime.counters);
  }
}

/** A unit's report as it arrives through the API: its own unit's token, verified by the authorizer. */
function reportEvent(id: string, at: string, note: string): unknown {
  const key = parseInstanceId(id);
  if (!key) throw new Error(`not an instance id: ${id}`);
  return apiGatewayEvent({
    method: 'POST',
    path: `/instances/${encodeURIComponent(id)}/report`,
    routeKey: 'POST /instances/{id}/report',
    pathParameters: { id: encodeURIComponent(id) },
    headers: { 'content-type': 'application/json', 'user-agent': 'fireplan-simulate' },
    body: JSON.stringify({ note, evidence: [{ kind: 'report', name: '工作情况报告.pdf' }] }),
    at,
    claims: tokenClaims({ role: 'unit', town: key.town, unit: key.owner }),
    requestId: `simulated-${id}`,
  });
}

export async function simulate(options: SimulationOptions): Promise<Summary> {
  const { plans, seed, from, to, runtime } = options;
  const table = await tableAdapter();
  const calendars = new Map(plans.map((p) => [p.town.id, planCalendar(p)]));
  const habits = new Map<string, Habit>();
  for (const plan of plans) for (const unit of plan.units) habits.set(unitRef(plan.town.id, unit.id), habitOf(seed, plan.town.id, unit.id));

  await uncounted(runtime, async () => {
    for (const plan of plans) await table.putTownPlan(plan, 'v1');
  });

  // Activating a plan opens the periods in progress on its first day, as an administrator's activation does on AWS.
  for (const cadence of openingCadences) {
    const execution = await runtime.runStateMachine('PeriodOpening', { cadence, scheduledTime: shanghai(from, '05:00') });
    if (execution.status !== 'SUCCEEDED') throw new Error(`opening the ${cadence} periods failed: ${execution.error ?? execution.status}`);
  }

  const failures: string[] = [];
  const special = new SpecialFlows(
    runtime,
    plans.map((plan) => ({ plan, actions: specialFlowPlan(seed, plan, calendars.get(plan.town.id) ?? planCalendar(plan)) })),
    failures,
  );

  /** Report days planned for every instance a unit has been told of, by day. */
  const planned = new Map<IsoDate, string[]>();
  const known = new Set<string>();
  const mail: SentMail[] = [];
  let mailSeen = 0;

  /** Which towns can mail an address: every recipient is a contact of a unit of the town's plan. */
  const townsOfAddress = new Map<string, Set<number>>();
  plans.forEach((plan, index) => {
    for (const unit of plan.units) for (const contact of unit.contacts) townsOfAddress.set(contact.email, (townsOfAddress.get(contact.email) ?? new Set()).add(index));
  });
  /** The plans whose intents can match these messages (all of them if an address is no town's contact), in plan order. */
  const plansMailing = (messages: readonly { destination: { to: string[] } }[]): Plan[] => {
    const indexes = new Set<number>();
    for (const message of messages) {
      for (const address of message.destination.to) {
        const towns = townsOfAddress.get(address);
        if (!towns) return plans;
        for (const index of towns) indexes.add(index);
      }
    }
    return plans.filter((_, index) => indexes.has(index));
  };

  /** Units learn of their duties from the mail they receive, as people do: a unit nobody can reach never hears of its duty. */
  const readMail = async (day: IsoDate) => {
    const count = runtime.mailbox.count();
    if (count === mailSeen) return;
    const fresh = runtime.mailbox.messages(mailSeen);
    mailSeen = count;
    const mailing = plansMailing(fresh);
    const intentsOf = (on: IsoDate) => uncounted(runtime, async () => (await Promise.all(mailing.map((p) => table.listIntents(p.town.id, on)))).flat());
    const intents = await intentsOf(day);
    const match = (message: (typeof fresh)[number], to: string[]) => intents.find((i) => i.subject === message.subject && to.includes(i.recipient));
    // Mail sent by a request (a fire recorded, an investigation closed) is kept in the outbox of the
    // next follow-up's day, which would deliver it had the request failed to: look there too.
    if (fresh.some((m) => !match(m, [...m.destination.to]))) {
      const next = Math.max(...mailing.map((p) => daysBetweenInclusive(day, (calendars.get(p.town.id) ?? planCalendar(p)).addWorkdays(day, 1))));
      for (let n = 1; n <= next; n += 1) intents.push(...(await intentsOf(addDays(day, n))));
    }
    for (const message of fresh) {
      const to = [...message.destination.to].sort();
      const intent = match(message, to);
      const instanceIds = [...(intent?.instanceIds ?? [])].sort();
      mail.push({ sentOn: day, to, subject: message.subject, kind: intent?.kind ?? 'digest', instanceIds });
      if (intent?.kind === 'report') continue;
      for (const id of instanceIds) {
        if (known.has(id)) continue;
        known.add(id);
        const instance = await uncounted(runtime, () => table.getInstance(id));
        const calendar = calendars.get(instance.town);
        const habit = habits.get(unitRef(instance.town, instance.owner)) ?? 'prompt';
        const plannedDay = calendar ? reportDay(seed, habit, instance, calendar) : null;
        if (plannedDay === null) continue;
        const on = plannedDay < day ? day : plannedDay;
        planned.set(on, [...(planned.get(on) ?? []), id]);
      }
    }
  };

  const days: IsoDate[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  for (const [index, day] of days.entries()) {
    // Morning: the openers (06:00) and the follow-up (08:30) run before anyone reports.
    await runtime.fireSchedules(shanghai(day, '00:00'), shanghai(day, '10:00'));
    await readMail(day);
    for (const id of (planned.get(day) ?? []).sort()) {
      // Work done already (a hazard closed, an investigation concluded, an exposure list published) is not reported again.
      const now = await uncounted(runtime, () => table.getInstance(id));
      if (now.completedOn !== null) continue;
      const response = (await runtime.invokeFunction('ReportWork', reportEvent(id, shanghai(day, '10:30'), '已按要求完成，相关材料见附件。'))) as { statusCode?: number; body?: string };
      if (response.statusCode !== 200) failures.push(`${day} ${id}: ${response.statusCode} ${response.body ?? ''}`);
    }
    await special.run(day, 'day');
    await runtime.fireSchedules(shanghai(day, '10:00'), shanghai(day, SLOT_TIME.evening));
    await special.run(day, 'evening');
    await runtime.fireSchedules(shanghai(day, SLOT_TIME.evening), shanghai(addDays(day, 1), '00:00'));
    await readMail(day);
    options.onDay?.(day, index, days.length);
  }
  if (failures.length > 0) throw new Error(`simulated requests were refused:\n${failures.slice(0, 10).join('\n')}`);

  const instances: InstanceRecord[] = await uncounted(runtime, async () => (await Promise.all(plans.map((p) => table.listTownInstances(p.town.id)))).flat());
  const records = await uncounted(runtime, () => specialRecords(plans));
  return buildSummary({
    plans,
    from,
    to,
    seed,
    instances,
    mail,
    operations: runtime.counters.operations(),
    calendarOf: (plan) => calendars.get(plan.town.id) ?? planCalendar(plan),
    habits,
    special: records,
  });
}
