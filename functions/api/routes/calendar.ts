import { z } from 'zod';
import { keyDateSchema, overrideSchema } from '../../core/plan-schema.ts';
import { defineRoute } from '../route-spec.ts';
import { pageQuery } from '../pagination.ts';
import { datePath, noQuery, slugPath, version } from './common.ts';

const entry = 'functions/handlers/calendar.ts';

const reason = z.string().trim().min(1).max(500).describe('why (kept in the audit log)');

/** A holiday (`work: false`) or a make-up working day (调休, `work: true`) on the date of the path. */
export const putOverrideBody = z.strictObject({
  version: version.optional().describe('the version of the override being replaced; absent when adding one'),
  work: overrideSchema.shape.work,
  name: overrideSchema.shape.name,
  reason,
});

export const deleteBody = z.strictObject({ version, reason });

export const putKeyDateBody = z.strictObject({
  version: version.optional().describe('the version of the key date being replaced; absent when adding one'),
  name: keyDateSchema.shape.name,
  kind: keyDateSchema.shape.kind,
  starts: keyDateSchema.shape.starts,
  ends: keyDateSchema.shape.ends,
  note: keyDateSchema.shape.note,
  reason,
});

const yearQuery = z.strictObject({ ...pageQuery, year: z.coerce.number().int().min(2000).max(2100).optional() });

export const listOverrides = defineRoute({
  routeKey: 'GET /calendar/overrides',
  functionId: 'Calendar',
  entry,
  tag: 'calendar',
  summary: 'Holidays and make-up working days entered on top of the national calendar',
  roles: ['admin', 'leader', 'unit'],
  query: yearQuery,
  writes: false,
});

export const putOverride = defineRoute({
  routeKey: 'PUT /calendar/overrides/{id}',
  functionId: 'Calendar',
  entry,
  tag: 'calendar',
  summary: 'Declare a date a holiday or a working day',
  roles: ['admin'],
  params: datePath,
  query: noQuery,
  body: putOverrideBody,
  writes: true,
});

export const deleteOverride = defineRoute({
  routeKey: 'DELETE /calendar/overrides/{id}',
  functionId: 'Calendar',
  entry,
  tag: 'calendar',
  summary: 'Remove an override: the date follows the national calendar again',
  roles: ['admin'],
  params: datePath,
  query: noQuery,
  body: deleteBody,
  writes: true,
});

export const listKeyDates = defineRoute({
  routeKey: 'GET /key-dates',
  functionId: 'Calendar',
  entry,
  tag: 'calendar',
  summary: 'Key dates (holidays such as 五一 and 国庆, events such as a party congress or an expo)',
  roles: ['admin', 'leader', 'unit'],
  query: yearQuery,
  writes: false,
});

export const putKeyDate = defineRoute({
  routeKey: 'PUT /key-dates/{id}',
  functionId: 'Calendar',
  entry,
  tag: 'calendar',
  summary: 'Add or change a key date: key-date duties open before it',
  roles: ['admin'],
  params: slugPath,
  query: noQuery,
  body: putKeyDateBody,
  writes: true,
});

export const deleteKeyDate = defineRoute({
  routeKey: 'DELETE /key-dates/{id}',
  functionId: 'Calendar',
  entry,
  tag: 'calendar',
  summary: 'Remove a key date (refused while open instances depend on it)',
  roles: ['admin'],
  params: slugPath,
  query: noQuery,
  body: deleteBody,
  writes: true,
});

export const calendarRoutes = [listOverrides, putOverride, deleteOverride, listKeyDates, putKeyDate, deleteKeyDate];
