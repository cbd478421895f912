/**
 * Removes known secret values from anything that leaves an activity: outputs, error messages, stacks, logs and
 * attempt records. Each occurrence becomes `[redacted:NAME]`.
 *
 * By construction rather than by example:
 * - every **encoded form** a provider may reflect a value in is matched: raw, JSON-escaped (also with `\uXXXX`
 *   for non-ASCII), HTML-escaped, URL-encoded (component, form and lower-case hex), base64 and base64url at each
 *   of the three byte alignments it can have inside a longer encoded string, and whitespace collapsed;
 * - a **piece** that a cut can leave (an error excerpt cut at N characters) is matched too: a prefix of a form, at
 *   least {@link MIN_PIECE} characters long, that runs to the end of a string or to an ellipsis, and a suffix that
 *   starts at the start of a string or after one. Text truncated before it reaches the scrubber is so still
 *   cleaned, provided the cut is marked (`excerpt()` in core/src/http-errors.ts always marks it with `…`).
 *
 * Values shorter than 4 characters are not scrubbed (they would mangle ordinary text and are not credentials);
 * values of 4 or 5 characters are matched whole only.
 */
export class Scrubber {
  /** Every form of every value, longest first, so a value containing another is replaced whole. */
  private forms: { name: string; form: string }[] = [];
  private readonly values = new Set<string>();

  add(name: string, value: string): void {
    if (value.length < 4 || this.values.has(value)) return;
    this.values.add(value);
    const known = new Set(this.forms.map((f) => f.form));
    for (const form of encodedForms(value)) if (!known.has(form)) this.forms.push({ name, form });
    this.forms.sort((a, b) => b.form.length - a.form.length);
  }

  get active(): boolean {
    return this.forms.length > 0;
  }

  text(input: string): string {
    if (!this.active || input.length < 4) return input;
    const marks: Mark[] = [];
    for (const { name, form } of this.forms) markForm(input, form, name, marks);
    return marks.length === 0 ? input : redact(input, marks);
  }

  /** Scrubs every string (and object key) in a JSON-like value. */
  deep<T>(input: T): T {
    if (!this.active) return input;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.text(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.text(k), walk(x)]));
      return v;
    };
    return walk(input) as T;
  }
}

/** The shortest prefix or suffix of a secret's form that is redacted on its own (shorter pieces are ordinary text). */
export const MIN_PIECE = 6;

interface Mark {
  start: number;
  end: number;
  name: string;
}

/** The forms a value can be reflected in. Each is matched whole, and by its prefixes and suffixes. */
export function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Set<string>([
    value,
    JSON.stringify(value).slice(1, -1),
    JSON.stringify(value)
      .slice(1, -1)
      .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    // HTML escapers differ on the apostrophe: none, &#39; or &#x27;.
    value.replace(/[&<>"]/g, (c) => htmlEntities[c]!),
    value.replace(/[&<>"']/g, (c) => htmlEntities[c]!),
    value.replace(/[&<>"']/g, (c) => htmlEntities[c]!.replace('&#39;', '&#x27;')),
    uriEncoded(value, encodeURIComponent),
    uriEncoded(value, encodeURIComponent).replace(/%[0-9A-F]{2}/g, (c) => c.toLowerCase()),
    new URLSearchParams({ v: value }).toString().slice(2),
    uriEncoded(value, encodeURI),
    value.replace(/\s+/g, ' '),
    bytes.toString('base64'),
    bytes.toString('base64url'),
  ]);
  // Inside a longer base64 text (a Basic header, a token) the value starts at any of 3 byte alignments; the
  // characters that also depend on the bytes before or after it are dropped, the rest is fixed by the value.
  for (const shift of [1, 2]) {
    const shifted = Buffer.concat([Buffer.alloc(shift), bytes]);
    const whole = Math.floor(shifted.length / 3) * 4;
    for (const encoding of ['base64', 'base64url'] as const) forms.add(shifted.toString(encoding).slice(4, whole));
  }
  for (const encoding of ['base64', 'base64url'] as const) forms.add(bytes.toString(encoding).slice(0, Math.floor(bytes.length / 3) * 4));
  return [...forms].filter((f) => f.length >= 4);
}

/** A lone surrogate cannot be URL-encoded (URIError); it is encoded as its replacement character would be. */
function uriEncoded(value: string, encode: (s: string) => string): string {
  return encode(value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Marks each occurrence of `form` in `text`, and each prefix or suffix of it of at least MIN_PIECE characters that
 * meets a cut: a prefix running to the end of the text or to an ellipsis, a suffix starting at the start of the text
 * or after one. (Pieces elsewhere are ordinary text: `github_pat_…` must not redact `docs.github.com`.)
 */
function markForm(text: string, form: string, name: string, marks: Mark[]): void {
  if (form.length < MIN_PIECE) {
    for (let at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + 1)) marks.push({ start: at, end: at + form.length, name });
    return;
  }
  // Prefixes (the whole form is its longest prefix): find the head, then extend as far as the form goes on.
  const head = form.slice(0, MIN_PIECE);
  for (let at = text.indexOf(head); at >= 0; at = text.indexOf(head, at + 1)) {
    let n = MIN_PIECE;
    while (n < form.length && at + n < text.length && text.charCodeAt(at + n) === form.charCodeAt(n)) n++;
    if (n === form.length || cutAfter(text, at + n)) marks.push({ start: at, end: at + n, name });
  }
  // Suffixes: find the tail, then extend backwards.
  const tail = form.slice(-MIN_PIECE);
  for (let at = text.indexOf(tail); at >= 0; at = text.indexOf(tail, at + 1)) {
    const end = at + MIN_PIECE;
    let n = MIN_PIECE;
    while (n < form.length && end - n - 1 >= 0 && text.charCodeAt(end - n - 1) === form.charCodeAt(form.length - n - 1)) n++;
    if (n < form.length && cutBefore(text, end - n)) marks.push({ start: end - n, end, name });
  }
}

/** Whether text was cut at `i` with what follows dropped: the end of the text, or an ellipsis. */
function cutAfter(text: string, i: number): boolean {
  return i === text.length || text.startsWith('…', i) || text.startsWith('...', i);
}

/** Whether text was cut at `i` with what came before dropped: the start of the text, or an ellipsis. */
function cutBefore(text: string, i: number): boolean {
  return i === 0 || text.endsWith('…', i) || text.endsWith('...', i);
}

/** Replaces the union of the marked ranges, each run of overlapping marks by one `[redacted:NAME]`. */
function redact(text: string, marks: Mark[]): string {
  marks.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (let i = 0; i < marks.length;) {
    const { start, name } = marks[i]!;
    let end = marks[i]!.end;
    for (i++; i < marks.length && marks[i]!.start < end; i++) end = Math.max(end, marks[i]!.end);
    out += `${text.slice(at, start)}[redacted:${name}]`;
    at = end;
  }
  return out + text.slice(at);
}
