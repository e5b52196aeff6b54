import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from '../core/errors.ts';
import { slug } from '../core/plan-schema.ts';
import type { Role } from '../api/route-table.ts';

/**
 * Who is calling an API route, from the claims the HTTP API's JWT authorizer verified
 * (`requestContext.authorizer.jwt.claims`; docs/api.md). On AWS the authorizer has already refused a
 * missing, expired or forged token; locally the server of local/api/ does the same before building
 * the event. Either way this module only reads claims that were verified, and refuses (401) claims
 * that do not name exactly one user of one town in one role.
 *
 * The wire format, as API Gateway (payload 2.0) delivers it: every claim value is a string; an
 * array claim such as `cognito:groups` arrives in a bracketed, space-separated form, `"[admin]"` or
 * `"[admin other-group]"`, not as JSON. A REST API's Cognito authorizer gives `"admin"` or
 * `"admin,other-group"`, and a Lambda invoked directly may get the array itself: all are read.
 */

export const roles: readonly Role[] = ['admin', 'leader', 'unit'];

export interface Principal {
  /** The token's `sub`. */
  subject: string;
  role: Role;
  town: string;
  /** For `unit` users only: their unit id. */
  unit?: string;
}

type Claims = Record<string, unknown>;

function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/** The group names of a `cognito:groups` claim in any of the forms it arrives in; undefined when it is none of them. */
export function groupsOf(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.every((g) => typeof g === 'string') ? value.map((g) => g.trim()).filter((g) => g !== '') : undefined;
  if (typeof value !== 'string') return undefined;
  let text = value.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      // A JSON array, should anything ever send one.
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return groupsOf(parsed);
    } catch {
      // API Gateway's own form: `[admin leader]`.
    }
    text = text.slice(1, -1);
  }
  return text.split(/[\s,]+/).filter((g) => g !== '');
}

function claimsOf(event: unknown): Claims {
  const context = (event as APIGatewayProxyEventV2 | undefined)?.requestContext as { authorizer?: { jwt?: { claims?: unknown } } } | undefined;
  const claims = context?.authorizer?.jwt?.claims;
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new UnauthorizedError('no verified token: send an Authorization: Bearer token');
  }
  return claims as Claims;
}

function idClaim(claims: Claims, name: string): string {
  const value = claims[name];
  if (value === undefined || value === '') throw new UnauthorizedError(`the token has no ${name} claim`);
  if (typeof value !== 'string' || !slug.safeParse(value).success) throw new UnauthorizedError(`the token's ${name} claim is not an id`);
  return value;
}

/** The caller of an API route: `{ subject, role, town, unit? }`, or UnauthorizedError when the claims are missing or do not say that. */
export function principalOf(event: unknown): Principal {
  const claims = claimsOf(event);
  const subject = claims['sub'];
  if (typeof subject !== 'string' || subject.trim() === '' || subject.length > 256) throw new UnauthorizedError('the token has no sub claim');
  const groups = groupsOf(claims['cognito:groups']);
  if (groups === undefined) throw new UnauthorizedError('the token has no cognito:groups claim');
  const held = [...new Set(groups.filter(isRole))];
  if (held.length === 0) throw new UnauthorizedError(`the token's groups name no role (expected one of ${roles.join(', ')})`);
  // One role per user (docs/api.md): a user in two would get whichever a rule happened to look at first.
  if (held.length > 1) throw new UnauthorizedError(`the token's groups name more than one role (${held.join(', ')})`);
  const role = held[0] as Role;
  const town = idClaim(claims, 'custom:town');
  if (role !== 'unit') return { subject, role, town };
  return { subject, role, town, unit: idClaim(claims, 'custom:unit') };
}

/** ForbiddenError unless the principal's role is one of `allowed`. */
export function requireRole(principal: Principal, allowed: readonly Role[]): void {
  if (!allowed.includes(principal.role)) throw new ForbiddenError(`a ${principal.role} may not do this (allowed: ${allowed.join(', ')})`);
}

/** ForbiddenError unless the principal belongs to `town`. */
export function requireTown(principal: Principal, town: string): void {
  if (principal.town !== town) throw new ForbiddenError(`this belongs to another town than yours (${principal.town})`);
}

/**
 * ForbiddenError unless the principal may act for `unit` of `town`: its own unit for a `unit` user,
 * any unit of their own town for the town's staff (`admin`, `leader`; what each may do is the
 * route's roles' business).
 */
export function requireUnitOrStaff(principal: Principal, town: string, unit: string): void {
  requireTown(principal, town);
  if (principal.role === 'unit' && principal.unit !== unit) throw new ForbiddenError(`this belongs to another unit than yours (${principal.unit ?? 'none'})`);
}
