/**
 * How the cache packs text: each packed value starts with a one-byte format tag, so formats can change without a
 * migration rewriting every row.
 *
 *   0x00  UTF-8, as is (short values, where compression does not pay)
 *   0x02  raw DEFLATE level 1 with a preset dictionary, then the UTF-8 text; the tag is followed by the dictionary id
 *         (unsigned LEB128). Id 0 is `BUILT_IN_DICTIONARY` below; other ids are rows of `raw_dictionaries`.
 *   0x03  Brotli quality 0
 *
 * Raw JSON uses 0x02. A Vapi call repeats its assistant's system prompt (a few KB) in `artifact.messages` and in
 * `messagesOpenAIFormatted`, and all calls share their key names: a dictionary made of a call skeleton plus the
 * prompt lets each call store only what is its own. Within one document, DEFLATE's 32 KB window turns the transcript's
 * other copies (`artifact.transcript`, `messagesOpenAIFormatted`) into back-references. Level 1 because the store path
 * must cost less than fetching and parsing the page. Measured on bench/cache-fixtures.ts: level 1 plain 1.55× the
 * transcript's bytes in ~150 ms per 1,000 calls; with the dictionary 0.86× in ~75 ms; Brotli q1 1.61× in ~58 ms.
 *
 * Transcript text uses 0x03: it is natural language, Brotli's built-in dictionary suits it, and quality 0 is the
 * fastest (0.38× in ~17 ms per 1,000 calls, against 0.34× in ~32 ms for DEFLATE level 1).
 */
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';

const PLAIN = 0x00;
const DEFLATE_DICTIONARY = 0x02;
const BROTLI = 0x03;
const MIN_TO_COMPRESS = 200;
/** DEFLATE only looks this far back, so only the end of a dictionary can be used. */
export const MAX_DICTIONARY_BYTES = 32 * 1024;

/**
 * Dictionary 0: a Vapi call and a backend call with every field but no content. NEVER EDIT: stored values depend on
 * these exact bytes (a test pins its hash). A better skeleton gets a new id.
 */
export const BUILT_IN_DICTIONARY = Buffer.from(
  JSON.stringify({
    id: '00000000-0000-4000-8000-000000000000',
    orgId: '00000000-0000-4000-8000-000000000000',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    type: 'inboundPhoneCall',
    status: 'ended',
    endedReason: 'customer-ended-call',
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:00:00.000Z',
    cost: 0.1,
    costBreakdown: {
      transport: 0,
      stt: 0,
      llm: 0,
      tts: 0,
      vapi: 0,
      chat: 0,
      total: 0,
      llmPromptTokens: 0,
      llmCompletionTokens: 0,
      llmCachedPromptTokens: 0,
      ttsCharacters: 0,
      analysisCostBreakdown: { summary: 0, structuredData: 0, successEvaluation: 0 },
    },
    costs: [
      { type: 'transcriber', transcriber: { provider: 'deepgram', model: 'nova-2' }, minutes: 0, cost: 0 },
      {
        type: 'model',
        model: { provider: 'openai', model: 'gpt-4o-mini' },
        promptTokens: 0,
        completionTokens: 0,
        cost: 0,
      },
      { type: 'voice', voice: { provider: '11labs', voiceId: '' }, characters: 0, cost: 0 },
      { type: 'vapi', subType: 'normal', minutes: 0, cost: 0 },
      { type: 'analysis', analysisType: 'summary', model: {}, promptTokens: 0, completionTokens: 0, cost: 0 },
    ],
    customer: { number: '+33', name: '' },
    phoneNumberId: '',
    assistantId: '',
    phoneCallProvider: 'twilio',
    phoneCallProviderId: 'CA',
    phoneCallTransport: 'pstn',
    artifact: {
      transcript: 'AI: \nUser: ',
      messages: [
        { role: 'system', message: '', time: 0, secondsFromStart: 0 },
        { role: 'bot', message: '', time: 0, endTime: 0, secondsFromStart: 0, duration: 0, source: '' },
        { role: 'user', message: '', time: 0, endTime: 0, secondsFromStart: 0, duration: 0 },
        { role: 'tool_calls', toolCalls: [{ id: '', type: 'function', function: { name: '', arguments: '' } }] },
        { role: 'tool_call_result', toolCallId: '', name: '', result: '', time: 0, secondsFromStart: 0 },
      ],
      messagesOpenAIFormatted: [
        { role: 'system', content: '' },
        { role: 'assistant', content: '' },
        { role: 'user', content: '' },
      ],
      recording: {
        stereoUrl: 'https://storage.vapi.ai/-stereo.wav',
        mono: {
          combinedUrl: 'https://storage.vapi.ai/-mono.wav',
          assistantUrl: 'https://storage.vapi.ai/-assistant.wav',
          customerUrl: 'https://storage.vapi.ai/-customer.wav',
        },
      },
      recordingUrl: 'https://storage.vapi.ai/-mono.wav',
      stereoRecordingUrl: 'https://storage.vapi.ai/-stereo.wav',
      logUrl: 'https://calllogs.vapi.ai/.jsonl.gz',
    },
    analysis: { summary: '', successEvaluation: 'true', structuredData: {} },
    monitor: {
      listenUrl: 'wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai//listen',
      controlUrl: 'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai//control',
    },
    customerNumber: '',
    durationSeconds: 0,
    transcriptPreview: 'AVA: \n\nCaller: ',
    transcript: 'No transcript available',
    recordingUrl: null,
    metadata: { vapi: {}, recording_url: null },
  }),
  'utf8',
);

