import { z } from 'zod';
import { slug } from '../../core/plan-schema.ts';
import { defineRoute } from '../route-spec.ts';
import { pageQuery } from '../pagination.ts';

export const scoresQuery = z.strictObject({
  ...pageQuery,
  year: z.coerce.number().int().min(2000).max(2100).describe('the year scored (instances falling due in it)'),
  period: z
    .string()
    .regex(/^\d{4}(?:-\d{2}|-Q[1-4]|-H[12])?$/, 'expected a year, month, quarter or half: 2022, 2022-06, 2022-Q3, 2022-H1')
    .optional()
    .describe('only instances falling due in this part of the year'),
  unit: slug.optional(),
  asOf: z.iso.date().optional().describe('score as of this day (default: today); instances not yet due are not scored'),
});

export const getScores = defineRoute({
  routeKey: 'GET /scores',
  functionId: 'Scores',
  entry: 'functions/handlers/scores.ts',
  tag: 'scores',
  summary: 'Compliance scores per unit for a period, ranked, with every deduction and the rule behind it (a unit sees its own)',
  roles: ['admin', 'leader', 'unit'],
  query: scoresQuery,
  writes: false,
});

export const scoreRoutes = [getScores];
