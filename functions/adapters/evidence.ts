import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';
import { StorageError } from '../core/errors.ts';
import { s3Client } from './aws-clients.ts';
import { loadEnv } from './env.ts';

/**
 * The evidence bucket (docs/api-instances.md): presigned uploads, and what an uploaded file is.
 * Only the functions the CDK app gives the bucket (`useEvidence`) load this module: it needs
 * EVIDENCE_BUCKET at load.
 */

const env = loadEnv(z.object({ EVIDENCE_BUCKET: z.string().min(3).max(63) }));
export const EVIDENCE_BUCKET = env.EVIDENCE_BUCKET;

/** How long a presigned upload URL is good for. */
export const UPLOAD_EXPIRY_SECONDS = 15 * 60;

export interface PresignedUpload {
  url: string;
  /** When the URL stops working (ISO instant). */
  expiresAt: string;
}

/**
 * A URL to PUT one file at `key`, with its content type and size signed into it: S3 refuses (403)
 * a PUT whose `content-type` or `content-length` differs, or that comes after the expiry. Signed
 * at `signedAt`, the request's time (handlers never read the clock).
 */
export async function presignUpload(input: { key: string; contentType: string; size: number; signedAt: Date }): Promise<PresignedUpload> {
  const command = new PutObjectCommand({ Bucket: EVIDENCE_BUCKET, Key: input.key, ContentType: input.contentType, ContentLength: input.size });
  let url: string;
  try {
    url = await getSignedUrl(s3Client, command, {
      expiresIn: UPLOAD_EXPIRY_SECONDS,
      signingDate: input.signedAt,
      // The presigner leaves content-type unsigned unless told: sign it, so the type is fixed too.
      signableHeaders: new Set(['content-type', 'content-length']),
    });
  } catch (error) {
    throw new StorageError(`presign evidence upload failed: ${(error as Error).message}`, { cause: error });
  }
  return { url, expiresAt: new Date(input.signedAt.getTime() + UPLOAD_EXPIRY_SECONDS * 1000).toISOString() };
}

export interface StoredFile {
  size: number;
  contentType: string | undefined;
}

/** The file at `key` (HeadObject), or undefined when there is none. */
export async function storedFile(key: string): Promise<StoredFile | undefined> {
  try {
    const head = await s3Client.send(new HeadObjectCommand({ Bucket: EVIDENCE_BUCKET, Key: key }));
    return { size: head.ContentLength ?? 0, contentType: head.ContentType };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if ((error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey' || status === 404) return undefined;
    throw new StorageError(`head evidence ${key} failed: ${(error as Error).message}`, { cause: error });
  }
}
