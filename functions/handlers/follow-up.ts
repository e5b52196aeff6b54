import { z } from 'zod';
import { ConflictError } from '../core/errors.ts';
import { digestKind, followUpTown } from '../core/follow-up.ts';
import type { InstanceRecord } from '../core/instance.ts';
import { digestEmail } from '../core/messages.ts';
import { planCalendar } from '../core/schedule.ts';
import { loadEnv } from '../adapters/env.ts';
import { logger } from '../adapters/logger.ts';
import { sendOnce, type Delivery } from '../adapters/mailer.ts';
import { workflowHandler } from '../adapters/middleware.ts';
import { getActivePlan, queryDue, saveInstance } from '../adapters/table.ts';

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
  const tally: Record<Delivery, number> = { sent: 0, 'already-sent': 0, uncertain: 0, rejected: 0 };
  let instances = 0;
  let missingContacts = 0;

  for (const town of batch) {
    const { plan } = await getActivePlan(town);
    const result = followUpTown(plan, byTown.get(town) ?? [], date, planCalendar(plan));
    const ctx = { plan, today: date, consoleUrl: env.CONSOLE_URL };
    for (const digest of result.digests) {
      const delivery = await sendOnce({
        town,
        date,
        recipient: digest.to,
        purpose: 'digest',
        kind: digestKind(digest),
        content: digestEmail(ctx, digest),
        instanceIds: [...new Set(digest.items.map((i) => i.instance.id))],
      });
      tally[delivery] += 1;
    }
    for (const update of result.updates) {
      try {
        await saveInstance(update);
        instances += 1;
      } catch (error) {
        // A report arrived since the query: the next run sees the new state; the mail already sent is not repeated.
        if (error instanceof ConflictError) logger.info('instance changed during follow-up', { id: update.id });
        else throw error;
      }
    }
    if (result.missingContacts.length > 0) {
      missingContacts += result.missingContacts.length;
      logger.warn('owners without a contact address', { town, missing: result.missingContacts });
    }
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
    alreadySent: tally['already-sent'],
    uncertain: tally.uncertain,
    rejected: tally.rejected,
    missingContacts,
  };
});
