import crypto from 'node:crypto';
import OpenAI from 'openai';
import { PlanInfos } from '#core/credits';
import { AppError } from '#core/errors';
import type { FlowDocument } from '#core/flow';
import type { RunMode } from '#core/catalog-sdk';
import { creditsFor } from '#catalog/openai/pricing';
import { charge, ensureAccount } from '#store/credits.repository';
import { getSettings, listInstallations } from '#store/settings.repository';
import { planWithModel, type ModelUsage } from '../assistant/model-planner';
import { completeDraft, planFlow, type Plan, type PlanRequest } from '../assistant/planner';
import type { ServerDeps } from '../deps';

/**
 * The assistant: a prompt (and the flow being edited) → a draft, a question or a reason, knowing the workspace
 * (installed integrations, secrets with a value, the Backend functions switch). Offline from the catalog's own words,
 * or with the configured model (SWITCHYARD_LLM_*) when the workspace's plan includes integrations: each model call is
 * charged in AI credits like the OpenAI action.
 */
export async function askAssistant(
  deps: Pick<ServerDeps, 'db' | 'integrations' | 'catalog' | 'secrets' | 'llm'>,
  caller: { workspaceId: string; mode: RunMode },
  request: { prompt: string; flow?: FlowDocument | undefined },
): Promise<Plan> {
  const { workspaceId } = caller;
  const [installed, secrets, settings] = await Promise.all([
    listInstallations(deps.db, workspaceId),
    deps.secrets.list(workspaceId),
    getSettings(deps.db, workspaceId),
  ]);
  const plan: PlanRequest = {
    prompt: request.prompt,
    ...(request.flow ? { flow: request.flow } : {}),
    workspace: {
      installed: [...installed.keys()],
      secrets: secrets.filter((s) => s.live || s.test).map((s) => s.name),
      backendFunctions: settings.backendFunctions,
    },
  };
  const catalog = { integrations: deps.integrations, index: deps.catalog, webhookSources: deps.integrations.flatMap((i) => i.webhooks ?? []) };
  if (deps.llm && request.prompt.trim() && PlanInfos[(await ensureAccount(deps.db, workspaceId)).plan].integrations) {
    const conversation = `assistant:${crypto.randomUUID()}`;
    let call = 0;
    const meter = async (usage: ModelUsage) => {
      call++;
      await charge(deps.db, {
        id: `${conversation}:${call}`,
        workspaceId,
        mode: caller.mode,
        credits: creditsFor(usage.model, usage),
        overdraft: true,
        integration: 'assistant',
        action: 'assistant.plan',
        workflowId: conversation,
        temporalRunId: '',
        activityId: 'assistant',
        attempt: call,
        requestIndex: null,
        nodeKey: 'assistant',
      });
    };
    const answer = await planWithModel(plan, catalog, deps.llm, meter).catch((err: unknown) => {
      // The model's own failure (unreachable, refused key, 5xx): said as such, never a 500 of Switchyard's.
      if (err instanceof OpenAI.APIError) {
        throw new AppError(
          'MODEL_UNAVAILABLE',
          `The assistant's model at ${deps.llm!.baseUrl} failed (${err.status ?? 'no answer'}): ${err.message}. Try again, or unset SWITCHYARD_LLM_BASE_URL to plan offline.`,
        );
      }
      throw err;
    });
    return answer.kind === 'draft' ? completeDraft(plan, catalog, answer.draft, answer.explanation) : answer;
  }
  return planFlow(plan, catalog);
}
