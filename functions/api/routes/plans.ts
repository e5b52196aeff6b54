import { z } from 'zod';
import { defineRoute } from '../route-spec.ts';
import { pageQuery } from '../pagination.ts';
import { noQuery } from './common.ts';

const entry = 'functions/handlers/plans.ts';

/** A plan version's id as the API names it: `r<n>` for the n-th version made through the API (an upload or an edit), or the id it was seeded with. */
export const planVersionPath = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected a plan version id') });

export const uploadPlanBody = z.strictObject({
  /** The plan file as `fireplan plan check` reads it (YAML or JSON text). */
  source: z.string().min(1).max(900_000).describe('the plan file, YAML or JSON, as `fireplan plan check` reads it'),
  format: z.enum(['yaml', 'json']).default('yaml'),
  note: z.string().trim().max(500).optional().describe('why this version was made'),
});

export const activatePlanBody = z.strictObject({
  /** The active revision the activation was decided against (GET /plans); a stale one is answered 409. */
  version: z.number().int().min(0).max(1_000_000_000),
});

export const listPlans = defineRoute({
  routeKey: 'GET /plans',
  functionId: 'Plans',
  entry,
  tag: 'plans',
  summary: "The town's plan versions, the active one first, with its revision",
  roles: ['admin', 'leader'],
  query: z.strictObject({ ...pageQuery }),
  writes: false,
});

export const uploadPlan = defineRoute({
  routeKey: 'POST /plans',
  functionId: 'Plans',
  entry,
  tag: 'plans',
  summary: 'Upload a new plan version: checked as `fireplan plan check` does, stored as a draft, answered with the diff against the active one',
  roles: ['admin'],
  query: noQuery,
  body: uploadPlanBody,
  writes: true,
});

export const getPlan = defineRoute({
  routeKey: 'GET /plans/{id}',
  functionId: 'Plans',
  entry,
  tag: 'plans',
  summary: 'One plan version, with its diff against the active one',
  roles: ['admin', 'leader'],
  params: planVersionPath,
  query: noQuery,
  writes: false,
});

export const activatePlan = defineRoute({
  routeKey: 'POST /plans/{id}/activate',
  functionId: 'Plans',
  entry,
  tag: 'plans',
  summary: 'Make a plan version the active one: the next runs of the workflows follow it',
  roles: ['admin'],
  params: planVersionPath,
  query: noQuery,
  body: activatePlanBody,
  writes: true,
});

export const planRoutes = [listPlans, uploadPlan, getPlan, activatePlan];
