import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type QueryCommandInput, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CalendarOverride } from '../core/calendar.ts';
import { ConflictError, NotFoundError, StorageError } from '../core/errors.ts';
import { parseInstanceId, shardOf } from '../core/ids.ts';
import type { MailKind } from '../core/follow-up.ts';
import type { InstanceRecord } from '../core/instance.ts';
import { planSchema, type Plan } from '../core/plan-schema.ts';
import type { StartKey } from '../api/pagination.ts';
import { documentClient } from './aws-clients.ts';
import { z } from 'zod';
import { loadEnv, shardsVariable } from './env.ts';

/**
 * The table's typed entities and access patterns (docs/architecture.md, README). Every write that
 * could race is conditional; nothing on a request or workflow path scans.
 */

const env = loadEnv(z.object({ TABLE_NAME: z.string().min(1), FOLLOW_UP_SHARDS: shardsVariable }));
export const TABLE = env.TABLE_NAME;
export const DUE_INDEX = 'due';
export const UNIT_INDEX = 'unit';
export const PERIOD_INDEX = 'period';

export const townPk = (town: string) => `TOWN#${town}`;

export function instanceKey(id: string): { pk: string; sk: string } {
  const key = parseInstanceId(id);
  if (!key) throw new NotFoundError(`not an instance id: ${id}`);
  return { pk: townPk(key.town), sk: `INST#${key.duty}#${key.owner}#${key.period}` };
}

export async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw error;
    throw new StorageError(`${what} failed: ${(error as Error).message}`, { cause: error });
  }
}

export async function queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await call(`query ${input.IndexName ?? 'table'}`, () => documentClient.send(new QueryCommand({ ...input, ExclusiveStartKey: start })));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** One page of a query: at most `limit` items read (before any filter), and the key to go on from. */
export async function queryPage(input: QueryCommandInput, limit: number, start: StartKey | undefined): Promise<{ items: Record<string, unknown>[]; last: StartKey | undefined }> {
  const page = await call(`query ${input.IndexName ?? 'table'}`, () => documentClient.send(new QueryCommand({ ...input, Limit: limit, ExclusiveStartKey: start })));
  return { items: page.Items ?? [], last: page.LastEvaluatedKey as StartKey | undefined };
}

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB takes at most 100 items in one transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

/**
 * Writes several items all or nothing. When a condition fails, the indexes of the items whose
 * condition failed are given to `onConditionFailed`, which returns the error to throw (a
 * ConflictError naming the item); any other failure is a StorageError.
 */
export async function transact(what: string, items: TransactItem[], onConditionFailed: (failed: number[]) => Error): Promise<void> {
  if (items.length > MAX_TRANSACTION_ITEMS) throw new StorageError(`${what}: ${items.length} items are more than one transaction takes (${MAX_TRANSACTION_ITEMS})`);
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []));
      if (failed.length > 0) throw onConditionFailed(failed);
    }
    throw new StorageError(`${what} failed: ${(error as Error).message}`, { cause: error });
  }
}

// Towns and plans

export interface TownRecord {
  town: string;
  name: string;
  planId: string;
  planVersion: string;
}

/** Register a town with an active plan version. Seeding and plan activation use it; rewriting the same version is harmless. */
export async function putTownPlan(plan: Plan, planVersion: string): Promise<void> {
  const town = plan.town.id;
  await call('put plan', () =>
    documentClient.send(new PutCommand({ TableName: TABLE, Item: { pk: townPk(town), sk: `PLAN#${plan.id}#${planVersion}`, entity: 'plan', plan: JSON.stringify(plan) } })),
  );
  const record: TownRecord = { town, name: plan.town.name, planId: plan.id, planVersion };
  await call('put town', () => documentClient.send(new PutCommand({ TableName: TABLE, Item: { pk: townPk(town), sk: 'TOWN', entity: 'town', ...record } })));
  await call('register town', () => documentClient.send(new PutCommand({ TableName: TABLE, Item: { pk: 'TOWNS', sk: `TOWN#${town}`, entity: 'town-ref', town } })));
  for (const override of plan.calendar.overrides) await putCalendarOverride(town, override);
}

