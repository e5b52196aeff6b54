import { ledger } from '../api/routes/documents.ts';
import { localDate } from '../core/dates.ts';
import { ForbiddenError } from '../core/errors.ts';
import { ledgerFilename, ledgerWorkbook, LEDGER_MEDIA_TYPE } from '../core/ledger.ts';
import { requireTown } from '../adapters/auth.ts';
import { queryAllInstances } from '../adapters/instance-queries.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { getActivePlan } from '../adapters/table.ts';

/**
 * The duty ledger (台账) as an Excel workbook: `GET /ledger.xlsx`, filtered as `GET /instances` is
 * (unit, status, light, period, duty, review; no paging: every match, read by one query on the
 * access pattern the filter allows, never a scan). A leader or admin reads their own town, any unit;
 * a unit user gets its own unit's ledger: the unit filter is forced to it, and naming another unit
 * or another town is 403. The workbook is made in functions/core/ledger.ts.
 */
const exportLedger = route(ledger, async ({ query, receivedAt, principal }) => {
  if (query.town !== undefined) requireTown(principal, query.town);
  const town = principal.town;
  let unit = query.unit;
  if (principal.role === 'unit') {
    if (unit !== undefined && unit !== principal.unit) throw new ForbiddenError(`a unit user reads its own unit's ledger only (${principal.unit ?? 'none'})`);
    unit = principal.unit;
  }
  const filters = { unit, status: query.status, light: query.light, period: query.period, duty: query.duty, review: query.review };
  const { plan } = await getActivePlan(town);
  const records = await queryAllInstances({ town, ...filters });
  const body = await ledgerWorkbook({ plan, records, filters, madeAt: receivedAt });
  const madeOn = localDate(receivedAt, plan.timeZone);
  return { status: 200, file: { contentType: LEDGER_MEDIA_TYPE, body, filename: ledgerFilename(plan, madeOn, unit) } };
});

export const handler = httpRouter(exportLedger);
