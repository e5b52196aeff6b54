import { describe, expect, it } from 'vitest';
import { groupsOf, principalOf, requireRole, requireTown, requireUnitOrStaff, type Principal } from '../../functions/adapters/auth.ts';
import { httpStatusOf } from '../../functions/adapters/middleware.ts';
import { ForbiddenError, UnauthorizedError } from '../../functions/core/errors.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims } from '../../local/api/local-auth.ts';

/** An event whose authorizer passed these claims, exactly as given (no flattening). */
function withClaims(claims: unknown): unknown {
  return { version: '2.0', requestContext: { timeEpoch: 0, authorizer: { jwt: { claims, scopes: null } } } };
}

const unitClaims = { sub: 'u-1', 'cognito:groups': '[unit]', 'custom:town': 'qingfeng', 'custom:unit': 'emergency-office' };

describe('groupsOf: cognito:groups in every form it arrives in', () => {
  it.each([
    ['HTTP API JWT authorizer, one group', '[admin]', ['admin']],
    ['HTTP API JWT authorizer, several groups', '[admin leader]', ['admin', 'leader']],
    ['REST API Cognito authorizer, one group', 'admin', ['admin']],
    ['REST API Cognito authorizer, several groups', 'admin,leader', ['admin', 'leader']],
    ['the decoded token (a direct invocation)', ['admin', 'leader'], ['admin', 'leader']],
    ['a JSON array in a string', '["admin","leader"]', ['admin', 'leader']],
    ['no groups at all', '[]', []],
  ])('reads %s', (_form, value, groups) => {
    const read = groupsOf(value);

    expect(read).toEqual(groups);
  });

  it.each([[undefined], [42], [{ admin: true }], [['admin', 1]]])('gives up on %j', (value) => {
    expect(groupsOf(value)).toBeUndefined();
  });
});

describe('principalOf', () => {
  it('reads a unit user: subject, role, town and unit', () => {
    const principal = principalOf(withClaims(unitClaims));

    expect(principal).toEqual({ subject: 'u-1', role: 'unit', town: 'qingfeng', unit: 'emergency-office' });
  });

  it("reads an admin, and ignores a custom:unit that is not an admin's business", () => {
    const principal = principalOf(withClaims({ sub: 'a-1', 'cognito:groups': '[admin]', 'custom:town': 'qingfeng', 'custom:unit': 'village-1' }));

    expect(principal).toEqual({ subject: 'a-1', role: 'admin', town: 'qingfeng' });
  });

  it('keeps the one Fireplan role among other groups of the user pool', () => {
    const principal = principalOf(withClaims({ ...unitClaims, 'cognito:groups': '[newsletter unit]' }));

    expect(principal.role).toBe('unit');
  });

  it('reads the claims of a local token after the local server hands them over as API Gateway does', () => {
    const event = apiGatewayEvent({ method: 'POST', path: '/', routeKey: '$default', at: 0, requestId: 'r', claims: { ...tokenClaims({ role: 'leader', town: 'qingfeng' }), exp: 1_700_000_000 } });

    const principal = principalOf(event);

    expect(event.requestContext.authorizer?.jwt.claims['cognito:groups']).toBe('[leader]');
    expect(principal).toEqual({ subject: 'local:leader:qingfeng', role: 'leader', town: 'qingfeng' });
  });

  it.each([
    ['an event without an authorizer', { version: '2.0', requestContext: { timeEpoch: 0 } }, /no verified token/],
    ['no event at all', undefined, /no verified token/],
    ['claims that are not an object', withClaims('sub=u-1'), /no verified token/],
    ['no sub', withClaims({ ...unitClaims, sub: undefined }), /no sub claim/],
    ['an empty sub', withClaims({ ...unitClaims, sub: ' ' }), /no sub claim/],
    ['no groups', withClaims({ ...unitClaims, 'cognito:groups': undefined }), /no cognito:groups/],
    ['groups that name no role', withClaims({ ...unitClaims, 'cognito:groups': '[superuser]' }), /name no role/],
    ['groups that name two roles', withClaims({ ...unitClaims, 'cognito:groups': '[admin unit]' }), /more than one role/],
    ['no town', withClaims({ ...unitClaims, 'custom:town': undefined }), /no custom:town/],
    ['a town that is not an id', withClaims({ ...unitClaims, 'custom:town': 'qingfeng:other' }), /custom:town claim is not an id/],
    ['a unit user without a unit', withClaims({ ...unitClaims, 'custom:unit': undefined }), /no custom:unit/],
    ['a unit that is not an id', withClaims({ ...unitClaims, 'custom:unit': ['emergency-office'] }), /custom:unit claim is not an id/],
  ])('refuses %s with UnauthorizedError', (_case, event, message) => {
    const attempt = () => principalOf(event);

    expect(attempt).toThrow(UnauthorizedError);
    expect(attempt).toThrow(message);
  });
});

describe('the rules', () => {
  const unit: Principal = { subject: 'u-1', role: 'unit', town: 'qingfeng', unit: 'emergency-office' };
  const admin: Principal = { subject: 'a-1', role: 'admin', town: 'qingfeng' };
  const leader: Principal = { subject: 'l-1', role: 'leader', town: 'qingfeng' };

  it('requireRole lets the route roles through and refuses the others', () => {
    expect(() => requireRole(unit, ['unit', 'admin'])).not.toThrow();
    expect(() => requireRole(admin, ['unit', 'admin'])).not.toThrow();
    expect(() => requireRole(leader, ['unit', 'admin'])).toThrow(ForbiddenError);
    expect(() => requireRole(admin, [])).toThrow(ForbiddenError);
  });

  it('requireTown refuses another town', () => {
    expect(() => requireTown(admin, 'qingfeng')).not.toThrow();
    expect(() => requireTown(admin, 'shuangshi')).toThrow(ForbiddenError);
  });

  it("requireUnitOrStaff: a unit user its own unit only, the town's staff every unit of the town, nobody another town", () => {
    expect(() => requireUnitOrStaff(unit, 'qingfeng', 'emergency-office')).not.toThrow();
    expect(() => requireUnitOrStaff(unit, 'qingfeng', 'village-1')).toThrow(ForbiddenError);
    expect(() => requireUnitOrStaff(unit, 'shuangshi', 'emergency-office')).toThrow(ForbiddenError);
    expect(() => requireUnitOrStaff(admin, 'qingfeng', 'village-1')).not.toThrow();
    expect(() => requireUnitOrStaff(leader, 'qingfeng', 'village-1')).not.toThrow();
    expect(() => requireUnitOrStaff(admin, 'shuangshi', 'village-1')).toThrow(ForbiddenError);
  });

  it('maps UnauthorizedError to 401 and ForbiddenError to 403', () => {
    expect(httpStatusOf(new UnauthorizedError('x'))).toBe(401);
    expect(httpStatusOf(new ForbiddenError('x'))).toBe(403);
  });
});
