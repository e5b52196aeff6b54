import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './aws-clients.ts';
import { call, TABLE, townPk, type TransactItem } from './table.ts';

/**
 * The calendar feeds' tokens: one per unit, made by an admin (POST /units/{id}/feed-token), put in
 * the feed's link (`GET /units/{id}/calendar.ics?token=…`), since a calendar application cannot
 * send a bearer token.
 *
 * - **The token** is `<town>_<secret>`: the town's id (the path names only the unit, and the feed
 *   route has no authorizer to say which town), an underscore (never in a town id), and 256 random
 *   bits in base64url (43 characters). The town part is not secret; the secret part is.
 * - **Stored hashed**: the item `TOWN#<town>` / `FEED#<unit>` keeps the SHA-256 of the whole token,
 *   never the token. A 256-bit random secret needs no salt or slow hash: nobody can search that space,
 *   and whoever reads the table cannot turn a hash back into a working link.
 * - **Checked in constant time**: the hash of the token offered is compared with the stored one with
 *   `timingSafeEqual`; when there is no stored token, with a hash that matches nothing, so that
 *   the work done is the same.
 * - **Rotated** by writing a new hash over the old one: the old link stops working at once. The
 *   write is conditional on the version read, so two admins rotating at once do not both get a
 *   link of which only one works (the second gets 409).
 */

export const SECRET_BYTES = 32;

/** `<town>_<43 base64url characters>`; the town is a slug (no underscore), so the first underscore splits. */
export const FEED_TOKEN = /^([a-z0-9]+(?:-[a-z0-9]+)*)_([A-Za-z0-9_-]{43})$/;

export interface FeedTokenRecord {
  town: string;
  unit: string;
  /** base64url SHA-256 of the token. */
  hash: string;
  /** Rotations so far: 1 for the first token. */
  version: number;
  /** ISO instant of the request that made it, and who made it. */
  createdAt: string;
  createdBy: string;
}

const feedKey = (town: string, unit: string) => ({ pk: townPk(town), sk: `FEED#${unit}` });

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** A new token for a town's feed: the caller shows it once and keeps only its hash. */
export function newFeedToken(town: string): string {
  return `${town}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/** The town a token names; undefined for anything that is not a feed token's shape. */
export function townOfToken(token: string): string | undefined {
  const match = FEED_TOKEN.exec(token);
  return match ? match[1] : undefined;
}

// A hash no token has (not base64url's alphabet), compared with when there is no stored token.
const NO_HASH = createHash('sha256').update('no feed token', 'utf8').digest();

/** Whether `token` hashes to the stored hash, in constant time; false when there is none. */
export function tokenMatches(token: string, storedHash: string | undefined): boolean {
  const offered = createHash('sha256').update(token, 'utf8').digest();
  const stored = storedHash === undefined ? undefined : Buffer.from(storedHash, 'base64url');
  const expected = stored !== undefined && stored.length === offered.length ? stored : NO_HASH;
  return timingSafeEqual(offered, expected) && expected !== NO_HASH;
}

export async function getFeedToken(town: string, unit: string): Promise<FeedTokenRecord | undefined> {
  const result = await call('get feed token', () => documentClient.send(new GetCommand({ TableName: TABLE, Key: feedKey(town, unit), ConsistentRead: true })));
  if (!result.Item) return undefined;
  const { pk: _pk, sk: _sk, entity: _entity, ...record } = result.Item;
  return record as FeedTokenRecord;
}

/**
 * Whether `token` opens the feed of `unit`: it names a town, and hashes to that town's stored hash
 * for the unit. The unit's existence is not told apart from a wrong token.
 */
export async function verifyFeedToken(unit: string, token: string): Promise<{ town: string } | undefined> {
  const town = townOfToken(token);
  if (town === undefined) return undefined;
  const stored = await getFeedToken(town, unit);
  return tokenMatches(token, stored?.hash) ? { town } : undefined;
}

/** The put of a unit's new token hash, for the transaction with its audit entry; it fails when the stored version is not `previous`. */
export function feedTokenPut(record: FeedTokenRecord, previous: number | undefined): TransactItem {
  return {
    Put: {
      TableName: TABLE,
      Item: { ...feedKey(record.town, record.unit), entity: 'feed-token', ...record },
      ...(previous === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': previous } }),
    },
  };
}
