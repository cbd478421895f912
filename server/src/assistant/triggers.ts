import nlp from 'compromise';
import type { FlowTrigger } from '#core/flow';
import type { WebhookEventInfo, WebhookSource } from '#core/webhooks';
import { findSchedule } from './schedule-phrases';

/** What the planner knows about the data a trigger hands the run: fields by meaning → expressions over `trigger`. */
export interface TriggerReading {
  trigger: FlowTrigger;
  /** Said in the explanation: "when your app sends user.signed_up". */
  summary: string;
  /** A message's first words when nothing better is known: "A payment succeeded", "New user.signed_up event". */
  headline?: string;
  /** `email` → `trigger.data.email`; for a Stripe payment, `trigger.data.data.object.receipt_email`. */
  fields: Record<string, string>;
  /** The words of the prompt the trigger came from (left out when actions are read). */
  phrases: string[];
  notes: string[];
}

/** Where the "when …" part of a prompt starts; it runs to a comma, a "then", or an "and" before the next action. */
export const WHEN = /(?<!only\s)\b(?:when(?:ever)?|each\s+time|every\s+time|as\s+soon\s+as|once|after)\s+/;
const MANUAL = /\b(?:manually|by\s+hand|on\s+demand|when\s+i\s+(?:click|press|run)[a-z ]*?(?=,|$)|when\s+i\s+start\s+it)\b/;
/** App-event fields a flow commonly maps: what apps put in `data` by convention. */
const APP_EVENT_FIELDS = ['email', 'name', 'phone', 'plan', 'amount', 'id', 'company'];
const PEOPLE = /^(?:someone|somebody|anyone|anybody|a\s+person|people|a\s+new\s+user|new\s+users?|a\s+user|users?|a\s+visitor|visitors?)$/;
const SIGN_UP = /\b(?:signs?\s+up|signed\s+up|registers?|registered|creates?\s+an?\s+account|joins?|new\s+sign-?ups?|new\s+users?)\b/;

/**
 * Reads what starts the flow: a schedule, a provider webhook (its event's words, or the provider named), an app
 * event ("when an order is placed" → `order.placed`, through compromise's verb forms), or a manual run. Undefined when
 * the prompt does not say.
 */
export function readTrigger(prompt: string, sources: WebhookSource[]): TriggerReading | undefined {
  const lower = prompt.toLowerCase();
  const schedule = findSchedule(prompt);
  if (schedule) {
    const notes = schedule.assumedTime ? ['No time of day was given: it runs at 09:00; say "at 7am" to change it.'] : [];
    return {
      trigger: { type: 'schedule', cron: schedule.cron, ...(schedule.timezone ? { timezone: schedule.timezone } : {}) },
      summary: `on a schedule (${schedule.description})`,
      fields: { time: 'trigger.data.scheduledTime' },
      phrases: schedule.phrases,
      notes,
    };
  }
  const manual = lower.match(MANUAL);
  if (manual) return { trigger: { type: 'manual' }, summary: 'when you run it by hand', fields: {}, phrases: [manual[0]], notes: [] };
  const signups = lower.match(/\b(?:for|on|after|with\s+each)\s+(?:every\s+|each\s+|a\s+)?(?:new\s+)?(?:user\s+)?sign-?ups?\b/);
  if (signups && !WHEN.test(lower)) return appEvent('user.signed_up', signups[0]);
  const clause = whenClause(lower);
  if (!clause) return undefined;
  const provider = providerEvent(clause.text, lower, sources);
  if (provider) {
    const { source, event } = provider;
    return {
      trigger: { type: 'webhook', source: source.id, events: [event.type] },
      summary: `when ${source.title} sends the ${event.type} webhook (${event.title.toLowerCase()})`,
      headline: event.title,
      fields: Object.fromEntries(Object.entries(event.fields ?? {}).map(([k, path]) => [k, `trigger.data.${path}`])),
      phrases: [clause.phrase],
      notes: [],
    };
  }
  const event = appEventName(clause.text);
  return event ? appEvent(event, clause.phrase) : undefined;
}

function appEvent(event: string, phrase: string): TriggerReading {
  return {
    trigger: { type: 'event', event },
    summary: `when your app sends the event ${event} (POST /v1/events)`,
    headline: `New ${event} event`,
    fields: Object.fromEntries(APP_EVENT_FIELDS.map((f) => [f, `trigger.data.${f}`])),
    phrases: [phrase],
    notes: [],
  };
}

