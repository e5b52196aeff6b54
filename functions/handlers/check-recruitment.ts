import { z } from 'zod';
import { isoDate, slug } from '../core/plan-schema.ts';
import { workflowHandler } from '../adapters/middleware.ts';

// Being built (issue 5): the per-town step of this workflow.
const input = z.strictObject({ town: slug, date: isoDate });

export const handler = workflowHandler(input, async ({ town, date }) => ({ town, date }));
