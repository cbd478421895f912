/** The shortest piece of a secret that must never be found anywhere (the scrubber's MIN_PIECE). */
export const MIN_LEAK = 6;

/**
 * A corpus of secrets with the characters that encodings change (quotes, backslashes, unicode, `%`, `+`, `/`,
 * `=`, `<`, `'`) and lengths from 6 to 200 code points. Every window of 6 characters holds a rare character, so a
 * piece found by `leakPieces` cannot be a coincidence with ordinary text.
 */
export function secretCorpus(): string[] {
  const rare = ['"', '\\', 'é', 'ж', '✓', '€', '😀', "'", '<'];
  const plain = 'aZ9%+/=_-.~:';
  const make = (length: number, seed: number) => {
    const chars: string[] = [];
    for (let i = 0; chars.length < length; i++) chars.push(i % 4 === 0 ? rare[(i / 4 + seed) % rare.length]! : plain[(i * 7 + seed * 3) % plain.length]!);
    return chars.join('');
  };
  return [6, 7, 8, 13, 31, 64, 100, 150, 199, 200].map((n, i) => make(n, i)).concat(['k€y"with\\quo"tes\\', 'p%2B"s+w/\\d==é', 'tok€n✓wi😀th€moji']);
}

/**
 * Every piece of MIN_LEAK characters of the value (the rule: no 6 consecutive characters of a secret anywhere), in
 * the forms such a piece takes in stored or logged text: raw, JSON-escaped and URL-encoded (search base64 text
 * after `withBase64Decoded`). Computed apart from the scrubber, so the check does not share its blind spots. Every
 * longer piece contains one of these.
 */
export function leakPieces(value: string): string[] {
  const chars = Array.from(value);
  const pieces = new Set<string>();
  for (let i = 0; i + MIN_LEAK <= chars.length; i++) {
    const piece = chars.slice(i, i + MIN_LEAK).join('');
    pieces.add(piece).add(JSON.stringify(piece).slice(1, -1)).add(encodeURIComponent(piece));
  }
  return [...pieces];
}

/** The text and, appended, every base64 run of 24 characters or more in it decoded (payloads inside payloads). */
export function withBase64Decoded(text: string): string {
  const decoded = [...text.matchAll(/[A-Za-z0-9+/]{24,}={0,2}/g)].map((m) => Buffer.from(m[0], 'base64').toString('utf8'));
  return [text, ...decoded].join('\n');
}
