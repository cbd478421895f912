import { startHttpPeer, type Hit } from '../helpers/http-peer';

type Answer = { status?: number; headers?: Record<string, string>; body?: unknown };

export interface SlackPeerOptions {
  /** Bot tokens the peer accepts (`Authorization: Bearer xoxb-…`). */
  tokens: string[];
  /** Channels the bot is in, by ID → name. */
  channels?: Record<string, string>;
}

interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

const METHODS = ['chat.postMessage', 'chat.update', 'auth.test', 'files.getUploadURLExternal', 'files.completeUploadExternal'];
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const TEAM = { team: 'Switchyard Test', team_id: 'T0SWITCHYD', url: 'https://switchyard-test.slack.com/' };
const BOT = { user: 'switchyard', user_id: 'U0SWBOT001', bot_id: 'B0SWBOT001', app_id: 'A0SWAPP001' };

/**
 * A local stand-in for Slack's Web API (https://api.slack.com/web): `POST /api/<method>` with a form or
 * JSON body and `Authorization: Bearer`, answering HTTP 200 with `{ ok: true, … }` or `{ ok: false, error }`
 * exactly as Slack does (HTTP 429 + Retry-After for rate limits, 404 for unknown methods).
 * Implements chat.postMessage, chat.update, auth.test and the file upload (files.getUploadURLExternal, the upload URL
 * taking the bytes as multipart/form-data, files.completeUploadExternal). `failNext` scripts answers for the next calls.
 */
