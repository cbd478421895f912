import OpenAI from 'openai';
import { z } from 'zod';
import { FlowDocument } from '#core/flow';
import { validateFlow } from '#core/validate';
import type { Plan, PlannerCatalog, PlanRequest } from './planner';

/** An OpenAI-compatible endpoint the operator configured (SWITCHYARD_LLM_BASE_URL, _API_KEY, _MODEL). */
export interface ModelConfig {
  baseUrl: string;
  apiKey: string;
  model: string;
}

/** Tokens one call used, for metering (AI credits, priced like the OpenAI action). */
export interface ModelUsage {
  model: string;
  promptTokens: number;
  completionTokens: number;
}

/** How many times a refused answer goes back to the model with its problems, after the first try. */
export const MAX_REPAIRS = 3;

const ModelAnswer = z.union([
  z.object({ kind: z.literal('draft'), explanation: z.string().min(1).max(4000), draft: z.unknown() }),
  z.object({ kind: z.literal('question'), question: z.string().min(1).max(1000) }),
]);

/**
 * The assistant with a model: the catalog's actions and the flow document's JSON Schema go in the request, the
 * answer must be JSON of that shape and a flow that passes the publish validator; a refused answer goes back with its
 * problems, at most MAX_REPAIRS times, then the user gets the problems and never a broken draft. Every call's tokens
 * are reported to `meter` (AI credits), whether its answer was used or not.
 */
export async function planWithModel(
  request: PlanRequest,
  catalog: PlannerCatalog,
  config: ModelConfig,
  meter: (usage: ModelUsage) => Promise<void>,
): Promise<Omit<Extract<Plan, { kind: 'draft' }>, 'missing' | 'changes'> | Exclude<Plan, { kind: 'draft' }>> {
  const client = new OpenAI({ baseURL: config.baseUrl, apiKey: config.apiKey, maxRetries: 1, timeout: 60_000 });
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: 'system', content: systemPrompt(catalog) },
    { role: 'user', content: request.flow ? `The flow being edited:\n${JSON.stringify(request.flow)}\n\nChange: ${request.prompt}` : request.prompt },
  ];
  let problems: string[] = [];
  for (let attempt = 0; attempt <= MAX_REPAIRS; attempt++) {
    const completion = await client.chat.completions.create({
      model: config.model,
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'switchyard_plan', schema: answerSchema(), strict: false } },
    });
    await meter({
      model: completion.model || config.model,
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
    });
    const text = completion.choices[0]?.message.content ?? '';
    const checked = checkAnswer(text, catalog);
    if (checked.ok) return checked.plan;
    problems = checked.problems;
    messages.push(
      { role: 'assistant', content: text },
      { role: 'user', content: `That answer was refused:\n- ${problems.join('\n- ')}\nAnswer again, fixed.` },
    );
  }
  return {
    kind: 'unsupported',
    message: `The model's draft still had problems after ${MAX_REPAIRS} repairs, so none is shown: ${problems.join('; ')}`,
  };
}

type Checked =
  { ok: true; plan: Extract<Plan, { kind: 'question' }> | { kind: 'draft'; draft: FlowDocument; explanation: string } } | { ok: false; problems: string[] };

function checkAnswer(text: string, catalog: PlannerCatalog): Checked {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problems: ['the answer is not JSON'] };
  }
  const answer = ModelAnswer.safeParse(json);
  if (!answer.success) return { ok: false, problems: answer.error.issues.map((i) => `${i.path.join('.') || 'answer'}: ${i.message}`) };
  if (answer.data.kind === 'question') return { ok: true, plan: answer.data };
  const doc = FlowDocument.safeParse(answer.data.draft);
  if (!doc.success) return { ok: false, problems: doc.error.issues.map((i) => `draft.${i.path.join('.')}: ${i.message}`) };
  const invalid = validateFlow(doc.data, catalog.index);
  if (invalid.length) return { ok: false, problems: invalid.map((p) => `${p.nodeId ? `node "${p.nodeId}"` : 'flow'}: ${p.message}`) };
  return { ok: true, plan: { kind: 'draft', draft: doc.data, explanation: answer.data.explanation } };
}

function answerSchema(): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      kind: { type: 'string', enum: ['draft', 'question'] },
      explanation: { type: 'string' },
      question: { type: 'string' },
      draft: z.toJSONSchema(FlowDocument, { io: 'input', unrepresentable: 'any' }),
    },
    required: ['kind'],
  };
}

function systemPrompt(catalog: PlannerCatalog): string {
  const actions = catalog.index.actions.map((a) => {
    const required = ((a.inputSchema as { required?: string[] }).required ?? []).join(', ');
    return `- ${a.ref}: ${a.title} (${a.integrationTitle ?? a.integration}). Required inputs: ${required || 'none'}.`;
  });
  const events = catalog.webhookSources.flatMap((s) => (s.events ?? []).map((e) => `- webhook source "${s.id}", event "${e.type}": ${e.title}`));
  return [
    'You design Switchyard flows. Answer with JSON only: {"kind":"draft","explanation":"one paragraph","draft":<flow document>} or {"kind":"question","question":"one precise question"} when something only the user knows is missing.',
    'A flow document has schemaVersion 1, a trigger (event, manual, schedule or webhook), nodes and edges from "trigger". Inputs are JSON; {"$expr":"trigger.data.email"} maps data (JSONata).',
    'Actions:',
    ...actions,
    'Provider webhook events:',
    ...events,
  ].join('\n');
}
