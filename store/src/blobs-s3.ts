import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { FileBlobBackend, type BlobBackend } from './blobs';

/** Where an S3-compatible blob store is (BLOB_S3_* settings): AWS S3, MinIO, Ceph, R2, or moto in tests. */
export interface S3BlobOptions {
  bucket: string;
  /** Keys are `<prefix><workspace>/<blob key>`. */
  prefix?: string;
  region?: string;
  /** A compatible server's URL (`http://127.0.0.1:9000`); unset: AWS. */
  endpoint?: string;
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`), which most compatible servers need. */
  forcePathStyle?: boolean;
  /** Unset: the SDK's default chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Blobs in S3-compatible object storage: what several servers and workers share at scale. The bytes are already
 * encrypted with the workspace's data key (BlobStore), so the bucket holds only ciphertext; a PUT is atomic, so
 * a crash leaves no half blob.
 */
export class S3BlobBackend implements BlobBackend {
  private readonly client: S3Client;

  constructor(private readonly o: S3BlobOptions) {
    this.client = new S3Client({
      region: o.region ?? 'us-east-1',
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.forcePathStyle ? { forcePathStyle: true } : {}),
      ...(o.credentials ? { credentials: o.credentials } : {}),
    });
  }

  private key(key: string): string {
    return `${this.o.prefix ?? ''}${key}`;
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.o.bucket, Key: this.key(key), Body: bytes, ContentType: 'application/octet-stream' }));
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: this.key(key) }));
      return res.Body ? Buffer.from(await res.Body.transformToByteArray()) : undefined;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: this.key(key) }));
  }

  close(): void {
    this.client.destroy();
  }
}

/** The blob backend the settings name: files under `<DATA_DIR>/blobs`, or an S3-compatible bucket. */
export function blobBackendFromConfig(config: {
  DATA_DIR: string;
  BLOB_STORE: 'file' | 's3';
  BLOB_S3_BUCKET?: string | undefined;
  BLOB_S3_ENDPOINT?: string | undefined;
  BLOB_S3_REGION: string;
  BLOB_S3_PREFIX: string;
  BLOB_S3_FORCE_PATH_STYLE: '0' | '1';
}): BlobBackend {
  if (config.BLOB_STORE === 'file') return new FileBlobBackend(path.join(config.DATA_DIR, 'blobs'));
  return new S3BlobBackend({
    bucket: config.BLOB_S3_BUCKET!,
    prefix: config.BLOB_S3_PREFIX,
    region: config.BLOB_S3_REGION,
    ...(config.BLOB_S3_ENDPOINT ? { endpoint: config.BLOB_S3_ENDPOINT } : {}),
    forcePathStyle: config.BLOB_S3_FORCE_PATH_STYLE === '1',
  });
}
