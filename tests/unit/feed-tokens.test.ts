import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FEED_TOKEN, hashToken, newFeedToken, tokenMatches, townOfToken } from '../../functions/adapters/feed-tokens.ts';
import { publicBaseUrl } from '../../functions/adapters/public-url.ts';
import { feedQuery } from '../../functions/api/routes/documents.ts';
import { feedUrl } from '../../functions/handlers/calendar-feed.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';

describe('feed tokens', () => {
  it('are the town and 256 random bits in base64url, which the feed route’s query schema accepts', () => {
    const token = newFeedToken('qingfeng');
    const [town, secret] = [token.slice(0, token.indexOf('_')), token.slice(token.indexOf('_') + 1)];

    expect(town).toBe('qingfeng');
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(FEED_TOKEN.test(token)).toBe(true);
    expect(townOfToken(token)).toBe('qingfeng');
    expect(feedQuery.safeParse({ token }).success).toBe(true);
    expect(newFeedToken('qingfeng')).not.toBe(token);
  });

  it('read the town of a token even when the secret has underscores, and nothing from another shape', () => {
    expect(townOfToken(`yong-chuan_${'_'.repeat(43)}`)).toBe('yong-chuan');
    expect(townOfToken(`qingfeng.${'a'.repeat(43)}`)).toBeUndefined();
    expect(townOfToken(`qingfeng_${'a'.repeat(42)}`)).toBeUndefined();
    expect(townOfToken('a'.repeat(64))).toBeUndefined();
    expect(feedQuery.safeParse({ token: 'a'.repeat(64) }).success).toBe(false);
  });

  it('are stored as the SHA-256 of the token, never the token', () => {
    const token = newFeedToken('qingfeng');

    const hash = hashToken(token);

    expect(hash).toBe(createHash('sha256').update(token).digest('base64url'));
    expect(hash).not.toContain(token.slice(9));
  });

  it('match their own hash only, and nothing when no hash is stored', () => {
    const token = newFeedToken('qingfeng');
    const other = newFeedToken('qingfeng');

    expect(tokenMatches(token, hashToken(token))).toBe(true);
    expect(tokenMatches(other, hashToken(token))).toBe(false);
    expect(tokenMatches(token, undefined)).toBe(false);
    expect(tokenMatches(token, 'not-a-hash')).toBe(false);
    expect(tokenMatches(token, '')).toBe(false);
  });
});

describe('the link of a feed', () => {
  const event = (host: string) =>
    apiGatewayEvent({ method: 'POST', path: '/units/village-1/feed-token', routeKey: 'POST /units/{id}/feed-token', headers: { host }, at: '2022-07-01T02:00:00Z', requestId: 'r1' });

  it('is https on the API’s domain on AWS', () => {
    expect(publicBaseUrl(event('abc123.execute-api.cn-north-1.amazonaws.com.cn'))).toBe('https://abc123.execute-api.cn-north-1.amazonaws.com.cn');
  });

  it('is plain http with the port on the local server’s loopback address', () => {
    expect(publicBaseUrl(event('127.0.0.1:3000'))).toBe('http://127.0.0.1:3000');
    expect(publicBaseUrl(event('localhost:8080'))).toBe('http://localhost:8080');
  });

  it('has the stage as a prefix unless it is $default, and the token encoded in the query', () => {
    const staged = event('api.example.org');
    staged.requestContext.stage = 'prod';

    expect(publicBaseUrl(staged)).toBe('https://api.example.org/prod');
    expect(feedUrl('https://api.example.org', 'village-1', 'qingfeng_abc-_')).toBe('https://api.example.org/units/village-1/calendar.ics?token=qingfeng_abc-_');
  });
});
