import { z } from 'zod';
import { contactSchema, slug, unitKinds, unitSchema } from '../../core/plan-schema.ts';
import { defineRoute } from '../route-spec.ts';
import { pageQuery } from '../pagination.ts';
import { noQuery, slugPath, version } from './common.ts';

const entry = 'functions/handlers/units.ts';

export const createUnitBody = z.strictObject({
  /** A unit is retired through POST /units/{id}/retire, never created retired. */
  unit: unitSchema.omit({ retired: true }),
  reason: z.string().trim().min(1).max(500).describe('why the unit is added (kept in the audit log)'),
});

export const editUnitBody = z.strictObject({
  version,
  name: unitSchema.shape.name.optional(),
  nameEn: unitSchema.shape.nameEn.optional(),
  kind: z.enum(unitKinds).optional(),
  parent: slug.nullable().optional().describe('null: answers to no unit'),
  contacts: z.array(contactSchema).max(20).optional(),
  note: z.string().max(500).optional(),
  reason: z.string().trim().min(1).max(500).describe('why the unit changes (kept in the audit log)'),
});

export const retireUnitBody = z.strictObject({
  version,
  reason: z.string().trim().min(1).max(500).describe('why the unit is retired (kept in the audit log)'),
});

export const listUnits = defineRoute({
  routeKey: 'GET /units',
  functionId: 'Units',
  entry,
  tag: 'units',
  summary: "The town's units and their contacts, filterable by kind and by retired",
  roles: ['admin', 'leader'],
  query: z.strictObject({ ...pageQuery, kind: z.enum(unitKinds).optional(), retired: z.enum(['true', 'false']).optional() }),
  writes: false,
});

export const getUnit = defineRoute({
  routeKey: 'GET /units/{id}',
  functionId: 'Units',
  entry,
  tag: 'units',
  summary: 'One unit with its contacts and version (a unit user: its own unit only)',
  roles: ['admin', 'leader', 'unit'],
  params: slugPath,
  query: noQuery,
  writes: false,
});

export const createUnit = defineRoute({
  routeKey: 'POST /units',
  functionId: 'Units',
  entry,
  tag: 'units',
  summary: 'Add a unit with its contacts: a new plan revision',
  roles: ['admin'],
  query: noQuery,
  body: createUnitBody,
  writes: true,
});

export const editUnit = defineRoute({
  routeKey: 'PATCH /units/{id}',
  functionId: 'Units',
  entry,
  tag: 'units',
  summary: "Edit a unit's name, kind, parent or contacts: a new plan revision",
  roles: ['admin'],
  params: slugPath,
  query: noQuery,
  body: editUnitBody,
  writes: true,
});

export const retireUnit = defineRoute({
  routeKey: 'POST /units/{id}/retire',
  functionId: 'Units',
  entry,
  tag: 'units',
  summary: 'Retire a unit: refused (409) while it owns duties or open instances, which the answer lists',
  roles: ['admin'],
  params: slugPath,
  query: noQuery,
  body: retireUnitBody,
  writes: true,
});

export const unitRoutes = [listUnits, getUnit, createUnit, editUnit, retireUnit];
