import type { ActionInfo } from '#core/catalog-sdk';
import type { TriggerReading } from './triggers';

/** An earlier node of the draft whose output a later one can use ("post the summary"). */
export interface EarlierNode {
  id: string;
  ref: string;
}

export interface InputsResult {
  inputs: Record<string, unknown>;
  /** Inputs the prompt did not give and that need a person: a question to ask, or a value to replace later. */
  question?: string;
  placeholders: { field: string; message: string }[];
}

const expr = (e: string) => ({ $expr: e });
const quoted = (clause: string) =>
  clause
    .match(/"([^"]+)"|“([^”]+)”|'([^']{3,})'/)
    ?.slice(1)
    .find(Boolean);
const TOPICS: [RegExp, string][] = [
  [/\bwelcome\b/, 'Welcome aboard'],
  [/\bconfirm(?:ation)?\b/, 'Please confirm your email'],
  [/\breceipt\b/, 'Your receipt'],
  [/\bthank(?:s|\s+you)?\b/, 'Thank you'],
  [/\bremind(?:er)?\b/, 'A friendly reminder'],
  [/\breport\b/, 'Your report'],
  [/\binvoice\b/, 'Your invoice'],
  [/\bfailed\b|\bdeclined\b/, 'Your payment did not go through'],
  [/\binvit(?:e|ation)\b/, "You're invited"],
];

/**
 * The inputs of one action, mapped from what is known: the trigger's fields by meaning (an email to `to`, a name into
 * the greeting), an earlier node's output ("post the summary"), and the words of the clause (`#sales`, `acme/web`,
 * a quoted message). What only a person knows becomes a question (which channel?) or a placeholder (the sender).
 */
