import { z } from 'zod';
import { cadences, dutySchema, ladderSchema, periodRuleSchema, slug, targetSchema } from '../../core/plan-schema.ts';
import { defineRoute } from '../route-spec.ts';
import { pageQuery } from '../pagination.ts';
import { noQuery, slugPath, version } from './common.ts';

const entry = 'functions/handlers/duties.ts';

/** What an admin may change of a duty; each field replaces the plan's. The clause, quote and id are the document's, never edited. */
export const dutyEditBody = z.strictObject({
  version,
  owners: dutySchema.shape.owners.optional(),
  cadence: z.enum(cadences).optional(),
  opens: periodRuleSchema.optional(),
  due: periodRuleSchema.optional(),
  reminders: z.array(z.number().int().min(1).max(30)).max(5).optional(),
  ladder: z.union([slug, ladderSchema]).optional(),
  target: targetSchema.nullable().optional().describe('null removes the target'),
  weight: dutySchema.shape.weight.optional(),
  note: z.string().max(500).optional(),
  reason: z.string().trim().min(1).max(500).describe('why the duty changes (kept in the audit log)'),
});

export const pauseBody = z.strictObject({
  version,
  reason: z.string().trim().min(1).max(500).describe('why the duty is paused or resumed (kept in the audit log)'),
});

export const listDuties = defineRoute({
  routeKey: 'GET /duties',
  functionId: 'Duties',
  entry,
  tag: 'duties',
  summary: "The active plan's duties (a unit sees the duties it owns), filterable by clause, cadence, owner and paused",
  roles: ['admin', 'leader', 'unit'],
  query: z.strictObject({
    ...pageQuery,
    clause: z.string().max(10).optional(),
    cadence: z.enum(cadences).optional(),
    owner: slug.optional(),
    paused: z.enum(['true', 'false']).optional(),
  }),
  writes: false,
});

export const getDuty = defineRoute({
  routeKey: 'GET /duties/{id}',
  functionId: 'Duties',
  entry,
  tag: 'duties',
  summary: 'One duty with its resolved owners, its schedule for the current period and its version',
  roles: ['admin', 'leader', 'unit'],
  params: slugPath,
  query: noQuery,
  writes: false,
});

export const editDuty = defineRoute({
  routeKey: 'PATCH /duties/{id}',
  functionId: 'Duties',
  entry,
  tag: 'duties',
  summary: "Edit a duty's owners, cadence, open and due rules, reminders, ladder and target: a new plan revision, applied to its open instances, never to closed ones",
  roles: ['admin'],
  params: slugPath,
  query: noQuery,
  body: dutyEditBody,
  writes: true,
});

export const pauseDuty = defineRoute({
  routeKey: 'POST /duties/{id}/pause',
  functionId: 'Duties',
  entry,
  tag: 'duties',
  summary: 'Pause a duty: no new instances open, its open instances send nothing until it is resumed',
  roles: ['admin'],
  params: slugPath,
  query: noQuery,
  body: pauseBody,
  writes: true,
});

export const resumeDuty = defineRoute({
  routeKey: 'POST /duties/{id}/resume',
  functionId: 'Duties',
  entry,
  tag: 'duties',
  summary: 'Resume a paused duty: its ladder goes on from the day it is resumed',
  roles: ['admin'],
  params: slugPath,
  query: noQuery,
  body: pauseBody,
  writes: true,
});

export const dutyRoutes = [listDuties, getDuty, editDuty, pauseDuty, resumeDuty];
