import { z } from 'zod';
import { HAZARD_ID, hazardCategories, hazardGrades, plantMeasures, selfBuiltProblems } from '../../core/hazards.ts';
import { isoDate, slug } from '../../core/plan-schema.ts';
import { HOUSE_ID, selfBuiltUses } from '../../core/self-built-houses.ts';
import { pageQuery } from '../pagination.ts';
import type { RouteSpec } from '../route-spec.ts';
import { defineRoute } from '../route-spec.ts';
import { version } from './common.ts';

/**
 * The hazard ledger of items 6, 7 and 8 and item 7's baseline list of self-built houses, all
 * answered by the function `Hazards` (functions/handlers/hazards.ts). docs/hazards.md.
 */

const functionId = 'Hazards';
const entry = 'functions/handlers/hazards.ts';
const tag = 'hazards';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const hazardPath = z.strictObject({ id: z.string().regex(HAZARD_ID, 'expected a hazard id, hz-YYYYMMDD-xxxxxxxx').describe('a hazard id') });
export const housePath = z.strictObject({ id: z.string().regex(HOUSE_ID, 'expected a self-built house id, sbh-YYYYMMDD-xxxxxxxx').describe('a self-built house id') });

const flag = z.enum(['true', 'false']);
const town = slug.optional().describe("the caller's town (the only one it may read); defaults to it");

/** A person to contact at the place: personal data, kept on the hazard only (never in an exposure list, an audit entry or a mail). */
export const contactBody = z
  .strictObject({
    name: z.string().trim().min(1).max(40).optional(),
    phone: z
      .string()
      .trim()
      .regex(/^[0-9+()\-\s]{5,24}$/, 'expected a phone number: digits, spaces, +, -, ( )')
      .optional(),
  })
  .describe('personal data: kept on the hazard only');

export const hazardEvidence = z.strictObject({
  kind: z.enum(['photos', 'report', 'document', 'ledger', 'list', 'minutes', 'figures', 'sign-in-sheet']),
  name: z.string().trim().min(1).max(200),
  url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
});

export const createHazardBody = z.strictObject({
  place: z.string().trim().min(1).max(200).describe('the place: its name and address (场所、地点)'),
  area: slug.describe('the village, community or department whose area it lies in (a unit id)'),
  category: z.enum(hazardCategories),
  grade: z.enum(hazardGrades).describe('general (一般) or major (重大火灾隐患)'),
  owner: slug.optional().describe('the unit that owns the rectification (a unit id); the area by default'),
  description: z.string().trim().min(1).max(2000).describe('what is wrong'),
  deadline: isoDate.optional().describe('the rectification deadline, today or later; by default 30 days (general) or 90 days (major) from today'),
  contact: contactBody.optional(),
  problems: z.array(z.enum(selfBuiltProblems)).max(selfBuiltProblems.length).optional().describe("self-built houses: item 7's problems found (at least one)"),
  occupants: z.number().int().min(0).max(100_000).optional().describe('self-built houses: the people living there (item 7: 10 or more)'),
  measure: z.enum(plantMeasures).optional().describe('factories and warehouses: the measure of item 6 (拆、搬、改、关)'),
});

export const hazardListQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(['open', 'closed']).optional(),
  grade: z.enum(hazardGrades).optional(),
  category: z.enum(hazardCategories).optional(),
  area: slug.optional(),
  owner: slug.optional(),
  listed: flag.optional().describe('true: under listed supervision (挂牌督办)'),
  town,
});

export const hazardLedgerQuery = hazardListQuery.omit({ limit: true, cursor: true });

export const closeHazardBody = z.strictObject({
  version,
  note: z.string().trim().min(1, 'say how the hazard was rectified').max(2000),
  evidence: z.array(hazardEvidence).min(1, 'a hazard is closed with evidence (整改销案): name at least one item').max(20),
});

export const listHazardBody = z.strictObject({
  version,
  deadline: isoDate.optional().describe("the listing's own deadline, today or later; by default the duty's (30 working days)"),
  note: z.string().trim().min(1).max(1000).optional().describe('the supervision notice, in a few words'),
});

export const progressBody = z.strictObject({
  version,
  note: z.string().trim().min(1, 'say what progress was made').max(2000),
  evidence: z.array(hazardEvidence).max(20).default([]),
});

export const houseBody = z.strictObject({
  address: z.string().trim().min(1).max(200),
  area: slug.describe('the village or community (a unit id)'),
  floors: z.number().int().min(1).max(60),
  occupants: z.number().int().min(0).max(100_000).describe('people living there (住宿人员)'),
  uses: z.array(z.enum(selfBuiltUses)).min(1).max(selfBuiltUses.length).describe('production, business, rental (生产、经营、租住), residence'),
  problems: z
    .array(z.strictObject({ code: z.enum(selfBuiltProblems), note: z.string().trim().min(1).max(500).optional() }))
    .max(selfBuiltProblems.length)
    .default([])
    .describe("item 7's problems found"),
  contact: contactBody.optional(),
  note: z.string().trim().min(1).max(1000).optional(),
});

