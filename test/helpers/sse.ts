/** A small server-sent-events reader for tests (the app client in clients/js has its own). */
export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Opens `url` and yields each message until the stream ends (or `signal` aborts). Throws on a non-200 answer. */
export async function* readSse(url: string, headers: Record<string, string>, signal?: AbortSignal): AsyncGenerator<SseMessage> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, ...(signal ? { signal } : {}) });
  if (res.status !== 200 || !res.body) throw new Error(`SSE ${url} answered ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let current: Partial<SseMessage> & { data?: string } = {};
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (current.data !== undefined) yield { ...current, data: current.data };
        current = {};
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') current.data = current.data === undefined ? value : `${current.data}\n${value}`;
      else if (field === 'id') current.id = value;
      else if (field === 'event') current.event = value;
    }
  }
}
