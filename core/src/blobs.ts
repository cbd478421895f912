/**
 * Large values of a run (an action's 5 MB answer, a 10,000-item loop's outputs) live in the blob store and travel
 * through Temporal as a small reference: history holds the reference, never the bytes (docs/big-runs.md).
 * Pure: shared by the worker, its workflow sandbox, the server and the editor.
 */

/** A value whose JSON takes more bytes than this is stored as a blob and passed as a reference. */
export const BLOB_INLINE_LIMIT_BYTES = 128 * 1024;
/** The first characters of a blob's JSON kept in its reference, for the run view. */
export const BLOB_PREVIEW_CHARS = 512;

/** A stored value: what expressions, the run view and the API see in place of the value itself. */
export interface BlobRef {
  $blob: {
    /** `blob_<32 hex>`; with the workspace it locates the bytes. */
    key: string;
    /** Bytes of the stored value (its JSON, UTF-8). */
    size: number;
    mediaType: string;
    /** The start of the value's JSON (BLOB_PREVIEW_CHARS). */
    preview: string;
    /** Items, when the value is a list (a forEach can run over it without loading it). */
    length?: number;
    /** A file's name (`POST /v1/files`, an attachment). */
    name?: string;
  };
}

export const BLOB_KEY_PATTERN = /^blob_[0-9a-f]{32}$/;

export function isBlobRef(value: unknown): value is BlobRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const inner = (value as { $blob?: unknown }).$blob;
  return (
    Object.keys(value).length === 1 &&
    typeof inner === 'object' &&
    inner !== null &&
    typeof (inner as { key?: unknown }).key === 'string' &&
    BLOB_KEY_PATTERN.test((inner as { key: string }).key)
  );
}

/** Whether a value holds a blob reference anywhere (bounded walk: refs sit near the top of node outputs). */
export function containsBlobRef(value: unknown, depth = 0): boolean {
  if (depth > 64 || typeof value !== 'object' || value === null) return false;
  if (isBlobRef(value)) return true;
  if (Array.isArray(value)) return value.some((v) => containsBlobRef(v, depth + 1));
  for (const v of Object.values(value)) if (containsBlobRef(v, depth + 1)) return true;
  return false;
}

/** Every blob reference inside a value, depth first. */
export function blobRefsIn(value: unknown, out: BlobRef[] = [], depth = 0): BlobRef[] {
  if (depth > 64 || typeof value !== 'object' || value === null) return out;
  if (isBlobRef(value)) out.push(value);
  else if (Array.isArray(value)) for (const v of value) blobRefsIn(v, out, depth + 1);
  else for (const v of Object.values(value)) blobRefsIn(v, out, depth + 1);
  return out;
}

/** Replaces every blob reference inside a value by what `load` gives for it (the worker's hydration). */
export async function replaceBlobRefs(value: unknown, load: (ref: BlobRef) => Promise<unknown>, depth = 0): Promise<unknown> {
  if (depth > 64 || typeof value !== 'object' || value === null) return value;
  if (isBlobRef(value)) return load(value);
  if (Array.isArray(value)) return Promise.all(value.map((v) => replaceBlobRefs(v, load, depth + 1)));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = await replaceBlobRefs(v, load, depth + 1);
  return out;
}

/** Activities of the blob store the interpreter calls (local activities: their input never enters the history). */
export const BlobActivities = {
  /** Evaluates expressions over a scope holding blob references, in the worker (never in the workflow sandbox). */
  evaluate: 'switchyard.blobs.evaluate',
  /** Joins a big loop's batch outputs (each a list, inline or a blob) into one list, stored as a blob when large. */
  joinLists: 'switchyard.blobs.joinLists',
  /** Items `from`…`from + count` of a stored list (a big loop's batch reads its own). */
  slice: 'switchyard.blobs.slice',
  /** The workspace's limits of big runs (WorkspaceLimits). */
  limits: 'switchyard.limits',
} as const;

export interface BlobSliceInput {
  workspaceId: string;
  ref: BlobRef;
  from: number;
  count: number;
}

/** What `switchyard.blobs.evaluate` gets: a mapping (or one `{ $expr }`) and the scope it reads. */
export interface BlobEvaluateInput {
  workspaceId: string;
  /** The run's workflow id: a large result is stored as a blob of this run. */
  workflowId: string;
  mapping: unknown;
  scope: Record<string, unknown>;
}

export interface BlobJoinInput {
  workspaceId: string;
  workflowId: string;
  parts: unknown[];
}

/** The workspace limits of big runs (docs/big-runs.md); errors name the limit and the setting that raises it. */
export interface WorkspaceLimits {
  /** Most items one forEach may run over. */
  maxLoopItems: number;
  /** Largest single blob, bytes. */
  maxBlobBytes: number;
  /** Most bytes all of a workspace's blobs may take. */
  maxStorageBytes: number;
}

export const DEFAULT_WORKSPACE_LIMITS: WorkspaceLimits = {
  maxLoopItems: 100_000,
  maxBlobBytes: 256 * 1024 * 1024,
  maxStorageBytes: 10 * 1024 * 1024 * 1024,
};

/**
 * What `POST /v1/files` accepts (the `Content-Type` of the upload): audio for transcription, images, documents, data.
 * A file is a blob with a name and a media type other than JSON: activities do not load it into an action's input
 * (only JSON values are); an action reads it when it needs the bytes.
 */
export const FILE_MEDIA_TYPES = [
  'audio/wav',
  'audio/x-wav',
  'audio/mpeg',
  'audio/mp4',
  'audio/webm',
  'audio/ogg',
  'audio/flac',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/zip',
  'application/octet-stream',
] as const;

/** A file name as stored and sent on (no path, no control characters). */
export const FILE_NAME_PATTERN = /^[^/\\\x00-\x1f]{1,200}$/;

/** The error type of a refused blob or loop (a limit reached): not retryable, names the limit. */
export const LIMIT_EXCEEDED = 'LimitExceeded';