// The working-day calendar's overrides. Each town's holidays and make-up days are its plan's
// (`calendar.overrides`), and every per-town step judges days by its plan's calendar. ResolveDay,
// which decides once for all towns whether a workflow runs today, also needs them: a day is worth a
// run when it is a working day nationally or when any town has declared it one. So each town's
// overrides are also kept under `CALENDAR`, one item per town and day: a town's admin adds or
// removes its own, never another town's.

export const calendarOverrideKey = (town: string, date: string) => ({ pk: 'CALENDAR', sk: `DAY#${date}#${town}` });

export function calendarOverrideItem(town: string, override: CalendarOverride): Record<string, unknown> {
  return { ...calendarOverrideKey(town, override.date), entity: 'calendar-override', town, date: override.date, work: override.work, name: override.name };
}

export async function putCalendarOverride(town: string, override: CalendarOverride): Promise<void> {
  await call('put calendar override', () => documentClient.send(new PutCommand({ TableName: TABLE, Item: calendarOverrideItem(town, override) })));
}

export interface TownCalendarOverride extends CalendarOverride {
  town: string;
}

/** Every town's overrides (ResolveDay): one query of the `CALENDAR` partition. */
export async function listCalendarOverrides(): Promise<TownCalendarOverride[]> {
  const items = await queryAll({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'CALENDAR' } });
  return items.map((i) => ({ town: String(i['town']), date: String(i['date']), work: i['work'] === true, name: String(i['name']) }));
}

export async function listTowns(): Promise<string[]> {
  const items = await queryAll({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'TOWNS' }, ProjectionExpression: 'town' });
  return items.map((i) => String(i['town']));
}

const planCache = new Map<string, Plan>();

/** The town's active plan. Plan versions are immutable, so a container keeps each one it has read. */
export async function getActivePlan(town: string): Promise<{ plan: Plan; planVersion: string }> {
  const townItem = await call('get town', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: townPk(town), sk: 'TOWN' } })));
  if (!townItem.Item) throw new NotFoundError(`unknown town: ${town}`);
  const { planId, planVersion } = townItem.Item as TownRecord;
  const cacheKey = `${town}#${planId}#${planVersion}`;
  const cached = planCache.get(cacheKey);
  if (cached) return { plan: cached, planVersion };
  const planItem = await call('get plan', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: townPk(town), sk: `PLAN#${planId}#${planVersion}` } })));
  if (!planItem.Item) throw new NotFoundError(`town ${town}: plan ${planId} version ${planVersion} is missing`);
  const plan = planSchema.parse(JSON.parse(String(planItem.Item['plan'])));
  planCache.set(cacheKey, plan);
  return { plan, planVersion };
}

// Duty instances

export function instanceItem(record: InstanceRecord): Record<string, unknown> {
  return {
    ...instanceKey(record.id),
    entity: 'instance',
    ...record,
    ...(record.nextActionOn === null ? {} : { duePk: `DUE#${shardOf(record.town, env.FOLLOW_UP_SHARDS)}`, dueSk: `${record.nextActionOn}#${record.id}` }),
    unitPk: `UNIT#${record.town}#${record.owner}`,
    unitSk: `${record.dueOn}#${record.id}`,
    periodPk: `PERIOD#${record.town}#${record.periodId}`,
    periodSk: `${record.dutyId}#${record.owner}`,
  };
}

const keyAttributes = ['pk', 'sk', 'entity', 'duePk', 'dueSk', 'unitPk', 'unitSk', 'periodPk', 'periodSk'];

export function toRecord(item: Record<string, unknown>): InstanceRecord {
  const record = { ...item };
  for (const key of keyAttributes) delete record[key];
  return record as unknown as InstanceRecord;
}

