/**
 * Identifiers carry the town they belong to, so that one table and one engine serve many towns.
 * Parts are kebab-case slugs (or period ids), joined by a colon.
 */

export interface InstanceKey {
  town: string;
  duty: string;
  owner: string;
  period: string;
}

const SEPARATOR = ':';

export function instanceId(key: InstanceKey): string {
  return [key.town, key.duty, key.owner, key.period].join(SEPARATOR);
}

export function parseInstanceId(id: string): InstanceKey | undefined {
  const parts = id.split(SEPARATOR);
  if (parts.length !== 4 || parts.some((p) => p === '')) return undefined;
  const [town, duty, owner, period] = parts as [string, string, string, string];
  return { town, duty, owner, period };
}

/** A unit as seen across towns: `qingfeng:economic-office`. */
export function unitRef(town: string, unit: string): string {
  return `${town}${SEPARATOR}${unit}`;
}

/**
 * The follow-up shard of a town (FNV-1a of its id): spreads one day's work over several index
 * partitions so that a thousand towns do not share one hot key, while one town stays in one shard.
 */
export function shardOf(town: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < town.length; i += 1) {
    hash ^= town.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
