/**
 * A strict reader of Prometheus' text exposition format (version 0.0.4), for tests. The npm parser
 * parse-prometheus-text-format (1.1.1) merges every series of a labelled histogram into one, so it cannot check
 * histograms by label; this one keeps each sample: `name{labels} value`, `# HELP`, `# TYPE`. Any other line throws.
 */
export interface Sample {
  /** The sample's own name (`…_bucket`, `…_count`, `…_sum` for histograms). */
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

export function parseMetrics(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
    return f;
  };
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') family(meta[2]!).type = meta[3]!;
      else family(meta[2]!).help = meta[3]!;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not in the exposition format: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const l = LABEL.exec(body);
      if (!l) throw new Error(`line ${i + 1}: malformed labels: ${body}`);
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const value = Number(m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : m[4]);
    if (Number.isNaN(value) && m[4] !== 'NaN') throw new Error(`line ${i + 1}: bad value ${m[4]}`);
    const name = m[1]!;
    const owner = [...families.values()].find((f) => ['histogram', 'summary'].includes(f.type) && /^(.*)_(bucket|count|sum)$/.exec(name)?.[1] === f.name);
    (owner ?? family(name)).samples.push({ name, labels, value });
  }
  return families;
}

/** Scrapes a `/metrics` endpoint and parses it (a malformed text throws). */
export async function scrape(url: string): Promise<Map<string, MetricFamily>> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  if (!/^text\/plain/.test(res.headers.get('content-type') ?? '')) throw new Error(`GET ${url}: content type ${res.headers.get('content-type')}`);
  return parseMetrics(await res.text());
}

/** The samples of `name` (for a histogram: `name_count` by default) whose labels include `labels`. */
export function samples(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}, part?: 'count' | 'sum' | 'bucket'): Sample[] {
  const family = families.get(name);
  if (!family) throw new Error(`no metric ${name}; have: ${[...families.keys()].join(', ')}`);
  const sampleName = family.type === 'histogram' ? `${name}_${part ?? 'count'}` : name;
  return family.samples.filter((s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
