import type { ActionInfo, IntegrationDefinition } from '#core/catalog-sdk';

/** Verbs that start an action clause: "…, then post it to #sales" is cut before "post". */
export const ACTION_VERBS = [
  'send',
  'email',
  'mail',
  'post',
  'notify',
  'tell',
  'alert',
  'ping',
  'announce',
  'message',
  'text',
  'sms',
  'create',
  'add',
  'open',
  'file',
  'comment',
  'reply',
  'refund',
  'charge',
  'call',
  'fetch',
  'get',
  'ask',
  'summarize',
  'summarise',
  'translate',
  'classify',
  'generate',
  'write',
  'draft',
  'update',
  'edit',
  'look',
  'retrieve',
  'log',
  'transform',
  'compute',
  'thank',
  'welcome',
  'remind',
  'invite',
  'issue',
  'raise',
  'share',
  'forward',
  'let',
  'give',
];

/** What a clause names: the action chosen, or why none fits. */
export type ActionChoice = { ok: true; action: ActionInfo; integration: IntegrationDefinition } | { ok: false; reason: string };

const HINTS: { test: RegExp; integration: string; weight: number }[] = [
  { test: /#[a-z0-9_-]+|\bslack\b|\bchannel\b/, integration: 'slack', weight: 3 },
  { test: /\bsms\b|\btext\s+message\b|\btext\s+(?:them|the\s+(?:user|customer)|me)\b|\btwilio\b|\bphone\b/, integration: 'twilio', weight: 3 },
  { test: /\be-?mail\b|\bnewsletter\b|\binbox\b/, integration: '@email', weight: 2 },
  { test: /\bhttps?:\/\/\S+/, integration: 'http', weight: 4 },
];

/**
 * Picks the catalog action a clause asks for: the integration named ("with Resend", "on Slack") or hinted at ("#sales",
 * "an SMS"), then the action whose keywords match most words. Between two email integrations the installed one wins,
 * else Email (SMTP). A clause nothing matches is a reason, never a guess.
 */
export function chooseAction(clause: string, integrations: IntegrationDefinition[], installed: string[], actions: ActionInfo[]): ActionChoice {
  const byKey = new Map(integrations.map((i) => [i.key, i]));
  const named = integrations.filter((i) => i.key !== 'data' && mentions(clause, i));
  const hinted = new Map<string, number>();
  for (const h of HINTS) if (h.test.test(clause)) hinted.set(h.integration, (hinted.get(h.integration) ?? 0) + h.weight);
  let best: { action: ActionInfo; score: number } | undefined;
  for (const action of actions) {
    const integration = byKey.get(action.integration);
    if (!integration || integration.key === 'data') continue;
    if (named.length > 0 && !named.includes(integration)) continue;
    let score = keywordScore(clause, action) + (hinted.get(integration.key) ?? 0);
    if (['email', 'resend'].includes(integration.key)) score += hinted.get('@email') ?? 0;
    if (score === 0 && named.length === 0) continue;
    if (named.includes(integration)) score += 5;
    if (integration.key === 'http' && !hinted.has('http') && !named.includes(integration)) score -= 4;
    if (installed.includes(integration.key)) score += 0.5;
    if (integration.key === 'email') score += 0.25; // the generic sender, when neither is installed
    if (!best || score > best.score) best = { action, score };
  }
  if (!best || best.score <= 0) {
    return {
      ok: false,
      reason: `I can't do "${clause}" yet: no integration in the catalog does that. Import the service's OpenAPI document or a cURL line as an instant integration, or call its API with the HTTP request action.`,
    };
  }
  return { ok: true, action: best.action, integration: byKey.get(best.action.integration)! };
}

function mentions(clause: string, i: IntegrationDefinition): boolean {
  const names = [i.key, i.title.toLowerCase(), ...(i.key === 'openai' ? ['gpt', 'chatgpt', 'ai', 'llm'] : [])];
  return (
    names.some((n) => n.length > 1 && new RegExp(`\\b${n.replace(/[^a-z0-9 ]/g, '')}\\b`).test(clause)) && !(i.key === 'email' && !/\bsmtp\b/.test(clause))
  );
}

function keywordScore(clause: string, action: ActionInfo): number {
  let score = 0;
  for (const k of action.keywords ?? []) {
    const hit = k === '#' ? /#[a-z0-9]/.test(clause) : new RegExp(`(?:^|\\W)${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\W|$)`).test(clause);
    if (hit) score += k.split(/\s+/).length;
  }
  return score;
}
