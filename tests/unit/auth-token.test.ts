import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { durationSeconds, LOCAL_AUDIENCE, LOCAL_ISSUER, loadOrCreateKeys, mintToken, tokenClaims, verifyToken } from '../../local/api/local-auth.ts';
import { main } from '../../local/cli/main.ts';

const work = mkdtempSync(join(tmpdir(), 'fireplan-token-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const now = new Date('2022-07-20T02:00:00Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('the local key pair', () => {
  it('is made once under <data dir>/local-auth, the private key readable by its owner only, and reused after', async () => {
    const dataDir = join(work, 'keys');

    const first = await loadOrCreateKeys(dataDir);
    const again = await loadOrCreateKeys(dataDir);

    expect(first.dir).toBe(join(dataDir, 'local-auth'));
    expect(statSync(join(first.dir, 'private-key.jwk.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(first.dir, 'public-key.jwk.json'), 'utf8'))).not.toHaveProperty('d');
    expect(again.kid).toBe(first.kid);
    const token = await mintToken(first, tokenClaims({ role: 'admin', town: 'qingfeng' }), { now, expiresInSeconds: 3600 });
    await expect(verifyToken(token, again.publicKey, now)).resolves.toMatchObject({ sub: 'local:admin:qingfeng' });
  });
});

describe('tokens', () => {
  it("carry a Cognito ID token's claims, our issuer and audience, and expire when asked", async () => {
    const keys = await loadOrCreateKeys(join(work, 'mint'));

    const token = await mintToken(keys, tokenClaims({ role: 'unit', town: 'qingfeng', unit: 'emergency-office' }), { now, expiresInSeconds: 8 * 3600 });
    const payload = await verifyToken(token, keys.publicKey, later(60));

    expect(payload).toMatchObject({
      sub: 'local:unit:qingfeng:emergency-office',
      'cognito:groups': ['unit'],
      'custom:town': 'qingfeng',
      'custom:unit': 'emergency-office',
      iss: LOCAL_ISSUER,
      aud: LOCAL_AUDIENCE,
      iat: now.getTime() / 1000,
      exp: now.getTime() / 1000 + 8 * 3600,
    });
  });

  it('are refused once expired, when signed by another key, when altered, and for another audience', async () => {
    const keys = await loadOrCreateKeys(join(work, 'refuse'));
    const claims = tokenClaims({ role: 'unit', town: 'qingfeng', unit: 'emergency-office' });
    const good = await mintToken(keys, claims, { now, expiresInSeconds: 3600 });
    const stranger = await generateKeyPair('ES256');
    const forged = await mintToken({ kid: keys.kid, privateKey: stranger.privateKey }, claims, { now, expiresInSeconds: 3600 });
    const [header, , signature] = good.split('.');
    const altered = [header, Buffer.from(JSON.stringify({ ...decodeJwt(good), 'custom:unit': 'village-1' })).toString('base64url'), signature].join('.');
    const elsewhere = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).setIssuer(LOCAL_ISSUER).setAudience('someone-else').setIssuedAt(now.getTime() / 1000).setExpirationTime(now.getTime() / 1000 + 3600).sign(keys.privateKey);

    await expect(verifyToken(good, keys.publicKey, later(3601))).rejects.toThrow(/exp/);
    await expect(verifyToken(forged, keys.publicKey, now)).rejects.toThrow(/signature/);
    await expect(verifyToken(altered, keys.publicKey, now)).rejects.toThrow(/signature/);
    await expect(verifyToken(elsewhere, keys.publicKey, now)).rejects.toThrow(/aud/);
  });

  it('last a duration of seconds, minutes, hours or days, up to 30 days', () => {
    expect([durationSeconds('90s'), durationSeconds('30m'), durationSeconds('8h'), durationSeconds('30d')]).toEqual([90, 1800, 28800, 2_592_000]);
    expect([durationSeconds('0h'), durationSeconds('31d'), durationSeconds('8 hours'), durationSeconds('-1h'), durationSeconds('')]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('fireplan token', () => {
  it('prints a token for the role, town and unit asked, signed with the key of the data dir', async () => {
    const dataDir = join(work, 'cli');

    const result = await cli('token', '--role', 'unit', '--unit', 'emergency-office', '--town', 'qingfeng', '--expires', '1h', '--data-dir', dataDir);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    const token = result.stdout.trim();
    const keys = await loadOrCreateKeys(dataDir);
    const payload = decodeJwt(token);
    await expect(verifyToken(token, keys.publicKey, new Date((payload.iat ?? 0) * 1000))).resolves.toMatchObject({ 'custom:unit': 'emergency-office', 'cognito:groups': ['unit'] });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });

  it.each([
    [['--role', 'unit'], '--unit is required with --role unit'],
    [['--role', 'admin', '--unit', 'emergency-office'], '--unit is only for --role unit'],
    [['--role', 'mayor'], '--role must be one of admin, leader, unit'],
    [['--role', 'leader', '--expires', 'forever'], '--expires must be a duration'],
    [['--role', 'leader', '--town', 'Qing Feng'], '--town must be a town id'],
    [['--role', 'unit', '--unit', 'Emergency Office'], '--unit must be a unit id'],
  ])('refuses %j with exit code 2 and a message naming the option', async (args, message) => {
    const result = await cli('token', ...args, '--data-dir', join(work, 'refused'));

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`fireplan token: ${message}`);
  });

  it('refuses a missing --role with exit code 2', async () => {
    const result = await cli('token', '--data-dir', join(work, 'refused'));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--role');
  });
});
