/** Every `$ref` in `doc` that does not resolve, as a JSON pointer from the document's root, with where it is. */
export function unresolvedRefs(doc: unknown): string[] {
  const problems: string[] = [];
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${at}/${i}`));
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && resolve(doc, value) === undefined) problems.push(`${at}: ${value}`);
      else walk(value, `${at}/${key}`);
    }
  };
  walk(doc, '#');
  return problems;
}

function resolve(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined; // the document refers to nothing outside itself
  let node: unknown = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(segment in node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}
