import { createHash } from 'node:crypto';
import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type Page } from '../api/pagination.ts';
import { NotFoundError, StorageError } from '../core/errors.ts';
import { incidentNumber, type IncidentRecord } from '../core/incidents.ts';
import type { InstanceRecord } from '../core/instance.ts';
import { documentClient } from './aws-clients.ts';
import { call, instanceKey, queryAll, queryPage, TABLE, toRecord, townPk, type TransactItem } from './table.ts';

/**
 * Fire incidents in the table, in their town's partition:
 *
 * | item | pk | sk |
 * |---|---|---|
 * | incident | `TOWN#<town>` | `INCIDENT#<n, 9 digits>` (so that the town's incidents sort by number) |
 * | the town's last incident number | `TOWN#<town>` | `INCIDENT-SEQ` |
 *
 * Every write is a transaction item with a condition: a new incident under `attribute_not_exists`
 * with the number it takes (the counter moves under a condition on the number it was read at, so
 * that two fires recorded at once never get one number), a changed one under its `version`, and
 * each new instance of its chain under `attribute_not_exists`.
 */

const SEQ_SK = 'INCIDENT-SEQ';
const PREFIX = 'INCIDENT#';

export function incidentKey(town: string, id: string): { pk: string; sk: string } {
  const n = incidentNumber(id);
  if (Number.isNaN(n)) throw new NotFoundError(`not an incident id: ${id}`);
  return { pk: townPk(town), sk: `${PREFIX}${String(n).padStart(9, '0')}` };
}

function toIncident(item: Record<string, unknown>): IncidentRecord {
  const { pk: _pk, sk: _sk, entity: _entity, ...record } = item;
  return record as unknown as IncidentRecord;
}

/** The number the town's last incident took (0 before its first). */
export async function lastIncidentNumber(town: string): Promise<number> {
  const result = await call('get incident counter', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: townPk(town), sk: SEQ_SK }, ConsistentRead: true })));
  return typeof result.Item?.['n'] === 'number' ? result.Item['n'] : 0;
}

/** The counter moved from `previous` to `next`, only if nobody moved it since it was read. */
export function counterPut(town: string, previous: number, next: number): TransactItem {
  return {
    Put: {
      TableName: TABLE,
      Item: { pk: townPk(town), sk: SEQ_SK, entity: 'incident-seq', town, n: next },
      ...(previous === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'n = :previous', ExpressionAttributeValues: { ':previous': previous } }),
    },
  };
}

/**
 * What a fire is known by besides its number: its day and its place (spaces and case aside). A
 * request sent again after a lost answer finds it taken, so a retry never records a second fire nor
 * mails its owners twice.
 */
export function incidentFingerprintKey(town: string, occurredOn: string, place: string): { pk: string; sk: string } {
  const normalized = place.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  return { pk: townPk(town), sk: `INCIDENT-AT#${occurredOn}#${createHash('sha256').update(normalized).digest('hex').slice(0, 24)}` };
}

export function incidentFingerprintPut(town: string, occurredOn: string, place: string, id: string): TransactItem {
  return { Put: { TableName: TABLE, Item: { ...incidentFingerprintKey(town, occurredOn, place), entity: 'incident-fingerprint', incident: id }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** The incident already recorded for a day and place, if any. */
export async function incidentAt(town: string, occurredOn: string, place: string): Promise<string | undefined> {
  const result = await call('get incident fingerprint', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: incidentFingerprintKey(town, occurredOn, place), ConsistentRead: true })));
  const id = result.Item?.['incident'];
  return typeof id === 'string' ? id : undefined;
}

/** A new incident: written only if no incident has its number. */
export function newIncidentPut(record: IncidentRecord): TransactItem {
  return { Put: { TableName: TABLE, Item: { ...incidentKey(record.town, record.id), entity: 'incident', ...record }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** An incident's next version, written only if it is still at the version it was read at. */
export function incidentPut(record: IncidentRecord): TransactItem {
  const next = { ...record, version: record.version + 1 };
  return {
    Put: {
      TableName: TABLE,
      Item: { ...incidentKey(record.town, record.id), entity: 'incident', ...next },
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': record.version },
    },
  };
}

export async function getIncident(town: string, id: string): Promise<IncidentRecord> {
  const result = await call('get incident', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: incidentKey(town, id), ConsistentRead: true })));
  if (!result.Item) throw new NotFoundError(`no incident ${id} in ${town}`);
  return toIncident(result.Item);
}

export interface IncidentListFilter {
  limit: number;
  cursor?: string | undefined;
  /** Only incidents whose chain has an instance of this unit. */
  unit?: string | undefined;
}

/** A page of the town's incidents, newest number first; with `unit`, a filter on the same query (a page may hold fewer than `limit`). */
export async function listIncidents(town: string, filter: IncidentListFilter): Promise<Page<IncidentRecord>> {
  const pk = townPk(town);
  const start = decodeCursor(filter.cursor, { pk });
  const { items, last } = await queryPage(
    {
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': PREFIX, ...(filter.unit === undefined ? {} : { ':unit': filter.unit }) },
      ...(filter.unit === undefined ? {} : { FilterExpression: 'contains(#units, :unit)', ExpressionAttributeNames: { '#units': 'units' } }),
      ScanIndexForward: false,
    },
    filter.limit,
    start,
  );
  return { items: items.map(toIncident), next: encodeCursor(last) };
}

/** Every incident of the town (the ledger), oldest number first. */
export async function listAllIncidents(town: string): Promise<IncidentRecord[]> {
  const items = await queryAll({ TableName: TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': townPk(town), ':prefix': PREFIX } });
  return items.map(toIncident);
}

/** BatchGetItem takes at most 100 keys a call. */
const BATCH = 100;

/** The instances of a chain by id (consistent reads); an id with no instance is absent from the map. */
export async function getInstances(ids: readonly string[]): Promise<Map<string, InstanceRecord>> {
  const found = new Map<string, InstanceRecord>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += BATCH) {
    let keys: Record<string, unknown>[] = unique.slice(i, i + BATCH).map((id) => instanceKey(id));
    for (let attempt = 0; keys.length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      if (attempt > 8) throw new StorageError(`batch get instances: ${keys.length} key(s) still unprocessed`);
      const result = await call('batch get instances', () => documentClient.send(new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: keys, ConsistentRead: true } } })));
      for (const item of result.Responses?.[TABLE] ?? []) {
        const record = toRecord(item);
        found.set(record.id, record);
      }
      keys = (result.UnprocessedKeys?.[TABLE]?.Keys ?? []) as Record<string, unknown>[];
    }
  }
  return found;
}
