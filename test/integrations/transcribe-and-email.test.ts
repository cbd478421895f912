import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore, FileBlobBackend } from '#store/blobs';
import { SecretStore } from '#store/secrets';
import { startTestApi, type TestApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { pollUntil } from '../helpers/processes';
import { startTestWorker, testDb, testMasterKey } from '../helpers/temporal';
import { startOpenAIPeer, type OpenAIPeer } from '../peers/openai-peer';

/**
 * Files end to end (issue 20, docs/big-runs.md "Files"): an app uploads a WAV file (`POST /v1/files`), an app event
 * carries its reference, the flow transcribes it through the OpenAI SDK against a local OpenAI-compatible server that
 * parses the multipart request, and emails the transcript with the file attached through a real SMTP server
 * (smtp-server), whose message is parsed by mailparser. Credits: the audio's minutes at whisper-1's price, plus one
 * for the email.
 */
const OPENAI_KEY = `sk-proj-${crypto.randomBytes(12).toString('hex')}`;
const taskQueue = `files-e2e-${crypto.randomUUID()}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let peer: OpenAIPeer;
let smtp: SMTPServer;
let dir: string;
const received: { from: string; raw: Buffer }[] = [];

/** A WAV file of `seconds` of a 440 Hz tone, 16-bit mono at 16 kHz (32,000 bytes a second after a 44-byte header). */
function wav(seconds: number): Buffer {
  const rate = 16000;
  const data = Buffer.alloc(Math.round(seconds * rate) * 2);
  for (let i = 0; i < data.length / 2; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  peer = await startOpenAIPeer({ keys: [OPENAI_KEY] });
  const db = await testDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-files-e2e-'));
  // The API stores the upload, the worker reads it: one blob store (the same DATA_DIR, as `npm start` has).
  const blobs = new BlobStore(db, new SecretStore(db, testMasterKey), new FileBlobBackend(dir));
  api = await startTestApi({ taskQueue, db, blobs });
  worker = await startTestWorker({ db, taskQueue, blobs, endpoints: { openai: peer.baseUrl, email: `smtp://127.0.0.1:${smtpPort}` } });
  for (const [name, value] of [
    ['OPENAI_API_KEY', OPENAI_KEY],
    ['SMTP_URL', 'smtp://mail.example.com:587'],
    ['EMAIL_FROM', 'Voicemail <voicemail@example.com>'],
  ] as const)
    expect((await api.request('PUT', `/api/secrets/${name}`, { body: { live: value } })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await peer?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a voicemail: upload, transcribe, email with the file attached', () => {
  it('transcribes the uploaded WAV through the multipart API, emails the transcript with the file, and charges its minutes', async () => {
    const audio = wav(90);
    const uploaded = await fetch(`${api.url}/v1/files?name=voicemail.wav`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.keys.live}`, 'content-type': 'audio/wav' },
      body: new Uint8Array(audio),
    });
    expect(uploaded.status).toBe(201);
    const { file } = (await uploaded.json()) as { file: { $blob: { key: string; size: number; name: string } } };
    expect(file.$blob).toMatchObject({ size: audio.length, name: 'voicemail.wav' });

    const document = {
      trigger: { type: 'event', event: 'voicemail.received' },
      nodes: [
        { id: 'transcribe', type: 'action', action: 'openai.transcribe-audio@1', inputs: { file: { $expr: 'trigger.data.file' }, model: 'whisper-1', language: 'en' } },
        {
          id: 'mail',
          type: 'action',
          action: 'email.send-email@1',
          inputs: {
            to: 'support@example.com',
            subject: 'New voicemail',
            text: { $expr: '"Transcript: " & nodes.transcribe.text' },
            attachments: { $expr: '[trigger.data.file]' },
          },
        },
      ],
      edges: [
        { from: 'trigger', to: 'transcribe' },
        { from: 'transcribe', to: 'mail' },
      ],
    };
    const flow = await api.request('POST', '/api/flows', { body: { name: 'Voicemail', document } });
    expect(flow.status, JSON.stringify(flow.body)).toBe(201);
    const published = await api.request('POST', `/api/flows/${flow.body.id}/publish`, { body: {} });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const before = (await api.request('GET', '/api/credits')).body;

    peer.scriptTranscripts('Hello, this is Ada. Please call me back about order 42.');
    const event = await api.request('POST', '/v1/events', { body: { name: 'voicemail.received', data: { file, caller: '+441234567890' } } });
    expect(event.status, JSON.stringify(event.body)).toBe(202);
    const runId = event.body.runs[0].runId as string;
    const run = await pollUntil(
      'the voicemail run to end',
      async () => {
        const r = await api.request('GET', `/api/runs/${runId}`);
        return ['completed', 'failed', 'parked'].includes(r.body.status) ? r.body : undefined;
      },
      60_000,
      200,
    );
    expect(run.status, JSON.stringify(run.nodes ?? run)).toBe('completed');

    // The provider got a real multipart upload: the same bytes, the file's name and media type, the model.
    const [request] = peer.transcriptions();
    expect(request).toMatchObject({ model: 'whisper-1', fileName: 'voicemail.wav', fileType: 'audio/wav', language: 'en', responseFormat: 'verbose_json' });
    expect(request!.bytes.equals(audio)).toBe(true);
    expect(request!.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const node = (id: string) => run.nodes.find((n: { key: string }) => n.key === id);
    expect(node('transcribe').output).toMatchObject({ text: 'Hello, this is Ada. Please call me back about order 42.', durationSeconds: 90, model: 'whisper-1' });

    // The email: the transcript in the body, the WAV attached byte for byte.
    expect(received).toHaveLength(1);
    const mail = await simpleParser(received[0]!.raw);
    expect(mail.subject).toBe('New voicemail');
    expect(mail.text).toContain('Transcript: Hello, this is Ada.');
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]).toMatchObject({ filename: 'voicemail.wav', contentType: 'audio/wav' });
    expect(mail.attachments[0]!.content.equals(audio)).toBe(true);

    // Credits as priced: 90 s at whisper-1's 6 credits a minute = 9, plus 1 for the email.
    expect(run.cost).toMatchObject({ credits: 10, listCredits: 10 });
    const after = (await api.request('GET', '/api/credits')).body;
    expect(before.balance - after.balance).toBe(10);
  }, 90_000);

  it('refuses a file that is not audio before calling the provider, naming the step', async () => {
    const uploaded = await fetch(`${api.url}/v1/files?name=notes.txt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.keys.live}`, 'content-type': 'text/plain' },
      body: 'not audio',
    });
    const { file } = (await uploaded.json()) as { file: unknown };
    const document = {
      trigger: { type: 'event', event: 'note.received' },
      nodes: [{ id: 'transcribe', type: 'action', action: 'openai.transcribe-audio@1', inputs: { file: { $expr: 'trigger.data.file' } } }],
      edges: [{ from: 'trigger', to: 'transcribe' }],
    };
    const flow = await api.request('POST', '/api/flows', { body: { name: 'Not audio', document } });
    expect((await api.request('POST', `/api/flows/${flow.body.id}/publish`, { body: {} })).status).toBe(201);
    const calls = peer.transcriptions().length;
    const event = await api.request('POST', '/v1/events', { body: { name: 'note.received', data: { file } } });
    const runId = event.body.runs[0].runId as string;
    const run = await pollUntil(
      'the run to stop',
      async () => {
        const r = await api.request('GET', `/api/runs/${runId}`);
        return ['completed', 'failed', 'parked'].includes(r.body.status) ? r.body : undefined;
      },
      60_000,
      200,
    );
    expect(run.status).not.toBe('completed');
    expect(JSON.stringify(run.nodes.find((n: { key: string }) => n.key === 'transcribe'))).toMatch(/the file is text\/plain, not audio/);
    expect(peer.transcriptions()).toHaveLength(calls);
  }, 90_000);

  it('keeps a binary HTTP answer as a file, transcribes it, and uploads it on as a request body, byte for byte', async () => {
    const audio = wav(3);
    const storage = await startHttpPeer((hit) =>
      hit.method === 'GET'
        ? { headers: { 'content-type': 'audio/wav', 'content-disposition': 'attachment; filename="call-7.wav"' }, body: audio }
        : { status: 201, body: { stored: hit.raw.length } },
    );
    try {
      const document = {
        trigger: { type: 'manual' },
        nodes: [
          { id: 'download', type: 'action', action: 'http.request@1', inputs: { url: `${storage.url}/calls/7` } },
          { id: 'transcribe', type: 'action', action: 'openai.transcribe-audio@1', inputs: { file: { $expr: 'nodes.download.file' } } },
          { id: 'archive', type: 'action', action: 'http.request@1', inputs: { url: `${storage.url}/archive`, method: 'PUT', bodyFile: { $expr: 'nodes.download.file' } } },
        ],
        edges: [
          { from: 'trigger', to: 'download' },
          { from: 'download', to: 'transcribe' },
          { from: 'transcribe', to: 'archive' },
        ],
      };
      const flow = await api.request('POST', '/api/flows', { body: { name: 'Archive a call', document } });
      expect((await api.request('POST', `/api/flows/${flow.body.id}/publish`, { body: {} })).status).toBe(201);
      const started = await api.request('POST', `/api/flows/${flow.body.id}/runs`, { body: { input: {} } });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      const run = await pollUntil(
        'the archive run to end',
        async () => {
          const r = await api.request('GET', `/api/runs/${started.body.runId}`);
          return ['completed', 'failed', 'parked'].includes(r.body.status) ? r.body : undefined;
        },
        60_000,
        200,
      );
      expect(run.status, JSON.stringify(run.nodes)).toBe('completed');
      const node = (id: string) => run.nodes.find((n: { key: string }) => n.key === id);
      expect(node('download').output).toMatchObject({ status: 200, body: null, file: { $blob: { name: 'call-7.wav', mediaType: 'audio/wav', size: audio.length } } });
      expect(node('transcribe').output).toMatchObject({ durationSeconds: 3 });
      expect(peer.transcriptions().at(-1)!.bytes.equals(audio)).toBe(true);
      const put = storage.hits.find((h) => h.method === 'PUT')!;
      expect(put.headers['content-type']).toBe('audio/wav');
      expect(put.raw.equals(audio)).toBe(true);
    } finally {
      await storage.close();
    }
  }, 90_000);
});
