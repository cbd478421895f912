import { useId, useState } from 'react';
import { isBlobRef, type BlobRef } from '#core/blobs';
import { sessionHeaders } from '../api/client';
import { JsonView } from '../components/json-view';

/** Bytes as people read them: `5.2 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * A node's input or output: as JSON, or, when the run stored it as a blob (over 128 KiB, docs/big-runs.md), its size,
 * the start of it and a download (the API key goes in a header, so the download is fetched, not linked).
 */
export function ValueView({ label, value, empty, runId }: { label: string; value: unknown; empty: string; runId?: string | undefined }) {
  if (!isBlobRef(value)) return <JsonView label={label} value={value} empty={empty} />;
  return <BlobView label={label} blob={value} runId={runId} />;
}

function BlobView({ label, blob, runId }: { label: string; blob: BlobRef; runId?: string | undefined }) {
  const id = useId();
  const [error, setError] = useState<string>();
  const { key, size, mediaType, preview, length } = blob.$blob;
  const download = async () => {
    setError(undefined);
    try {
      const res = await fetch(`/api/runs/${encodeURIComponent(runId!)}/blobs/${key}/content`, { credentials: 'same-origin', headers: sessionHeaders('GET') });
      if (!res.ok) throw new Error(`The server answered ${res.status}`);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `${label.toLowerCase()}-${key}${mediaType.includes('json') ? '.json' : ''}`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      setError(`Could not download it: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return (
    <section className="json-view blob-view" aria-labelledby={id}>
      <div>
        <span className="json-label" id={id}>
          {label}
        </span>{' '}
        <span className="muted">
          stored value · {formatBytes(size)} · {mediaType}
          {length !== undefined ? ` · ${length} items` : ''}
        </span>
      </div>
      {preview && (
        <pre tabIndex={0} aria-label={`Start of the ${label.toLowerCase()}`}>
          {preview}
          {preview.length < size ? '…' : ''}
        </pre>
      )}
      {runId && (
        <button type="button" onClick={() => void download()}>
          Download {label.toLowerCase()}
        </button>
      )}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
