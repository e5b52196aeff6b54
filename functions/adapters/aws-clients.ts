import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Module singletons, created once per Lambda container, each with request timeouts so that a hung
 * connection fails the attempt instead of the whole invocation. Endpoints come from the SDK's own
 * AWS_ENDPOINT_URL_* variables, which only the local runtime sets.
 */
export const dynamoClient = new DynamoDBClient({
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
});

export const documentClient = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});

export const sesClient = new SESv2Client({
  // SES throttling is retried by the SDK with backoff first; what still fails is retried by the workflow.
  maxAttempts: 4,
  retryMode: 'adaptive',
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 10_000 },
});
