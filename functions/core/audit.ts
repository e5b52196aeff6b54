/**
 * The audit log's entries (审计日志): who changed what, when, from what to what. Entries are only
 * ever added; no code path updates or deletes one.
 */

export interface AuditActor {
  subject: string;
  role: 'admin' | 'leader' | 'unit' | 'system';
  unit?: string;
}

export interface AuditEntry {
  town: string;
  /** ISO instant of the request (API Gateway's time, never the system clock). */
  at: string;
  actor: AuditActor;
  /** What was done: `duty.edit`, `unit.retire`, `instance.report`, `plan.activate` … */
  action: string;
  /** What it was done to: `duty:<id>`, `unit:<id>`, `instance:<id>`, `plan:<version>`, `override:<date>`, `key-date:<id>`, `feed-token:<unit>`. */
  target: string;
  /** The fields that changed, as they were and as they are; null when the item did not exist before or no longer does. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Why, in the actor's words, when the route asks for it. */
  reason?: string;
  /** API Gateway's request id, to find the request in the access log. */
  requestId: string;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The fields that differ between two versions of an item: `{ before, after }` with only those fields. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>, ignore: readonly string[] = ['version']): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of keys) {
    if (ignore.includes(key) || same(before[key], after[key])) continue;
    if (key in before) b[key] = before[key];
    if (key in after) a[key] = after[key];
  }
  return { before: b, after: a };
}
