import { describe, expect, it } from 'vitest';
import { changedPaths } from './json-diff';

describe('changedPaths', () => {
  it('names the fields an edit changed, added or removed, never their values', () => {
    expect(changedPaths({ url: 'a', headers: { x: '1', y: '2' }, list: [1, 2] }, { url: 'b', headers: { x: '1' }, list: [1, 3, 4], extra: true })).toEqual([
      'url',
      'headers.y',
      'list[1]',
      'list[2]',
      'extra',
    ]);
    expect(changedPaths(1, 2)).toEqual(['(whole input)']);
    expect(changedPaths({ a: 1 }, { a: 1 })).toEqual([]);
  });
});
