import { describe, expect, it } from 'vitest';
import { accessLogTime, apiGatewayEvent, claimsAsDelivered } from '../../local/api/api-gateway-event.ts';

const base = { method: 'post', path: '/instances/qingfeng%3Ac02%3Aemergency-office%3A2022-06/report', routeKey: 'POST /instances/{id}/report', at: '2022-07-20T02:00:00Z', requestId: 'req-1' };

describe('apiGatewayEvent', () => {
  it('builds the payload 2.0 event API Gateway sends for a JSON POST with a verified token', () => {
    const event = apiGatewayEvent({
      ...base,
      pathParameters: { id: 'qingfeng:c02:emergency-office:2022-06' },
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer t', 'User-Agent': 'curl/8', Host: 'localhost:8081' },
      body: '{"note":"done"}',
      claims: { sub: 'u-1', 'cognito:groups': ['unit'], 'custom:town': 'qingfeng', 'custom:unit': 'emergency-office', exp: 1658286000 },
    });

    expect(event).toEqual({
      version: '2.0',
      routeKey: 'POST /instances/{id}/report',
      rawPath: base.path,
      rawQueryString: '',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t', 'user-agent': 'curl/8', host: 'localhost:8081' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        authorizer: { jwt: { claims: { sub: 'u-1', 'cognito:groups': '[unit]', 'custom:town': 'qingfeng', 'custom:unit': 'emergency-office', exp: '1658286000' }, scopes: null } },
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: { method: 'POST', path: base.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8' },
        requestId: 'req-1',
        routeKey: 'POST /instances/{id}/report',
        stage: '$default',
        time: '20/Jul/2022:02:00:00 +0000',
        timeEpoch: Date.parse('2022-07-20T02:00:00Z'),
      },
      pathParameters: { id: 'qingfeng:c02:emergency-office:2022-06' },
      isBase64Encoded: false,
      body: '{"note":"done"}',
    });
  });

  it('leaves out body, path parameters, query parameters and the authorizer when there are none', () => {
    const event = apiGatewayEvent({ ...base, method: 'GET', path: '/health', routeKey: 'GET /health', pathParameters: {}, body: '' });

    expect(Object.keys(event).sort()).toEqual(['headers', 'isBase64Encoded', 'rawPath', 'rawQueryString', 'requestContext', 'routeKey', 'version']);
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });

  it('joins repeated query parameters and headers with commas, and moves cookies out of the headers', () => {
    const fromString = apiGatewayEvent({ ...base, query: '?unit=a&unit=b&period=2022-06', headers: { accept: ['text/html', 'application/json'], cookie: 'a=1; b=2' } });
    const fromObject = apiGatewayEvent({ ...base, query: { unit: ['a', 'b'], period: '2022-06' } });

    expect(fromString.rawQueryString).toBe('unit=a&unit=b&period=2022-06');
    expect(fromString.queryStringParameters).toEqual({ unit: 'a,b', period: '2022-06' });
    expect(fromObject.queryStringParameters).toEqual(fromString.queryStringParameters);
    expect(fromString.headers).toEqual({ accept: 'text/html,application/json' });
    expect(fromString.cookies).toEqual(['a=1', 'b=2']);
  });

  it('sends a textual body of bytes as text, and any other as base64', () => {
    const json = apiGatewayEvent({ ...base, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from('{"note":"已完成"}') });
    const binary = apiGatewayEvent({ ...base, headers: { 'content-type': 'application/pdf' }, body: Buffer.from([0x25, 0x50, 0x44, 0x46]) });

    expect(json).toMatchObject({ body: '{"note":"已完成"}', isBase64Encoded: false });
    expect(binary).toMatchObject({ body: 'JVBERg==', isBase64Encoded: true });
  });

  it('refuses an instant that is not one', () => {
    expect(() => apiGatewayEvent({ ...base, at: 'yesterday' })).toThrow(/not an instant/);
  });
});

describe('claimsAsDelivered: the JWT authorizer flattens claims to strings', () => {
  it('keeps strings, writes numbers and booleans as text, brackets arrays space-separated, drops nulls, writes objects as JSON', () => {
    const claims = claimsAsDelivered({ sub: 'u', exp: 9999999999, email_verified: true, 'cognito:groups': ['admin', 'poweruser'], nickname: null, address: { country: 'CN' } });

    expect(claims).toEqual({ sub: 'u', exp: '9999999999', email_verified: 'true', 'cognito:groups': '[admin poweruser]', address: '{"country":"CN"}' });
  });
});

describe('accessLogTime', () => {
  it('writes the instant as requestContext.time has it', () => {
    expect(accessLogTime(new Date('2022-01-05T09:08:07Z'))).toBe('05/Jan/2022:09:08:07 +0000');
  });
});
