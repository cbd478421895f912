import { defineIntegration } from '#core/catalog-sdk';
import { chatCompletion } from './actions/chat-completion.action';
import { transcribeAudio } from './actions/transcribe-audio.action';
import { OPENAI_API_KEY, OPENAI_BASE_URL, openaiClient, toActionError } from './client';

/**
 * OpenAI chat models, through the official `openai` SDK. Works with any OpenAI-compatible server
 * (Ollama, vLLM, LM Studio…) through the OPENAI_BASE_URL setting. Credits are charged by tokens (pricing.ts).
 */
export default defineIntegration({
  key: 'openai',
  version: 1,
  title: 'OpenAI',
  description: 'Generate text and structured JSON with OpenAI chat models, transcribe audio, or use any OpenAI-compatible server.',
  auth: { type: 'apiKey', variable: OPENAI_API_KEY },
  category: 'AI',
  // Model calls take seconds to minutes: they run on the heavy task queue, off the flow workers' slots.
  queue: 'heavy',
  setup: [
    {
      name: OPENAI_API_KEY,
      description: 'An OpenAI API key (a project key is best). Any non-empty value works for servers that need no key.',
      whereToGet: 'Create one at https://platform.openai.com/api-keys.',
    },
    {
      name: OPENAI_BASE_URL,
      description:
        'The base URL of any OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama (a private address must also be in SWITCHYARD_HTTP_ALLOW); default https://api.openai.com/v1.',
      whereToGet:
        "Your server's documentation gives its OpenAI-compatible base URL; OpenAI's is https://api.openai.com/v1 (https://platform.openai.com/docs/api-reference).",
      required: false,
      secret: false,
    },
  ],
  actions: [chatCompletion, transcribeAudio],
  docs: [
    { title: 'Chat Completions API reference', url: 'https://platform.openai.com/docs/api-reference/chat/create' },
    { title: 'Structured Outputs guide', url: 'https://platform.openai.com/docs/guides/structured-outputs' },
    { title: 'Audio transcriptions API reference', url: 'https://platform.openai.com/docs/api-reference/audio/createTranscription' },
    { title: 'Error codes', url: 'https://platform.openai.com/docs/guides/error-codes' },
    { title: 'Pricing', url: 'https://openai.com/api/pricing/' },
  ],
  examplePrompts: [
    'Summarise every new support ticket in two sentences',
    'Classify incoming feedback as bug, feature request or praise, as JSON',
    'Draft a friendly welcome email for each new signup',
    'Transcribe each uploaded voicemail and email the transcript',
  ],
  async testConnection(ctx) {
    const client = await openaiClient(ctx, { timeoutMs: 15_000 });
    try {
      const page = await client.models.list({ signal: ctx.signal });
      const count = page.data.length;
      return { detail: `The key works: ${count} model${count === 1 ? '' : 's'} available` };
    } catch (err) {
      throw toActionError(err, 'OpenAI GET /models');
    }
  },
});
