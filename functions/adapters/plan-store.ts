import { GetCommand, type DeleteCommandInput, type PutCommandInput, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../core/audit.ts';
import type { CalendarOverride } from '../core/calendar.ts';
import { CalendarError, ConflictError, InvalidInputError, NotFoundError } from '../core/errors.ts';
import type { InstanceRecord } from '../core/instance.ts';
import { changedFields } from '../core/audit.ts';
import { canonical, instanceWrites, versionOf, versionsAfter, withVersion, type InstanceChanges, type ItemKind, type ItemVersions } from '../core/plan-edit.ts';
import { planSchema, type Plan } from '../core/plan-schema.ts';
import { decodeCursor, encodeCursor, type Page } from '../api/pagination.ts';
import { actorOf, auditPut } from './audit-log.ts';
import type { Principal } from './auth.ts';
import { documentClient } from './aws-clients.ts';
import { calendarOverrideItem, calendarOverrideKey, call, instanceKey, instancePut, MAX_TRANSACTION_ITEMS, newInstancePut, queryAll, TABLE, toRecord, townPk, transact, type TransactItem } from './table.ts';

/**
 * The town's plan as the API edits it (docs/api-plan-edits.md). The town record
 * (`TOWN#<town>` / `TOWN`) names the active plan version and carries:
 *
 * - `revision`: bumped by every activation (an edit through the API is one), and every activation
 *   is written on the condition that the revision is still the one it was decided on (a town
 *   seeded by `putTownPlan` has none: revision 0);
 * - `itemVersions`: the revision at which each duty, unit, override and key date last changed
 *   (an item not named is at 0), the versions a client's edit is checked against;
 * - `lastVersion`: the number of the last plan version made through the API, whose id is `r<n>`
 *   (the next one is numbered after it and after any version stored, should a reseed have reset it).
 *
 * Plan versions (`PLAN#<planId>#<version>`) are written once and never changed. An edit is one
 * transaction: the new plan version, the town record, the audit entry, and the writes of the
 * instances it changes. When any of its conditions fails (another admin activated something, the
 * follow-up wrote one of the instances), nothing is written and the caller decides again from a
 * fresh read (`withFreshState`).
 */

export interface TownState {
  town: string;
  name: string;
  planId: string;
  planVersion: string;
  revision: number;
  lastVersion: number;
  itemVersions: ItemVersions;
  plan: Plan;
}

/** A condition failed in a transaction of the plan store: read again and decide again. */
export class StaleStateError extends ConflictError {}

const TOWN_SK = 'TOWN';
const planSk = (planId: string, version: string) => `PLAN#${planId}#${version}`;
/** A plan version item stays well under DynamoDB's 400 KB, with room for its other attributes. */
const MAX_PLAN_BYTES = 380_000;

/**
 * Plan versions are never changed once written, but the edit path reads them without a cache all
 * the same: it reads rarely, and a table wiped and seeded again (a test, a replay) reuses ids.
 */
function parseStoredPlan(text: string): Plan {
  return planSchema.parse(JSON.parse(text));
}

/** The town record and its active plan, read consistently: what an edit is decided on. */
export async function readTownState(town: string): Promise<TownState> {
  const townItem = await call('get town', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: townPk(town), sk: TOWN_SK }, ConsistentRead: true })));
  const record = townItem.Item;
  if (!record) throw new NotFoundError(`unknown town: ${town}`);
  const planId = String(record['planId']);
  const planVersion = String(record['planVersion']);
  const planItem = await call('get plan', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: townPk(town), sk: planSk(planId, planVersion) } })));
  if (!planItem.Item) throw new NotFoundError(`town ${town}: plan ${planId} version ${planVersion} is missing`);
  const plan = parseStoredPlan(String(planItem.Item['plan']));
  return {
    town,
    name: String(record['name'] ?? town),
    planId,
    planVersion,
    revision: Number(record['revision'] ?? 0),
    lastVersion: Number(record['lastVersion'] ?? 0),
    itemVersions: (record['itemVersions'] as ItemVersions | undefined) ?? {},
    plan,
  };
}

/**
 * Runs `attempt` on a fresh read of the town until it gets through without a stale read: a
 * transaction refused because the town's revision moved (an edit of another item) or an instance
 * changed under it is decided again from the new state, where an edit of the same item meets its
 * version check (409). After `tries` attempts the caller is told to send the request again.
 */
export async function withFreshState<T>(town: string, attempt: (state: TownState) => Promise<T>, tries = 5): Promise<T> {
  for (let n = 1; ; n += 1) {
    const state = await readTownState(town);
    try {
      return await attempt(state);
    } catch (error) {
      if (!(error instanceof StaleStateError)) throw error;
      if (n >= tries) throw new ConflictError(`the town's plan kept changing while this request was decided (${tries} attempts): send it again`, { cause: error, current: { revision: state.revision } });
    }
  }
}

