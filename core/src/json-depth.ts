/**
 * The depth bound on JSON that comes from outside (request bodies, webhook deliveries). Validation (zod, the
 * flow validator), JSON.stringify and Temporal's payload converter all recurse over a parsed value, so a body
 * nested 10,000 deep would overflow the stack in any of them; nothing legitimate nests this deep.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep the JSON text nests, counting only brackets outside strings; stops counting as soon as the depth
 * passes `limit` (so a hostile body costs one partial linear scan, no recursion, no allocation). Takes the text
 * or its UTF-8 bytes: UTF-8 never uses bytes below 0x80 inside a multi-byte character, so brackets, quotes and
 * backslashes read the same either way. Invalid JSON is scanned all the same; the parser refuses it after.
 */
export function jsonDepth(text: string | Uint8Array, limit = MAX_JSON_DEPTH): number {
  const at = typeof text === 'string' ? (i: number) => text.charCodeAt(i) : (i: number) => text[i]!;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = at(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return deepest;
}

/** Thrown when JSON from outside nests deeper than MAX_JSON_DEPTH; the server answers it 400 VALIDATION_FAILED. */
export class JsonTooDeepError extends Error {
  override readonly name = 'JsonTooDeepError';
  constructor(readonly limit = MAX_JSON_DEPTH) {
    super(`The JSON nests deeper than ${limit} levels of objects and arrays, the most Switchyard accepts; flatten it`);
  }
}

/** Throws JsonTooDeepError when `text` nests deeper than `limit`. */
export function assertJsonDepth(text: string | Uint8Array, limit = MAX_JSON_DEPTH): void {
  if (jsonDepth(text, limit) > limit) throw new JsonTooDeepError(limit);
}

/** JSON.parse for text from outside: refuses (JsonTooDeepError) anything nested deeper than `limit` before parsing it. */
export function parseBoundedJson(text: string | Buffer, limit = MAX_JSON_DEPTH): unknown {
  assertJsonDepth(text, limit);
  return JSON.parse(typeof text === 'string' ? text : text.toString('utf8')) as unknown;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
