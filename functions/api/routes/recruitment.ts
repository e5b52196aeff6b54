import { z } from 'zod';
import { slug } from '../../core/plan-schema.ts';
import { RATE_STAGES, STAGE_IDS, type RateStage, type StageId } from '../../core/recruitment.ts';
import { defineRoute } from '../route-spec.ts';
import { noQuery, version } from './common.ts';

/**
 * The recruitment of government full-time firefighters (item 17): the campaign of a year, its
 * counts by stage, its pass-rate model and its ledger (docs/recruitment.md). All answered by the
 * function `Recruitment` (functions/handlers/recruitment.ts).
 */

const ENTRY = 'functions/handlers/recruitment.ts';

export const campaignPath = z.strictObject({
  id: z
    .string()
    .regex(/^\d{4}$/, 'expected a campaign id: its year, e.g. 2022')
    .describe('the campaign id: its year, e.g. 2022'),
});

export const campaignQuery = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).optional().describe("the campaign's year (default: the request's year)"),
  town: slug.optional().describe("the caller's town (the only one it may read); defaults to it"),
});

const stagesList = STAGE_IDS.join(', ');

/** A stage's count: a whole number of people (or posts), 0 or more. */
const count = z
  .number({ error: 'expected a whole number of people (or posts)' })
  .int('expected a whole number, not a fraction')
  .min(0, 'a count cannot be negative')
  .max(100_000, 'at most 100000');

function stageObject<K extends string, S extends z.ZodType>(keys: readonly K[], value: S, what: string) {
  const shape = Object.fromEntries(keys.map((k) => [k, value.optional()])) as { [P in K]: z.ZodOptional<S> };
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown ${what} ${issue.keys.map((k) => `"${k}"`).join(', ')}: expected one of ${keys.join(', ')}` : undefined),
  });
}

export const stageCounts = stageObject(STAGE_IDS as readonly StageId[], count, 'stage(s)')
  .refine((counts) => Object.values(counts).some((c) => c !== undefined), {
    message: 'give the count of at least one stage',
    // Not on top of another problem (an unknown stage is not "no stage").
    when: (payload) => payload.issues.length === 0,
  })
  .describe(`the count of each stage given (the others keep theirs): ${stagesList}`);

export const stagesBody = z.strictObject({
  version,
  counts: stageCounts,
  note: z.string().trim().min(1).max(1000).optional().describe('what happened, in a few words (kept in the history)'),
});

const passRate = z.number({ error: 'expected a share between 0 and 1' }).gt(0, 'a pass rate must be more than 0').max(1, 'a pass rate is at most 1 (100%)');
const stageDays = z.number({ error: 'expected a whole number of days' }).int('expected a whole number of days').min(1, 'at least 1 day').max(365, 'at most 365 days');

export const modelBody = z
  .strictObject({
    version,
    passRates: stageObject(RATE_STAGES as readonly RateStage[], passRate, 'pass-rate stage(s)').optional().describe('the share of the stage before that reaches each stage, 0–1'),
    stageDays: stageObject(STAGE_IDS as readonly StageId[], stageDays, 'stage(s)').optional().describe('the calendar days each stage takes'),
    note: z.string().trim().min(1).max(1000).optional(),
  })
  .refine((b) => b.passRates !== undefined || b.stageDays !== undefined, { message: 'give passRates or stageDays', when: (payload) => payload.issues.length === 0 });

export const getRecruitment = defineRoute({
  routeKey: 'GET /recruitment',
  functionId: 'Recruitment',
  entry: ENTRY,
  tag: 'recruitment',
  summary: "The year's firefighter recruitment campaign: target, deadline, counts by stage, the trajectory, the history and the version (the owning unit, leaders and admins)",
  roles: ['admin', 'leader', 'unit'],
  query: campaignQuery,
  writes: false,
});

export const updateStages = defineRoute({
  routeKey: 'PUT /recruitment/{id}/stages',
  functionId: 'Recruitment',
  entry: ENTRY,
  tag: 'recruitment',
  summary: 'The owning unit (or an admin) records the count of candidates at stages of the recruitment; each stage at most the one before it',
  roles: ['unit', 'admin'],
  params: campaignPath,
  query: noQuery,
  body: stagesBody,
  writes: true,
});

export const updateModel = defineRoute({
  routeKey: 'PUT /recruitment/{id}/model',
  functionId: 'Recruitment',
  entry: ENTRY,
  tag: 'recruitment',
  summary: "An admin sets the campaign's pass rates and stage durations, which project its hires",
  roles: ['admin'],
  params: campaignPath,
  query: noQuery,
  body: modelBody,
  writes: true,
});

export const recruitmentLedger = defineRoute({
  routeKey: 'GET /recruitment/ledger.xlsx',
  functionId: 'Recruitment',
  entry: ENTRY,
  tag: 'recruitment',
  summary: "The campaign's ledger (台账) as an Excel workbook: the funnel, every update and the escalations",
  roles: ['admin', 'leader', 'unit'],
  query: campaignQuery,
  produces: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  writes: false,
});

export const recruitmentRoutes = [getRecruitment, updateStages, updateModel, recruitmentLedger];
