import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { MessageRejected, SendEmailCommand, SESv2Client, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deliver, recordMail, type Outgoing } from '../../functions/adapters/mailer.ts';
import type { IntentStatus } from '../../functions/adapters/table.ts';
import { EmailThrottledError } from '../../functions/core/errors.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);

const mail: Outgoing = {
  town: 'qingfeng',
  date: '2022-08-02',
  recipient: 'emergency-office@qingfeng.example.org',
  purpose: 'digest',
  kind: 'escalation',
  content: { subject: '【督办·黄灯】应急办：…', text: '请于2022-08-08前报送', html: '<p>请于2022-08-08前报送</p>' },
  instanceIds: ['qingfeng:monthly-analysis:emergency-office:2022-07'],
};
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });

function stored(status: IntentStatus, recipient = mail.recipient) {
  return {
    pk: 'MAIL#qingfeng#2022-08-02',
    sk: `${recipient}#digest`,
    town: 'qingfeng',
    date: '2022-08-02',
    recipient,
    purpose: 'digest',
    kind: 'escalation',
    subject: mail.content.subject,
    text: mail.content.text,
    html: mail.content.html,
    instanceIds: mail.instanceIds,
    status,
  };
}

beforeEach(() => {
  dynamo.reset();
  ses.reset();
});

describe('recordMail', () => {
  it('stores the mail and its content in the outbox, once per recipient, purpose and day', async () => {
    dynamo.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());

    const first = await recordMail(mail);
    const again = await recordMail(mail);

    expect([first, again]).toEqual([true, false]);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: expect.objectContaining({ pk: 'MAIL#qingfeng#2022-08-02', sk: 'emergency-office@qingfeng.example.org#digest', status: 'recorded', text: mail.content.text }),
    });
  });
});

describe('deliver', () => {
  it('takes each recorded mail for sending, sends it as UTF-8 text and HTML, and marks it sent', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [stored('recorded')] });
    dynamo.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

    const tally = await deliver('qingfeng', '2022-08-02');

    expect(tally).toEqual({ sent: 1, rejected: 0, uncertain: 0 });
    expect(dynamo).toHaveReceivedNthCommandWith(UpdateCommand, 1, { ConditionExpression: '#s IN (:recorded, :retryable)', ExpressionAttributeValues: expect.objectContaining({ ':sending': 'sending' }) });
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      ConfigurationSetName: 'fireplan-test',
      Destination: { ToAddresses: ['emergency-office@qingfeng.example.org'] },
      Content: {
        Simple: {
          Subject: { Data: mail.content.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: mail.content.text, Charset: 'UTF-8' }, Html: { Data: mail.content.html, Charset: 'UTF-8' } },
        },
      },
    });
    expect(dynamo).toHaveReceivedNthCommandWith(UpdateCommand, 2, { ExpressionAttributeValues: expect.objectContaining({ ':s': 'sent', ':m': 'm-1' }) });
  });

  it('sends nothing already sent, and never again a mail whose earlier attempt did not finish', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [stored('sent'), stored('sending', 'village-1@qingfeng.example.org'), stored('rejected', 'x@qingfeng.example.org')] });

    const tally = await deliver('qingfeng', '2022-08-02');

    expect(tally).toEqual({ sent: 0, rejected: 0, uncertain: 1 });
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('does not send a mail another attempt took first', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [stored('recorded')] });
    dynamo.on(UpdateCommand).rejects(conditionFailed());

    const tally = await deliver('qingfeng', '2022-08-02');

    expect(tally.sent).toBe(0);
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('marks a throttled mail retryable, sends the others, then raises EmailThrottledError for the workflow to retry', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [stored('recorded'), stored('recorded', 'village-1@qingfeng.example.org')] });
    dynamo.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).rejectsOnce(new TooManyRequestsException({ message: 'slow down', $metadata: {} })).resolves({ MessageId: 'm-2' });

    await expect(deliver('qingfeng', '2022-08-02')).rejects.toBeInstanceOf(EmailThrottledError);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 2);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':s': 'retryable' }) });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':s': 'sent', ':m': 'm-2' }) });
  });

  it('sends a mail whose earlier attempt was throttled', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [stored('retryable')] });
    dynamo.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-3' });

    const tally = await deliver('qingfeng', '2022-08-02');

    expect(tally.sent).toBe(1);
  });

  it('records a rejected address and carries on with the other recipients', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [stored('recorded'), stored('recorded', 'village-1@qingfeng.example.org')] });
    dynamo.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).rejectsOnce(new MessageRejected({ message: 'Address blacklisted', $metadata: {} })).resolves({ MessageId: 'm-4' });

    const tally = await deliver('qingfeng', '2022-08-02');

    expect(tally).toEqual({ sent: 1, rejected: 1, uncertain: 0 });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':s': 'rejected' }) });
  });
});
