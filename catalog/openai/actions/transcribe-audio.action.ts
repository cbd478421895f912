import { toFile } from 'openai';
import { z } from 'zod';
import { defineAction, FileRef } from '#core/catalog-sdk';
import { NonRetryableError } from '#core/errors';
import { openaiClient, toActionError } from '../client';
import { maxSecondsOf, transcriptionCredits, wavSeconds } from '../audio';

export const TranscribeAudioInput = z.object({
  /** The audio: a file uploaded with POST /v1/files (wav, mp3, m4a, webm, ogg, flac), mapped from the trigger. */
  file: FileRef,
  model: z.string().min(1).max(200).default('whisper-1'),
  /** The spoken language, ISO-639-1 (`en`, `fr`): faster and more accurate when known. */
  language: z
    .string()
    .regex(/^[a-z]{2}$/, 'a two-letter ISO-639-1 code such as en or fr')
    .optional(),
  /** Text that guides the style or spelling (names, jargon), in the audio's language. */
  prompt: z.string().max(2000).optional(),
});
export type TranscribeAudioInput = z.infer<typeof TranscribeAudioInput>;

export const TranscribeAudioOutput = z.object({
  text: z.string(),
  /** The language the model heard (when it says). */
  language: z.string().optional(),
  /** Seconds of audio: what the call is charged by. */
  durationSeconds: z.number().min(0),
  model: z.string(),
});
export type TranscribeAudioOutput = z.infer<typeof TranscribeAudioOutput>;

/** OpenAI's limit for one transcription upload. */
const MAX_AUDIO_BYTES = 25 * 1024 * 1024;
const WHAT = 'OpenAI POST /audio/transcriptions';

export const transcribeAudio = defineAction({
  key: 'transcribe-audio',
  title: 'Transcribe audio',
  keywords: ['transcribe', 'transcription', 'audio', 'speech', 'voice', 'recording', 'whisper', 'speech to text', 'dictation'],
  description: 'Turns speech in an audio file into text with OpenAI (whisper-1, gpt-4o-transcribe) or an OpenAI-compatible server.',
  input: TranscribeAudioInput,
  example: {
    file: { $blob: { key: 'blob_0123456789abcdef0123456789abcdef', size: 320044, mediaType: 'audio/wav', preview: '', name: 'voicemail.wav' } },
    model: 'whisper-1',
    language: 'en',
  },
  output: TranscribeAudioOutput,
  sideEffects: false,
  timeout: '300s',
  // Charged by the audio's duration at the model's per-minute price (audio.ts); reserved before from the file's size.
  creditsFromOutput: (output) => transcriptionCredits(output.model, output.durationSeconds),
  creditsReserve: (input) => {
    const { file, model } = input as Partial<TranscribeAudioInput>;
    return file ? transcriptionCredits(model ?? 'whisper-1', maxSecondsOf(file.$blob.size, file.$blob.mediaType)) : 1;
  },
  async run(input, ctx) {
    if (!input.file.$blob.mediaType.startsWith('audio/'))
      throw new NonRetryableError(`${WHAT}: the file is ${input.file.$blob.mediaType}, not audio: give an audio file (wav, mp3, m4a, webm, ogg, flac).`, {
        code: 'NOT_AUDIO',
      });
    if (input.file.$blob.size > MAX_AUDIO_BYTES)
      throw new NonRetryableError(`${WHAT}: the file is ${input.file.$blob.size} bytes, over OpenAI's 25 MB limit for one transcription: split it.`, {
        code: 'FILE_TOO_LARGE',
      });
    if (!ctx.files) throw new NonRetryableError(`${WHAT}: files cannot be read here`, { code: 'FILES_UNAVAILABLE' });
    const bytes = await ctx.files.read(input.file);
    const client = await openaiClient(ctx, { timeoutMs: 290_000 });
    const name = input.file.$blob.name ?? `audio.${input.file.$blob.mediaType.split('/')[1] ?? 'wav'}`;
    // whisper-1 reports the duration (verbose_json); the gpt-4o models report it as usage, or not at all.
    const verbose = input.model === 'whisper-1';
    let answer: { text: string; language?: string; duration?: number; usage?: { type?: string; seconds?: number } };
    try {
      answer = (await client.audio.transcriptions.create(
        {
          file: await toFile(bytes, name, { type: input.file.$blob.mediaType }),
          model: input.model,
          response_format: verbose ? 'verbose_json' : 'json',
          ...(input.language ? { language: input.language } : {}),
          ...(input.prompt ? { prompt: input.prompt } : {}),
        },
        { signal: ctx.signal },
      )) as typeof answer;
    } catch (err) {
      throw toActionError(err, WHAT);
    }
    // Charged by the provider's duration; else the file's own (WAV header); else the reservation's upper bound.
    const durationSeconds =
      answer.duration ?? (answer.usage?.type === 'duration' ? answer.usage.seconds : undefined) ?? wavSeconds(bytes) ?? maxSecondsOf(bytes.length, input.file.$blob.mediaType);
    ctx.meter?.usage(transcriptionCredits(input.model, durationSeconds));
    return { text: answer.text, durationSeconds, model: input.model, ...(answer.language ? { language: answer.language } : {}) };
  },
  sandbox(input) {
    const seconds = input.file.$blob.mediaType.includes('wav') ? input.file.$blob.size / 32000 : maxSecondsOf(input.file.$blob.size, input.file.$blob.mediaType);
    return Promise.resolve({
      text: `[Simulated transcript of ${input.file.$blob.name ?? 'the audio'}: test mode has no OpenAI test key.]`,
      durationSeconds: Math.round(seconds * 100) / 100,
      model: input.model,
    });
  },
});