export async function startSlackPeer(o: SlackPeerOptions) {
  const channels = o.channels ?? { C0GENERAL1: 'general' };
  const messages = new Map<string, StoredMessage>();
  const scripted: Answer[] = [];
  let clock = 1_712_345_678;
  let seq = 0;
  const nextTs = () => `${clock++}.${String(++seq * 100).padStart(6, '0')}`;

  const ok = (body: Record<string, unknown>): Answer => ({ headers: JSON_HEADERS, body: { ok: true, ...body } });
  const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({ headers: JSON_HEADERS, body: { ok: false, error, ...extra } });

  const route = async (hit: Hit): Promise<Answer> => {
    const path = hit.path.split('?')[0]!;
    if (path.startsWith('/upload/')) return receiveUpload(hit, path.slice('/upload/'.length));
    const method = path.startsWith('/api/') ? path.slice('/api/'.length) : undefined;
    if (!method || !METHODS.includes(method)) return { status: 404, ...fail('unknown_method') };
    const script = scripted.shift();
    if (script) return script;
    const auth = /^Bearer (.+)$/.exec(String(hit.headers.authorization ?? ''));
    if (!auth) return fail('not_authed');
    if (!o.tokens.includes(auth[1]!)) return fail('invalid_auth');
    const args = parseArgs(hit);
    if (method === 'auth.test') return ok({ ...TEAM, ...BOT, is_enterprise_install: false });
    if (method === 'files.getUploadURLExternal') {
      const length = Number(args.length);
      if (typeof args.filename !== 'string' || !args.filename || !Number.isInteger(length) || length < 1) return fail('invalid_arguments');
      const id = `F0${String(++seq).padStart(9, '0')}`;
      uploads.set(id, { name: args.filename, length });
      return ok({ upload_url: `${peerUrl}/upload/${id}`, file_id: id });
    }
    if (method === 'files.completeUploadExternal') return completeUpload(args);
    const channel = resolveChannel(channels, args.channel);
    if (!channel) return fail('channel_not_found');
    let blocks: unknown[] | undefined;
    if (args.blocks !== undefined) {
      const parsed = typeof args.blocks === 'string' ? safeJson(args.blocks) : args.blocks;
      if (!Array.isArray(parsed) || parsed.some((b) => typeof b !== 'object' || b === null || typeof (b as { type?: unknown }).type !== 'string')) {
        return fail('invalid_blocks', { response_metadata: { messages: ['[ERROR] invalid additional property: type [json-pointer:/blocks/0]'] } });
      }
      blocks = parsed;
    }
    const text = typeof args.text === 'string' ? args.text : '';
    if (text === '' && !blocks) return fail('no_text');
    const message = (m: StoredMessage) => ({
      type: 'message',
      subtype: 'bot_message',
      text: m.text,
      user: BOT.user_id,
      bot_id: BOT.bot_id,
      app_id: BOT.app_id,
      team: TEAM.team_id,
      ts: m.ts,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.thread_ts ? { thread_ts: m.thread_ts, parent_user_id: BOT.user_id } : {}),
    });
    if (method === 'chat.postMessage') {
      const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
      if (threadTs && !messages.has(`${channel}:${threadTs}`)) return fail('thread_not_found');
      const stored: StoredMessage = { channel, ts: nextTs(), text, ...(blocks ? { blocks } : {}), ...(threadTs ? { thread_ts: threadTs } : {}) };
      messages.set(`${channel}:${stored.ts}`, stored);
      return ok({ channel, ts: stored.ts, message: message(stored) });
    }
    // chat.update
    const ts = String(args.ts ?? '');
    const existing = messages.get(`${channel}:${ts}`);
    if (!existing) return fail('message_not_found');
    existing.text = text;
    if (blocks) existing.blocks = blocks;
    return ok({ channel, ts, text, message: message(existing) });
  };

  /** Files announced (getUploadURLExternal), their bytes once sent, and where they were shared. */
  const uploads = new Map<string, { name: string; length: number; bytes?: Buffer; mediaType?: string; shared?: { channel: string; comment?: string; title?: string } }>();
  /** The upload URL: the bytes as the multipart `body` field (what the SDK sends), checked against the announced length. */
  const receiveUpload = async (hit: Hit, id: string): Promise<Answer> => {
    const upload = uploads.get(id);
    if (!upload || hit.method !== 'POST') return { status: 404, body: 'not found' };
    const contentType = String(hit.headers['content-type'] ?? '');
    const form = await new Request('http://peer/', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(hit.raw) }).formData();
    const part = form.get('body') ?? form.get('file');
    if (!(part instanceof File)) return { status: 400, body: 'no file part' };
    const bytes = Buffer.from(await part.arrayBuffer());
    if (bytes.length !== upload.length) return { status: 400, body: `expected ${upload.length} bytes, got ${bytes.length}` };
    upload.bytes = bytes;
    return { status: 200, body: `OK - ${bytes.length}` };
  };
  const completeUpload = (args: Record<string, unknown>): Answer => {
    const files = (typeof args.files === 'string' ? safeJson(args.files) : args.files) as { id?: string; title?: string }[] | undefined;
    if (!Array.isArray(files) || files.length === 0) return fail('invalid_arguments');
    const channel = args.channel_id === undefined ? undefined : resolveChannel(channels, args.channel_id);
    if (args.channel_id !== undefined && !channel) return fail('channel_not_found');
    const done = [];
    for (const f of files) {
      const upload = f.id ? uploads.get(f.id) : undefined;
      if (!upload || !upload.bytes) return fail('file_not_found');
      upload.shared = { channel: channel ?? '', ...(typeof args.initial_comment === 'string' ? { comment: args.initial_comment } : {}), ...(f.title ? { title: f.title } : {}) };
      done.push({ id: f.id, name: upload.name, title: f.title ?? upload.name, size: upload.length, permalink: `https://switchyard-test.slack.com/files/${BOT.user_id}/${f.id}/${upload.name}` });
    }
    return ok({ files: done });
  };

  const peer = await startHttpPeer(route);
  const peerUrl = peer.url;
  return {
    ...peer,
    /** The base URL to configure as the Slack endpoint (Slack's is https://slack.com/api/). */
    apiUrl: `${peer.url}/api/`,
    messages,
    /** Files uploaded through files.uploadV2, by id: name, bytes, where they were shared. */
    uploads,
    /** Answers the next calls (any method) with these, in order, before anything else is checked. */
    failNext(...answers: Answer[]) {
      scripted.push(...answers.map((a) => ({ ...a, headers: { ...JSON_HEADERS, ...a.headers } })));
    },
    /** The tokens sent, in order. */
    tokensSeen: () => peer.hits.map((h) => String(h.headers.authorization ?? '').replace(/^Bearer /, '')),
    /** The arguments of every call to one method. */
    argsOf: (method: string) => peer.hitsTo(`/api/${method}`).map(parseArgs),
  };
}

/** Slack takes `application/x-www-form-urlencoded` (what the SDK sends) or `application/json` bodies. */
function parseArgs(hit: Hit): Record<string, unknown> {
  const type = String(hit.headers['content-type'] ?? '');
  if (type.startsWith('application/json')) return (safeJson(hit.body) as Record<string, unknown> | undefined) ?? {};
  return Object.fromEntries(new URLSearchParams(hit.body));
}

function resolveChannel(channels: Record<string, string>, value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (channels[value] !== undefined) return value;
  const name = value.replace(/^#/, '');
  return Object.entries(channels).find(([, n]) => n === name)?.[0];
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
