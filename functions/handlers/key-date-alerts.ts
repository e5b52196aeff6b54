import { z } from 'zod';
import type { IsoDate } from '../core/dates.ts';
import type { HazardRecord } from '../core/hazards.ts';
import { shardOf } from '../core/ids.ts';
import {
  alertsDueOn,
  earlierAlertDays,
  keyDateAlertMails,
  keyDateAlertPurpose,
  unitAlerts,
  unreachableUnits,
  vigilanceInstances,
  type KeyDateWindow,
} from '../core/key-date-alerts.ts';
import { isoDate, slug } from '../core/plan-schema.ts';
import { planCalendar } from '../core/schedule.ts';
import { loadEnv, shardsVariable } from '../adapters/env.ts';
import { listHazards } from '../adapters/hazard-store.ts';
import { logger } from '../adapters/logger.ts';
import { deliver, recordMail } from '../adapters/mailer.ts';
import { workflowHandler } from '../adapters/middleware.ts';
import { clearUndelivered, createInstance, getActivePlan, listIntents, listPeriodInstances, markUndelivered, type MailIntent } from '../adapters/table.ts';

const input = z.strictObject({ town: slug, date: isoDate });

const env = loadEnv(
  z.object({
    CONSOLE_URL: z.url().default('https://fireplan.example.org'),
    FOLLOW_UP_SHARDS: shardsVariable,
  }),
);

/**
 * The town's key-date risk alerts due today (item 9; docs/key-date-alerts.md): for each key date
 * whose alert day has come and that has not ended, every unit with a contact gets one alert, once
 * (outbox purpose `key-date-alert#<key date id>`; an address that had it on an earlier day of the
 * window is not sent it again), and the key date's duties are made sure to exist, opened no later
 * than today, so that the alert can point to them. Idempotent: a retry or a rerun sends nothing twice.
 */
export const handler = workflowHandler(input, async ({ town, date }) => {
  const { plan, planVersion } = await getActivePlan(town);
  const calendar = planCalendar(plan);
  if (!calendar.isWorkday(date)) return { town, date, keyDates: [], recorded: 0, sent: 0, skipped: 'a rest day' };
  const due = alertsDueOn(plan, date, calendar);
  if (due.length === 0) return { town, date, keyDates: [], recorded: 0, sent: 0 };

  // The outbox keeps a town's mail by day: an alert that went out on an earlier day of its window is found there.
  const intentsByDay = new Map<IsoDate, MailIntent[]>();
  const intentsOn = async (day: IsoDate) => {
    const known = intentsByDay.get(day);
    if (known) return known;
    const intents = await listIntents(town, day);
    intentsByDay.set(day, intents);
    return intents;
  };
  async function alreadyAlerted(window: KeyDateWindow, recipients: ReadonlySet<string>): Promise<Set<string>> {
    const found = new Set<string>();
    const purpose = keyDateAlertPurpose(window.keyDate.id);
    for (const day of earlierAlertDays(plan, window, date, calendar)) {
      for (const intent of await intentsOn(day)) if (intent.purpose === purpose) found.add(intent.recipient);
      if ([...recipients].every((r) => found.has(r))) break;
    }
    return found;
  }

  const ctx = { plan, today: date, consoleUrl: env.CONSOLE_URL };
  const shard = shardOf(town, env.FOLLOW_UP_SHARDS);
  let hazards: HazardRecord[] | undefined;
  let recorded = 0;
  let created = 0;
  const keyDates: { id: string; alertOn: IsoDate; recorded: number; alreadySent: number }[] = [];
  for (const window of due) {
    const recipients = new Set(unitAlerts(plan, window, [], []).flatMap((a) => a.unit.contacts.map((c) => c.email)));
    const sentBefore = await alreadyAlerted(window, recipients);
    if ([...recipients].every((r) => sentBefore.has(r))) {
      keyDates.push({ id: window.keyDate.id, alertOn: window.alertOn, recorded: 0, alreadySent: sentBefore.size });
      continue;
    }
    // The raised-vigilance duties of the key date: the dated opener has usually opened them today; any gap is filled.
    for (const record of vigilanceInstances(plan, planVersion, window, date, calendar)) if (await createInstance(record)) created += 1;
    const instances = await listPeriodInstances(town, window.period.id);
    hazards ??= await listHazards(town, { listed: true, status: 'open' });
    const mails = keyDateAlertMails(ctx, unitAlerts(plan, window, instances, hazards), sentBefore);
    // Outbox order: marked for the follow-up to deliver should this step stop before it does, recorded, then sent.
    if (mails.length > 0 && recorded === 0) await markUndelivered(date, shard, town);
    let recordedHere = 0;
    for (const mail of mails) {
      const isNew = await recordMail({ town, date, recipient: mail.recipient, kind: 'alert', purpose: mail.purpose, content: mail.content, instanceIds: mail.instanceIds });
      if (isNew) recordedHere += 1;
    }
    recorded += mails.length;
    keyDates.push({ id: window.keyDate.id, alertOn: window.alertOn, recorded: recordedHere, alreadySent: sentBefore.size });
  }
  const delivered = recorded > 0 ? await deliver(town, date) : { sent: 0, rejected: 0, uncertain: 0 };
  if (recorded > 0) await clearUndelivered(date, shard, town);
  const unreachable = unreachableUnits(plan);
  if (unreachable.length > 0) logger.warn('units without a contact address get no key-date alert', { town, units: unreachable });
  logger.info('key-date alerts', { town, date, keyDates, created, sent: delivered.sent });
  return { town, date, keyDates, instancesCreated: created, recorded, sent: delivered.sent, rejected: delivered.rejected, unreachable };
});
