import { rotateFeedToken, unitCalendarFeed } from '../api/routes/documents.ts';
import { calendarFeed, FEED_MEDIA_TYPE } from '../core/calendar-feed.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { actorOf, auditPut } from '../adapters/audit-log.ts';
import { feedTokenPut, getFeedToken, hashToken, newFeedToken, verifyFeedToken, type FeedTokenRecord } from '../adapters/feed-tokens.ts';
import { queryAllInstances } from '../adapters/instance-queries.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { publicBaseUrl } from '../adapters/public-url.ts';
import { getActivePlan, transact } from '../adapters/table.ts';

/**
 * A unit's calendar feed and its link.
 *
 * `GET /units/{id}/calendar.ics?token=…` has no authorizer (a calendar application cannot send a
 * bearer token): the token of the link is checked before anything else is read
 * (functions/adapters/feed-tokens.ts). A missing unit, a unit without a link, a wrong, forged or
 * rotated token, a token of another town or another unit: all are the same 404 `no calendar feed at
 * this address`, so the answer never tells whether a unit exists. 404 rather than 401: there is no
 * credential to send instead (401 would ask for a bearer token), and calendar clients treat 404 as a
 * subscription that is gone, which a rotated link is.
 *
 * `POST /units/{id}/feed-token` (admins of the town; the unit must be in the active plan) makes a
 * new token, so that the old link stops working, and answers 201 with the link and the token, once:
 * only its hash is kept. The rotation and its audit entry (`feed-token.rotate`, which never holds the
 * token or its hash) are written in one transaction.
 */

export function feedUrl(base: string, unit: string, token: string): string {
  return `${base}/units/${encodeURIComponent(unit)}/calendar.ics?token=${encodeURIComponent(token)}`;
}

const notFound = () => new NotFoundError('no calendar feed at this address');

const feed = route(unitCalendarFeed, async ({ params, query, receivedAt }) => {
  const unit = params.id;
  const verified = await verifyFeedToken(unit, query.token);
  if (!verified) throw notFound();
  const { plan } = await getActivePlan(verified.town);
  const records = await queryAllInstances({ town: verified.town, unit });
  const body = calendarFeed({ plan, unit, records, at: receivedAt });
  return { status: 200, file: { contentType: FEED_MEDIA_TYPE, body, filename: `${unit}.ics` }, headers: { 'x-robots-tag': 'noindex' } };
});

const rotate = route(rotateFeedToken, async ({ event, params, body, receivedAt, principal, requestId }) => {
  const town = principal.town;
  const unit = params.id;
  const { plan } = await getActivePlan(town);
  if (!plan.units.some((u) => u.id === unit)) throw new NotFoundError(`no unit ${unit} in the active plan of ${town}`);
  const previous = await getFeedToken(town, unit);
  const token = newFeedToken(town);
  const at = receivedAt.toISOString();
  const record: FeedTokenRecord = { town, unit, hash: hashToken(token), version: (previous?.version ?? 0) + 1, createdAt: at, createdBy: principal.subject };
  // What the audit log keeps of a link: when and by whom it was made, never the token or its hash.
  const shown = (r: FeedTokenRecord) => ({ version: r.version, createdAt: r.createdAt, createdBy: r.createdBy });
  await transact(
    'rotate feed token',
    [
      feedTokenPut(record, previous?.version),
      auditPut({
        town,
        at,
        actor: actorOf(principal),
        action: 'feed-token.rotate',
        target: `feed-token:${unit}`,
        before: previous ? shown(previous) : null,
        after: shown(record),
        ...(body.reason ? { reason: body.reason } : {}),
        requestId,
      }),
    ],
    () => new ConflictError(`the calendar link of ${unit} was just made by someone else`, { current: { unit } }),
  );
  const url = feedUrl(publicBaseUrl(event), unit, token);
  return {
    status: 201,
    body: { unit, url, ...(url.startsWith('https://') ? { webcal: url.replace(/^https:/, 'webcal:') } : {}), token, version: record.version, createdAt: at },
    headers: { 'cache-control': 'no-store' },
  };
});

export const handler = httpRouter(feed, rotate);
