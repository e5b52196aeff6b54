import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
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

/**
 * Evidence files (functions/adapters/evidence.ts). Path-style addressing when an endpoint is set
 * (the local S3 stand-in serves `<endpoint>/<bucket>/<key>`); virtual-hosted on AWS. Checksums only
 * where an operation requires one: otherwise a presigned PUT would carry the CRC32 of an empty
 * body, which S3 checks against the uploaded file and refuses. Marked pure (the environment read
 * too) so that the bundle of a function that does not use it leaves the S3 client out.
 */
const s3EndpointSet = /* @__PURE__ */ (() => process.env['AWS_ENDPOINT_URL_S3'] !== undefined)();

export const s3Client = /* @__PURE__ */ new S3Client({
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
  forcePathStyle: s3EndpointSet,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
