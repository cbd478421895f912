import { startHttpPeer } from '../helpers/http-peer';

/** Google's error body (https://cloud.google.com/apis/design/errors). */
const googleError = (code: number, status: string, message: string) => ({ status: code, body: { error: { code, message, status } } });

const colNumber = (letters: string) => [...letters].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0);
const colLetters = (n: number): string => (n <= 0 ? '' : colLetters(Math.floor((n - 1) / 26)) + String.fromCharCode(65 + ((n - 1) % 26)));

/** `Sheet1!A2:C9` → sheet and (1-based, inclusive) bounds; missing parts are open. */
function parseA1(range: string) {
  const bang = range.lastIndexOf('!');
  const [sheetPart, cells] =
    bang >= 0 ? [range.slice(0, bang), range.slice(bang + 1)] : /^[A-Z]+\d*(:[A-Z]*\d*)?$/.test(range) ? ['Sheet1', range] : [range, ''];
  const m = /^([A-Z]+)?(\d+)?(?::([A-Z]+)?(\d+)?)?$/.exec(cells);
  if (!m) return undefined;
  return {
    sheet: sheetPart.replace(/^'|'$/g, ''),
    fromCol: m[1] ? colNumber(m[1]) : 1,
    fromRow: m[2] ? Number(m[2]) : 1,
    toCol: m[3] ? colNumber(m[3]) : Infinity,
    toRow: m[4] ? Number(m[4]) : Infinity,
  };
}

/**
 * A local stand-in for the Sheets API v4 (`spreadsheets.values.append` and `.get`) and the Gmail API v1
 * (`users.messages.send`), following Google's documented request and response shapes and error bodies. Bearer tokens
 * in `tokens` are accepted; anything else is 401 UNAUTHENTICATED. `sheets` holds spreadsheets by id, each a map of
 * sheet name → rows.
 */
export async function startGooglePeer(o: { tokens: string[]; sheets: Record<string, Record<string, string[][]>> }) {
  const sent: { raw: string; decoded: string; id: string }[] = [];
  let next = 1;
  const peer = await startHttpPeer((hit) => {
    const auth = /^Bearer (.+)$/.exec(String(hit.headers.authorization ?? ''))?.[1];
    if (!auth || !o.tokens.includes(auth))
      return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
    const url = new URL(hit.path, 'http://peer');
    const values = /^\/v4\/spreadsheets\/([^/]+)\/values\/([^/:]+)(:append)?$/.exec(url.pathname);
    if (values) {
      const [, id, rawRange, append] = values;
      const book = o.sheets[decodeURIComponent(id!)];
      if (!book) return googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
      const range = decodeURIComponent(rawRange!);
      const a1 = parseA1(range);
      if (!a1 || !book[a1.sheet]) return googleError(400, 'INVALID_ARGUMENT', `Unable to parse range: ${range}`);
      const rows = book[a1.sheet]!;
      if (append && hit.method === 'POST') {
        if (!['RAW', 'USER_ENTERED'].includes(url.searchParams.get('valueInputOption') ?? ''))
          return googleError(400, 'INVALID_ARGUMENT', "'valueInputOption' is required but not specified");
        const added = (JSON.parse(hit.body) as { values: unknown[][] }).values.map((r) => r.map((c) => String(c)));
        const first = rows.length + 1;
        rows.push(...added);
        const width = Math.max(...added.map((r) => r.length));
        return {
          body: {
            spreadsheetId: id,
            tableRange: `${a1.sheet}!A1:${colLetters(width)}${first - 1}`,
            updates: {
              spreadsheetId: id,
              updatedRange: `${a1.sheet}!A${first}:${colLetters(width)}${first + added.length - 1}`,
              updatedRows: added.length,
              updatedColumns: width,
              updatedCells: added.reduce((n, r) => n + r.length, 0),
            },
          },
        };
      }
      if (hit.method === 'GET') {
        const picked = rows
          .slice(a1.fromRow - 1, a1.toRow === Infinity ? undefined : a1.toRow)
          .map((r) => r.slice(a1.fromCol - 1, a1.toCol === Infinity ? undefined : a1.toCol));
        return {
          body: {
            range: `${a1.sheet}!${range.includes('!') ? range.split('!')[1] : range}`,
            majorDimension: 'ROWS',
            ...(picked.length ? { values: picked } : {}),
          },
        };
      }
    }
    if (url.pathname === '/gmail/v1/users/me/messages/send' && hit.method === 'POST') {
      const { raw } = JSON.parse(hit.body) as { raw?: string };
      if (!raw) return googleError(400, 'INVALID_ARGUMENT', "'raw' RFC822 payload message string or uploading message via /upload/* URL required");
      const id = `18c${(next++).toString(16).padStart(13, '0')}`;
      sent.push({ raw, decoded: Buffer.from(raw, 'base64url').toString('utf8'), id });
      return { body: { id, threadId: id, labelIds: ['SENT'] } };
    }
    return googleError(404, 'NOT_FOUND', `No method ${hit.method} ${url.pathname}`);
  });
  return { ...peer, sent };
}
