import { localDate, type IsoDate } from '../core/dates.ts';
import { FireplanError, ForbiddenError, InvalidInputError } from '../core/errors.ts';
import { unitName } from '../core/messages.ts';
import { parsePeriodId } from '../core/periods.ts';
import { scoredInstances } from '../core/reports.ts';
import { planCalendar } from '../core/schedule.ts';
import { scoreUnits } from '../core/scoring.ts';
import { listDigest } from '../api/list-cursor.ts';
import { decodeCursor, encodeCursor } from '../api/pagination.ts';
import { getScores } from '../api/routes/scores.ts';
import { queryAllInstances } from '../adapters/instance-queries.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { getActivePlan } from '../adapters/table.ts';

/**
 * `GET /scores?year=&period=&unit=&asOf=`: every unit's compliance score for the instances falling
 * due in a year (or a month, quarter or half of it), judged as of a day (default: the request's day
 * in Asia/Shanghai; instances not yet due then do not count), ranked, with every deduction and the
 * plan rule behind it (functions/core/scoring.ts). Recomputed from the stored instances on every
 * call, never kept. Ranks are among all the town's units; `unit` (and a unit user, always its own)
 * narrows the list to one. The list of units is paginated.
 */

const badQuery = (path: string, message: string) => new InvalidInputError('query', [{ path, message }]);

/** The days a `period` of the query covers, within `year`. */
function window(year: number, period: string | undefined): { from: IsoDate; to: IsoDate; id: string } {
  const id = period ?? String(year);
  let parsed;
  try {
    parsed = parsePeriodId(id);
  } catch (error) {
    if (error instanceof FireplanError) throw badQuery('period', error.message);
    throw error;
  }
  if (!parsed.starts.startsWith(`${year}-`)) throw badQuery('period', `period ${id} is not in ${year}`);
  return { from: parsed.starts, to: parsed.ends, id };
}

const run = route(getScores, async ({ query, principal, receivedAt }) => {
  const town = principal.town;
  let unit = query.unit;
  if (principal.role === 'unit') {
    if (unit !== undefined && unit !== principal.unit) throw new ForbiddenError(`a unit sees only its own score (${principal.unit ?? 'none'})`);
    unit = principal.unit;
  }
  const asOf = query.asOf ?? localDate(receivedAt, 'Asia/Shanghai');
  const { from, to, id: period } = window(query.year, query.period);
  const list = listDigest(['scores', town, period, unit, asOf]);
  const start = decodeCursor(query.cursor, { list });
  const offset = start === undefined ? 0 : Number(start['offset']);
  if (!Number.isInteger(offset) || offset < 0) throw badQuery('cursor', 'not a cursor this API gave out');

  const { plan, planVersion } = await getActivePlan(town);
  const calendar = planCalendar(plan);
  const instances = (await queryAllInstances({ town })).filter((i) => i.dueOn >= from && i.dueOn <= to);
  const scores = scoreUnits(scoredInstances(instances), plan.scoring, calendar, asOf).filter((s) => unit === undefined || s.unit === unit);
  const page = scores.slice(offset, offset + query.limit);
  const nextOffset = offset + page.length;
  return {
    status: 200,
    body: {
      town,
      planId: plan.id,
      planVersion,
      year: query.year,
      period,
      from,
      to,
      asOf,
      rules: { lateCredit: plan.scoring.lateCredit, evaluation: plan.scoring.evaluation },
      items: page.map((s) => ({ ...s, name: unitName(plan, s.unit) })),
      next: nextOffset < scores.length ? encodeCursor({ list, offset: nextOffset }) : null,
    },
  };
});

export const handler = httpRouter(run);
