import { InvalidInputError } from '../core/errors.ts';
import { parseInstanceId, type InstanceKey } from '../core/ids.ts';

/** The instance id of a path parameter (API Gateway has decoded it once), or a 400 naming the field. */
export function instanceIdFromPath(raw: string): { id: string; key: InstanceKey } {
  const key = parseInstanceId(raw);
  if (!key) throw new InvalidInputError('path', [{ path: 'id', message: 'expected a duty instance id, town:duty:owner:period' }]);
  return { id: raw, key };
}
