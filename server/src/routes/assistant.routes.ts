import { z } from 'zod';
import { AssistantAnswer } from '#core/api';
import { FlowDocument } from '#core/flow';
import { defineRoute, type RouteDef } from '../http/route';
import { askAssistant } from '../services/assistant.service';
import type { ServerDeps } from '../deps';

const AssistantBody = z.object({
  /** What the flow should do, or how to change the flow being edited ("also post it to #sales on Slack"). */
  prompt: z.string().max(4000),
  /** The flow being edited: the prompt revises it. */
  flow: FlowDocument.optional(),
});

/** The assistant: an example prompt becomes a flow draft (offline, from the catalog's own words). */
export function assistantRoutes(deps: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/assistant',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Assistant',
      summary: 'Turn a prompt into a flow draft (or revise the flow being edited): a draft with what is missing, one question, or why not',
      body: AssistantBody,
      responses: {
        200: { description: '`kind`: `draft` (passes the publish validator), `question` or `unsupported`', schema: AssistantAnswer },
        502: { description: 'The configured model (SWITCHYARD_LLM_*) could not be reached or failed' },
      },
      async handler({ body, auth }) {
        return { body: await askAssistant(deps, auth, body) };
      },
    }),
  ];
}
