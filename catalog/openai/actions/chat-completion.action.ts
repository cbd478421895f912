import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { NonRetryableError } from '#core/errors';
import { parseBoundedJson } from '#core/json-depth';
import { DEFAULT_BASE_URL, openaiClient, toActionError } from '../client';
import { creditsFor, maxCompletionTokens, reserveFor } from '../pricing';
import { placeholderFor, simulatedText } from '../sandbox';

export const ChatMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ResponseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({
    type: z.literal('json_schema'),
    /** OpenAI's rule: letters, digits, `_` and `-`, at most 64. */
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -, at most 64 characters'),
    schema: z.record(z.string(), z.json()).describe('A JSON Schema object the reply must follow'),
    /** Strict schema adherence (OpenAI supports a subset of JSON Schema in strict mode). */
    strict: z.boolean().optional(),
  }),
]);
export type ResponseFormat = z.infer<typeof ResponseFormat>;

export const ChatCompletionInput = z.object({
  model: z.string().min(1).max(200).default('gpt-4o-mini'),
  messages: z.array(ChatMessage).min(1),
  temperature: z.number().min(0).max(2).optional(),
  /** Upper bound on the reply's tokens (reasoning tokens included on reasoning models); default 4,096. */
  maxTokens: z.number().int().min(1).optional(),
  responseFormat: ResponseFormat.optional(),
});
export type ChatCompletionInput = z.infer<typeof ChatCompletionInput>;

/** Token counts as the provider reported them; the metering layer charges credits from these (see pricing.ts). */
export const ChatUsage = z.object({
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  totalTokens: z.number().int().min(0),
});
export type ChatUsage = z.infer<typeof ChatUsage>;

export const ChatCompletionOutput = z.object({
  /** The reply's text; null when the model refused or answered with tool calls only. */
  content: z.string().nullable(),
  /** The parsed reply, when a json_schema response format was requested and the reply is valid JSON. */
  json: z.json().optional(),
  /** The model's refusal message, when it declined to answer in the requested format. */
  refusal: z.string().optional(),
  /** `stop`, `length` (hit maxTokens), `content_filter`, `tool_calls`… */
  finishReason: z.string(),
  /** The model that answered (often a dated snapshot of the one requested). */
  model: z.string(),
  usage: ChatUsage,
});
export type ChatCompletionOutput = z.infer<typeof ChatCompletionOutput>;

const WHAT = 'OpenAI POST /chat/completions';

export const chatCompletion = defineAction({
  key: 'chat-completion',
  title: 'Chat completion',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: [
    'openai',
    'gpt',
    'chatgpt',
    'ai',
    'llm',
    'summarize',
    'summarise',
    'summary',
    'classify',
    'translate',
    'generate',
    'draft',
    'write',
    'ask',
    'answer',
    'analyze',
    'sentiment',
  ],
  description: 'Sends a conversation to an OpenAI (or OpenAI-compatible) chat model and returns its reply, optionally as JSON following a schema.',
  input: ChatCompletionInput,
  example: {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Answer in one sentence.' },
      { role: 'user', content: 'Summarise this support ticket: the export button does nothing.' },
    ],
    maxTokens: 200,
  },
  output: ChatCompletionOutput,
  // Generating text changes nothing at the provider; a retry only costs tokens again.
  sideEffects: false,
  timeout: '60s',
  // Charged by the tokens the provider reports, at the model's price (pricing.ts).
  creditsFromOutput: (output) => creditsFor(output.model, output.usage),
  creditsReserve: (input) => reserveFor(input as Partial<ChatCompletionInput>),
  async run(input, ctx) {
    const client = await openaiClient(ctx, { timeoutMs: 55_000 });
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: input.model,
      messages: input.messages,
      ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      ...(input.responseFormat ? { response_format: responseFormatParam(input.responseFormat) } : {}),
    };
    // Always capped (maxTokens, else the default), so the call can never cost more than was reserved for it.
    // OpenAI's newer models refuse the deprecated max_tokens; compatible servers (Ollama, vLLM…) know max_tokens best.
    if (client.baseURL === DEFAULT_BASE_URL) params.max_completion_tokens = maxCompletionTokens(input);
    else params.max_tokens = maxCompletionTokens(input);
    let completion;
    try {
      completion = await client.chat.completions.create(params, { signal: ctx.signal });
    } catch (err) {
      throw toActionError(err, WHAT);
    }
    // Charged by what the call used even if what follows refuses the reply.
    if (completion.usage)
      ctx.meter?.usage(
        creditsFor(completion.model || input.model, { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens }),
      );
    const choice = completion.choices?.[0];
    if (!choice) throw new NonRetryableError(`${WHAT} answered without any choice (model ${completion.model ?? input.model})`, { code: 'NO_CHOICE' });
    const content = choice.message?.content ?? null;
    const refusal = choice.message?.refusal ?? undefined;
    const finishReason = choice.finish_reason ?? 'unknown';
    const usage = completion.usage;
    if (!usage) ctx.log.warn('The chat completion reported no token usage; recording 0 tokens', { model: completion.model });
    const output: ChatCompletionOutput = {
      content,
      finishReason,
      model: completion.model || input.model,
      usage: {
        promptTokens: usage?.prompt_tokens ?? 0,
        completionTokens: usage?.completion_tokens ?? 0,
        totalTokens: usage?.total_tokens ?? (usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0),
      },
      ...(refusal ? { refusal } : {}),
    };
    if (input.responseFormat?.type === 'json_schema' && content !== null) {
      const parsed = parseJson(content);
      if (parsed.ok) output.json = parsed.value;
      else if (input.responseFormat.strict === true) {
        const why = finishReason === 'length' ? ' (the reply was cut off at the token limit: raise maxTokens)' : '';
        throw new NonRetryableError(
          `${WHAT}: the model's reply is not valid JSON for the strict schema "${input.responseFormat.name}"${why}: ${parsed.error}`,
          {
            code: 'INVALID_JSON_REPLY',
          },
        );
      } else ctx.log.warn('The reply requested as JSON does not parse; returning the text only', { model: output.model, error: parsed.error });
    }
    return output;
  },
  async sandbox(input) {
    const usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    if (input.responseFormat?.type === 'json_schema') {
      const json = placeholderFor(input.responseFormat.schema);
      return { content: JSON.stringify(json), json, finishReason: 'stop', model: input.model, usage };
    }
    return { content: simulatedText(input.model, input.messages), finishReason: 'stop', model: input.model, usage };
  },
});

function responseFormatParam(format: ResponseFormat): NonNullable<ChatCompletionCreateParamsNonStreaming['response_format']> {
  if (format.type === 'text') return { type: 'text' };
  return {
    type: 'json_schema',
    json_schema: { name: format.name, schema: format.schema, ...(format.strict !== undefined ? { strict: format.strict } : {}) },
  };
}

function parseJson(text: string): { ok: true; value: z.infer<ReturnType<typeof z.json>> } | { ok: false; error: string } {
  try {
    return { ok: true, value: parseBoundedJson(text) as z.infer<ReturnType<typeof z.json>> };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
