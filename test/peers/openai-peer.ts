import crypto from 'node:crypto';
import { startHttpPeer, type Hit } from '../helpers/http-peer';

/**
 * A local stand-in for the OpenAI API (https://platform.openai.com/docs/api-reference), close enough
 * that the official `openai` SDK talks to it unchanged: `POST /v1/chat/completions` and `GET /v1/models`,
 * Bearer keys, OpenAI's error bodies and statuses. Tests script it with a queue of answers and read back
 * the requests it recorded. Listens on 127.0.0.1 only.
 */

/** A successful chat completion to return next. */
export interface ScriptedReply {
  /** The reply text (default: an echo of the last user message). */
  content?: string | null;
  /** Sent as the content, JSON-encoded (for json_schema requests). */
  json?: unknown;
  refusal?: string;
  /** Default `stop`. */
  finishReason?: string;
  /** Default: the requested model with a dated suffix, as OpenAI answers. */
  model?: string;
  /** Default: counted from the request and the reply (whitespace-separated words). */
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens?: number };
  /** Drop the usage object, like some compatible servers. */
  omitUsage?: boolean;
}

/** An API error to return next, in OpenAI's error shape. */
export interface ScriptedError {
  status: number;
  message: string;
  /** Default `invalid_request_error` (`server_error` for 5xx, `requests` for 429). */
  type?: string;
  code?: string | null;
  param?: string | null;
  headers?: Record<string, string>;
}

export type ScriptedAnswer = { reply: ScriptedReply } | { error: ScriptedError };

export interface ChatRequest {
  authorization: string | undefined;
  /** When the peer received it (ms since the epoch). */
  receivedAt: number;
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    temperature?: number;
    max_tokens?: number;
    max_completion_tokens?: number;
    response_format?: { type: string; json_schema?: { name: string; schema?: unknown; strict?: boolean } };
    [key: string]: unknown;
  };
}

export interface TranscriptionRequest {
  authorization: string | undefined;
  model: string;
  fileName: string;
  fileType: string;
  bytes: Buffer;
  language: string | undefined;
  prompt: string | undefined;
  responseFormat: string | undefined;
}

const CREATED = 1_700_000_000;
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'];

function errorBody(e: ScriptedError) {
  const type = e.type ?? (e.status >= 500 ? 'server_error' : e.status === 429 ? 'requests' : 'invalid_request_error');
  return { error: { message: e.message, type, param: e.param ?? null, code: e.code ?? null } };
}

