import { z } from 'zod';
import { QUARTER_ID } from '../../core/exposure.ts';
import { HAZARD_ID } from '../../core/hazards.ts';
import { slug } from '../../core/plan-schema.ts';
import { pageQuery } from '../pagination.ts';
import type { RouteSpec } from '../route-spec.ts';
import { defineRoute } from '../route-spec.ts';
import { version } from './common.ts';

/**
 * The quarterly exposure lists of major hazards (item 8), answered by the function `Exposures`
 * (functions/handlers/exposures.ts): drafted by the QuarterlyExposure workflow, edited, approved
 * and recorded as published by an admin; read by admins and leaders. docs/hazards.md.
 */

const functionId = 'Exposures';
const entry = 'functions/handlers/exposures.ts';
const tag = 'hazards';

export const exposurePath = z.strictObject({ id: z.string().regex(QUARTER_ID, 'expected a quarter, e.g. 2022-Q2').describe('the quarter of the list, e.g. 2022-Q2') });

export const exposureListQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(['draft', 'approved', 'published']).optional(),
  town: slug.optional().describe("the caller's town (the only one it may read); defaults to it"),
});

const hazardId = z.string().regex(HAZARD_ID, 'expected a hazard id, hz-YYYYMMDD-xxxxxxxx');

export const editExposureBody = z
  .strictObject({
    version,
    entries: z
      .array(
        z.strictObject({
          hazardId,
          place: z.string().trim().min(1).max(200).optional(),
          description: z.string().trim().min(1).max(2000).optional(),
        }),
      )
      .max(500)
      .optional()
      .describe('new texts for entries (no personal name, phone or identity card number: such an edit is refused)'),
    remove: z.array(hazardId).max(500).optional().describe('entries to take off the list'),
  })
  .refine((b) => (b.entries?.length ?? 0) + (b.remove?.length ?? 0) > 0, { message: 'an edit changes an entry or removes one', path: ['entries'] });

export const exposureVersionBody = z.strictObject({ version });

export const listExposuresRoute = defineRoute({
  routeKey: 'GET /exposures',
  functionId,
  entry,
  tag,
  summary: 'The quarterly exposure lists of major hazards, newest first',
  roles: ['admin', 'leader'],
  query: exposureListQuery,
  writes: false,
});

export const getExposureRoute = defineRoute({
  routeKey: 'GET /exposures/{id}',
  functionId,
  entry,
  tag,
  summary: "One quarter's exposure list, whole",
  roles: ['admin', 'leader'],
  params: exposurePath,
  writes: false,
});

export const editExposureRoute = defineRoute({
  routeKey: 'PATCH /exposures/{id}',
  functionId,
  entry,
  tag,
  summary: "Edit a draft or approved list's entries (texts, removals); an approved list goes back to draft",
  roles: ['admin'],
  params: exposurePath,
  body: editExposureBody,
  writes: true,
});

export const approveExposureRoute = defineRoute({
  routeKey: 'POST /exposures/{id}/approve',
  functionId,
  entry,
  tag,
  summary: 'Approve a draft exposure list',
  roles: ['admin'],
  params: exposurePath,
  body: exposureVersionBody,
  writes: true,
});

export const publishExposureRoute = defineRoute({
  routeKey: 'POST /exposures/{id}/publish',
  functionId,
  entry,
  tag,
  summary: "Record an approved list as published on the day (final); the quarter's exposure duty is reported with it",
  roles: ['admin'],
  params: exposurePath,
  body: exposureVersionBody,
  writes: true,
});

export const exposureLedger = defineRoute({
  routeKey: 'GET /exposures/{id}/ledger.xlsx',
  functionId,
  entry,
  tag,
  summary: "A quarter's exposure list as an Excel workbook",
  roles: ['admin', 'leader'],
  params: exposurePath,
  produces: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  writes: false,
});

export const exposuresRoutes: RouteSpec[] = [listExposuresRoute, getExposureRoute, editExposureRoute, approveExposureRoute, publishExposureRoute, exposureLedger];
