import { z } from 'zod';
import { workflowHandler } from '../adapters/middleware.ts';
import { listTowns } from '../adapters/table.ts';

const input = z.object({ date: z.iso.date() });

export const handler = workflowHandler(input, async () => ({ towns: await listTowns() }));
