import { z } from 'zod';
import { ConflictError } from '../core/errors.ts';
import { digestKind, followUpTown } from '../core/follow-up.ts';
import type { InstanceRecord } from '../core/instance.ts';
import { digestEmail } from '../core/messages.ts';
import { planCalendar } from '../core/schedule.ts';
import { loadEnv } from '../adapters/env.ts';
import { logger } from '../adapters/logger.ts';
import { deliver, recordMail } from '../adapters/mailer.ts';
import { workflowHandler } from '../adapters/middleware.ts';
import { clearUndelivered, getActivePlan, listUndelivered, markUndelivered, queryDue, saveInstance } from '../adapters/table.ts';

const input = z.strictObject({
  shard: z.number().int().min(0),
  date: z.iso.date(),
  afterTown: z.string().min(1).optional(),
});

const env = loadEnv(
  z.object({
    CONSOLE_URL: z.url().default('https://fireplan.example.org'),
    TOWNS_PER_INVOCATION: z.coerce.number().int().min(1).max(1000).default(25),
  }),
);

/**
 * The daily follow-up of one shard: what needs action today through the sparse index, grouped by
 * town, at most one digest per recipient per day, then the new state written back. A town is the
 * unit of work, so a recipient's items are never split over two invocations; the loop in the state
 * machine continues after `afterTown` while `more` is true.
 */
export const handler = workflowHandler(input, async ({ shard, date, afterTown }) => {
  const byTown = new Map<string, InstanceRecord[]>();
  for (const record of await queryDue(shard, date)) {
    if (afterTown !== undefined && record.town <= afterTown) continue;
    byTown.set(record.town, [...(byTown.get(record.town) ?? []), record]);
  }
  const towns = [...byTown.keys()].sort();
  const batch = towns.slice(0, env.TOWNS_PER_INVOCATION);
  const tally = { sent: 0, rejected: 0, uncertain: 0 };
  const count = (delivered: { sent: number; rejected: number; uncertain: number }) => {
    tally.sent += delivered.sent;
    tally.rejected += delivered.rejected;
    tally.uncertain += delivered.uncertain;
  };
  let instances = 0;
  const unreachable: { town: string; unit: string; instances: number }[] = [];

  // First the mail an earlier attempt recorded, wrote the state for, and did not get out.
  for (const town of await listUndelivered(date, shard)) {
    count(await deliver(town, date));
    await clearUndelivered(date, shard, town);
  }

  for (const town of batch) {
    const { plan } = await getActivePlan(town);
    const result = followUpTown(plan, byTown.get(town) ?? [], date, planCalendar(plan));
    const ctx = { plan, today: date, consoleUrl: env.CONSOLE_URL };
    // Outbox order: the mail is recorded first, then the state that caused it, then the mail is sent.
    // A crash anywhere is repaired by running the step again: nothing is decided twice or sent twice.
    if (result.digests.length > 0) await markUndelivered(date, shard, town);
    for (const digest of result.digests) {
      await recordMail({
        town,
        date,
        recipient: digest.to,
        purpose: 'digest',
        kind: digestKind(digest),
        content: digestEmail(ctx, digest),
        instanceIds: [...new Set(digest.items.map((i) => i.instance.id))],
      });
    }
    for (const update of result.updates) {
      try {
        await saveInstance(update);
        instances += 1;
      } catch (error) {
        // A report arrived since the query: the next run sees the new state.
        if (error instanceof ConflictError) logger.info('instance changed during follow-up', { id: update.id });
        else throw error;
      }
    }
    if (result.digests.length > 0) {
      count(await deliver(town, date));
      await clearUndelivered(date, shard, town);
    }
    const missing = new Map<string, number>();
    for (const m of result.missingContacts) missing.set(m.unit, (missing.get(m.unit) ?? 0) + 1);
    for (const [unit, count] of missing) unreachable.push({ town, unit, instances: count });
    if (missing.size > 0) logger.warn('owners without a contact address', { town, missing: result.missingContacts });
  }
  const last = batch.at(-1);
  return {
    shard,
    date,
    ...(last === undefined ? {} : { afterTown: last }),
    more: towns.length > batch.length,
    towns: batch.length,
    instances,
    emails: tally.sent,
    uncertain: tally.uncertain,
    rejected: tally.rejected,
    unreachable,
  };
});
