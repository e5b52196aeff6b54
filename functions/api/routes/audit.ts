import { z } from 'zod';
import { defineRoute } from '../route-spec.ts';
import { pageQuery } from '../pagination.ts';

export const auditQuery = z.strictObject({
  ...pageQuery,
  target: z.string().min(1).max(300).optional().describe('only changes of this item: `duty:<id>`, `unit:<id>`, `instance:<id>`, `plan:<version>` …'),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
});

export const listAudit = defineRoute({
  routeKey: 'GET /audit',
  functionId: 'AuditLog',
  entry: 'functions/handlers/audit-log.ts',
  tag: 'audit',
  summary: 'The audit log, newest first: every change by anyone, who, when, what before and after (append-only)',
  roles: ['admin', 'leader'],
  query: auditQuery,
  writes: false,
});

export const auditRoutes = [listAudit];
