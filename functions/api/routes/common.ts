import { z } from 'zod';
import { isoDate, slug } from '../../core/plan-schema.ts';

/** Path parameters shared by the routes: every route names its parameter `{id}` (API Gateway wants one name per position). */
export const slugPath = z.strictObject({ id: slug.describe('a kebab-case id') });
export const datePath = z.strictObject({ id: isoDate.describe('a date, YYYY-MM-DD') });

/** Edits carry the version of the item they were made from: a stale one is answered 409 with the current version. */
export const version = z.number().int().min(0).max(1_000_000_000).describe('the version of the item this edit was made from (from its GET)');

/** `?unit=…&period=…` filters of the instance routes, the ledger and the scores. */
export const periodId = z
  .string()
  .regex(
    /^\d{4}(?:-\d{2}(?:-\d{2}(?:~[a-z0-9]+(?:-[a-z0-9]+)*)?)?|-Q[1-4]|-H[12]|-\d{4})?$/,
    'expected a period id: 2022, 2022-06, 2022-Q3, 2022-H1, 2022-2023, a date, or a date and the event it belongs to (2022-06-15~fire-3)',
  )
  .max(100);

export const noQuery = z.strictObject({});