/** A dictionary for values that carry `prompt`: the skeleton, then the prompt as it appears inside JSON. */
export function dictionaryFor(prompt: string): Buffer {
  const bytes = Buffer.concat([BUILT_IN_DICTIONARY, Buffer.from(JSON.stringify(prompt).slice(1, -1), 'utf8')]);
  return bytes.length <= MAX_DICTIONARY_BYTES ? bytes : bytes.subarray(bytes.length - MAX_DICTIONARY_BYTES);
}

function uleb128(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** Packs JSON (text, or its UTF-8 bytes) against dictionary `id`. */
export function packJson(json: string | Uint8Array, dictionaryId: number, dictionary: Buffer): Buffer {
  const utf8 = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
  if (utf8.length < MIN_TO_COMPRESS) return Buffer.concat([Buffer.of(PLAIN), utf8]);
  const packed = deflateRawSync(utf8, { level: 1, dictionary });
  return Buffer.concat([Buffer.of(DEFLATE_DICTIONARY), uleb128(dictionaryId), packed]);
}

/** Packs natural-language text. */
export function packText(text: string): Buffer {
  const utf8 = Buffer.from(text, 'utf8');
  if (utf8.length < MIN_TO_COMPRESS) return Buffer.concat([Buffer.of(PLAIN), utf8]);
  const packed = brotliCompressSync(utf8, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_SIZE_HINT]: utf8.length },
  });
  return Buffer.concat([Buffer.of(BROTLI), packed]);
}

/** Unpacks any format; `dictionaries` resolves the ids `packJson` used. */
export function unpack(blob: Uint8Array, dictionaries: (id: number) => Buffer | undefined = builtInOnly): string {
  const buffer = Buffer.isBuffer(blob) ? blob : Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const format = buffer[0];
  if (format === PLAIN) return buffer.toString('utf8', 1);
  if (format === BROTLI) return brotliDecompressSync(buffer.subarray(1)).toString('utf8');
  if (format === DEFLATE_DICTIONARY) {
    let id = 0;
    let shift = 1;
    let at = 1;
    for (;;) {
      const byte = buffer[at++];
      if (byte === undefined) throw new Error('Truncated dictionary id in the call cache');
      id += (byte & 0x7f) * shift;
      shift *= 128;
      if ((byte & 0x80) === 0) break;
    }
    const dictionary = dictionaries(id);
    if (dictionary === undefined) throw new Error(`Missing compression dictionary ${id} in the call cache`);
    return inflateRawSync(buffer.subarray(at), { dictionary }).toString('utf8');
  }
  throw new Error(`Unknown packed format ${String(format)} in the call cache`);
}

/**
 * `unpack` for the SQL function the search index reads transcripts through, with a memory of the value just packed:
 * the insert and update triggers then index the text the cache already has, instead of decompressing it again.
 */
export class TextUnpacker {
  private packed: Buffer | null = null;
  private text = '';

  remember(packed: Buffer | null, text: string): void {
    this.packed = packed;
    this.text = text;
  }

  unpack(blob: Uint8Array): string {
    const last = this.packed;
    if (last !== null && blob.length === last.length && last.equals(blob)) return this.text;
    return unpack(blob);
  }
}

function builtInOnly(id: number): Buffer | undefined {
  return id === 0 ? BUILT_IN_DICTIONARY : undefined;
}
