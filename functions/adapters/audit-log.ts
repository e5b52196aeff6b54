import { changedFields, type AuditActor, type AuditEntry } from '../core/audit.ts';
import type { Principal } from './auth.ts';
import { decodeCursor, encodeCursor, type Page } from '../api/pagination.ts';
import { queryPage, TABLE, type TransactItem } from './table.ts';

/**
 * The audit log in the table: one partition per town (`AUDIT#<town>`), sorted by time, read newest
 * first. An entry is written in the same transaction as the change it records, with a condition
 * that it does not exist yet, and this module has no update or delete: the log is append-only.
 */

const auditPk = (town: string) => `AUDIT#${town}`;

export function actorOf(principal: Principal): AuditActor {
  return { subject: principal.subject, role: principal.role, ...(principal.unit ? { unit: principal.unit } : {}) };
}

/** The put of an entry, for the transaction of the change it records. */
export function auditPut(entry: AuditEntry): TransactItem {
  return {
    Put: {
      TableName: TABLE,
      Item: { pk: auditPk(entry.town), sk: `${entry.at}#${entry.requestId}#${entry.target}`, entity: 'audit', ...entry },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * The put of the entry of a change a request makes, at the request's instant and by its principal:
 * the fields that differ between `before` and `after` (`changedFields`), or either whole when it is
 * null (the item did not exist before, or no longer does).
 */
export function auditChange(principal: Principal, requestId: string, receivedAt: Date, action: string, target: string, before: unknown, after: unknown, reason?: string): TransactItem {
  const changes =
    before === null || after === null
      ? { before: before as AuditEntry['before'], after: after as AuditEntry['after'] }
      : changedFields(before as Record<string, unknown>, after as Record<string, unknown>);
  return auditPut({
    town: principal.town,
    at: receivedAt.toISOString(),
    actor: actorOf(principal),
    action,
    target,
    before: changes.before,
    after: changes.after,
    ...(reason === undefined ? {} : { reason }),
    requestId,
  });
}

export interface AuditFilter {
  limit: number;
  cursor?: string | undefined;
  target?: string | undefined;
  /** Days, YYYY-MM-DD, in UTC instants' terms: entries at or after `from`, before the day after `to`. */
  from?: string | undefined;
  to?: string | undefined;
}

/** A page of a town's audit log, newest first. */
export async function listAudit(town: string, filter: AuditFilter): Promise<Page<AuditEntry>> {
  const pk = auditPk(town);
  const start = decodeCursor(filter.cursor, { pk });
  const values: Record<string, unknown> = { ':pk': pk, ':from': filter.from ?? '0000', ':to': filter.to ? `${filter.to}T\uffff` : '\uffff' };
  let filterExpression: string | undefined;
  if (filter.target !== undefined) {
    filterExpression = '#target = :target';
    values[':target'] = filter.target;
  }
  const { items, last } = await queryPage(
    {
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: values,
      ...(filterExpression ? { FilterExpression: filterExpression, ExpressionAttributeNames: { '#target': 'target' } } : {}),
      ScanIndexForward: false,
    },
    filter.limit,
    start,
  );
  return {
    items: items.map((item) => {
      const { pk: _pk, sk: _sk, entity: _entity, ...entry } = item;
      return entry as unknown as AuditEntry;
    }),
    next: encodeCursor(last),
  };
}
