import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionContext } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import { sendMessage } from '#catalog/gmail/actions/send-message.action';
import { testActionContext } from '../../test/helpers/action-context';
import { startGooglePeer } from '../../test/peers/google-peer';
import { appendRow } from './actions/append-row.action';
import { readRows } from './actions/read-rows.action';

const TOKEN = 'ya29.a0AfB_byC-test-access-token-0123456789';
const CONNECTION = 'con_0123456789abcdef0123';
let peer: Awaited<ReturnType<typeof startGooglePeer>>;
const http = createGuardedHttpClient({ allow: ['127.0.0.1/32'] });
const rejected: string[] = [];

/** An action context whose connection hands out `token` (as the worker's would, after any refresh). */
function ctxWith(token: string): ActionContext {
  return {
    ...testActionContext({ http, secrets: {}, endpoint: peer.url }),
    connections: {
      accessToken: async (id) => {
        expect(id).toBe(CONNECTION);
        return token;
      },
      rejected: async (id) => void rejected.push(id),
    },
  };
}

beforeAll(async () => {
  peer = await startGooglePeer({ tokens: [TOKEN], sheets: { sheet123: { Sheet1: [['Name', 'Email']], Other: [] } } });
});
afterAll(async () => {
  await peer?.close();
  await http.close();
});

describe('Google Sheets on @googleapis/sheets against a local peer', () => {
  it('appends a row (USER_ENTERED by default) and reads rows by range', async () => {
    const ctx = ctxWith(TOKEN);
    const out = await appendRow.run(appendRow.input.parse({ connection: CONNECTION, spreadsheetId: 'sheet123', values: ['Ada', 'ada@example.com'] }), ctx);
    expect(out).toEqual({ spreadsheetId: 'sheet123', updatedRange: 'Sheet1!A2:B2', updatedRows: 1, updatedCells: 2 });
    const hit = peer.hits.at(-1)!;
    expect(hit.method).toBe('POST');
    expect(hit.path).toContain('/v4/spreadsheets/sheet123/values/Sheet1:append?');
    expect(hit.path).toContain('valueInputOption=USER_ENTERED');
    expect(hit.headers.authorization).toBe(`Bearer ${TOKEN}`);
    await appendRow.run(appendRow.input.parse({ connection: CONNECTION, spreadsheetId: 'sheet123', range: 'Sheet1!A:C', values: ['Grace', null, 3] }), ctx);
    const rows = await readRows.run({ connection: CONNECTION, spreadsheetId: 'sheet123', range: 'Sheet1!A1:B3' }, ctx);
    expect(rows).toEqual({
      range: 'Sheet1!A1:B3',
      rows: [
        ['Name', 'Email'],
        ['Ada', 'ada@example.com'],
        ['Grace', ''],
      ],
    });
    expect(await readRows.run({ connection: CONNECTION, spreadsheetId: 'sheet123', range: 'Other!A1:B2' }, ctx)).toEqual({ range: 'Other!A1:B2', rows: [] });
  });

  it('a refused token (401) asks for a refresh and retries; an unknown sheet is not retried, with what Google said', async () => {
    const err = await readRows.run({ connection: CONNECTION, spreadsheetId: 'sheet123', range: 'Sheet1' }, ctxWith('ya29.expired')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(rejected).toEqual([CONNECTION]);
    const missing = await readRows.run({ connection: CONNECTION, spreadsheetId: 'nope', range: 'Sheet1' }, ctxWith(TOKEN)).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NonRetryableError);
    expect((missing as Error).message).toBe('Google Sheets refused reading Sheet1 (404): Requested entity was not found.');
  });
});

describe('Gmail on @googleapis/gmail against a local peer', () => {
  it('sends a message as base64url RFC 5322 (text and HTML, UTF-8 subject)', async () => {
    const out = await sendMessage.run(
      sendMessage.input.parse({
        connection: CONNECTION,
        to: 'ada@example.com',
        cc: ['grace@example.com'],
        subject: 'Bienvenue à bord',
        text: 'Hello Ada',
        html: '<p>Hello <b>Ada</b></p>',
      }),
      ctxWith(TOKEN),
    );
    expect(out.id).toMatch(/^18c/);
    const message = peer.sent.at(-1)!;
    expect(message.decoded).toContain('To: ada@example.com');
    expect(message.decoded).toContain('Cc: grace@example.com');
    expect(message.decoded).toContain(`Subject: =?UTF-8?B?${Buffer.from('Bienvenue à bord').toString('base64')}?=`);
    expect(message.decoded).toContain('multipart/alternative');
    expect(message.decoded).toContain(Buffer.from('<p>Hello <b>Ada</b></p>').toString('base64'));
    expect(peer.hits.at(-1)!.path).toBe('/gmail/v1/users/me/messages/send');
  });
});
