import type { z } from 'zod';

/**
 * What a route of the HTTP API is, as the CDK app, the handlers, the local server and the OpenAPI
 * document all read it. Roles: `admin` edits its town, `leader` reads its town, `unit` sees and
 * reports its own unit's duties in its own town (docs/api.md).
 */

export type Role = 'admin' | 'leader' | 'unit';

export const ALL_ROLES: readonly Role[] = ['admin', 'leader', 'unit'];

export interface RouteSpec {
  /** API Gateway's route key, e.g. `POST /instances/{id}/report`. Path parameters are named `{id}` everywhere. */
  readonly routeKey: string;
  /** The construct id of its Lambda, e.g. `ReportWork`. Several routes may share one function (same entry). */
  readonly functionId: string;
  /** The handler file, relative to the repository root. */
  readonly entry: string;
  readonly summary: string;
  /** Tag of the OpenAPI document (plans, duties, units, calendar, instances, scores, audit, documents). */
  readonly tag: string;
  /** Who may call it; every other caller gets 403. Empty for a route without a bearer token (`auth: 'feed-token'`). */
  readonly roles: readonly Role[];
  /**
   * `jwt` (default): behind the JWT authorizer. `feed-token`: no authorizer, because a calendar
   * application cannot send a bearer token; the handler checks the unit's unguessable feed token.
   */
  readonly auth?: 'jwt' | 'feed-token';
  /** Validated path parameters, query string and body; each refuses unknown fields. A route without `body` refuses one. */
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** The 2xx answer's JSON schema (OpenAPI), for JSON routes. */
  readonly response?: z.ZodType;
  /** The answer's media type. @default application/json */
  readonly produces?: 'application/json' | 'text/calendar' | 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  /** Whether the route writes (audited, and never for leaders): its function gets write access to the table. */
  readonly writes: boolean;
  /** Whether the function presigns evidence uploads or downloads (gets the evidence bucket). */
  readonly evidence?: boolean;
  /** Whether the function sends mail (through the outbox and SES): its function gets the mail identity and configuration set. */
  readonly sendsMail?: boolean;
}

/** Keeps a route's literal schema types for the handler's typing. */
export function defineRoute<const S extends RouteSpec>(spec: S): S {
  return spec;
}