/** Create an instance unless it exists: opening a period twice creates nothing new. */
export async function createInstance(record: InstanceRecord): Promise<boolean> {
  try {
    await call('create instance', () =>
      documentClient.send(new PutCommand({ TableName: TABLE, Item: instanceItem(record), ConditionExpression: 'attribute_not_exists(pk)' })),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Write an instance's new state if nobody changed it since it was read (optimistic locking on
 * `version`). With `alsoWrite` (an audit entry), both are written or neither.
 */
export async function saveInstance(record: InstanceRecord, alsoWrite: TransactItem[] = []): Promise<InstanceRecord> {
  const next = { ...record, version: record.version + 1 };
  const conflict = (cause?: unknown) =>
    new ConflictError(`instance ${record.id} changed since version ${record.version}`, { cause, current: { id: record.id, version: record.version } });
  if (alsoWrite.length > 0) {
    await transact('save instance', [instancePut(record), ...alsoWrite], () => conflict());
    return next;
  }
  try {
    await call('save instance', () => documentClient.send(new PutCommand(instancePut(record).Put)));
    return next;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw conflict(error);
    throw error;
  }
}

/** The put of a new instance, for a transaction: written only if it does not exist yet. */
export function newInstancePut(record: InstanceRecord): TransactItem {
  return { Put: { TableName: TABLE, Item: instanceItem(record), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** The conditional put of an instance's next version, for a transaction. */
export function instancePut(record: InstanceRecord): TransactItem & { Put: NonNullable<TransactItem['Put']> } {
  const next = { ...record, version: record.version + 1 };
  return { Put: { TableName: TABLE, Item: instanceItem(next), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': record.version } } };
}

export async function getInstance(id: string): Promise<InstanceRecord> {
  const result = await call('get instance', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: instanceKey(id) })));
  if (!result.Item) throw new NotFoundError(`no duty instance ${id}`);
  return toRecord(result.Item);
}

/** What needs action on or before a day in one shard: the sparse `due` index, never a scan. */
export async function queryDue(shard: number, date: string): Promise<InstanceRecord[]> {
  const items = await queryAll({
    TableName: TABLE,
    IndexName: DUE_INDEX,
    KeyConditionExpression: 'duePk = :pk AND dueSk <= :upTo',
    ExpressionAttributeValues: { ':pk': `DUE#${shard}`, ':upTo': `${date}#\uffff` },
  });
  return items.map(toRecord);
}

export async function listTownInstances(town: string): Promise<InstanceRecord[]> {
  const items = await queryAll({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :inst)',
    ExpressionAttributeValues: { ':pk': townPk(town), ':inst': 'INST#' },
  });
  return items.map(toRecord);
}

export async function listUnitInstances(town: string, unit: string): Promise<InstanceRecord[]> {
  const items = await queryAll({ TableName: TABLE, IndexName: UNIT_INDEX, KeyConditionExpression: 'unitPk = :pk', ExpressionAttributeValues: { ':pk': `UNIT#${town}#${unit}` } });
  return items.map(toRecord);
}

export async function listPeriodInstances(town: string, period: string): Promise<InstanceRecord[]> {
  const items = await queryAll({ TableName: TABLE, IndexName: PERIOD_INDEX, KeyConditionExpression: 'periodPk = :pk', ExpressionAttributeValues: { ':pk': `PERIOD#${town}#${period}` } });
  return items.map(toRecord);
}

// Email intents: the outbox that makes every email go out once

/**
 * `recorded`: the mail is decided and its content stored, not yet attempted; `sending`: the SES call
 * has started, so its outcome is unknown after a crash and it is never attempted again; then `sent`,
 * `rejected` (SES refused the address), or `retryable` (SES throttled; attempted again by the next run).
 */
export type IntentStatus = 'recorded' | 'sending' | 'sent' | 'rejected' | 'retryable';

export interface MailIntent {
  town: string;
  date: string;
  recipient: string;
  purpose: string;
  kind: MailKind;
  subject: string;
  text: string;
  html: string;
  instanceIds: string[];
  status: IntentStatus;
  messageId?: string;
  reason?: string;
}

export type IntentKey = Pick<MailIntent, 'town' | 'date' | 'recipient' | 'purpose'>;

const intentKey = (i: IntentKey) => ({ pk: `MAIL#${i.town}#${i.date}`, sk: `${i.recipient}#${i.purpose}` });

/**
 * Record a mail before anything else happens: its content, for its recipient, purpose and day. A mail
 * already recorded keeps its first content (a retried step recomputes what it had decided, or less).
 */
export async function recordIntent(intent: Omit<MailIntent, 'status'>): Promise<boolean> {
  try {
    await call('record intent', () =>
      documentClient.send(
        new PutCommand({ TableName: TABLE, Item: { ...intentKey(intent), entity: 'mail', ...intent, status: 'recorded' }, ConditionExpression: 'attribute_not_exists(pk)' }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * The put of a mail intent, recorded as `recordIntent` records it, for the transaction of the
 * change that causes the mail: both are written or neither, and a second attempt at the same
 * recipient, purpose and day fails the transaction (`attribute_not_exists`).
 */
export function intentPut(intent: Omit<MailIntent, 'status'>): TransactItem {
  return { Put: { TableName: TABLE, Item: { ...intentKey(intent), entity: 'mail', ...intent, status: 'recorded' }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** Take a recorded (or throttled) mail for sending; false when another attempt has it, or had it. */
export async function startSending(intent: IntentKey): Promise<boolean> {
  try {
    await call('start sending', () =>
      documentClient.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: intentKey(intent),
          UpdateExpression: 'SET #s = :sending',
          ConditionExpression: '#s IN (:recorded, :retryable)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':sending': 'sending', ':recorded': 'recorded', ':retryable': 'retryable' },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function settleIntent(intent: IntentKey, status: 'sent' | 'rejected' | 'retryable', detail: { messageId?: string; reason?: string } = {}): Promise<void> {
  const values: Record<string, unknown> = { ':s': status };
  let expression = 'SET #s = :s';
  if (detail.messageId !== undefined) {
    expression += ', messageId = :m';
    values[':m'] = detail.messageId;
  }
  if (detail.reason !== undefined) {
    expression += ', reason = :r';
    values[':r'] = detail.reason;
  }
  await call('settle intent', () =>
    documentClient.send(new UpdateCommand({ TableName: TABLE, Key: intentKey(intent), UpdateExpression: expression, ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: values })),
  );
}

/**
 * A town whose mail of the day is recorded but not yet all delivered, by follow-up shard. The
 * follow-up delivers these first, so a step that crashed after writing the state (which takes the
 * town off the due index) still gets its mail out when it is retried.
 */
export async function markUndelivered(date: string, shard: number, town: string): Promise<void> {
  await call('mark undelivered', () =>
    documentClient.send(new PutCommand({ TableName: TABLE, Item: { pk: `OUTBOX#${date}#${shard}`, sk: `TOWN#${town}`, entity: 'outbox', town } })),
  );
}

/** The put of a town's undelivered mark (as `markUndelivered` writes it), for the transaction that records its mail. */
export function undeliveredPut(date: string, shard: number, town: string): TransactItem {
  return { Put: { TableName: TABLE, Item: { pk: `OUTBOX#${date}#${shard}`, sk: `TOWN#${town}`, entity: 'outbox', town } } };
}

/** The follow-up shard of a town (of the `due` index and of the undelivered marks). */
export function followUpShardOf(town: string): number {
  return shardOf(town, env.FOLLOW_UP_SHARDS);
}

export async function clearUndelivered(date: string, shard: number, town: string): Promise<void> {
  await call('clear undelivered', () => documentClient.send(new DeleteCommand({ TableName: TABLE, Key: { pk: `OUTBOX#${date}#${shard}`, sk: `TOWN#${town}` } })));
}

export async function listUndelivered(date: string, shard: number): Promise<string[]> {
  const items = await queryAll({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `OUTBOX#${date}#${shard}` } });
  return items.map((i) => String(i['town']));
}

export async function listIntents(town: string, date: string): Promise<MailIntent[]> {
  const items = await queryAll({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `MAIL#${town}#${date}` } });
  return items.map((item) => {
    const { pk: _pk, sk: _sk, entity: _entity, ...intent } = item;
    return intent as unknown as MailIntent;
  });
}
