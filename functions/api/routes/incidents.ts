import { z } from 'zod';
import { MAX_LOOK_BACK_MONTHS, DEFAULT_LOOK_BACK_MONTHS, partyTypes, socialImpacts } from '../../core/incidents.ts';
import { isoDate, slug } from '../../core/plan-schema.ts';
import { pageQuery } from '../pagination.ts';
import { defineRoute } from '../route-spec.ts';
import { noQuery, version } from './common.ts';

/**
 * Fire incidents (item 5 and 三(三)): an admin records a fire; a death or major social impact opens
 * the extended investigation (延伸调查) and the accountability review (责任倒查); closing the
 * investigation records its findings, opens the rectifications (整改) and schedules the look-back
 * (回头看). docs/incidents.md.
 */

export const incidentPath = z.strictObject({
  id: z
    .string()
    .regex(/^fire-[1-9]\d{0,8}$/, 'expected an incident id, fire-<n>')
    .describe('an incident id of the caller’s town: fire-<n>'),
});

const count = (what: string) => z.number().int(`expected a whole number of ${what}`).min(0, `the number of ${what} cannot be negative`).max(100_000);

export const recordIncidentBody = z.strictObject({
  occurredOn: isoDate.describe('the day of the fire, YYYY-MM-DD (Asia/Shanghai); not after the day of the request'),
  place: z.string().trim().min(1, 'say where the fire was').max(200),
  casualties: z.strictObject({ deaths: count('deaths'), injuries: count('injuries') }).describe('deaths and injuries'),
  socialImpact: z.enum(socialImpacts).describe('none, minor or major (重大社会影响: with a death, what makes a fire serious)'),
  description: z.string().trim().min(1, 'describe the fire in a few words').max(4000),
});

export const responsiblePartyBody = z.strictObject({
  party: z.enum(partyTypes).describe('which party of the investigation’s checklist: construction (工程建设), intermediary (中介服务), fire-product (消防产品质量), use-management (使用管理)'),
  name: z.string().trim().min(1, 'name the party (a person, a company …)').max(200),
  organisation: z.string().trim().min(1).max(200).optional(),
});

export const rectificationBody = z.strictObject({
  what: z.string().trim().min(1, 'say what is to be rectified').max(120),
  owner: slug.describe('the unit that owns the rectification'),
  deadline: isoDate.describe('the day it is due, after the day of the close'),
});

export const closeInvestigationBody = z.strictObject({
  version,
  findings: z.string().trim().min(1, 'say what the investigation found').max(4000),
  responsibleParties: z.array(responsiblePartyBody).max(50).default([]),
  rectifications: z.array(rectificationBody).max(30).default([]),
  lookBackAfterMonths: z
    .number()
    .int('expected whole months')
    .min(1)
    .max(MAX_LOOK_BACK_MONTHS)
    .default(DEFAULT_LOOK_BACK_MONTHS)
    .describe(`months after the close on which the look-back (回头看) opens; ${DEFAULT_LOOK_BACK_MONTHS} by default`),
});

export const incidentListQuery = z.strictObject({
  ...pageQuery,
  town: slug.optional().describe("the caller's town (the only one it may read); defaults to it"),
});

export const recordIncident = defineRoute({
  routeKey: 'POST /incidents',
  functionId: 'Incidents',
  entry: 'functions/handlers/incidents.ts',
  tag: 'incidents',
  summary: 'An admin records a fire; a death or major social impact opens the extended investigation and the accountability review, and tells their owners',
  roles: ['admin'],
  query: noQuery,
  body: recordIncidentBody,
  writes: true,
  sendsMail: true,
});

export const closeInvestigation = defineRoute({
  routeKey: 'POST /incidents/{id}/investigation/close',
  functionId: 'Incidents',
  entry: 'functions/handlers/incidents.ts',
  tag: 'incidents',
  summary: 'An admin closes the extended investigation: findings, responsible parties, rectifications (each a duty) and the look-back months ahead',
  roles: ['admin'],
  params: incidentPath,
  query: noQuery,
  body: closeInvestigationBody,
  writes: true,
  sendsMail: true,
});

export const listIncidents = defineRoute({
  routeKey: 'GET /incidents',
  functionId: 'Incidents',
  entry: 'functions/handlers/incidents.ts',
  tag: 'incidents',
  summary: 'The town’s fires, newest first (a unit sees those whose duties it owns)',
  roles: ['admin', 'leader', 'unit'],
  query: incidentListQuery,
  writes: false,
});

export const getIncident = defineRoute({
  routeKey: 'GET /incidents/{id}',
  functionId: 'Incidents',
  entry: 'functions/handlers/incidents.ts',
  tag: 'incidents',
  summary: 'One fire with its whole chain: investigation and its checklist, findings, rectifications, look-back and accountability review, each instance as it stands',
  roles: ['admin', 'leader', 'unit'],
  params: incidentPath,
  query: noQuery,
  writes: false,
});

export const incidentLedger = defineRoute({
  routeKey: 'GET /incidents/ledger.xlsx',
  functionId: 'Incidents',
  entry: 'functions/handlers/incidents.ts',
  tag: 'incidents',
  summary: 'The incident ledger (火灾事故台账) as an Excel workbook: one row per fire with its chain',
  roles: ['admin', 'leader'],
  query: noQuery,
  produces: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  writes: false,
});

export const incidentsRoutes = [recordIncident, closeInvestigation, listIncidents, getIncident, incidentLedger];
