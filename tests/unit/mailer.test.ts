import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client, TooManyRequestsException, MessageRejected } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { sendOnce, type Outgoing } from '../../functions/adapters/mailer.ts';
import { EmailThrottledError } from '../../functions/core/errors.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);

const mail: Outgoing = {
  town: 'qingfeng',
  date: '2022-08-02',
  recipient: 'emergency-office@qingfeng.example.org',
  purpose: 'digest',
  content: { subject: '【督办·黄灯】应急办：…', text: '请于2022-08-08前报送', html: '<p>请于2022-08-08前报送</p>' },
  instanceIds: ['qingfeng:monthly-analysis:emergency-office:2022-07'],
};
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });

beforeEach(() => {
  dynamo.reset();
  ses.reset();
});

describe('sendOnce', () => {
  it('records the intent, sends a UTF-8 mail with text and HTML parts, then marks it sent', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

    const delivery = await sendOnce(mail);

    expect(delivery).toBe('sent');
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: expect.objectContaining({ pk: 'MAIL#qingfeng#2022-08-02', sk: 'emergency-office@qingfeng.example.org#digest', status: 'pending' }),
    });
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
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':s': 'sent', ':m': 'm-1' }) });
  });

  it('does not send again when the intent is already sent', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: { status: 'sent' } });

    const delivery = await sendOnce(mail);

    expect(delivery).toBe('already-sent');
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('does not send again after a crash left the intent pending', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: { status: 'pending' } });

    const delivery = await sendOnce(mail);

    expect(delivery).toBe('uncertain');
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('marks a throttled send retryable and raises EmailThrottledError for the workflow to retry', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).rejects(new TooManyRequestsException({ message: 'slow down', $metadata: {} }));

    await expect(sendOnce(mail)).rejects.toBeInstanceOf(EmailThrottledError);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':s': 'retryable' }) });
  });

  it('sends a mail whose earlier attempt was throttled', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-2' });

    const delivery = await sendOnce(mail);

    expect(delivery).toBe('sent');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ConditionExpression: '#s = :retryable' });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
  });

  it('records a rejected address and carries on', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).rejects(new MessageRejected({ message: 'Address blacklisted', $metadata: {} }));

    const delivery = await sendOnce(mail);

    expect(delivery).toBe('rejected');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':s': 'rejected' }) });
  });
});
