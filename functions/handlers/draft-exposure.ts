import { z } from 'zod';
import { draftExposure, quarterOf } from '../core/exposure.ts';
import { ConflictError } from '../core/errors.ts';
import { isoDate, slug } from '../core/plan-schema.ts';
import { auditPut } from '../adapters/audit-log.ts';
import { exposureCreate, findExposure, listExposures } from '../adapters/exposure-store.ts';
import { listHazards } from '../adapters/hazard-store.ts';
import { logger } from '../adapters/logger.ts';
import { workflowHandler } from '../adapters/middleware.ts';
import { getActivePlan, transact } from '../adapters/table.ts';

/**
 * The QuarterlyExposure workflow's step for one town, on the quarter's last working day: drafts the
 * list of the town's open major hazards proposed for public exposure, with personal data removed
 * (functions/core/exposure.ts), as `EXPOSURE#<quarter>` with status draft, with its audit entry.
 * Idempotent: a list of the quarter that exists already (drafted by an earlier run, edited,
 * approved or published) is left as it is, and the step says so (`created: false`). Table only;
 * no mail.
 */

const input = z.strictObject({ town: slug, date: isoDate });

export const handler = workflowHandler(input, async ({ town, date }) => {
  const quarter = quarterOf(date);
  const existing = await findExposure(town, quarter);
  if (existing) {
    logger.info('exposure list exists already', { town, quarter, status: existing.status });
    return { town, date, quarter, created: false, status: existing.status, entries: existing.entries.length };
  }
  const { plan } = await getActivePlan(town);
  const [hazards, earlier] = await Promise.all([listHazards(town, { grade: 'major', status: 'open' }), listExposures(town)]);
  const list = draftExposure({ plan, date, hazards, earlier });
  try {
    await transact(
      'draft exposure list',
      [
        exposureCreate(list),
        auditPut({
          town,
          // The run's scheduled time (16:00 in Shanghai on the day): a workflow step has no request.
          at: new Date(`${date}T16:00:00+08:00`).toISOString(),
          actor: { subject: 'workflow:QuarterlyExposure', role: 'system' },
          action: 'exposure.draft',
          target: `exposure:${quarter}`,
          before: null,
          after: { quarter, status: list.status, entries: list.entries.map((e) => e.hazardId) },
          requestId: `QuarterlyExposure:${date}`,
        }),
      ],
      () => new ConflictError(`the exposure list of ${quarter} was drafted by another run`),
    );
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    logger.info('exposure list drafted by a concurrent run', { town, quarter });
    return { town, date, quarter, created: false, status: 'draft', entries: list.entries.length };
  }
  logger.info('exposure list drafted', { town, quarter, entries: list.entries.length });
  return { town, date, quarter, created: true, status: list.status, entries: list.entries.length };
});