// ---- plan versions ----

export interface PlanVersionInfo {
  /** The version id: `r<n>` for versions made through the API, or the id a seeded version was stored under. */
  id: string;
  planId: string;
  /** The n of `r<n>`; 0 for a seeded version. */
  seq: number;
  /** `edit`: made and activated by an edit; `upload`: uploaded (a draft until activated); `seed`: stored by `putTownPlan`. */
  origin: 'edit' | 'upload' | 'seed';
  createdAt?: string;
  createdBy?: string;
  note?: string;
  /** The version that was active when this one was made. */
  basedOn?: string;
  /** What it was made by, for versions made by an edit: `duty.edit`, `unit.retire` … */
  action?: string;
}

function versionInfo(item: Record<string, unknown>): PlanVersionInfo {
  const sk = String(item['sk']);
  const rest = sk.slice('PLAN#'.length);
  const split = rest.indexOf('#');
  const planId = split < 0 ? rest : rest.slice(0, split);
  const id = split < 0 ? '' : rest.slice(split + 1);
  const origin = item['origin'] === 'edit' || item['origin'] === 'upload' ? item['origin'] : 'seed';
  const text = (name: string) => (typeof item[name] === 'string' ? { [name]: item[name] as string } : {});
  return { id, planId, seq: Number(item['seq'] ?? 0), origin, ...text('createdAt'), ...text('createdBy'), ...text('note'), ...text('basedOn'), ...text('action') };
}

/** The town's plan versions (without the plans themselves). */
export async function listPlanVersions(town: string): Promise<PlanVersionInfo[]> {
  const items = await queryAll({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :plan)',
    ExpressionAttributeValues: { ':pk': townPk(town), ':plan': 'PLAN#' },
    ProjectionExpression: 'sk, seq, origin, createdAt, createdBy, note, basedOn, #action',
    ExpressionAttributeNames: { '#action': 'action' },
  });
  return items.map(versionInfo);
}

/**
 * The n of the next version `r<n>`: one more than the town's `lastVersion`, and than any version
 * stored (a town seeded again by putTownPlan has lost its counter, not its versions).
 */
export async function nextVersionSeq(state: TownState): Promise<number> {
  const stored = (await listPlanVersions(state.town)).reduce((max, v) => Math.max(max, v.seq), 0);
  return Math.max(state.lastVersion, stored) + 1;
}

/** One plan version with its plan; 404 when the town has none by that id. */
export async function getPlanVersion(town: string, id: string): Promise<{ info: PlanVersionInfo; plan: Plan }> {
  const info = (await listPlanVersions(town)).find((v) => v.id === id);
  if (!info) throw new NotFoundError(`no plan version ${id} in town ${town}`);
  const sk = planSk(info.planId, id);
  const item = await call('get plan', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: townPk(town), sk } })));
  if (!item.Item) throw new NotFoundError(`no plan version ${id} in town ${town}`);
  return { info, plan: parseStoredPlan(String(item.Item['plan'])) };
}

// ---- instances ----

/** Every instance of one duty in the town, whatever its owner or period. */
export async function listDutyInstances(town: string, dutyId: string): Promise<InstanceRecord[]> {
  const items = await queryAll({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :inst)',
    ExpressionAttributeValues: { ':pk': townPk(town), ':inst': `INST#${dutyId}#` },
  });
  return items.map(toRecord);
}

// ---- writing ----

export interface NewPlanVersion {
  plan: Plan;
  /** The n of `r<n>`: the town's lastVersion + 1. */
  seq: number;
  origin: 'edit' | 'upload';
  createdAt: string;
  createdBy: string;
  note?: string;
  action?: string;
}

export interface Activation {
  planId: string;
  /** The town's name in the plan (the town record keeps it). */
  name: string;
  planVersion: string;
  itemVersions: Record<string, number>;
}

export interface Change {
  /** The state the change was decided on. */
  state: TownState;
  /** A new plan version to store (`r<seq>`). */
  version?: NewPlanVersion;
  /** Make a version the active one: the town's revision goes up by one. */
  activate?: Activation;
  audit: AuditEntry;
  instances?: InstanceChanges;
  /** The town's entries in the set of overrides ResolveDay reads (table.ts, calendarOverrideItem). */
  calendar?: { put?: CalendarOverride[]; remove?: string[] };
}

export function versionId(seq: number): string {
  return `r${seq}`;
}

function condition(attribute: string, placeholder: string, value: number): string {
  // A town seeded by putTownPlan has neither attribute: it reads as 0.
  return value === 0 ? `(attribute_not_exists(${attribute}) OR ${attribute} = ${placeholder})` : `${attribute} = ${placeholder}`;
}

