/**
 * What an OpenAI call costs in integration credits, from its token usage. The metering layer reads the
 * action's `usage` and `model` and calls `creditsFor`; nothing here runs in workflow code.
 *
 * Scale: 1 credit = US$0.001 of the provider's list price (standard tier). So a model listed at $X per
 * million tokens costs X credits per thousand tokens, and the numbers below read like OpenAI's price page.
 */

export interface ModelPrice {
  /** Credits per 1,000 prompt (input) tokens. */
  inputPer1k: number;
  /** Credits per 1,000 completion (output) tokens, reasoning tokens included. */
  outputPer1k: number;
}

/** The token counts a chat completion reports (the action's `usage`). */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** Credits per 1,000 tokens by model family; dated snapshots (`gpt-4o-mini-2024-07-18`) use their family's price. */
export const modelPrices: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o-mini': { inputPer1k: 0.15, outputPer1k: 0.6 },
  'gpt-4o': { inputPer1k: 2.5, outputPer1k: 10 },
  'gpt-4.1': { inputPer1k: 2, outputPer1k: 8 },
  'gpt-4.1-mini': { inputPer1k: 0.4, outputPer1k: 1.6 },
  'gpt-4.1-nano': { inputPer1k: 0.1, outputPer1k: 0.4 },
  'gpt-5': { inputPer1k: 1.25, outputPer1k: 10 },
  'gpt-5-mini': { inputPer1k: 0.25, outputPer1k: 2 },
  'gpt-5-nano': { inputPer1k: 0.05, outputPer1k: 0.4 },
  o3: { inputPer1k: 2, outputPer1k: 8 },
  'o3-mini': { inputPer1k: 1.1, outputPer1k: 4.4 },
  'o4-mini': { inputPer1k: 1.1, outputPer1k: 4.4 },
  'gpt-3.5-turbo': { inputPer1k: 0.5, outputPer1k: 1.5 },
};

/**
 * The price of a model not in the table (a new OpenAI model, or a model on an OpenAI-compatible server):
 * gpt-4o's, on purpose on the high side, so an unknown model is never metered as nearly free.
 */
export const defaultModelPrice: ModelPrice = { inputPer1k: 2.5, outputPer1k: 10 };

/** Every call costs at least this much, like any other API request. */
export const MIN_CREDITS_PER_CALL = 1;

/**
 * The price of a model: an exact entry, else the longest entry that is a prefix followed by `-`
 * (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`, not `gpt-4o`), else `defaultModelPrice`.
 */
export function priceFor(model: string): ModelPrice {
  const name = model.trim().toLowerCase();
  const exact = modelPrices[name];
  if (exact) return exact;
  let best: string | undefined;
  for (const family of Object.keys(modelPrices)) {
    if (name.startsWith(`${family}-`) && (best === undefined || family.length > best.length)) best = family;
  }
  return best === undefined ? defaultModelPrice : modelPrices[best]!;
}

/**
 * Credits for one chat completion: prompt and completion tokens at the model's price, rounded up to a
 * whole credit, and never less than `MIN_CREDITS_PER_CALL`.
 *
 * @example
 * creditsFor('gpt-4o', { promptTokens: 1000, completionTokens: 500 }); // 2.5 + 5 = 7.5 → 8
 */
/**
 * The reply cap sent with a call that sets no `maxTokens` (reasoning tokens included on reasoning models), and so
 * what is reserved for its reply: a call's cost can never exceed its reservation.
 */
export const DEFAULT_MAX_COMPLETION_TOKENS = 4096;

/** Tokens the chat format adds: per message (role and separators) and once for the reply's start. */
const TOKENS_PER_MESSAGE = 8;
const TOKENS_PER_CALL = 8;

/**
 * The most a chat completion may cost, reserved before it is sent. The prompt is bounded by its size in bytes (a BPE
 * token stands for at least one byte of UTF-8: English text averages about four, so this reserves generously and the
 * settlement gives the rest back), plus the chat format's tokens and the JSON schema of a structured reply; the reply
 * by `maxTokens`, or the default cap the action sends.
 */
export function reserveFor(input: { model?: unknown; messages?: unknown; maxTokens?: unknown; responseFormat?: unknown }): number {
  const model = typeof input.model === 'string' ? input.model : 'gpt-4o-mini';
  const messages = Array.isArray(input.messages) ? input.messages : [];
  const bytes =
    Buffer.byteLength(JSON.stringify(messages), 'utf8') + (input.responseFormat ? Buffer.byteLength(JSON.stringify(input.responseFormat), 'utf8') : 0);
  const promptTokens = bytes + TOKENS_PER_MESSAGE * messages.length + TOKENS_PER_CALL;
  return creditsFor(model, { promptTokens, completionTokens: maxCompletionTokens(input) });
}

/** The reply cap of a call: its `maxTokens`, else the default. */
export function maxCompletionTokens(input: { maxTokens?: unknown }): number {
  return typeof input.maxTokens === 'number' && input.maxTokens > 0 ? input.maxTokens : DEFAULT_MAX_COMPLETION_TOKENS;
}

export function creditsFor(model: string, usage: TokenUsage): number {
  const price = priceFor(model);
  const tokens = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);
  const raw = (tokens(usage.promptTokens) * price.inputPer1k + tokens(usage.completionTokens) * price.outputPer1k) / 1000;
  // Rounded to a millionth first, so binary noise (0.15 * 20000 = 3000.0000000000005) does not add a credit.
  return Math.max(MIN_CREDITS_PER_CALL, Math.ceil(Math.round(raw * 1e6) / 1e6));
}
