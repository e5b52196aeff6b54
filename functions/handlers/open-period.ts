import { z } from 'zod';
import { openingCadences, instancesToOpen } from '../core/opening.ts';
import { planCalendar } from '../core/schedule.ts';
import { logger } from '../adapters/logger.ts';
import { workflowHandler } from '../adapters/middleware.ts';
import { createInstance, getActivePlan } from '../adapters/table.ts';

const input = z.strictObject({
  town: z.string().min(1),
  cadence: z.enum(openingCadences),
  date: z.iso.date(),
});

export const handler = workflowHandler(input, async ({ town, cadence, date }) => {
  const { plan, planVersion } = await getActivePlan(town);
  const records = instancesToOpen(plan, planVersion, cadence, date, planCalendar(plan));
  let created = 0;
  for (const record of records) if (await createInstance(record)) created += 1;
  logger.info('period opened', { town, cadence, date, created, existing: records.length - created });
  return { town, cadence, date, created, existing: records.length - created };
});