function maskKey(key: string): string {
  return key.length <= 8 ? '***' : `${key.slice(0, 3)}***${key.slice(-4)}`;
}

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** Starts the peer; `keys` are the API keys it accepts. */
export async function startOpenAIPeer(o: { keys: string[] }) {
  const keys = new Set(o.keys);
  const queue: ScriptedAnswer[] = [];
  const receivedAt = new WeakMap<Hit, number>();

  const route = (hit: Hit) => {
    receivedAt.set(hit, Date.now());
    const [path] = hit.path.split('?');
    const auth = hit.headers.authorization;
    const key = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    if (!key) {
      return {
        status: 401,
        body: errorBody({
          status: 401,
          message:
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          code: null,
        }),
      };
    }
    if (!keys.has(key)) {
      return {
        status: 401,
        body: errorBody({
          status: 401,
          message: `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          code: 'invalid_api_key',
        }),
      };
    }
    if (hit.method === 'GET' && path === '/v1/models') {
      return { body: { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'system' })) } };
    }
    if (hit.method === 'POST' && path === '/v1/chat/completions') return chatCompletion(hit);
    if (hit.method === 'POST' && path === '/v1/audio/transcriptions') return transcription(hit);
    return {
      status: 404,
      body: errorBody({ status: 404, message: `Invalid URL (${hit.method} ${path})`, code: null }),
    };
  };

  const chatCompletion = (hit: Hit) => {
    let body: ChatRequest['body'];
    try {
      body = JSON.parse(hit.body) as ChatRequest['body'];
    } catch {
      return {
        status: 400,
        body: errorBody({
          status: 400,
          message: "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
        }),
      };
    }
    if (typeof body.model !== 'string' || body.model === '') {
      return { status: 400, body: errorBody({ status: 400, message: 'you must provide a model parameter', param: 'model' }) };
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return {
        status: 400,
        body: errorBody({
          status: 400,
          message: "Invalid 'messages': empty array. Expected an array with minimum length 1.",
          param: 'messages',
          code: 'empty_array',
        }),
      };
    }
    const next = queue.shift();
    if (next && 'error' in next) {
      return { status: next.error.status, headers: next.error.headers ?? {}, body: errorBody(next.error) };
    }
    const reply: ScriptedReply = next?.reply ?? {};
    const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
    const content =
      reply.json !== undefined
        ? JSON.stringify(reply.json)
        : reply.content !== undefined
          ? reply.content
          : body.response_format?.type === 'json_schema'
            ? '{}'
            : `echo: ${lastUser?.content ?? ''}`;
    const prompt = body.messages.reduce((n, m) => n + words(String(m.content)), 0);
    const completion = words(content ?? '');
    const usage = reply.usage ?? { prompt_tokens: prompt, completion_tokens: completion };
    return {
      body: {
        id: `chatcmpl-${crypto.randomBytes(12).toString('hex')}`,
        object: 'chat.completion',
        created: CREATED,
        model: reply.model ?? `${body.model}-2024-07-18`,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: reply.refusal ? null : content, refusal: reply.refusal ?? null, annotations: [] },
            logprobs: null,
            finish_reason: reply.finishReason ?? 'stop',
          },
        ],
        ...(reply.omitUsage
          ? {}
          : {
              usage: {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
                total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
                prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
                completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
              },
            }),
        service_tier: 'default',
        system_fingerprint: 'fp_peer',
      },
    };
  };

  /**
   * `POST /v1/audio/transcriptions` as OpenAI takes it: multipart/form-data with a `file` part (name, media type) and a
   * `model` field, parsed by undici's own multipart parser; a WAV file's duration read from its header.
   */
  const transcriptions: TranscriptionRequest[] = [];
  const transcription = async (hit: Hit) => {
    const contentType = String(hit.headers['content-type'] ?? '');
    if (!contentType.startsWith('multipart/form-data; boundary='))
      return { status: 400, body: errorBody({ status: 400, message: `Expected multipart/form-data, got "${contentType}"` }) };
    let form: FormData;
    try {
      form = await new Request('http://peer/', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(hit.raw) }).formData();
    } catch (err) {
      return { status: 400, body: errorBody({ status: 400, message: `Could not parse the multipart body: ${String(err)}` }) };
    }
    const file = form.get('file');
    const model = form.get('model');
    if (!(file instanceof File) || !file.name)
      return { status: 400, body: errorBody({ status: 400, message: "Missing 'file': a file part with a file name", param: 'file' }) };
    if (typeof model !== 'string' || model === '') return { status: 400, body: errorBody({ status: 400, message: 'you must provide a model parameter', param: 'model' }) };
    const bytes = Buffer.from(await file.arrayBuffer());
    const isWav = bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WAVE';
    if (!isWav) return { status: 400, body: errorBody({ status: 400, message: 'Invalid file format. This peer understands WAV only.', param: 'file' }) };
    const field = (name: string) => (typeof form.get(name) === 'string' ? (form.get(name) as string) : undefined);
    const request: TranscriptionRequest = {
      authorization: typeof hit.headers.authorization === 'string' ? hit.headers.authorization : undefined,
      model,
      fileName: file.name,
      fileType: file.type,
      bytes,
      language: field('language'),
      prompt: field('prompt'),
      responseFormat: field('response_format'),
    };
    transcriptions.push(request);
    // The canonical 44-byte header: byte rate at 28, data size at 40.
    const duration = bytes.readUInt32LE(40) / bytes.readUInt32LE(28);
    const text = transcriptQueue.shift() ?? `Transcript of ${file.name} (${bytes.length} bytes).`;
    if (request.responseFormat === 'verbose_json') return { body: { task: 'transcribe', language: 'english', duration, text, segments: [] } };
    return { body: { text, usage: { type: 'duration', seconds: Math.ceil(duration) } } };
  };
  const transcriptQueue: string[] = [];

  const peer = await startHttpPeer(route);
  return {
    url: peer.url,
    /** The base URL clients use, `/v1` included. */
    baseUrl: `${peer.url}/v1`,
    hits: peer.hits,
    /** Queues answers for the next chat completions, in order; unscripted requests get an echo. */
    script(...answers: ScriptedAnswer[]) {
      queue.push(...answers);
    },
    /** Drops answers a test left unused. */
    reset() {
      queue.length = 0;
      transcriptQueue.length = 0;
    },
    /** Texts for the next transcriptions, in order; unscripted ones name the file. */
    scriptTranscripts(...texts: string[]) {
      transcriptQueue.push(...texts);
    },
    /** The transcription requests received, parsed from their multipart bodies. */
    transcriptions: () => transcriptions,
    /** The chat completion requests received, parsed. */
    chatRequests(): ChatRequest[] {
      return peer.hitsTo('/v1/chat/completions').map((h) => ({
        authorization: typeof h.headers.authorization === 'string' ? h.headers.authorization : undefined,
        receivedAt: receivedAt.get(h) ?? 0,
        body: JSON.parse(h.body) as ChatRequest['body'],
      }));
    },
    close: peer.close,
  };
}

export type OpenAIPeer = Awaited<ReturnType<typeof startOpenAIPeer>>;
