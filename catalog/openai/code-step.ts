import type { CodeStepContext } from '#core/code';

/**
 * What `openai.chat-completion@1` does, as a code step: POST /chat/completions with the API key. Note the price: a
 * code step pays 1 credit per request, not by tokens as the action does. Declare the secret OPENAI_API_KEY.
 * `baseUrl` is for tests (a local peer) or an OpenAI-compatible server.
 */
interface Input {
  prompt: string;
  model?: string;
  system?: string;
  maxTokens?: number;
  baseUrl?: string;
}

export default async function (input: Input, ctx: CodeStepContext) {
  const messages = [...(input.system ? [{ role: 'system', content: input.system }] : []), { role: 'user', content: input.prompt }];
  const res = await ctx.fetch(`${input.baseUrl ?? 'https://api.openai.com/v1'}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.secrets.OPENAI_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: input.model ?? 'gpt-4o-mini', messages, max_tokens: input.maxTokens ?? 1024 }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`OpenAI answered ${res.status}: ${body.error?.message ?? res.statusText}`);
  return { content: body.choices[0].message.content as string, model: body.model as string, usage: body.usage };
}
