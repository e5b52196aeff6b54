import { GetCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type Page } from '../api/pagination.ts';
import { NotFoundError } from '../core/errors.ts';
import type { HazardCategory, HazardGrade, HazardRecord } from '../core/hazards.ts';
import type { SelfBuiltHouse } from '../core/self-built-houses.ts';
import { documentClient } from './aws-clients.ts';
import { call, queryAll, queryPage, TABLE, townPk, type TransactItem } from './table.ts';

/**
 * The hazard ledger and the self-built houses in the table, in the town's partition:
 *
 * | entity | pk | sk |
 * |---|---|---|
 * | hazard | `TOWN#<town>` | `HAZARD#<id>` (ids start with the day found: sorted by it) |
 * | self-built house | `TOWN#<town>` | `HOUSE#<id>` |
 *
 * Every read is a Query on the town's partition with the sort key's prefix (filters are filter
 * expressions on it), never a scan. Writes are transaction items: created under
 * `attribute_not_exists(pk)`, changed under the version they were read at (the item is written
 * with the next version), always with their audit entry.
 */

const hazardSk = (id: string) => `HAZARD#${id}`;
const houseSk = (id: string) => `HOUSE#${id}`;

/** Attributes the table adds to a record (keys, and flat copies for filter expressions); stripped on read. */
const added = ['pk', 'sk', 'entity', 'isListed'];

function strip<T>(item: Record<string, unknown>): T {
  const record = { ...item };
  for (const key of added) delete record[key];
  return record as T;
}

export function hazardItem(hazard: HazardRecord): Record<string, unknown> {
  return { pk: townPk(hazard.town), sk: hazardSk(hazard.id), entity: 'hazard', ...hazard, isListed: hazard.listed !== null };
}

/** The put of a new hazard, refused when the id exists. */
export function hazardCreate(hazard: HazardRecord): TransactItem {
  return { Put: { TableName: TABLE, Item: hazardItem(hazard), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** The put of a hazard's next version, under the version it was read at (`hazard.version`). */
export function hazardUpdate(hazard: HazardRecord): TransactItem {
  return {
    Put: { TableName: TABLE, Item: hazardItem({ ...hazard, version: hazard.version + 1 }), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': hazard.version } },
  };
}

export async function getHazard(town: string, id: string): Promise<HazardRecord> {
  const result = await call('get hazard', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: townPk(town), sk: hazardSk(id) } })));
  if (!result.Item) throw new NotFoundError(`no hazard ${id} in town ${town}`);
  return strip<HazardRecord>(result.Item);
}

export interface HazardFilter {
  listed?: boolean | undefined;
  status?: 'open' | 'closed' | undefined;
  area?: string | undefined;
  grade?: HazardGrade | undefined;
  category?: HazardCategory | undefined;
  owner?: string | undefined;
  /** A unit user's view: hazards whose area or owner is this unit. */
  areaOrOwner?: string | undefined;
}

function hazardQuery(town: string, filter: HazardFilter): QueryCommandInput {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':pk': townPk(town), ':prefix': 'HAZARD#' };
  const conditions: string[] = [];
  const where = (attribute: string, value: string | boolean | undefined) => {
    if (value === undefined) return;
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
    conditions.push(`#${attribute} = :${attribute}`);
  };
  where('isListed', filter.listed);
  where('status', filter.status);
  where('area', filter.area);
  where('grade', filter.grade);
  where('category', filter.category);
  where('owner', filter.owner);
  if (filter.areaOrOwner !== undefined) {
    names['#area'] = 'area';
    names['#owner'] = 'owner';
    values[':mine'] = filter.areaOrOwner;
    conditions.push('(#area = :mine OR #owner = :mine)');
  }
  return {
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: values,
    ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
  };
}

/**
 * The town's hazards matching the filter, oldest first: one Query on the town's partition
 * (`HAZARD#` items), never a scan. The key-date alerts list the hazards under listed supervision by
 * area with `listHazards(town, { listed: true, status: 'open' })`.
 */
export async function listHazards(town: string, filter: HazardFilter = {}): Promise<HazardRecord[]> {
  const items = await queryAll(hazardQuery(town, filter));
  return items.map((item) => strip<HazardRecord>(item));
}

/** One page of the town's hazards matching the filter (a page may hold fewer than `limit`: follow `next`). */
export async function queryHazards(town: string, filter: HazardFilter, page: { limit: number; cursor?: string | undefined }): Promise<Page<HazardRecord>> {
  const pk = townPk(town);
  const { items, last } = await queryPage(hazardQuery(town, filter), page.limit, decodeCursor(page.cursor, { pk }));
  return { items: items.map((item) => strip<HazardRecord>(item)), next: encodeCursor(last) };
}

// Self-built houses (item 7's baseline list)

export function houseItem(house: SelfBuiltHouse): Record<string, unknown> {
  return { pk: townPk(house.town), sk: houseSk(house.id), entity: 'self-built-house', ...house };
}

export function houseCreate(house: SelfBuiltHouse): TransactItem {
  return { Put: { TableName: TABLE, Item: houseItem(house), ConditionExpression: 'attribute_not_exists(pk)' } };
}

export function houseUpdate(house: SelfBuiltHouse): TransactItem {
  return {
    Put: { TableName: TABLE, Item: houseItem({ ...house, version: house.version + 1 }), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': house.version } },
  };
}

export async function getHouse(town: string, id: string): Promise<SelfBuiltHouse> {
  const result = await call('get self-built house', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: townPk(town), sk: houseSk(id) } })));
  if (!result.Item) throw new NotFoundError(`no self-built house ${id} in town ${town}`);
  return strip<SelfBuiltHouse>(result.Item);
}

export interface HouseFilter {
  area?: string | undefined;
  inScope?: boolean | undefined;
}

function houseQuery(town: string, filter: HouseFilter): QueryCommandInput {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':pk': townPk(town), ':prefix': 'HOUSE#' };
  const conditions: string[] = [];
  for (const [attribute, value] of [
    ['area', filter.area],
    ['inScope', filter.inScope],
  ] as const) {
    if (value === undefined) continue;
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
    conditions.push(`#${attribute} = :${attribute}`);
  }
  return {
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: values,
    ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
  };
}

export async function listHouses(town: string, filter: HouseFilter = {}): Promise<SelfBuiltHouse[]> {
  return (await queryAll(houseQuery(town, filter))).map((item) => strip<SelfBuiltHouse>(item));
}

export async function queryHouses(town: string, filter: HouseFilter, page: { limit: number; cursor?: string | undefined }): Promise<Page<SelfBuiltHouse>> {
  const { items, last } = await queryPage(houseQuery(town, filter), page.limit, decodeCursor(page.cursor, { pk: townPk(town) }));
  return { items: items.map((item) => strip<SelfBuiltHouse>(item)), next: encodeCursor(last) };
}
