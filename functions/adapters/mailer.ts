import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { EmailThrottledError } from '../core/errors.ts';
import type { MailKind } from '../core/follow-up.ts';
import type { EmailContent } from '../core/messages.ts';
import { sesClient } from './aws-clients.ts';
import { z } from 'zod';
import { loadEnv } from './env.ts';
import { logger } from './logger.ts';
import { claimIntent, settleIntent } from './table.ts';

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

export type Delivery = 'sent' | 'already-sent' | 'uncertain' | 'rejected';

const env = loadEnv(
  z.object({
    MAIL_FROM: z.email().default('fireplan@example.org'),
    MAIL_CONFIGURATION_SET: z.string().min(1).optional(),
  }),
);

const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'LimitExceededException']);
const REJECTED = new Set(['MessageRejected', 'BadRequestException', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'SendingPausedException']);

/**
 * Send a mail at most once per (town, day, recipient, purpose): the intent is recorded first and is
 * the guard. A throttled send is marked retryable and raised for the workflow to retry with backoff;
 * a rejected address is recorded and does not stop the other recipients.
 */
export async function sendOnce(mail: Outgoing): Promise<Delivery> {
  const key = { town: mail.town, date: mail.date, recipient: mail.recipient, purpose: mail.purpose };
  const { claimed, existing } = await claimIntent({ ...key, kind: mail.kind, subject: mail.content.subject, instanceIds: mail.instanceIds });
  if (!claimed) {
    if (existing?.status === 'sent') return 'already-sent';
    if (existing?.status === 'rejected') return 'rejected';
    logger.warn('mail intent found pending: not sending again', { ...key });
    return 'uncertain';
  }
  try {
    const result = await sesClient.send(
      new SendEmailCommand({
        FromEmailAddress: env.MAIL_FROM,
        Destination: { ToAddresses: [mail.recipient] },
        ...(env.MAIL_CONFIGURATION_SET ? { ConfigurationSetName: env.MAIL_CONFIGURATION_SET } : {}),
        Content: {
          Simple: {
            Subject: { Data: mail.content.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: mail.content.text, Charset: 'UTF-8' }, Html: { Data: mail.content.html, Charset: 'UTF-8' } },
          },
        },
        EmailTags: [
          { Name: 'town', Value: mail.town },
          { Name: 'purpose', Value: mail.purpose.replace(/[^A-Za-z0-9_-]/g, '_') },
        ],
      }),
    );
    await settleIntent(key, 'sent', { messageId: result.MessageId ?? '' });
    return 'sent';
  } catch (error) {
    const name = (error as Error).name;
    if (THROTTLING.has(name)) {
      await settleIntent(key, 'retryable', { reason: name });
      throw new EmailThrottledError(`SES throttled the mail to ${mail.recipient}`, { cause: error });
    }
    if (REJECTED.has(name)) {
      await settleIntent(key, 'rejected', { reason: `${name}: ${(error as Error).message}` });
      logger.warn('mail rejected', { ...key, reason: name });
      return 'rejected';
    }
    // Anything else (a timeout, a dropped connection) may or may not have sent it: leave the intent pending.
    throw error;
  }
}
