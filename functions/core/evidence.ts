import { parseInstanceId } from './ids.ts';

/**
 * Where an instance's evidence files live in the evidence bucket, decided without I/O:
 *
 *   evidence/<town>/<instance id made safe>/<random>-<file name made safe>
 *
 * The instance's part is its id with `:` turned into `.` (ids are kebab-case parts and period ids,
 * which have no dot), anything else outside `[A-Za-z0-9-]` into `_`. The random part makes every
 * upload a new object (an upload never replaces another report's file), and the name keeps what
 * the unit called it, Chinese included, without anything a URL or a path would read differently.
 */

export const EVIDENCE_ROOT = 'evidence';

/** The key prefix of one instance's files, ending in `/`. */
export function evidencePrefix(instanceId: string): string {
  const key = parseInstanceId(instanceId);
  if (!key) throw new Error(`not an instance id: ${instanceId}`);
  const safe = instanceId
    .split(':')
    .map((part) => part.replace(/[^A-Za-z0-9-]/g, '_'))
    .join('.');
  return `${EVIDENCE_ROOT}/${key.town.replace(/[^a-z0-9-]/g, '_')}/${safe}/`;
}

const MAX_NAME = 120;
/** The longest key a report may name (the `key` of an evidence item in functions/api/routes/instances.ts). */
export const MAX_EVIDENCE_KEY = 400;

/**
 * A file name as a key's last part: letters and digits of any script, `.`, `-`, `_` kept; spaces,
 * slashes, quotes, `%`, `#`, `?`, `+`, control characters and the like become `_`; no leading dot
 * and no `..`;
 * at most 120 characters, keeping the extension.
 */
export function safeFileName(name: string, max = MAX_NAME): string {
  let safe = name
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/_+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[._]+/, '');
  if (safe === '' || /^_*$/.test(safe)) safe = 'file';
  if (safe.length > max) {
    const dot = safe.lastIndexOf('.');
    const extension = dot > 0 && safe.length - dot <= 10 ? safe.slice(dot) : '';
    safe = safe.slice(0, max - extension.length) + extension;
  }
  return safe;
}

/**
 * The key of a new upload: the instance's prefix, the random part (hex), the file's safe name
 * (shortened further when the instance's id is so long that the key would pass MAX_EVIDENCE_KEY).
 */
export function evidenceKey(instanceId: string, random: string, fileName: string): string {
  if (!/^[0-9a-f]{16,64}$/.test(random)) throw new Error('the random part of an evidence key must be 16–64 hex digits');
  const start = `${evidencePrefix(instanceId)}${random}-`;
  return `${start}${safeFileName(fileName, Math.max(16, Math.min(MAX_NAME, MAX_EVIDENCE_KEY - start.length)))}`;
}

/**
 * Whether a key names a file of this instance: under its prefix, one part after it, made of what
 * `evidenceKey` makes (so that `..`, a second `/` or an encoded character cannot reach another
 * instance's files).
 */
export function isEvidenceKeyOf(instanceId: string, key: string): boolean {
  let prefix: string;
  try {
    prefix = evidencePrefix(instanceId);
  } catch {
    return false;
  }
  if (!key.startsWith(prefix)) return false;
  const rest = key.slice(prefix.length);
  return /^[0-9a-f]{16,64}-[\p{L}\p{N}._-]+$/u.test(rest) && !rest.includes('..');
}
