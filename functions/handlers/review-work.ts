import { z } from 'zod';
import { changedFields } from '../core/audit.ts';
import { planCalendar } from '../core/schedule.ts';
import { localDate, type IsoDate } from '../core/dates.ts';
import { ConflictError } from '../core/errors.ts';
import type { InstanceRecord } from '../core/instance.ts';
import { accept, reopen, returnReport, reviewNotice, reviewStageOf, type Reviewer } from '../core/review.ts';
import { acceptReport, reopenInstance, returnReport as returnRoute } from '../api/routes/instances.ts';
import { actorOf, auditPut } from '../adapters/audit-log.ts';
import type { Principal } from '../adapters/auth.ts';
import { requireTown } from '../adapters/auth.ts';
import { loadEnv } from '../adapters/env.ts';
import { instanceIdFromPath } from '../adapters/http-ids.ts';
import { deliverNow, noticeItems } from '../adapters/mailer.ts';
import { httpRouter, route, type RouteResult } from '../adapters/middleware.ts';
import {
  followUpShardOf,
  getActivePlan,
  getInstance,
  saveInstance,
  type TransactItem,
} from '../adapters/table.ts';

/**
 * The committee office reviews reported work: `POST /instances/{id}/accept`, `/return` (with a
 * reason: the instance is open again and its ladder resumes where it stood) and `/reopen` (an
 * accepted instance, with a reason). Admins of the instance's town only (the route's roles, then
 * the town from the id, before anything is read). Each body carries the version the reviewer saw:
 * a stale one is a 409 with the current version, and so is a concurrent change caught by the
 * conditional write. The state machine is functions/core/review.ts; every change is audited in the
 * same transaction.
 *
 * A return or reopen tells the owning unit (each contact, in its language): the mail is recorded in
 * the outbox in the same transaction as the instance and its audit entry, with the town's
 * undelivered mark, then sent. It belongs to the outbox of the next follow-up (the next working
 * day), so when SES fails here the request still succeeds and that follow-up delivers it first.
 */

const env = loadEnv(z.object({ CONSOLE_URL: z.url().default('https://fireplan.example.org') }));

function currentOf(record: InstanceRecord) {
  return { id: record.id, version: record.version, review: reviewStageOf(record), completedOn: record.completedOn };
}

/**
 * Writes the reviewed instance under its version condition, with its audit entry. When someone
 * changed the instance between the read and the write, the 409 names the version it is at now
 * (read again), not the one this request started from.
 */
async function saveOrConflict(read: InstanceRecord, next: InstanceRecord, audit: Parameters<typeof saveInstance>[1]): Promise<InstanceRecord> {
  try {
    return await saveInstance(next, audit);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const now = await getInstance(read.id);
    throw new ConflictError(`instance ${read.id} changed while this was decided (version ${read.version} → ${now.version}): read it again and decide on what it is now`, {
      cause: error,
      current: currentOf(now),
    });
  }
}

interface PreparedNotice {
  /** The addresses told. */
  to: string[];
  /** The outbox day: the next follow-up's. */
  date: IsoDate;
  shard: number;
  /** The intents and the undelivered mark, for the instance's transaction; none when nobody is told. */
  items: TransactItem[];
}

/** The mail of a return or reopen, decided before the write, as the outbox items to write with it. */
async function prepareNotice(next: InstanceRecord, today: IsoDate): Promise<PreparedNotice> {
  const { plan } = await getActivePlan(next.town);
  // The town's calendar: its next working day is the next day its follow-up runs.
  const calendar = planCalendar(plan);
  const notice = reviewNotice({ plan, today, consoleUrl: env.CONSOLE_URL }, next, calendar);
  const date = calendar.addWorkdays(today, 1);
  const shard = followUpShardOf(next.town);
  const mails = notice.mails.map((mail) => ({ ...mail, instanceIds: [next.id] }));
  return { to: notice.mails.map((m) => m.to), date, shard, items: noticeItems(next.town, { date, shard }, notice.purpose, mails) };
}

interface ReviewRequest {
  params: { id: string };
  body: { version: number; reason?: string };
  receivedAt: Date;
  principal: Principal;
  requestId: string;
}

async function review(
  request: ReviewRequest,
  action: 'accept' | 'return' | 'reopen',
  change: (record: InstanceRecord, reviewer: Reviewer) => InstanceRecord,
): Promise<RouteResult> {
  const { params, body, receivedAt, principal, requestId } = request;
  const { id, key } = instanceIdFromPath(params.id);
  requireTown(principal, key.town);
  const record = await getInstance(id);
  if (body.version !== record.version) {
    throw new ConflictError(`instance ${id} is at version ${record.version}, not ${body.version}: read it again and decide on what it is now`, { current: currentOf(record) });
  }
  const on = localDate(receivedAt, 'Asia/Shanghai');
  const next = change(record, { by: principal.subject, on });
  const { before, after } = changedFields(record as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>);
  const notice = action === 'accept' ? undefined : await prepareNotice(next, on);
  const saved = await saveOrConflict(record, next, [
    auditPut({
      town: key.town,
      at: receivedAt.toISOString(),
      actor: actorOf(principal),
      action: `instance.${action}`,
      target: `instance:${id}`,
      before,
      after,
      ...(body.reason === undefined ? {} : { reason: body.reason }),
      requestId,
    }),
    ...(notice?.items ?? []),
  ]);
  if (notice && notice.to.length > 0) await deliverNow(key.town, notice, 'a review', { instanceId: id });
  return {
    status: 200,
    body: {
      id: saved.id,
      review: saved.review,
      status: saved.status,
      light: saved.light,
      completedOn: saved.completedOn,
      dueOn: saved.dueOn,
      nextActionOn: saved.nextActionOn,
      version: saved.version,
      ...(notice ? { notified: notice.to } : {}),
    },
  };
}

const acceptRoute = route(acceptReport, (request) => review(request, 'accept', (record, reviewer) => accept(record, reviewer)));
const returnRouteBound = route(returnRoute, (request) => review(request, 'return', (record, reviewer) => returnReport(record, reviewer, request.body.reason)));
const reopenRoute = route(reopenInstance, (request) => review(request, 'reopen', (record, reviewer) => reopen(record, reviewer, request.body.reason)));

export const handler = httpRouter(acceptRoute, returnRouteBound, reopenRoute);