export function mapInputs(action: ActionInfo, clause: string, reading: TriggerReading, earlier: EarlierNode[]): InputsResult {
  const f = reading.fields;
  const placeholders: InputsResult['placeholders'] = [];
  const message = messageExpression(clause, reading, earlier);
  const signup = reading.trigger.type === 'event' && reading.trigger.event === 'user.signed_up';
  const subject = TOPICS.find(([re]) => re.test(clause))?.[1] ?? (signup ? 'Welcome aboard' : (reading.headline ?? titleFromClause(clause)));
  const email = f.email ? expr(f.email) : undefined;
  const repo = clause.match(/\b([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9._-]*)\b/);
  switch (action.ref) {
    case 'email.send-email@1':
    case 'resend.send-email@1': {
      const toSelf = /\bto\s+(?:me|us|the\s+team|our\s+team|ops|support)\b/.test(clause);
      const literal = clause.match(/\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b/)?.[0];
      const to = literal ?? (toSelf || !email ? undefined : email);
      if (!to)
        return {
          inputs: {},
          question: 'Who should the email go to? Give an address (for example team@yourcompany.com), or say "to the user who signed up".',
          placeholders,
        };
      const inputs: Record<string, unknown> = { to, subject, text: message };
      if (action.ref === 'resend.send-email@1') {
        inputs.from = 'onboarding@resend.dev';
        placeholders.push({
          field: 'from',
          message:
            'The sender is Resend\'s test address (onboarding@resend.dev); use an address on a domain you verified in Resend, e.g. "Acme <hello@acme.com>".',
        });
      }
      return { inputs, placeholders };
    }
    case 'slack.post-message@1': {
      const channel = clause.match(/#[a-z0-9_-]+/)?.[0];
      if (!channel) return { inputs: {}, question: 'Which Slack channel should it post to (for example #general)?', placeholders };
      return { inputs: { channel, text: message }, placeholders };
    }
    case 'slack.update-message@1': {
      const post = [...earlier].reverse().find((n) => n.ref === 'slack.post-message@1');
      if (!post)
        return {
          inputs: {},
          question: 'Which Slack message should be updated? Post one earlier in the flow ("post to #billing, then update the message…").',
          placeholders,
        };
      return { inputs: { channel: expr(`nodes.${post.id}.channel`), ts: expr(`nodes.${post.id}.ts`), text: message }, placeholders };
    }
    case 'twilio.send-sms@1': {
      const number = clause.match(/\+\d{7,15}\b/)?.[0];
      const to = number ?? (f.phone ? expr(f.phone) : undefined);
      if (!to) return { inputs: {}, question: 'Which phone number should the SMS go to (in E.164 form, for example +14155550123)?', placeholders };
      return { inputs: { to, body: message }, placeholders };
    }
    case 'openai.chat-completion@1':
      return {
        inputs: { messages: [{ role: 'user', content: expr(`${JSON.stringify(`${instruction(clause)}:\n\n`)} & $string(${dataOf(reading, earlier)})`) }] },
        placeholders,
      };
    case 'github.create-issue@1':
    case 'github.add-comment@1': {
      const owner = repo ? repo[1] : f.owner ? expr(f.owner) : undefined;
      const name = repo ? repo[2] : f.repo ? expr(f.repo) : undefined;
      if (!owner || !name) return { inputs: {}, question: 'Which GitHub repository (owner/name, for example acme/website)?', placeholders };
      if (action.ref === 'github.create-issue@1')
        return { inputs: { owner, repo: name, title: message, body: expr(`$string(${dataOf(reading, earlier)})`) }, placeholders };
      if (!f.number)
        return { inputs: {}, question: 'Which issue should the comment go on? Start the flow from a GitHub issue or pull request webhook.', placeholders };
      return { inputs: { owner, repo: name, issueNumber: expr(f.number), body: message }, placeholders };
    }
    case 'stripe.create-customer@1':
      return { inputs: { ...(email ? { email } : {}), ...(f.name ? { name: expr(f.name) } : {}) }, placeholders };
    case 'stripe.create-refund@1':
    case 'stripe.retrieve-payment-intent@1': {
      const id = f.id && reading.trigger.type === 'webhook' ? expr(f.id) : f.id ? expr(`trigger.data.paymentIntentId`) : undefined;
      if (!id)
        return { inputs: {}, question: 'Which payment? Start the flow from a Stripe payment webhook, or send paymentIntentId in the event.', placeholders };
      return { inputs: { paymentIntentId: id }, placeholders };
    }
    case 'http.request@1': {
      const url = clause.match(/\bhttps?:\/\/[^\s"'<>]+/)?.[0];
      if (!url) return { inputs: {}, question: 'Which URL should it call?', placeholders };
      const method = clause.match(/\b(get|post|put|patch|delete)\b/)?.[1]?.toUpperCase() ?? 'POST';
      return { inputs: { url, method, ...(method === 'GET' || method === 'DELETE' ? {} : { body: expr(dataOf(reading, earlier)) }) }, placeholders };
    }
    default:
      return { inputs: {}, placeholders };
  }
}

/** The message: quoted words as said; the answer of an earlier AI step when the clause refers to it; else a line from the trigger. */
function messageExpression(clause: string, reading: TriggerReading, earlier: EarlierNode[]): unknown {
  const said = quoted(clause);
  const ai = [...earlier].reverse().find((n) => n.ref === 'openai.chat-completion@1');
  if (ai && /\b(?:summary|answer|reply|result|response|translation|it|that|draft)\b/.test(clause)) return expr(`nodes.${ai.id}.content`);
  const f = reading.fields;
  const who = f.name ? `${f.name}` : undefined;
  if (said)
    return who && /\{name\}/.test(said)
      ? expr(
          said
            .split('{name}')
            .map((p) => JSON.stringify(p))
            .join(` & ${who} & `),
        )
      : said;
  const topic = TOPICS.find(([re]) => re.test(clause))?.[1];
  if (topic && who) return expr(`"Hi " & ${who} & ", " & ${JSON.stringify(topic.toLowerCase() + '.')}`);
  // An app event about a person (user.*, customer.*, lead.*…) is named by their email; any other by its whole data.
  const person = reading.trigger.type !== 'event' || /^(?:user|customer|lead|subscriber|member|contact|account)\./.test(reading.trigger.event);
  const detail = f.title ?? f.text ?? (person ? f.email : reading.trigger.type === 'event' ? 'trigger.data' : undefined) ?? f.amount ?? f.id;
  if (!reading.headline || !detail) return titleFromClause(clause);
  return expr(`${JSON.stringify(`${reading.headline}: `)} & $string(${detail})`);
}

function dataOf(reading: TriggerReading, earlier: EarlierNode[]): string {
  const last = earlier.at(-1);
  return last && last.ref !== 'slack.post-message@1' ? `nodes.${last.id}` : 'trigger.data';
}

const SERVICES = /\b(?:with|using|via|on|in|through|to|from)\s+(?:openai|gpt(?:-[\w.]+)?|chatgpt|ai|slack|resend|smtp|twilio|github|stripe)\b/g;

/** A message's words from the clause: "post the weekly report reminder to #team" → "Weekly report reminder". */
function titleFromClause(clause: string): string {
  const words = clause
    .replace(SERVICES, ' ')
    .replace(/#[a-z0-9_-]+/g, ' ')
    .replace(/^\s*(?:send|post|email|mail|notify|tell|alert|ping|announce|message|text|share|forward|remind)\b/, ' ')
    .replace(/\b(?:an?|the|email|e-mail|mail|message|to|them|him|her|us|me|team|channel|about|of)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return capitalize(words || 'Notification');
}

/** What the AI step is asked: the clause without the service ("summarize it with OpenAI" → "Summarize this"). */
function instruction(clause: string): string {
  return capitalize(
    clause
      .replace(SERVICES, ' ')
      .replace(/\b(?:it|them)\b/g, 'this')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
