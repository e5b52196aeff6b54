import { z } from 'zod';
import { changedFields } from '../core/audit.ts';
import { localDate, type IsoDate } from '../core/dates.ts';
import { ConflictError, ForbiddenError, InvalidInputError } from '../core/errors.ts';
import {
  chainInstanceIds,
  checkIncident,
  closeInvestigation,
  incidentId,
  incidentLedgerFilename,
  incidentLedgerWorkbook,
  incidentNotices,
  incidentSummary,
  incidentView,
  investigationInstanceIds,
  INCIDENT_LEDGER_MEDIA_TYPE,
  recordIncident,
  type IncidentContext,
  type IncidentOccasion,
  type IncidentRecord,
} from '../core/incidents.ts';
import type { InstanceRecord } from '../core/instance.ts';
import { planCalendar } from '../core/schedule.ts';
import { bindCursor, listDigest, unbindCursor } from '../api/list-cursor.ts';
import {
  closeInvestigation as closeRoute,
  getIncident as getRoute,
  incidentLedger as ledgerRoute,
  listIncidents as listRoute,
  recordIncident as recordRoute,
} from '../api/routes/incidents.ts';
import { actorOf, auditPut } from '../adapters/audit-log.ts';
import { requireTown, type Principal } from '../adapters/auth.ts';
import { loadEnv } from '../adapters/env.ts';
import {
  counterPut,
  getIncident,
  getInstances,
  incidentAt,
  incidentFingerprintPut,
  incidentPut,
  lastIncidentNumber,
  listAllIncidents,
  listIncidents,
  newIncidentPut,
} from '../adapters/incident-store.ts';
import { deliverNow, noticeItems } from '../adapters/mailer.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import {
  followUpShardOf,
  getActivePlan,
  instancePut,
  MAX_TRANSACTION_ITEMS,
  newInstancePut,
  transact,
  type TransactItem,
} from '../adapters/table.ts';

/**
 * Fire incidents (item 5 and 三(三); docs/incidents.md): `POST /incidents` (an admin records a fire),
 * `POST /incidents/{id}/investigation/close`, `GET /incidents`, `GET /incidents/{id}` (the whole
 * chain) and `GET /incidents/ledger.xlsx`. The chain is decided in functions/core/incidents.ts; this
 * handler reads, writes everything a request changes in one transaction (the incident, the
 * instances it opens or completes, the audit entries and the owners' mail in the outbox: all or
 * nothing), then sends the mail.
 *
 * Admins write their own town; leaders read it; a unit reads the incidents whose chain has an
 * instance of its own (another is 403), and not the ledger.
 */

const env = loadEnv(z.object({ CONSOLE_URL: z.url().default('https://fireplan.example.org') }));
const TIME_ZONE = 'Asia/Shanghai';
/** Two admins recording fires at the same moment: the one that loses the number tries again with the next. */
const NUMBER_ATTEMPTS = 3;

async function contextOf(town: string, principal: Principal, receivedAt: Date): Promise<IncidentContext> {
  const { plan, planVersion } = await getActivePlan(town);
  return { plan, planVersion, calendar: planCalendar(plan), today: localDate(receivedAt, TIME_ZONE), by: principal.subject };
}

interface PreparedNotice {
  to: string[];
  unreachable: string[];
  /** The outbox day: the next follow-up's, which delivers it should this request fail to. */
  date: IsoDate;
  shard: number;
  items: TransactItem[];
}

/** The owners' mail of the instances told now, as outbox items for the request's transaction. */
async function prepareNotice(ctx: IncidentContext, incident: IncidentRecord, occasion: IncidentOccasion, told: readonly InstanceRecord[]): Promise<PreparedNotice> {
  const notices = incidentNotices({ plan: ctx.plan, today: ctx.today, consoleUrl: env.CONSOLE_URL }, incident, occasion, told);
  // The town's next working day: the next day its follow-up runs (and delivers what is left).
  const date = ctx.calendar.addWorkdays(ctx.today, 1);
  const shard = followUpShardOf(incident.town);
  return {
    to: notices.mails.map((m) => m.to),
    unreachable: notices.unreachable,
    date,
    shard,
    items: noticeItems(incident.town, { date, shard }, notices.purpose, notices.mails),
  };
}

