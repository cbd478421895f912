/**
 * What an audio transcription costs, from the audio's duration (OpenAI prices transcription per minute), and how
 * long a file's audio is. Same scale as pricing.ts: 1 credit = US$0.001 of the list price.
 */

/** Credits per minute of audio by model; an unknown model (a compatible server's) pays whisper-1's price. */
export const transcriptionPricesPerMinute: Readonly<Record<string, number>> = {
  'whisper-1': 6,
  'gpt-4o-transcribe': 6,
  'gpt-4o-mini-transcribe': 3,
};
export const DEFAULT_TRANSCRIPTION_PRICE_PER_MINUTE = 6;

export function transcriptionPricePerMinute(model: string): number {
  return transcriptionPricesPerMinute[model.trim().toLowerCase()] ?? DEFAULT_TRANSCRIPTION_PRICE_PER_MINUTE;
}

/** Credits for `seconds` of audio: the model's per-minute price pro rata, rounded up, at least 1 (like any request). */
export function transcriptionCredits(model: string, seconds: number): number {
  return Math.max(1, Math.ceil((Math.max(0, seconds) / 60) * transcriptionPricePerMinute(model)));
}

/**
 * The fewest bytes a second of audio takes in each format, for the reservation made before a call: the duration it
 * gives is an upper bound for every file encoded at or above it (WAV: 8 kHz 8-bit mono; compressed formats: 32 kbit/s).
 * A file encoded below is still charged its real duration after the call (docs/big-runs.md, "Files").
 */
const MIN_BYTES_PER_SECOND: Readonly<Record<string, number>> = {
  'audio/wav': 8000,
  'audio/x-wav': 8000,
  'audio/flac': 8000,
};
const MIN_COMPRESSED_BYTES_PER_SECOND = 4000;

/** The most seconds of audio a file of this size and media type holds (the reservation's duration). */
export function maxSecondsOf(size: number, mediaType: string): number {
  return size / (MIN_BYTES_PER_SECOND[mediaType] ?? MIN_COMPRESSED_BYTES_PER_SECOND);
}

/**
 * The duration of a WAV (RIFF) file, from its `fmt ` chunk's byte rate and its `data` chunk's size; undefined for
 * anything else or a header that does not add up.
 */
export function wavSeconds(bytes: Buffer): number | undefined {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let byteRate: number | undefined;
  // Chunks follow the 12-byte RIFF header: a 4-byte id, a 4-byte little-endian size, the data (padded to even).
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = bytes.toString('latin1', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 16 <= bytes.length - 4) byteRate = bytes.readUInt32LE(at + 16);
    if (id === 'data') {
      if (!byteRate) return undefined;
      // A streamed WAV may say 0 or 0xFFFFFFFF: what is present counts.
      const present = Math.min(size === 0 || size === 0xffffffff ? Infinity : size, bytes.length - at - 8);
      return present / byteRate;
    }
    at += 8 + size + (size % 2);
  }
  return undefined;
}
