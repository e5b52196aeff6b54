import { InvalidInputError } from '../core/errors.ts';
import { parseInstanceId, type InstanceKey } from '../core/ids.ts';
import { slug } from '../core/plan-schema.ts';
import { periodId } from '../api/routes/common.ts';

const badId = () => new InvalidInputError('path', [{ path: 'id', message: 'expected a duty instance id, town:duty:owner:period' }]);

/**
 * The instance id of a path parameter, or a 400 naming the field. API Gateway delivers the
 * parameter decoded once (`qingfeng:duty:owner:2022-06`); one still percent-encoded
 * (`qingfeng%3Aduty%3A…`, as some clients and callers send it) is decoded here, since no id has a
 * `%` of its own, and one that does not decode is a 400. The id must then be four parts: the town,
 * duty and owner kebab-case ids and a period id, so that nothing else (a slash, a space, a stray
 * `%`) ever reaches an access rule, a key or a log line.
 */
export function instanceIdFromPath(raw: string): { id: string; key: InstanceKey } {
  let id = raw;
  if (raw.includes('%')) {
    try {
      id = decodeURIComponent(raw);
    } catch {
      throw badId();
    }
  }
  const key = parseInstanceId(id);
  const valid = key !== undefined && [key.town, key.duty, key.owner].every((part) => slug.safeParse(part).success) && periodId.safeParse(key.period).success;
  if (!key || !valid) throw badId();
  return { id, key };
}