/** Sends what the transaction recorded (functions/adapters/mailer.ts `deliverNow`), when it told anyone. */
async function sendNow(town: string, notice: PreparedNotice, incident: string): Promise<void> {
  if (notice.to.length > 0) await deliverNow(town, notice, 'an incident', { incident });
}

function checkSize(items: readonly TransactItem[], path: string): void {
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new InvalidInputError('request body', [
      { path, message: `this would write ${items.length} items, more than one transaction takes (${MAX_TRANSACTION_ITEMS}): give fewer rectification items, or owners with fewer contacts` },
    ]);
  }
}

/** A lost race for the incident number (or the number taken under it): read the counter again. */
class NumberTaken extends Error {}

const record = route(recordRoute, async ({ body, receivedAt, principal, requestId }) => {
  const town = principal.town;
  const ctx = await contextOf(town, principal, receivedAt);
  checkIncident(body, ctx);
  const recorded = async () => {
    const existing = await incidentAt(town, body.occurredOn, body.place);
    return existing === undefined
      ? undefined
      : new ConflictError(`a fire at ${body.place} on ${body.occurredOn} is already recorded as ${existing}: read it, or name the place differently if this is another fire`, { current: { id: existing } });
  };
  const already = await recorded();
  if (already) throw already;
  for (let attempt = 1; ; attempt += 1) {
    const last = await lastIncidentNumber(town);
    const id = incidentId(last + 1);
    const { incident, instances, told } = recordIncident(ctx, id, body);
    const notice = await prepareNotice(ctx, incident, 'recorded', told);
    const items: TransactItem[] = [
      counterPut(town, last, last + 1),
      newIncidentPut(incident),
      incidentFingerprintPut(town, body.occurredOn, body.place, id),
      ...instances.map(newInstancePut),
      auditPut({
        town,
        at: receivedAt.toISOString(),
        actor: actorOf(principal),
        action: 'incident.record',
        target: `incident:${id}`,
        before: null,
        after: { ...incident, instanceIds: instances.map((i) => i.id) },
        requestId,
      }),
      ...notice.items,
    ];
    checkSize(items, '');
    try {
      await transact('record incident', items, (failed) =>
        failed.some((i) => i <= 1)
          ? new NumberTaken()
          : failed.includes(2)
            ? new ConflictError(`a fire at ${body.place} on ${body.occurredOn} is already recorded`, { current: {} })
            : new ConflictError(`an instance of incident ${id} exists already`, { current: { id } }),
      );
    } catch (error) {
      if (error instanceof ConflictError && (error.current as { id?: string } | undefined)?.id === undefined) throw (await recorded()) ?? error;
      if (error instanceof NumberTaken && attempt < NUMBER_ATTEMPTS) continue;
      if (error instanceof NumberTaken) throw new ConflictError('other incidents were recorded at the same moment: send it again', { current: { lastNumber: last } });
      throw error;
    }
    await sendNow(town, notice, id);
    const view = incidentView(incident, new Map(instances.map((i) => [i.id, i])), ctx.today);
    return { status: 201, headers: { location: `/incidents/${id}` }, body: { ...view, notified: notice.to, unreachable: notice.unreachable } };
  }
});

function currentOf(incident: IncidentRecord) {
  return {
    id: incident.id,
    version: incident.version,
    investigation: incident.investigation ? { status: incident.investigation.status, closedOn: incident.investigation.closedOn } : null,
  };
}

