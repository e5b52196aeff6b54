/**
 * The local stand-in for the Cognito user pool: an ES256 key pair made once and kept under
 * `<data dir>/local-auth/`, tokens minted with it by `fireplan token` (and by `npm start` for its
 * admin token), and verified with its public key by the local API server, as API Gateway's JWT
 * authorizer verifies Cognito's. The claims are those a Cognito ID token carries (docs/api.md):
 * `sub`, `cognito:groups`, `custom:town`, `custom:unit`.
 *
 * The private key never leaves the data directory (written 0600); the public key is beside it.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { Role } from '../../functions/api/route-table.ts';

export const LOCAL_ISSUER = 'urn:fireplan:local-auth';
export const LOCAL_AUDIENCE = 'fireplan-local-api';
const ALGORITHM = 'ES256';

export interface LocalKeys {
  /** The directory the key pair is kept in: `<data dir>/local-auth`. */
  dir: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export function localAuthDir(dataDir: string): string {
  return join(resolve(dataDir), 'local-auth');
}

/** Writes a file only if it does not exist yet, atomically: a concurrent writer's file wins and is kept. */
function createOnce(file: string, text: string, mode: number): boolean {
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temporary, text, { mode, flag: 'wx' });
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** The key pair of `<dataDir>/local-auth/`, made on first use. */
export async function loadOrCreateKeys(dataDir: string): Promise<LocalKeys> {
  const dir = localAuthDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateFile = join(dir, 'private-key.jwk.json');
  const publicFile = join(dir, 'public-key.jwk.json');
  if (!existsSync(privateFile)) {
    const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    const jwk = await exportJWK(privateKey);
    createOnce(privateFile, `${JSON.stringify({ ...jwk, alg: ALGORITHM, use: 'sig', kid: randomUUID() })}\n`, 0o600);
  }
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(readFileSync(privateFile, 'utf8')) as JWK;
  } catch (error) {
    throw new Error(`cannot read the local signing key ${privateFile} (delete it to make a new one): ${(error as Error).message}`, { cause: error });
  }
  if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || typeof privateJwk.d !== 'string' || typeof privateJwk.kid !== 'string') {
    throw new Error(`${privateFile} is not an ES256 private key (delete it to make a new one)`);
  }
  chmodSync(privateFile, 0o600);
  const { d: _d, ...publicJwk } = privateJwk;
  if (!existsSync(publicFile)) createOnce(publicFile, `${JSON.stringify(publicJwk)}\n`, 0o644);
  return {
    dir,
    kid: privateJwk.kid,
    privateKey: (await importJWK(privateJwk, ALGORITHM)) as CryptoKey,
    // The public half of the private key, not the file beside it, so that the two can never disagree.
    publicKey: (await importJWK(publicJwk, ALGORITHM)) as CryptoKey,
  };
}

export interface TokenClaimsInput {
  role: Role;
  town: string;
  /** Required for `unit`, refused otherwise. */
  unit?: string;
  /** Defaults to a readable id of the role, town and unit. */
  subject?: string;
}

/** The claims of a user's token as Cognito would issue them (an ID token: custom attributes and groups). */
export function tokenClaims(input: TokenClaimsInput): Record<string, unknown> {
  if (input.role === 'unit' && !input.unit) throw new Error('a unit token needs a unit');
  if (input.role !== 'unit' && input.unit) throw new Error(`a ${input.role} token has no unit`);
  return {
    sub: input.subject ?? ['local', input.role, input.town, ...(input.unit ? [input.unit] : [])].join(':'),
    'cognito:groups': [input.role],
    'custom:town': input.town,
    ...(input.unit ? { 'custom:unit': input.unit } : {}),
    token_use: 'id',
  };
}

const DURATION = /^([1-9]\d{0,5})\s*(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
/** Longer-lived tokens than this are refused: a local token is for a working session, not for ever. */
export const MAX_TOKEN_SECONDS = 30 * 86_400;

/** `8h` → 28800; undefined for anything that is not a positive number of s, m, h or d up to 30 days. */
export function durationSeconds(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  return seconds <= MAX_TOKEN_SECONDS ? seconds : undefined;
}

export interface MintOptions {
  /** When the token is issued. */
  now: Date;
  /** Seconds it stays valid. */
  expiresInSeconds: number;
}

export async function mintToken(keys: Pick<LocalKeys, 'kid' | 'privateKey'>, claims: Record<string, unknown>, options: MintOptions): Promise<string> {
  const issuedAt = Math.floor(options.now.getTime() / 1000);
  return new SignJWT(claims as JWTPayload)
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', kid: keys.kid })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + options.expiresInSeconds)
    .sign(keys.privateKey);
}

/** The payload of a token signed by the local key, for our issuer and audience, unexpired at `now`; throws otherwise. */
export async function verifyToken(token: string, publicKey: CryptoKey, now: Date): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, publicKey, {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    algorithms: [ALGORITHM],
    currentDate: now,
    requiredClaims: ['exp', 'sub'],
  });
  return payload;
}
