import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { EmailThrottledError } from '../core/errors.ts';
import type { MailKind } from '../core/follow-up.ts';
import type { EmailContent } from '../core/messages.ts';
import { sesClient } from './aws-clients.ts';
import { z } from 'zod';
import { loadEnv } from './env.ts';
import { logger } from './logger.ts';
import { clearUndelivered, intentPut, listIntents, markUndelivered, recordIntent, settleIntent, startSending, undeliveredPut, type TransactItem } from './table.ts';

export interface Outgoing {
  town: string;
  /** The day the mail belongs to: one digest per recipient per day. */
  date: string;
  recipient: string;
  /** What the mail is for, e.g. `digest`, `monthly-report#2022-05`; with town, date and recipient it is the idempotency key. */
  purpose: string;
  kind: MailKind;
  content: EmailContent;
  instanceIds: string[];
}

const env = loadEnv(
  z.object({
    MAIL_FROM: z.email().default('fireplan@example.org'),
    MAIL_CONFIGURATION_SET: z.string().min(1).optional(),
  }),
);

const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'LimitExceededException']);
const REJECTED = new Set(['MessageRejected', 'BadRequestException', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'SendingPausedException']);

/** Record a mail in the outbox: decided, with its content, before the state that caused it is written. */
export async function recordMail(mail: Outgoing): Promise<boolean> {
  return recordIntent({
    town: mail.town,
    date: mail.date,
    recipient: mail.recipient,
    purpose: mail.purpose,
    kind: mail.kind,
    subject: mail.content.subject,
    text: mail.content.text,
    html: mail.content.html,
    instanceIds: mail.instanceIds,
  });
}

export interface Deliveries {
  sent: number;
  rejected: number;
  /** Attempts an earlier run started and never finished: maybe delivered, never sent again. */
  uncertain: number;
}

/**
 * Send every mail of a town's day that is recorded and not yet attempted (or was throttled), each
 * once: an attempt takes the mail (`sending`) before calling SES, so a retried or concurrent step
 * never sends it twice. Throttling marks it retryable and raises EmailThrottledError for the
 * workflow to retry with backoff; a rejected address is recorded and the others go on.
 */
export async function deliver(town: string, date: string): Promise<Deliveries> {
  const tally: Deliveries = { sent: 0, rejected: 0, uncertain: 0 };
  let throttled: Error | undefined;
  for (const intent of await listIntents(town, date)) {
    if (intent.status === 'sending') tally.uncertain += 1;
    if (intent.status !== 'recorded' && intent.status !== 'retryable') continue;
    if (!(await startSending(intent))) continue;
    try {
      const result = await sesClient.send(
        new SendEmailCommand({
          FromEmailAddress: env.MAIL_FROM,
          Destination: { ToAddresses: [intent.recipient] },
          ...(env.MAIL_CONFIGURATION_SET ? { ConfigurationSetName: env.MAIL_CONFIGURATION_SET } : {}),
          Content: {
            Simple: {
              Subject: { Data: intent.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: intent.text, Charset: 'UTF-8' }, Html: { Data: intent.html, Charset: 'UTF-8' } },
            },
          },
          EmailTags: [
            { Name: 'town', Value: town.replace(/[^A-Za-z0-9_-]/g, '_') },
            { Name: 'purpose', Value: intent.purpose.replace(/[^A-Za-z0-9_-]/g, '_') },
          ],
        }),
      );
      await settleIntent(intent, 'sent', { messageId: result.MessageId ?? '' });
      tally.sent += 1;
    } catch (error) {
      const name = (error as Error).name;
      if (THROTTLING.has(name)) {
        await settleIntent(intent, 'retryable', { reason: name });
        throttled ??= error as Error;
        continue;
      }
      if (REJECTED.has(name)) {
        await settleIntent(intent, 'rejected', { reason: `${name}: ${(error as Error).message}` });
        logger.warn('mail rejected', { town, date, recipient: intent.recipient, reason: name });
        tally.rejected += 1;
        continue;
      }
      // Anything else (a timeout, a dropped connection) may or may not have sent it: it stays `sending`.
      throw error;
    }
  }
  if (throttled) throw new EmailThrottledError(`SES throttled mail of ${town} on ${date}`, { cause: throttled });
  return tally;
}

/**
 * The notices a request tells, as the items of its transaction: one outbox intent per mail in the
 * outbox of `date` (the next follow-up's, which delivers them should the request fail to), and the
 * town's undelivered mark; nothing when there is no mail. `deliverNow` sends them once written.
 */
export function noticeItems(
  town: string,
  outbox: { date: string; shard: number },
  purpose: string,
  mails: readonly { to: string; content: EmailContent; instanceIds: string[] }[],
): TransactItem[] {
  if (mails.length === 0) return [];
  const intents = mails.map((mail) =>
    intentPut({
      town,
      date: outbox.date,
      recipient: mail.to,
      purpose,
      kind: 'notice',
      subject: mail.content.subject,
      text: mail.content.text,
      html: mail.content.html,
      instanceIds: mail.instanceIds,
    }),
  );
  return [...intents, undeliveredPut(outbox.date, outbox.shard, town)];
}

/**
 * Sends now the mail a request recorded in its outbox day (`date`, the next follow-up's) with the
 * town's undelivered mark: the mark is cleared once nothing of the day is left to send. When SES
 * fails the request still succeeds: the mark is (re)set (a concurrent request of the same town may
 * have cleared it) and the next follow-up delivers the mail first. `what` names the mail in the
 * log (`an incident`), `context` says which.
 */
export async function deliverNow(town: string, outbox: { date: string; shard: number }, what: string, context: Record<string, unknown>): Promise<void> {
  try {
    await deliver(town, outbox.date);
    const left = (await listIntents(town, outbox.date)).some((i) => i.status === 'recorded' || i.status === 'retryable');
    if (!left) await clearUndelivered(outbox.date, outbox.shard, town);
  } catch (error) {
    logger.warn(`the mail of ${what} was not delivered: the next follow-up delivers it`, { town, date: outbox.date, ...context, error });
    try {
      await markUndelivered(outbox.date, outbox.shard, town);
    } catch (again) {
      logger.error('could not set the undelivered mark again', { town, date: outbox.date, ...context, error: again });
    }
  }
}
