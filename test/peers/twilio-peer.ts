import crypto from 'node:crypto';
import { startHttpPeer, type Hit } from '../helpers/http-peer';

type Answer = { status?: number; headers?: Record<string, string>; body?: unknown };

export interface TwilioPeerAccount {
  authToken: string;
  friendlyName: string;
  type?: 'Full' | 'Trial';
  /** SMS-capable numbers the account owns (valid `From` values). */
  numbers: string[];
}

export interface SentMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const API = '/2010-04-01';
/** Twilio's magic test number that is "not a valid phone number" (https://www.twilio.com/docs/iam/test-credentials). */
const INVALID_TO = '+15005550001';

/**
 * A local stand-in for Twilio's REST API (https://api.twilio.com/2010-04-01): Basic auth (Account SID :
 * Auth Token), form-encoded bodies, `.json` resources, and Twilio's error bodies
 * `{ code, message, more_info, status }` with its status codes (401 / 20003, 404 / 20404, 400 / 21211,
 * 21602, 21603, 21604, 21606). Implements POST /2010-04-01/Accounts/{sid}/Messages.json (201 with the
 * message resource) and GET /2010-04-01/Accounts/{sid}.json. `failNext` scripts answers.
 */
export async function startTwilioPeer(accounts: Record<string, TwilioPeerAccount>) {
  const sent: SentMessage[] = [];
  const scripted: Answer[] = [];

  const answer = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
    status,
    headers: { ...JSON_HEADERS, 'twilio-request-id': `RQ${crypto.randomBytes(16).toString('hex')}`, 'twilio-concurrent-requests': '1', ...headers },
    body,
  });
  const twilioError = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
    answer(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);

  const route = (hit: Hit): Answer => {
    const script = scripted.shift();
    if (script) return script;
    const path = hit.path.split('?')[0]!;
    const basic = /^Basic (.+)$/.exec(String(hit.headers.authorization ?? ''));
    const [user, password] = basic ? Buffer.from(basic[1]!, 'base64').toString().split(/:(.*)/s) : [];
    const account = user ? accounts[user] : undefined;
    if (!account || account.authToken !== password) return twilioError(401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
    const notFound = () => twilioError(404, 20404, `The requested resource ${path} was not found`);
    const m = /^\/2010-04-01\/Accounts\/(AC[0-9a-zA-Z]{32})(\.json|\/Messages\.json)$/.exec(path);
    if (!m || m[1] !== user) return notFound();
    const sid = m[1]!;
    const now = rfc2822(new Date());

    if (m[2] === '.json' && hit.method === 'GET') {
      return answer(200, {
        sid,
        owner_account_sid: sid,
        friendly_name: account.friendlyName,
        status: 'active',
        type: account.type ?? 'Full',
        auth_token: account.authToken,
        date_created: 'Tue, 02 Jan 2024 10:00:00 +0000',
        date_updated: now,
        uri: `${API}/Accounts/${sid}.json`,
        subresource_uris: { messages: `${API}/Accounts/${sid}/Messages.json`, calls: `${API}/Accounts/${sid}/Calls.json` },
      });
    }
    if (m[2] === '/Messages.json' && hit.method === 'POST') {
      const form = new URLSearchParams(hit.body);
      const to = form.get('To');
      const from = form.get('From');
      const body = form.get('Body');
      if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
      if (!/^\+[1-9]\d{1,14}$/.test(to) || to === INVALID_TO) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      if (!from) return twilioError(400, 21603, "A 'From' phone number is required.");
      if (!account.numbers.includes(from)) {
        return twilioError(400, 21606, `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`);
      }
      if (!body) return twilioError(400, 21602, 'Message body is required.');
      const message: SentMessage = { sid: `SM${crypto.randomBytes(16).toString('hex')}`, accountSid: sid, to, from, body };
      sent.push(message);
      return answer(201, {
        account_sid: sid,
        api_version: '2010-04-01',
        body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from,
        messaging_service_sid: null,
        num_media: '0',
        num_segments: String(Math.max(1, Math.ceil(body.length / 160))),
        price: null,
        price_unit: 'USD',
        sid: message.sid,
        status: 'queued',
        subresource_uris: { media: `${API}/Accounts/${sid}/Messages/${message.sid}/Media.json` },
        to,
        uri: `${API}/Accounts/${sid}/Messages/${message.sid}.json`,
      });
    }
    return twilioError(405, 20004, 'Method not allowed');
  };

  const peer = await startHttpPeer(route);
  return {
    ...peer,
    sent,
    /** Answers the next requests with these, in order, before anything else is checked. */
    failNext(...answers: Answer[]) {
      scripted.push(...answers.map((a) => ({ ...a, headers: { ...JSON_HEADERS, ...a.headers } })));
    },
    /** `sid:token` pairs sent in the Basic auth header, in order. */
    credentialsSeen: () => peer.hits.map((h) => Buffer.from(String(h.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString()),
  };
}

/** Twilio's dates: `Wed, 18 Aug 2010 20:01:40 +0000`. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}
