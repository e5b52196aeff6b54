import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type Page } from '../api/pagination.ts';
import { NotFoundError } from '../core/errors.ts';
import type { ExposureList, ExposureStatus } from '../core/exposure.ts';
import { documentClient } from './aws-clients.ts';
import { call, queryAll, queryPage, TABLE, townPk, type TransactItem } from './table.ts';

/**
 * The quarterly exposure lists: pk `TOWN#<town>`, sk `EXPOSURE#<quarter>` (one per town and
 * quarter, so a rerun of the workflow cannot make a second). Created under
 * `attribute_not_exists(pk)`, changed under the version read; read by Get or by a Query on the
 * `EXPOSURE#` prefix, never a scan.
 */

const exposureSk = (quarter: string) => `EXPOSURE#${quarter}`;

function exposureItem(list: ExposureList): Record<string, unknown> {
  return { pk: townPk(list.town), sk: exposureSk(list.quarter), entity: 'exposure', ...list };
}

function toList(item: Record<string, unknown>): ExposureList {
  const { pk: _pk, sk: _sk, entity: _entity, ...list } = item;
  return list as unknown as ExposureList;
}

export function exposureCreate(list: ExposureList): TransactItem {
  return { Put: { TableName: TABLE, Item: exposureItem(list), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** The put of the list's next version, under the version it was read at (`list.version`). */
export function exposureUpdate(list: ExposureList): TransactItem {
  return {
    Put: { TableName: TABLE, Item: exposureItem({ ...list, version: list.version + 1 }), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': list.version } },
  };
}

export async function findExposure(town: string, quarter: string): Promise<ExposureList | undefined> {
  const result = await call('get exposure list', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: townPk(town), sk: exposureSk(quarter) } })));
  return result.Item ? toList(result.Item) : undefined;
}

export async function getExposure(town: string, quarter: string): Promise<ExposureList> {
  const list = await findExposure(town, quarter);
  if (!list) throw new NotFoundError(`no exposure list of ${quarter} in town ${town}`);
  return list;
}

export async function listExposures(town: string): Promise<ExposureList[]> {
  const items = await queryAll({ TableName: TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': townPk(town), ':prefix': 'EXPOSURE#' } });
  return items.map(toList);
}

/** A page of the town's lists, newest quarter first. */
export async function queryExposures(town: string, filter: { status?: ExposureStatus | undefined }, page: { limit: number; cursor?: string | undefined }): Promise<Page<ExposureList>> {
  const values: Record<string, unknown> = { ':pk': townPk(town), ':prefix': 'EXPOSURE#' };
  if (filter.status !== undefined) values[':status'] = filter.status;
  const { items, last } = await queryPage(
    {
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: values,
      ...(filter.status === undefined ? {} : { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }),
      ScanIndexForward: false,
    },
    page.limit,
    decodeCursor(page.cursor, { pk: townPk(town) }),
  );
  return { items: items.map(toList), next: encodeCursor(last) };
}
