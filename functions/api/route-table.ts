import { evidenceKinds } from '../core/plan-schema.ts';
import { z } from 'zod';

/**
 * The HTTP API's routes, in one place: the CDK app makes one API Gateway route and Lambda per entry,
 * the local server serves the same routes from the synthesized template, and the OpenAPI document is
 * generated from the schemas here. Roles: `admin` edits its town, `leader` reads its town, `unit`
 * sees and reports its own unit's duties in its own town.
 */

export type Role = 'admin' | 'leader' | 'unit';

export interface RouteSpec {
  /** API Gateway's route key, e.g. `POST /instances/{id}/report`. */
  routeKey: string;
  /** The construct id of its Lambda, e.g. `ReportWork`. */
  functionId: string;
  /** The handler file, relative to the repository root. */
  entry: string;
  summary: string;
  /** Who may call it; every other caller gets 403. */
  roles: readonly Role[];
  /** Validated path parameters, query string and body. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Whether the route writes (audited, and never for leaders). */
  writes: boolean;
}

export const instancePath = z.strictObject({
  id: z.string().min(7).max(300).describe('a duty instance id: town:duty:owner:period'),
});

export const reportBody = z.strictObject({
  note: z.string().trim().min(1, 'say in a few words what was done').max(2000),
  evidence: z
    .array(
      z.strictObject({
        kind: z.enum(evidenceKinds),
        name: z.string().trim().min(1).max(200),
        url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
      }),
    )
    .max(20)
    .default([]),
  figure: z.number().finite().min(0).max(1_000_000).optional(),
});

export const routes: readonly RouteSpec[] = [
  {
    routeKey: 'POST /instances/{id}/report',
    functionId: 'ReportWork',
    entry: 'functions/handlers/report-work.ts',
    summary: 'A unit reports a duty instance done, with a note and its evidence',
    roles: ['unit', 'admin'],
    params: instancePath,
    body: reportBody,
    writes: true,
  },
];
