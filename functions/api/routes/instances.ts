import { z } from 'zod';
import { MAX_EVIDENCE_KEY } from '../../core/evidence.ts';
import { evidenceKinds, slug } from '../../core/plan-schema.ts';
import { defineRoute } from '../route-spec.ts';
import { pageQuery } from '../pagination.ts';
import { noQuery, periodId, version } from './common.ts';

export const instancePath = z.strictObject({
  id: z.string().min(7).max(300).describe('a duty instance id: town:duty:owner:period'),
});

/** Evidence files: what may be uploaded, and how large (the presigned URL enforces both). */
export const EVIDENCE_TYPES = [
  'application/pdf',
  'image/jpeg',
  'image/png',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/msword',
  'application/vnd.ms-excel',
] as const;
export const MAX_EVIDENCE_BYTES = 20 * 1024 * 1024;

/**
 * An evidence file already uploaded with POST /instances/{id}/evidence (its `key`, with the `size`
 * declared for the upload), or a link, or just a name.
 */
export const evidenceItem = z
  .strictObject({
    kind: z.enum(evidenceKinds),
    name: z.string().trim().min(1).max(200),
    url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
    key: z
      .string()
      .max(MAX_EVIDENCE_KEY)
      .regex(/^evidence\/[a-z0-9-]+\/[^\s]+$/, 'expected the key of an uploaded file, as POST /instances/{id}/evidence gave it')
      .optional()
      .describe('the key of a file uploaded through POST /instances/{id}/evidence'),
    size: z.number().int().min(1).max(MAX_EVIDENCE_BYTES).optional().describe('with `key`: the size in bytes declared when the upload URL was asked for'),
  })
  .superRefine((item, ctx) => {
    if (item.key !== undefined && item.size === undefined) ctx.addIssue({ code: 'custom', path: ['size'], message: 'give the size declared for the upload of this key' });
    if (item.key === undefined && item.size !== undefined) ctx.addIssue({ code: 'custom', path: ['size'], message: 'a size goes with the key of an uploaded file' });
  });

export const reportBody = z.strictObject({
  note: z.string().trim().min(1, 'say in a few words what was done').max(2000),
  evidence: z.array(evidenceItem).max(20).default([]),
  figure: z.number().finite().min(0).max(1_000_000).optional().describe('the figure achieved, against the duty’s target'),
});

export const evidenceUploadBody = z.strictObject({
  name: z.string().trim().min(1).max(200).describe('the file name, e.g. 会议纪要.pdf'),
  contentType: z.enum(EVIDENCE_TYPES),
  size: z.number().int().min(1).max(MAX_EVIDENCE_BYTES).describe(`bytes, at most ${MAX_EVIDENCE_BYTES}`),
});

export const reviewBody = z.strictObject({ version });
export const returnBody = z.strictObject({ version, reason: z.string().trim().min(1, 'say why the report is returned').max(1000) });
export const reopenBody = z.strictObject({ version, reason: z.string().trim().min(1, 'say why the instance is reopened').max(1000) });

export const instanceListQuery = z.strictObject({
  ...pageQuery,
  unit: slug.optional(),
  status: z.enum(['open', 'on_time', 'late', 'missed']).optional(),
  light: z.enum(['green', 'yellow', 'red']).optional(),
  period: periodId.optional(),
  duty: slug.optional(),
  review: z.enum(['awaiting', 'accepted', 'returned']).optional(),
  town: slug.optional().describe("the caller's town (the only one it may read); defaults to it"),
});

export const listInstances = defineRoute({
  routeKey: 'GET /instances',
  functionId: 'Instances',
  entry: 'functions/handlers/instances.ts',
  tag: 'instances',
  summary: 'Duty instances by unit, status, light, period, duty and review state (a unit sees its own)',
  roles: ['admin', 'leader', 'unit'],
  query: instanceListQuery,
  writes: false,
});

export const getInstanceRoute = defineRoute({
  routeKey: 'GET /instances/{id}',
  functionId: 'Instances',
  entry: 'functions/handlers/instances.ts',
  tag: 'instances',
  summary: 'One duty instance: its dates, ladder, reports, reviews, escalations and version',
  roles: ['admin', 'leader', 'unit'],
  params: instancePath,
  query: noQuery,
  writes: false,
});

export const reportWork = defineRoute({
  routeKey: 'POST /instances/{id}/report',
  functionId: 'ReportWork',
  entry: 'functions/handlers/report-work.ts',
  tag: 'instances',
  summary: 'A unit reports a duty instance done, with a note and its evidence',
  roles: ['unit', 'admin'],
  params: instancePath,
  query: noQuery,
  body: reportBody,
  writes: true,
});

export const uploadEvidence = defineRoute({
  routeKey: 'POST /instances/{id}/evidence',
  functionId: 'ReportWork',
  entry: 'functions/handlers/report-work.ts',
  tag: 'instances',
  summary: 'A presigned URL to upload one evidence file (type and size fixed by the URL)',
  roles: ['unit', 'admin'],
  params: instancePath,
  query: noQuery,
  body: evidenceUploadBody,
  writes: false,
  evidence: true,
});

export const acceptReport = defineRoute({
  routeKey: 'POST /instances/{id}/accept',
  functionId: 'ReviewWork',
  entry: 'functions/handlers/review-work.ts',
  tag: 'instances',
  summary: "An admin accepts a unit's report",
  roles: ['admin'],
  params: instancePath,
  query: noQuery,
  body: reviewBody,
  writes: true,
});

export const returnReport = defineRoute({
  routeKey: 'POST /instances/{id}/return',
  functionId: 'ReviewWork',
  entry: 'functions/handlers/review-work.ts',
  tag: 'instances',
  summary: 'An admin returns a report with a reason: the instance reopens and its ladder resumes where it stood',
  roles: ['admin'],
  params: instancePath,
  query: noQuery,
  body: returnBody,
  writes: true,
  sendsMail: true,
});

export const reopenInstance = defineRoute({
  routeKey: 'POST /instances/{id}/reopen',
  functionId: 'ReviewWork',
  entry: 'functions/handlers/review-work.ts',
  tag: 'instances',
  summary: 'An admin reopens an accepted instance, with a reason',
  roles: ['admin'],
  params: instancePath,
  query: noQuery,
  body: reopenBody,
  writes: true,
  sendsMail: true,
});

export const instanceRoutes = [listInstances, getInstanceRoute, reportWork, uploadEvidence, acceptReport, returnReport, reopenInstance];
