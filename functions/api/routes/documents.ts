import { z } from 'zod';
import { defineRoute } from '../route-spec.ts';
import { instanceListQuery } from './instances.ts';
import { noQuery, slugPath } from './common.ts';

export const ledgerQuery = instanceListQuery.omit({ limit: true, cursor: true });

/**
 * The feed token of a calendar link: `<town>_<secret>`, the town's id (the path names only the unit)
 * and 256 random bits in base64url (functions/adapters/feed-tokens.ts).
 */
export const feedQuery = z.strictObject({
  token: z
    .string()
    .max(120)
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*_[A-Za-z0-9_-]{43}$/, 'expected the feed token of the calendar link')
    .describe('the feed token of the calendar link, as POST /units/{id}/feed-token gave it'),
});

export const rotateFeedBody = z.strictObject({
  reason: z.string().trim().min(1).max(500).optional().describe('why the link is replaced (kept in the audit log)'),
});

/** The answer of POST /units/{id}/feed-token: the only time the token is shown. */
export const rotateFeedResponse = z.object({
  unit: z.string(),
  url: z.url().describe('the calendar link to subscribe to (https, with the token)'),
  webcal: z.string().optional().describe('the same link as webcal://, which phones open in their calendar application'),
  token: z.string().describe('the feed token; it is never shown again'),
  version: z.number().int().describe('how many times this unit’s link has been made'),
  createdAt: z.string().describe('when, as an ISO instant'),
});

export const ledger = defineRoute({
  routeKey: 'GET /ledger.xlsx',
  functionId: 'Ledger',
  entry: 'functions/handlers/ledger.ts',
  tag: 'documents',
  summary: 'The duty ledger (台账) as an Excel workbook, one sheet per cadence, filtered as GET /instances is',
  roles: ['admin', 'leader', 'unit'],
  query: ledgerQuery,
  produces: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  writes: false,
});

export const unitCalendarFeed = defineRoute({
  routeKey: 'GET /units/{id}/calendar.ics',
  functionId: 'CalendarFeed',
  entry: 'functions/handlers/calendar-feed.ts',
  tag: 'documents',
  summary: "A unit's duties as an iCalendar feed, for Outlook or a phone to subscribe to (the link's token, not a bearer token)",
  roles: [],
  auth: 'feed-token',
  params: slugPath,
  query: feedQuery,
  produces: 'text/calendar',
  writes: false,
});

export const rotateFeedToken = defineRoute({
  routeKey: 'POST /units/{id}/feed-token',
  functionId: 'CalendarFeed',
  entry: 'functions/handlers/calendar-feed.ts',
  tag: 'documents',
  summary: "Make a new feed token for a unit's calendar link; the old link stops working",
  roles: ['admin'],
  params: slugPath,
  query: noQuery,
  body: rotateFeedBody,
  response: rotateFeedResponse,
  writes: true,
});

export const openApi = defineRoute({
  routeKey: 'GET /openapi.json',
  functionId: 'OpenApi',
  entry: 'functions/handlers/openapi.ts',
  tag: 'documents',
  summary: 'This API’s OpenAPI 3.1 document, generated from the route table’s zod schemas',
  roles: ['admin', 'leader', 'unit'],
  query: noQuery,
  writes: false,
});

export const documentRoutes = [ledger, unitCalendarFeed, rotateFeedToken, openApi];
