import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '#core/catalog-sdk';
import { errorForStatus } from '#core/http-errors';
import { leakPieces, secretCorpus } from '../../../test/helpers/secret-corpus';
import { MIN_PIECE, Scrubber } from './scrub';

const response = (status: number, text: string): HttpResponse => ({
  status,
  url: 'https://api.test/x',
  headers: {},
  body: new TextEncoder().encode(text),
  text: () => text,
  json: () => JSON.parse(text) as unknown,
});
const leaks = (text: string, value: string) => leakPieces(value).filter((p) => text.includes(p));

describe('Scrubber', () => {
  const corpus = secretCorpus();

  it('redacts the value in each form a provider may reflect it in', () => {
    for (const value of corpus) {
      const s = new Scrubber();
      s.add('TOKEN', value);
      const reflections = [
        `token was ${value}!`,
        JSON.stringify({ error: `invalid token ${value}` }),
        JSON.stringify({ error: value }).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
        `https://x.test/cb?token=${encodeURIComponent(value)}&a=1`,
        new URLSearchParams({ token: value, next: '/' }).toString(),
        `Basic ${Buffer.from(`ada:${value}`).toString('base64')}`,
        `Basic ${Buffer.from(`adam:${value}`).toString('base64')}`,
        `Basic ${Buffer.from(`ad:${value}`).toString('base64url')}`,
        `<p>${value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')}</p>`,
      ];
      for (const text of reflections) {
        const out = s.text(text);
        expect(leaks(out, value), `${JSON.stringify(value)} in ${text}`).toEqual([]);
        expect(out).toContain('[redacted:TOKEN]');
      }
    }
  });

  it('leaves no piece of 6 characters or more at any offset around an error excerpt cut (JSON and text bodies)', () => {
    for (const value of corpus) {
      const s = new Scrubber();
      s.add('TOKEN', value);
      const json = JSON.stringify(value).slice(1, -1);
      for (const [body, form] of [
        [(pad: string) => JSON.stringify({ error: `${pad}${value} is not valid` }), json],
        [(pad: string) => `${pad}${value} is not valid`, value],
      ] as const) {
        // The excerpt keeps 299 characters; put the form's start at every position from well before the cut to past it.
        const prefix = body('').indexOf(form);
        for (let start = 299 - form.length - 2; start <= 301; start++) {
          const pad = '.'.repeat(Math.max(0, start - prefix));
          const error = errorForStatus(response(401, body(pad)), 'GET https://api.test/x');
          const out = s.text(error!.message);
          expect(leaks(out, value), `${JSON.stringify(value)} starting at ${start}: ${out}`).toEqual([]);
        }
      }
    }
  });

  it('cleans text cut before it reached the scrubber: a prefix at the end, a suffix at the start', () => {
    const value = 'abc"def\\ghi%jkl+mno/pqr=stu';
    const s = new Scrubber();
    s.add('TOKEN', value);
    for (let n = MIN_PIECE; n <= value.length; n++) {
      expect(s.text(`error: ${value.slice(0, n)}…`)).toBe('error: [redacted:TOKEN]…');
      expect(s.text(`…${value.slice(-n)} was refused`)).toBe('…[redacted:TOKEN] was refused');
    }
    // Pieces shorter than MIN_PIECE are ordinary text, and so are pieces away from a cut.
    expect(s.text('abc"d and r=stu')).toBe('abc"d and r=stu');
    expect(s.text('abc"def is not def\\ghi%jkl')).toBe('abc"def is not def\\ghi%jkl');
  });

  it('does not redact the readable part of a token in ordinary output: github_pat_… against docs.github.com', () => {
    const s = new Scrubber();
    s.add('GITHUB_TOKEN', 'github_pat_11LIVE0000000000000000_liveLIVElive');
    const url = 'https://docs.github.com/rest/issues/issues#create-an-issue';
    expect(s.text(url)).toBe(url);
    expect(s.text(`see ${url} (token github_pat_11LIVE0000000000000000_liveLIVElive)`)).toBe(`see ${url} (token [redacted:GITHUB_TOKEN])`);
  });

  it('keeps ordinary text, skips values under 4 characters, matches 4- and 5-character values whole only', () => {
    const s = new Scrubber();
    s.add('SHORT', 'abc');
    s.add('FOUR', 'wxyz');
    expect(s.text('abc wxyz wxy')).toBe('abc [redacted:FOUR] wxy');
    expect(s.deep({ nested: ['plain', { wxyz: 'x' }] })).toEqual({ nested: ['plain', { '[redacted:FOUR]': 'x' }] });
  });

  it('replaces a value that contains another whole, with the longer name', () => {
    const s = new Scrubber();
    s.add('INNER', 'secret-part-1');
    s.add('OUTER', 'prefix-secret-part-1-suffix');
    expect(s.text('x prefix-secret-part-1-suffix y secret-part-1 z')).toBe('x [redacted:OUTER] y [redacted:INNER] z');
  });

  it('scrubs a 5 MB output in well under a second', () => {
    const s = new Scrubber();
    for (const value of corpus) s.add('TOKEN', value);
    const big = 'lorem ipsum dolor sit amet '.repeat(200_000);
    const started = performance.now();
    expect(s.text(big)).toBe(big);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