function townUpdate(change: Change): TransactItem | undefined {
  const { state, version, activate } = change;
  if (!version && !activate) return undefined;
  const sets: string[] = [];
  const values: Record<string, unknown> = { ':pv': state.planVersion };
  const conditions = ['attribute_exists(pk)', 'planVersion = :pv'];
  if (version) {
    sets.push('lastVersion = :seq');
    values[':seq'] = version.seq;
    values[':lastVersion'] = state.lastVersion;
    conditions.push(condition('lastVersion', ':lastVersion', state.lastVersion));
  }
  if (activate) {
    sets.push('planId = :planId', '#name = :name', 'planVersion = :newPv', 'revision = :revision', 'itemVersions = :itemVersions');
    Object.assign(values, { ':planId': activate.planId, ':name': activate.name, ':newPv': activate.planVersion, ':revision': state.revision + 1, ':itemVersions': activate.itemVersions, ':oldRevision': state.revision });
    conditions.push(condition('revision', ':oldRevision', state.revision));
  }
  const update: NonNullable<UpdateCommandInput> = {
    TableName: TABLE,
    Key: { pk: townPk(state.town), sk: TOWN_SK },
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeValues: values,
    ...(activate ? { ExpressionAttributeNames: { '#name': 'name' } } : {}),
  };
  return { Update: update as TransactItem['Update'] };
}

function planPut(town: string, version: NewPlanVersion, basedOn: string): TransactItem {
  const text = JSON.stringify(version.plan);
  if (Buffer.byteLength(text, 'utf8') > MAX_PLAN_BYTES) {
    throw new InvalidInputError('plan', [{ path: '', message: `the plan is ${Buffer.byteLength(text, 'utf8')} bytes as JSON: more than a plan version can hold (${MAX_PLAN_BYTES})` }]);
  }
  const item: PutCommandInput['Item'] = {
    pk: townPk(town),
    sk: planSk(version.plan.id, versionId(version.seq)),
    entity: 'plan',
    plan: text,
    seq: version.seq,
    origin: version.origin,
    createdAt: version.createdAt,
    createdBy: version.createdBy,
    basedOn,
    ...(version.note === undefined ? {} : { note: version.note }),
    ...(version.action === undefined ? {} : { action: version.action }),
  };
  return { Put: { TableName: TABLE, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } };
}

