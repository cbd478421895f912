/**
 * Removes known secret values from anything that leaves an activity: outputs, error messages, logs.
 * Each occurrence becomes `[redacted:NAME]`. Values shorter than 4 characters are not scrubbed (they would
 * mangle ordinary text and are not credentials).
 */
export class Scrubber {
  private readonly values: { name: string; value: string }[] = [];

  add(name: string, value: string): void {
    if (value.length < 4 || this.values.some((v) => v.value === value)) return;
    this.values.push({ name, value });
    // Longest first, so a value containing another is replaced whole.
    this.values.sort((a, b) => b.value.length - a.value.length);
  }

  get active(): boolean {
    return this.values.length > 0;
  }

  text(input: string): string {
    let out = input;
    for (const { name, value } of this.values) if (out.includes(value)) out = out.split(value).join(`[redacted:${name}]`);
    return out;
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
