import { Fragment, type ReactNode } from 'react';

/**
 * A tiny Markdown renderer for the texts Switchyard itself writes (integration prompts, docs): headings,
 * paragraphs, nested lists, block quotes, rules, fenced code, inline code, bold, italic and links. It
 * builds React elements only: text is never parsed as HTML, so `<script>` stays text, and links are
 * kept only for http(s), mailto and relative addresses.
 */
export function Markdown({ text, headingOffset = 0, className }: { text: string; headingOffset?: number; className?: string }) {
  const blocks = parseBlocks(text.replace(/\r\n?/g, '\n').split('\n'));
  return <div className={['markdown', className].filter(Boolean).join(' ')}>{renderBlocks(blocks, headingOffset, 'b')}</div>;
}

export type Block =
  | { type: 'heading'; level: number; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'code'; lang: string; code: string }
  | { type: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { type: 'quote'; blocks: Block[] }
  | { type: 'rule' };

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;

const indentOf = (line: string) => line.match(/^\s*/)![0].replace(/\t/g, '    ').length;
const isBlank = (line: string) => line.trim() === '';

/** Splits lines into blocks. Exported for tests. */
export function parseBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  const startsBlock = (line: string) => FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line);
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const code: string[] = [];
      i++;
      while (i < lines.length && !new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`).test(lines[i]!)) code.push(lines[i++]!);
      i++; // the closing fence (or the end of the text)
      blocks.push({ type: 'code', lang: fence[2] ?? '', code: code.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: 'heading', level: heading[1]!.length, text: heading[2] ?? '' });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: 'rule' });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) inner.push(QUOTE.exec(lines[i++]!)![1]!);
      blocks.push({ type: 'quote', blocks: parseBlocks(inner) });
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      const [list, next] = parseList(lines, i);
      blocks.push(list);
      i = next;
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !isBlank(lines[i]!) && (para.length === 0 || !startsBlock(lines[i]!))) para.push(lines[i++]!.trim());
    blocks.push({ type: 'paragraph', text: para.join('\n') });
  }
  return blocks;
}

/** A list starting at line `start`: its items (each parsed as blocks) and the first line after it. */
function parseList(lines: string[], start: number): [Block, number] {
  const first = ITEM.exec(lines[start]!)!;
  const base = indentOf(first[1]!);
  const ordered = /\d/.test(first[2]!);
  const items: Block[][] = [];
  let i = start;
  while (i < lines.length) {
    const m = ITEM.exec(lines[i]!);
    if (!m || indentOf(m[1]!) !== base || /\d/.test(m[2]!) !== ordered) break;
    // The item's own lines: its first text, then every following line indented deeper than the marker
    // (continuations and nested lists), blank lines included when the item goes on after them.
    const contentIndent = base + m[2]!.length + 1;
    const body: string[] = [m[3]!];
    i++;
    while (i < lines.length) {
      const line = lines[i]!;
      if (isBlank(line)) {
        const nextLine = lines.slice(i + 1).find((l) => !isBlank(l));
        if (nextLine !== undefined && indentOf(nextLine) > base) {
          body.push('');
          i++;
          continue;
        }
        break;
      }
      const indent = indentOf(line);
      if (indent <= base && (ITEM.test(line) || startsOther(line))) break;
      if (indent <= base && !ITEM.test(line)) {
        // A lazy continuation of the item's paragraph.
        body.push(line.trim());
        i++;
        continue;
      }
      body.push(line.replace(/\t/g, '    ').slice(Math.min(indent, contentIndent)));
      i++;
    }
    items.push(parseBlocks(body));
    // A blank line between items of the same list keeps the list going.
    let j = i;
    while (j < lines.length && isBlank(lines[j]!)) j++;
    const again = j < lines.length ? ITEM.exec(lines[j]!) : null;
    if (j > i && again && indentOf(again[1]!) === base && /\d/.test(again[2]!) === ordered) i = j;
  }
  return [{ type: 'list', ordered, start: ordered ? parseInt(first[2]!, 10) : 1, items }, i];
}

const startsOther = (line: string) => FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line);

function renderBlocks(blocks: Block[], offset: number, key: string): ReactNode[] {
  return blocks.map((block, n) => {
    const k = `${key}.${n}`;
    switch (block.type) {
      case 'heading': {
        const level = Math.min(6, block.level + offset);
        const Tag = `h${level}` as 'h1' | 'h2' | 'h3' | 'h4' | 'h5' | 'h6';
        return <Tag key={k}>{renderInline(block.text, k)}</Tag>;
      }
      case 'paragraph':
        return <p key={k}>{renderInline(block.text, k)}</p>;
      case 'code':
        return (
          <pre key={k} className="md-code" data-lang={block.lang || undefined} tabIndex={0}>
            <code>{block.code}</code>
          </pre>
        );
      case 'rule':
        return <hr key={k} />;
      case 'quote':
        return <blockquote key={k}>{renderBlocks(block.blocks, offset, k)}</blockquote>;
      case 'list': {
        const items = block.items.map((item, m) => {
          const ik = `${k}.${m}`;
          // A tight item (one paragraph, maybe followed by a nested list) renders without <p>.
          const [head, ...rest] = item;
          const content =
            head?.type === 'paragraph' && rest.every((b) => b.type === 'list')
              ? [<Fragment key={`${ik}.t`}>{renderInline(head.text, ik)}</Fragment>, ...renderBlocks(rest, offset, ik)]
              : renderBlocks(item, offset, ik);
          return <li key={ik}>{content}</li>;
        });
        return block.ordered ? (
          <ol key={k} start={block.start === 1 ? undefined : block.start}>
            {items}
          </ol>
        ) : (
          <ul key={k}>{items}</ul>
        );
      }
    }
  });
}

/** Allows http(s), mailto and relative addresses; anything else (javascript:, data:…) is not a link. */
export function safeHref(url: string): string | null {
  const u = url.trim();
  if (!u) return null;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(u);
  if (scheme) return ['http', 'https', 'mailto'].includes(scheme[1]!.toLowerCase()) ? u : null;
  return /[\u0000-\u001f]/.test(u) ? null : u;
}

const INLINE = new RegExp(
  [
    /`(?<code>[^`\n]+)`/.source,
    /\[(?<label>[^\]\n]+)\]\(\s*<?(?<url>[^()\s<>]+)>?\s*\)/.source,
    /\*\*(?=\S)(?<strong>[^\n]+?)\*\*/.source,
    /(?<![\w*])(?<mark>[*_])(?=[^\s*_])(?<em>[^*_\n]+?)\k<mark>(?![\w*])/.source,
    /<(?<auto>https?:\/\/[^>\s]+)>/.source,
    /(?<bare>https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"`*])/.source,
  ].join('|'),
  'g',
);

function link(href: string, children: ReactNode, key: string): ReactNode {
  const safe = safeHref(href);
  if (!safe) return <Fragment key={key}>{children}</Fragment>;
  const external = /^https?:/i.test(safe);
  return (
    <a key={key} href={safe} {...(external ? { target: '_blank', rel: 'noopener noreferrer' } : {})}>
      {children}
    </a>
  );
}

/** Inline Markdown to React nodes. Line breaks inside a paragraph become spaces. */
export function renderInline(text: string, key = 'i'): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let n = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index;
    if (at > last) out.push(text.slice(last, at));
    const k = `${key}.${n++}`;
    const g = m.groups!;
    if (g.code !== undefined) out.push(<code key={k}>{g.code}</code>);
    else if (g.label !== undefined) out.push(link(g.url!, renderInline(g.label, k), k));
    else if (g.strong !== undefined) out.push(<strong key={k}>{renderInline(g.strong, k)}</strong>);
    else if (g.em !== undefined) out.push(<em key={k}>{renderInline(g.em, k)}</em>);
    else if (g.auto !== undefined) out.push(link(g.auto, g.auto, k));
    else if (g.bare !== undefined) out.push(link(g.bare, g.bare, k));
    last = at + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