/** The "when …" clause: its words (without "when") and the phrase to leave out of the actions. */
export function whenClause(lower: string): { text: string; phrase: string } | undefined {
  const m = WHEN.exec(lower);
  if (!m) return undefined;
  const rest = lower.slice(m.index + m[0].length);
  const end = rest.search(/,|;|\.(?:\s|$)|\s+then\s+|\s+(?:and\s+)?(?:only\s+)?(?:if|unless)\s+|\s+and\s+(?=(?:also\s+)?[a-z]+\s)(?!(?:is|are|was|were)\b)/);
  const text = (end === -1 ? rest : rest.slice(0, end)).trim();
  // "and" inside the clause ("signs up and confirms") is kept when no action verb follows it.
  return text ? { text, phrase: lower.slice(m.index, m.index + m[0].length + text.length) } : undefined;
}

function providerEvent(clause: string, prompt: string, sources: WebhookSource[]): { source: WebhookSource; event: WebhookEventInfo } | undefined {
  let best: { source: WebhookSource; event: WebhookEventInfo; score: number } | undefined;
  for (const source of sources) {
    const named =
      new RegExp(`\\b${source.title.toLowerCase()}\\b`).test(clause) || new RegExp(`\\b(?:on|in|from)\\s+${source.title.toLowerCase()}\\b`).test(prompt);
    for (const event of source.events ?? []) {
      const words = Math.max(0, ...event.keywords.filter((k) => clause.includes(k)).map((k) => k.split(/\s+/).length));
      // A keyword of two or more words says it alone ("payment succeeds"); one word needs the provider named.
      const score = words + (named ? 1.5 : 0);
      if ((words >= 2 || (named && words >= 1)) && (!best || score > best.score)) best = { source, event, score };
    }
  }
  return best;
}

/** "someone signs up" → user.signed_up; "an order is placed" → order.placed; "a customer upgrades their plan" → plan.upgraded. */
export function appEventName(clause: string): string | undefined {
  if (SIGN_UP.test(clause)) return 'user.signed_up';
  // The passive says it plainly: "an order is placed", "a ticket gets closed", "the form has been submitted".
  const passive = clause.match(
    /^(?:(?:a|an|the|new|any)\s+)?([a-z][a-z ]*?)\s+(?:is|are|was|were|gets|get|got|has\s+been|have\s+been)\s+([a-z]+(?:ed|en|wn|id|lt|nt|ne|ld|ht|ut|et|pt|un))(?:\s+(up|out|in|off|back|over))?\b/,
  );
  if (passive) return `${slug(singular(passive[1]!))}.${slug([passive[2], passive[3]].filter(Boolean).join(' '))}`;
  const doc = nlp(clause);
  const verb = doc.verbs().json()[0] as { verb?: { infinitive?: string }; text?: string } | undefined;
  let infinitive = verb?.verb?.infinitive?.trim();
  let verbWord = verb?.text;
  if (!infinitive) {
    // "a user upgrades": compromise may read the verb as a plural noun; the word after the subject, as a verb, says it.
    const m = clause.match(/^(?:(?:a|an|the|any|new)\s+)?([a-z]+)\s+([a-z]+s)\b/);
    const guess = m && (nlp(`they ${m[2]}`).verbs().json()[0] as { verb?: { infinitive?: string } } | undefined)?.verb?.infinitive;
    if (!m || !guess) return undefined;
    infinitive = guess;
    verbWord = clause.split(/\s+/).find((w, i) => i > 0 && w.startsWith(m[2]!));
  }
  const past = (nlp(infinitive).verbs().toPastTense().text() || infinitive).toLowerCase().replace(/^(?:was|were)\s+/, '');
  const verbText = (verbWord ?? '').toLowerCase().trim();
  const at = clause.indexOf(verbText);
  const before = (at > 0 ? clause.slice(0, at) : '').trim();
  const after = at >= 0 ? clause.slice(at + verbText.length).trim() : '';
  const subject = nounOf(before);
  const object = nounOf(after.replace(/^(?:their|his|her|its|our|my|your|the|a|an)\s+/, ''));
  const noun = object && !PEOPLE.test(object) ? object : subject && !PEOPLE.test(subject) ? subject : 'user';
  return `${slug(singular(noun))}.${slug(past)}`;
}

function nounOf(words: string): string | undefined {
  const cleaned = words
    .replace(/^(?:a|an|the|new|their|his|her|its|our|my|your)\s+/g, '')
    .replace(/\s+(?:is|are|was|were|gets?|got)$/, '')
    .trim();
  if (!cleaned) return undefined;
  if (PEOPLE.test(words.trim()) || PEOPLE.test(cleaned)) return 'user';
  const nouns = nlp(cleaned).nouns().json() as { text: string }[];
  return (nouns[0]?.text ?? cleaned).trim() || undefined;
}

function singular(noun: string): string {
  return (nlp(noun).nouns().toSingular().text() || noun).toLowerCase();
}

function slug(words: string): string {
  return words
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
