/**
 * A generated corpus of malformed signature headers, per webhook source: each case is a correctly signed
 * delivery whose signature headers were broken so that no valid signature is left in them (emptied, cut,
 * padded, re-encoded, duplicated, wrapped in other schemes, replaced by junk of every shape). A verifier must
 * refuse every case with a 4xx and never throw anything else.
 */
import type { WebhookSourceId } from '#core/webhooks';
import type { SignedDelivery } from './webhook-signing';

export interface MalformedCase {
  what: string;
  /** Header name → value; an array is sent as that many header lines (Node joins them with ", "). */
  headers: Record<string, string | string[]>;
  body: string;
}

/** The headers a source reads its signature (and what is signed with it) from; the first carries the signature. */
export const signedHeaders: Record<WebhookSourceId, string[]> = {
  stripe: ['stripe-signature'],
  github: ['x-hub-signature-256'],
  slack: ['x-slack-signature', 'x-slack-request-timestamp'],
  standard: ['webhook-signature', 'webhook-timestamp', 'webhook-id'],
  hmac: ['x-acme-signature'],
};

/** Values that are wrong for any header: empty, separators only, huge, non-ASCII (Latin-1 bytes), numbers of every shape. */
const junk: [string, string][] = [
  ['empty', ''],
  ['one space', ' '],
  ['tab', '\t'],
  ['comma only', ','],
  ['commas only', ',,,,,,,,'],
  ['equals only', '='],
  ['equals and commas', '=,=,=,='],
  ['spaces and commas', ' , , , '],
  ['null', 'null'],
  ['undefined', 'undefined'],
  ['object text', '[object Object]'],
  ['JSON', '{"v1":"x","t":1}'],
  ['percent-encoded NUL', '%00'],
  ['huge (8 KiB)', 'a'.repeat(8192)],
  ['huge hex (6 KiB)', 'ab'.repeat(3072)],
  ['Latin-1 letters', 'ÿÿÿÿéàü'],
  ['Latin-1 of 64 chars', 'é'.repeat(64)],
  ['high bytes', '\x80\x81\xfe\xff'],
  ['negative number', '-1'],
  ['zero', '0'],
  ['float', '1.5'],
  ['exponent', '1e10'],
  ['hex number', '0x10'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['20 digits', '99999999999999999999'],
  ['many pairs', 't=1,'.repeat(500)],
  ['many empty pairs', 'v1=,'.repeat(500)],
  ['every scheme, empty', 'sha256=,v1=,v0=,v1,'],
  ['quoted', '"abc"'],
  ['backslashes', '\\\\'],
  ['base64 padding only', '===='],
  ['64 zero hex digits', '0'.repeat(64)],
  ['sha256= and 64 zeros', `sha256=${'0'.repeat(64)}`],
  ['sha1= and 40 hex', `sha1=${'a'.repeat(40)}`],
  ['v1, and base64 zeros', `v1,${Buffer.alloc(32).toString('base64')}`],
];

/** Variations of the delivery's own signature value, none of which is valid. */
function mutations(value: string): [string, string][] {
  const [prefix, rest] = splitScheme(value);
  const flipped = rest.length > 0 ? rest.slice(0, -1) + (rest.endsWith('0') ? '1' : '0') : 'x';
  return [
    ['scheme only', prefix],
    ['cut by one character', value.slice(0, -1)],
    ['cut in half', value.slice(0, Math.ceil(value.length / 2))],
    ['one character changed', prefix + flipped],
    ['odd length', value + '0'],
    ['doubled', value + value],
    ['extra hex byte', value + 'ab'],
    ['upper-cased', value.toUpperCase()],
    ['without its scheme', rest],
    ['other scheme', `v9${value.slice(2)}`],
    ['reversed', prefix + [...rest].reverse().join('')],
    ['non-ASCII inside', prefix + 'é' + rest.slice(1)],
    ['space inside', prefix + rest.slice(0, 10) + ' ' + rest.slice(10)],
    ['NUL-like percent inside', prefix + '%00' + rest],
    ['as base64', Buffer.from(value).toString('base64')],
    ['repeated with commas', [value, value, value].map((v) => prefix + flip(v)).join(',')],
    ['repeated with spaces', [prefix + flipped, prefix + flipped].join(' ')],
  ];
}

/** Stripe's own header shapes: timestamps and signatures in every arrangement, none with a valid v1. */
function stripeShapes(header: string): [string, string][] {
  const t = /t=(\d+)/.exec(header)?.[1] ?? '0';
  const v1 = /v1=([0-9a-f]+)/.exec(header)?.[1] ?? '';
  const bad = flip(v1);
  return [
    ['v1= empty', `t=${t},v1=`],
    ['v1 without =', `t=${t},v1`],
    ['t= empty', `t=,v1=${v1}`],
    ['no t', `v1=${v1}`],
    ['no v1', `t=${t}`],
    ['t only, twice', `t=${t},t=${t}`],
    ['v1 of 63 hex', `t=${t},v1=${v1.slice(1)}`],
    ['v1 of 65 hex', `t=${t},v1=${v1}0`],
    ['v1 non-hex of 64', `t=${t},v1=${'z'.repeat(64)}`],
    ['v1 Latin-1 of 64', `t=${t},v1=${'é'.repeat(64)}`],
    ['v1 Latin-1 of 32 (64 UTF-8 bytes)', `t=${t},v1=${'é'.repeat(32)}`],
    ['v0 only', `t=${t},v0=${v1}`],
    ['v1 under another key', `t=${t},V1=${v1}`],
    ['several wrong v1', `t=${t},v1=${bad},v1=,v1=${'0'.repeat(64)}`],
    ['t with letters', `t=${t}abc,v1=${v1}`],
    ['t negative', `t=-${t},v1=${v1}`],
    ['t huge', `t=${'9'.repeat(30)},v1=${v1}`],
    ['several t, last one wrong', `t=${t},v1=${v1},t=${Number(t) + 1}`],
    ['several t, last one empty', `t=${t},v1=${v1},t=`],
    ['key with spaces', ` t = ${t} , v1 = ${v1} `],
    ['semicolons', `t=${t};v1=${v1}`],
    ['extra = in v1', `t=${t},v1==${v1}`],
    ['wrong signature and every scheme', `t=${t},v1=${bad},v0=${v1},v2=${v1},sha256=${v1}`],
  ];
}

/**
 * Mutations that still carry a valid signature for a source, so they are not in its corpus: the generic HMAC
 * source reads the digest as bare or upper-case hex too, and Stripe's parser finds the complete `v1=` pair at the
 * end of a doubled header.
 */
const validForms: Partial<Record<WebhookSourceId, string[]>> = { hmac: ['upper-cased', 'without its scheme'], stripe: ['doubled'] };

/** The corpus for one source, built from one correctly signed delivery (at least 50 cases). */
export function malformedCorpus(source: WebhookSourceId, valid: SignedDelivery): MalformedCase[] {
  const cases: MalformedCase[] = [];
  const [signature, ...others] = signedHeaders[source];
  const add = (what: string, header: string, value: string | string[] | undefined) => {
    const headers: Record<string, string | string[]> = { ...valid.headers };
    if (value === undefined) delete headers[header];
    else headers[header] = value;
    cases.push({ what: `${header}: ${what}`, headers, body: valid.body });
  };
  const own = valid.headers[signature!]!;
  const shaped = mutations(own).filter(([what]) => !validForms[source]?.includes(what));
  for (const [what, value] of [...junk, ...shaped, ...(source === 'stripe' ? stripeShapes(own) : [])]) add(what, signature!, value);
  add('missing', signature!, undefined);
  add('duplicated, both broken', signature!, [flip(own), flip(own)]);
  add('duplicated, empty and broken', signature!, ['', flip(own)]);
  for (const header of others) {
    for (const [what, value] of junk) add(what, header, value);
    add('missing', header, undefined);
    add('duplicated', header, [valid.headers[header]!, valid.headers[header]!]);
  }
  return cases;
}

/** `sha256=`, `v0=`, `v1,`, `t=…,v1=`: the scheme part of a signature value, and the rest. */
function splitScheme(value: string): [string, string] {
  const match = /^(?:t=\d+,)?(?:sha256=|v0=|v1=|v1,)/.exec(value);
  return match ? [match[0], value.slice(match[0].length)] : ['', value];
}

/** The value with its last character changed (a signature that no longer matches). */
function flip(value: string): string {
  if (value.length === 0) return 'x';
  const last = value.at(-1)!;
  return value.slice(0, -1) + (last === '0' ? '1' : last === '=' ? 'A' : '0');
}