export const houseListQuery = z.strictObject({
  ...pageQuery,
  area: slug.optional(),
  inScope: flag.optional().describe("true: in item 7's scope (production, business or rental use and 10 or more occupants)"),
  town,
});

export const houseLedgerQuery = houseListQuery.omit({ limit: true, cursor: true });

export const houseHazardBody = z.strictObject({
  version,
  problem: z.enum(selfBuiltProblems).describe('the problem found in the house to record as a hazard'),
  grade: z.enum(hazardGrades),
  owner: slug.optional().describe("the unit that owns the rectification; the house's area by default"),
  deadline: isoDate.optional(),
  description: z.string().trim().min(1).max(2000).optional(),
});

export const createHazard = defineRoute({
  routeKey: 'POST /hazards',
  functionId,
  entry,
  tag,
  summary: 'Record a hazard: its rectification instance (due on the deadline) is opened in the same transaction',
  roles: ['admin', 'unit'],
  body: createHazardBody,
  writes: true,
});

export const listHazardsRoute = defineRoute({
  routeKey: 'GET /hazards',
  functionId,
  entry,
  tag,
  summary: 'The hazard ledger, filtered (a unit sees the hazards of its area or that it owns)',
  roles: ['admin', 'leader', 'unit'],
  query: hazardListQuery,
  writes: false,
});

export const hazardLedger = defineRoute({
  routeKey: 'GET /hazards/ledger.xlsx',
  functionId,
  entry,
  tag,
  summary: 'The hazard ledger (火灾隐患整改台账) as an Excel workbook',
  roles: ['admin', 'leader', 'unit'],
  query: hazardLedgerQuery,
  produces: XLSX,
  writes: false,
});

export const getHazardRoute = defineRoute({
  routeKey: 'GET /hazards/{id}',
  functionId,
  entry,
  tag,
  summary: 'One hazard, whole',
  roles: ['admin', 'leader', 'unit'],
  params: hazardPath,
  writes: false,
});

export const closeHazardRoute = defineRoute({
  routeKey: 'POST /hazards/{id}/close',
  functionId,
  entry,
  tag,
  summary: 'Close a hazard with evidence (整改销案): its instances are reported and accepted with it',
  roles: ['admin'],
  params: hazardPath,
  body: closeHazardBody,
  writes: true,
});

export const listHazardRoute = defineRoute({
  routeKey: 'POST /hazards/{id}/list',
  functionId,
  entry,
  tag,
  summary: 'Put a major hazard under listed supervision (挂牌督办): opens the listed-supervision instance',
  roles: ['admin'],
  params: hazardPath,
  body: listHazardBody,
  writes: true,
});

export const hazardProgress = defineRoute({
  routeKey: 'POST /hazards/{id}/progress',
  functionId,
  entry,
  tag,
  summary: 'A progress report on a hazard under listed supervision',
  roles: ['admin', 'unit'],
  params: hazardPath,
  body: progressBody,
  writes: true,
});

export const createHouse = defineRoute({
  routeKey: 'POST /self-built-houses',
  functionId,
  entry,
  tag,
  summary: "Add a self-built house to item 7's baseline list, with the problems found",
  roles: ['admin', 'unit'],
  body: houseBody,
  writes: true,
});

export const listHousesRoute = defineRoute({
  routeKey: 'GET /self-built-houses',
  functionId,
  entry,
  tag,
  summary: 'The baseline list of self-built houses (a unit sees its own area)',
  roles: ['admin', 'leader', 'unit'],
  query: houseListQuery,
  writes: false,
});

export const houseLedger = defineRoute({
  routeKey: 'GET /self-built-houses/ledger.xlsx',
  functionId,
  entry,
  tag,
  summary: 'The baseline list and problem ledger of self-built houses (自建房底数清单和问题台账) as an Excel workbook',
  roles: ['admin', 'leader', 'unit'],
  query: houseLedgerQuery,
  produces: XLSX,
  writes: false,
});

export const getHouseRoute = defineRoute({
  routeKey: 'GET /self-built-houses/{id}',
  functionId,
  entry,
  tag,
  summary: 'One self-built house, whole',
  roles: ['admin', 'leader', 'unit'],
  params: housePath,
  writes: false,
});

export const houseHazard = defineRoute({
  routeKey: 'POST /self-built-houses/{id}/hazards',
  functionId,
  entry,
  tag,
  summary: 'Turn a problem found in a self-built house into a hazard of the ledger',
  roles: ['admin', 'unit'],
  params: housePath,
  body: houseHazardBody,
  writes: true,
});

export const hazardsRoutes: RouteSpec[] = [
  createHazard,
  listHazardsRoute,
  hazardLedger,
  getHazardRoute,
  closeHazardRoute,
  listHazardRoute,
  hazardProgress,
  createHouse,
  listHousesRoute,
  houseLedger,
  getHouseRoute,
  houseHazard,
];