function instanceTransactItems(changes: InstanceChanges): TransactItem[] {
  const items: TransactItem[] = changes.updated.map((record) => instancePut(record));
  for (const { from, to } of changes.moved) {
    const remove: DeleteCommandInput = { TableName: TABLE, Key: instanceKey(from.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': from.version } };
    items.push({ Delete: remove as TransactItem['Delete'] });
    items.push(newInstancePut({ ...to, version: from.version + 1 }));
  }
  for (const record of changes.opened) items.push(newInstancePut(record));
  return items;
}

function calendarItems(town: string, calendar: Change['calendar']): TransactItem[] {
  const items: TransactItem[] = [];
  for (const override of calendar?.put ?? []) {
    items.push({ Put: { TableName: TABLE, Item: calendarOverrideItem(town, override) } });
  }
  for (const date of calendar?.remove ?? []) {
    const remove: DeleteCommandInput = { TableName: TABLE, Key: calendarOverrideKey(town, date) };
    items.push({ Delete: remove as TransactItem['Delete'] });
  }
  return items;
}

/**
 * Writes a change all or nothing: 409 when it needs more writes than one transaction takes (the
 * request says how many), StaleStateError when a condition failed (nothing was written).
 */
export async function commit(change: Change): Promise<{ revision: number; planVersion: string }> {
  const { state } = change;
  const items: TransactItem[] = [];
  if (change.version) items.push(planPut(state.town, change.version, state.planVersion));
  const town = townUpdate(change);
  if (town) items.push(town);
  items.push(auditPut(change.audit));
  const instanceCount = change.instances ? instanceWrites(change.instances) : 0;
  if (change.instances) items.push(...instanceTransactItems(change.instances));
  items.push(...calendarItems(state.town, change.calendar));
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new ConflictError(
      `this change needs ${items.length} writes (${instanceCount} of them to open instances), more than one transaction takes (${MAX_TRANSACTION_ITEMS}); ` +
        'nothing was changed: make it in smaller steps (for example one duty at a time), or when fewer instances are open',
      { current: { writes: items.length, instanceWrites: instanceCount, limit: MAX_TRANSACTION_ITEMS } },
    );
  }
  await transact(`${change.audit.action} ${change.audit.target}`, items, (failed) => new StaleStateError(`${change.audit.action}: a condition failed (items ${failed.join(', ')}); nothing was written`));
  return {
    revision: change.activate ? state.revision + 1 : state.revision,
    planVersion: change.activate ? change.activate.planVersion : state.planVersion,
  };
}

// ---- an edit of the active plan, from request to transaction ----

export interface EditContext {
  principal: Principal;
  receivedAt: Date;
  requestId: string;
  reason: string;
}

/** What an edit decided on a state: the plan after it, the item before and after, and what it does to instances and the national calendar. */
export interface PlanEdit {
  plan: Plan;
  action: string;
  /** `duty:<id>`, `unit:<id>`, `override:<date>`, `key-date:<id>`. */
  target: string;
  before: object | null;
  after: object | null;
  instances: InstanceChanges;
  calendar?: Change['calendar'];
}

export interface EditOutcome {
  edit: PlanEdit;
  /** False when the edit changed nothing (the same values again): nothing was written, no audit entry. */
  changed: boolean;
  revision: number;
  planVersion: string;
  itemVersions: ItemVersions;
}

const asFields = (value: object) => value as Record<string, unknown>;

/**
 * An edit of the town's active plan: `decide` gets a fresh state and the id the new version will
 * have, checks the item's version, and returns the plan after the change; the new version is
 * stored and activated with its audit entry and its instance writes in one transaction, decided
 * again from a new read when the state moved under it (withFreshState).
 */
export async function applyPlanEdit(context: EditContext, decide: (state: TownState, next: { planVersion: string; revision: number }) => Promise<PlanEdit>): Promise<EditOutcome> {
  const { principal, receivedAt, requestId, reason } = context;
  return withFreshState(principal.town, async (state) => {
    const seq = await nextVersionSeq(state);
    const next = { planVersion: versionId(seq), revision: state.revision + 1 };
    let edit: PlanEdit;
    try {
      edit = await decide(state, next);
    } catch (error) {
      // Dates that run out of working days (a year of overrides all declaring rest days …) are the change's fault.
      if (error instanceof CalendarError) throw new InvalidInputError('the plan after this change', [{ path: '', message: error.message }]);
      throw error;
    }
    if (canonical(edit.plan) === canonical(state.plan) && instanceWrites(edit.instances) === 0 && edit.calendar === undefined) {
      return { edit, changed: false, revision: state.revision, planVersion: state.planVersion, itemVersions: state.itemVersions };
    }
    const itemVersions = versionsAfter(state.plan, edit.plan, state.itemVersions, next.revision);
    const diff = edit.before && edit.after ? changedFields(asFields(edit.before), asFields(edit.after)) : { before: edit.before && asFields(edit.before), after: edit.after && asFields(edit.after) };
    const { revision, planVersion } = await commit({
      state,
      version: { plan: edit.plan, seq, origin: 'edit', createdAt: receivedAt.toISOString(), createdBy: principal.subject, note: reason, action: edit.action },
      activate: { planId: edit.plan.id, name: edit.plan.town.name, planVersion: next.planVersion, itemVersions },
      audit: { town: state.town, at: receivedAt.toISOString(), actor: actorOf(principal), action: edit.action, target: edit.target, before: diff.before, after: diff.after, reason, requestId },
      instances: edit.instances,
      ...(edit.calendar ? { calendar: edit.calendar } : {}),
    });
    return { edit, changed: true, revision, planVersion, itemVersions };
  });
}

// ---- lists made from the plan ----

/**
 * A page of items the plan holds, in the order of `key`: the cursor is the base64url of the last
 * key given, tied to the list and the town, so a page goes on after that item even when items
 * were added or removed in between.
 */
export function pageOfItems<T>(items: readonly T[], key: (item: T) => string, query: { limit: number; cursor?: string | undefined }, list: string, town: string): Page<T> {
  const start = decodeCursor(query.cursor, { list, town });
  const after = start === undefined ? undefined : String(start['after'] ?? '');
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((item) => key(item) > after);
  const page = rest.slice(0, query.limit);
  const last = page.at(-1);
  return { items: page, next: rest.length > page.length && last !== undefined ? encodeCursor({ list, town, after: key(last) }) : null };
}

/** The answer of an edit: the item as it now is, with its version, the revision and what happened to the instances. */
export function editAnswer(outcome: EditOutcome, kind: ItemKind, id: string) {
  const { edit, revision, planVersion, itemVersions, changed } = outcome;
  return {
    item: edit.after === null ? null : withVersion(edit.after, versionOf(itemVersions, kind, id)),
    ...(edit.after === null && edit.before !== null ? { removed: edit.before } : {}),
    changed,
    revision,
    planVersion,
    instances: instanceSummary(edit.instances),
  };
}

export function instanceSummary(changes: InstanceChanges) {
  return {
    updated: changes.updated.map((r) => r.id),
    moved: changes.moved.map((m) => ({ from: m.from.id, to: m.to.id })),
    opened: changes.opened.map((r) => r.id),
  };
}

