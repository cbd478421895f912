import { describe, expect, it } from 'vitest';
import { assertJsonDepth, jsonDepth, JsonTooDeepError, MAX_JSON_DEPTH, parseBoundedJson } from './json-depth';

/** A value nested `n` deep, built without recursion (the shapes an attacker would send). */
function nested(n: number, shape: 'array' | 'object' | 'mixed'): string {
  let open = '';
  let close = '';
  for (let i = 0; i < n; i++) {
    const obj = shape === 'object' || (shape === 'mixed' && i % 2 === 1);
    open += obj ? '{"k":' : '[';
    close = (obj ? '}' : ']') + close;
  }
  return `${open}1${close}`;
}

/** The depth JSON.parse gives, measured on the parsed value with an explicit stack. */
function parsedDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, d + 1);
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}

describe('jsonDepth', () => {
  it.each([
    ['1', 0],
    ['"[[[["', 0],
    ['[]', 1],
    ['{}', 1],
    ['[[],[[]],{}]', 3],
    ['{"a":{"b":[1,{"c":null}]}}', 4],
    ['["\\"[[[", "\\\\", ["x"]]', 2],
    ['{"a\\\\":"]]]]"}', 1],
    ['["é€😀", {"ü": ["{"]}]', 3],
  ])('%s nests %i deep', (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
    expect(jsonDepth(Buffer.from(text, 'utf8'))).toBe(depth);
    expect(parsedDepth(JSON.parse(text))).toBe(depth);
  });

  it('agrees with the parsed value for every shape and depth around the limit', () => {
    for (const shape of ['array', 'object', 'mixed'] as const)
      for (let n = 0; n <= MAX_JSON_DEPTH + 2; n++) {
        const text = nested(n, shape);
        expect(jsonDepth(text, 1000)).toBe(parsedDepth(JSON.parse(text)));
      }
  });

  it('stops counting just past the limit, without recursion, at 10,000 and 1,000,000 deep', () => {
    for (const n of [10_000, 1_000_000]) {
      expect(jsonDepth(nested(n, 'array'))).toBe(MAX_JSON_DEPTH + 1);
      expect(jsonDepth(Buffer.from(nested(n, 'mixed')))).toBe(MAX_JSON_DEPTH + 1);
    }
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({ s: '['.repeat(1000) + '\\"' + '{'.repeat(1000) });
    expect(jsonDepth(inString)).toBe(1);
    expect(jsonDepth(JSON.stringify(['"', ['\\', ['"[']]]))).toBe(3);
  });

  it('never throws on text that is not JSON', () => {
    for (const text of ['', ']]]]', '"unterminated [[[', '\\', '}{', '[[["\\']) expect(() => jsonDepth(text)).not.toThrow();
  });
});

describe('assertJsonDepth and parseBoundedJson', () => {
  it('accept exactly the limit and refuse one more', () => {
    expect(() => assertJsonDepth(nested(MAX_JSON_DEPTH, 'mixed'))).not.toThrow();
    expect(parsedDepth(parseBoundedJson(nested(MAX_JSON_DEPTH, 'object')))).toBe(MAX_JSON_DEPTH);
    expect(() => assertJsonDepth(nested(MAX_JSON_DEPTH + 1, 'array'))).toThrow(JsonTooDeepError);
    expect(() => parseBoundedJson(Buffer.from(nested(100_000, 'object')))).toThrow(/deeper than 64 levels/);
  });

  it('leave syntax errors to JSON.parse', () => {
    expect(() => parseBoundedJson('{"a":')).toThrow(SyntaxError);
    expect(parseBoundedJson(Buffer.from('{"a":[1,"]"]}'))).toEqual({ a: [1, ']'] });
  });
});