const close = route(closeRoute, async ({ params, body, receivedAt, principal, requestId }) => {
  const town = principal.town;
  const incident = await getIncident(town, params.id);
  if (body.version !== incident.version) {
    throw new ConflictError(`incident ${incident.id} is at version ${incident.version}, not ${body.version}: read it again and decide on what it is now`, { current: currentOf(incident) });
  }
  const ctx = await contextOf(town, principal, receivedAt);
  const investigation = await getInstances(investigationInstanceIds(incident));
  const closed = closeInvestigation(ctx, incident, [...investigation.values()], {
    findings: body.findings,
    responsibleParties: body.responsibleParties,
    rectifications: body.rectifications,
    lookBackAfterMonths: body.lookBackAfterMonths,
  });
  const notice = await prepareNotice(ctx, closed.incident, 'closed', closed.told);
  const at = receivedAt.toISOString();
  const actor = actorOf(principal);
  const { before, after } = changedFields(incident as unknown as Record<string, unknown>, closed.incident as unknown as Record<string, unknown>);
  const items: TransactItem[] = [
    incidentPut(closed.incident),
    auditPut({ town, at, actor, action: 'incident.close-investigation', target: `incident:${incident.id}`, before, after: { ...after, instanceIds: closed.created.map((i) => i.id) }, requestId }),
    ...closed.updated.flatMap((next) => {
      const read = investigation.get(next.id) as InstanceRecord;
      const change = changedFields(read as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>);
      return [
        instancePut(next),
        auditPut({ town, at, actor, action: 'instance.close-investigation', target: `instance:${next.id}`, ...change, reason: `延伸调查结案（${incident.id}）`, requestId }),
      ];
    }),
    ...closed.created.map(newInstancePut),
    ...notice.items,
  ];
  checkSize(items, 'rectifications');
  try {
    await transact('close investigation', items, (failed) =>
      failed.includes(0)
        ? new ConflictError(`incident ${incident.id} changed while this was decided: read it again and decide on what it is now`)
        : new ConflictError(`an instance of the investigation changed while this was decided (${closed.updated.map((u) => u.id).join(', ')}): read the incident again and close it again`),
    );
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    throw new ConflictError(error.message, { cause: error, current: currentOf(await getIncident(town, incident.id)) });
  }
  await sendNow(town, notice, incident.id);
  const saved = { ...closed.incident, version: closed.incident.version + 1 };
  const view = incidentView(saved, await getInstances(chainInstanceIds(saved)), ctx.today);
  return { status: 200, body: { ...view, notified: notice.to, unreachable: notice.unreachable } };
});

const list = route(listRoute, async ({ query, principal }) => {
  const town = query.town ?? principal.town;
  requireTown(principal, town);
  const unit = principal.role === 'unit' ? principal.unit : undefined;
  // A cursor is followed only by the list that gave it out: same town and unit.
  const digest = listDigest(['incidents', town, unit]);
  const page = await listIncidents(town, { limit: query.limit, cursor: unbindCursor(query.cursor, digest), unit });
  return { status: 200, body: { items: page.items.map(incidentSummary), next: bindCursor(page.next, digest) } };
});

const one = route(getRoute, async ({ params, principal, receivedAt }) => {
  const incident = await getIncident(principal.town, params.id);
  if (principal.role === 'unit' && (principal.unit === undefined || !incident.units.includes(principal.unit))) {
    throw new ForbiddenError(`incident ${incident.id} has no duty of your unit (${principal.unit ?? 'none'})`);
  }
  const instances = await getInstances(chainInstanceIds(incident));
  return { status: 200, body: incidentView(incident, instances, localDate(receivedAt, TIME_ZONE)) };
});

const ledger = route(ledgerRoute, async ({ principal, receivedAt }) => {
  const town = principal.town;
  const { plan } = await getActivePlan(town);
  const incidents = await listAllIncidents(town);
  const instances = await getInstances(incidents.flatMap(chainInstanceIds));
  const madeOn = localDate(receivedAt, plan.timeZone);
  const body = await incidentLedgerWorkbook({ plan, incidents, instances, madeOn, madeAt: receivedAt });
  return { status: 200, file: { contentType: INCIDENT_LEDGER_MEDIA_TYPE, body, filename: incidentLedgerFilename(plan, madeOn) } };
});

export const handler = httpRouter(record, close, list, one, ledger);
