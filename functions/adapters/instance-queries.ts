import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type Page } from '../api/pagination.ts';
import { InvalidInputError } from '../core/errors.ts';
import type { InstanceRecord, ReviewState } from '../core/instance.ts';
import type { InstanceStatus, Light } from '../core/ladder.ts';
import { PERIOD_INDEX, queryPage, TABLE, toRecord, townPk, UNIT_INDEX } from './table.ts';

/**
 * The instance lists of the API (GET /instances, the ledger, the scores, the calendar feed): one
 * query, on the access pattern the filter allows, never a scan.
 *
 * | filter has | reads |
 * |---|---|
 * | `unit` | the `unit` index, partition `UNIT#<town>#<unit>` (sorted by due date) |
 * | `period` (no unit) | the `period` index, partition `PERIOD#<town>#<period>` (by duty, then owner) |
 * | neither | the town's partition `TOWN#<town>`, `INST#` items (by duty) |
 *
 * The other filters (status, light, review, and duty or period where the key does not carry them)
 * are filter expressions on the same query: a page may hold fewer than `limit` items, and `next`
 * goes on.
 */

export interface InstanceFilter {
  town: string;
  unit?: string | undefined;
  period?: string | undefined;
  duty?: string | undefined;
  status?: InstanceStatus | undefined;
  light?: Light | undefined;
  review?: ReviewState | undefined;
}

function queryOf(filter: InstanceFilter): { input: QueryCommandInput; partition: Record<string, string> } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  const where = (attribute: string, value: string | undefined) => {
    if (value === undefined) return;
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
    conditions.push(`#${attribute} = :${attribute}`);
  };
  let input: QueryCommandInput;
  let partition: Record<string, string>;
  if (filter.unit !== undefined) {
    const pk = `UNIT#${filter.town}#${filter.unit}`;
    partition = { unitPk: pk };
    values[':pk'] = pk;
    input = { TableName: TABLE, IndexName: UNIT_INDEX, KeyConditionExpression: 'unitPk = :pk', ExpressionAttributeValues: values };
    where('periodId', filter.period);
    where('dutyId', filter.duty);
  } else if (filter.period !== undefined) {
    const pk = `PERIOD#${filter.town}#${filter.period}`;
    partition = { periodPk: pk };
    values[':pk'] = pk;
    input = { TableName: TABLE, IndexName: PERIOD_INDEX, KeyConditionExpression: 'periodPk = :pk', ExpressionAttributeValues: values };
    if (filter.duty !== undefined) {
      values[':duty'] = `${filter.duty}#`;
      input.KeyConditionExpression += ' AND begins_with(periodSk, :duty)';
    }
  } else {
    const pk = townPk(filter.town);
    partition = { pk };
    values[':pk'] = pk;
    values[':prefix'] = filter.duty === undefined ? 'INST#' : `INST#${filter.duty}#`;
    input = { TableName: TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: values };
  }
  where('status', filter.status);
  where('light', filter.light);
  where('review', filter.review);
  if (conditions.length > 0) {
    input.FilterExpression = conditions.join(' AND ');
    input.ExpressionAttributeNames = names;
  }
  return { input, partition };
}

/** One page of instances matching the filter; the cursor must be one this filter's query gave out. */
export async function queryInstances(filter: InstanceFilter, page: { limit: number; cursor?: string | undefined }): Promise<Page<InstanceRecord>> {
  const { input, partition } = queryOf(filter);
  const { items, last } = await queryPage(input, page.limit, decodeCursor(page.cursor, partition));
  return { items: items.map(toRecord), next: encodeCursor(last) };
}

/** Every instance matching the filter (the ledger, the scores): pages read until the end; more than `max` is a 400 asking for a narrower filter. */
export async function queryAllInstances(filter: InstanceFilter, max = 20_000): Promise<InstanceRecord[]> {
  const { input } = queryOf(filter);
  const records: InstanceRecord[] = [];
  let start: Record<string, string | number> | undefined;
  do {
    const { items, last } = await queryPage(input, 500, start);
    records.push(...items.map(toRecord));
    start = last;
    if (start && records.length >= max) {
      throw new InvalidInputError('query', [{ path: '', message: `more than ${max} instances match: narrow the filter (unit, period)` }]);
    }
  } while (start);
  return records;
}
