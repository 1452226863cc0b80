/**
 * How the cache packs a call's content: its turns and transcript text, its summary and recording URL, and each
 * source's raw JSON, in one compressed blob (`calls.content`).
 *
 * Why one blob: on realistic calls (a minute or two, under 1 KB of transcript, 5–8 KB of Vapi JSON) fixed per-call
 * costs dominate the cache's size. What can be rebuilt exactly from the raw JSON is not stored twice (content v2
 * below); what is repeated anyway (the summary, the recording URL) becomes back-references to the text that comes
 * first; and a per-assistant dictionary (a blanked sample call of that assistant, its system prompt included) turns
 * the ids, URLs, keys and prompt every call repeats into back-references too.
 *
 * Blob: one tag byte, then the dictionary id (unsigned LEB128), then raw DEFLATE with that preset dictionary:
 *   0x04  content v1: `<header JSON>\n<transcript><summary><recording URL><backend JSON><vapi JSON>` (UTF-8), where
 *         the header is `{"t": [[role, label, offsetMs, length], ...], "b": [bytes of each of the five parts, or -1]}`;
 *         the transcript is the turn texts joined by `\n` and `length` counts UTF-16 code units.
 *   0x05  content v2 (schema 2 and up): as v1, or with the header `{"d": 1, "b": [-1, ...]}`: the turns are not
 *         stored but read from the Vapi JSON again (`vapiTurnsFromJson`, reading v1 of `DERIVED_TURNS`). That is how
 *         most calls are stored: Vapi's JSON already holds the conversation (`artifact.messages`) and the turns came
 *         from it, so a copy costs about 150 bytes a call (11 % of the blob) and DEFLATE time, for nothing.
 *         What `vapiTurnsFromJson` reads must not change for stored calls: the search index holds their words. A
 *         change to it is a new `DERIVED_TURNS` version, with the old reading kept, or a migration that rebuilds the
 *         index. The header may also say `"j": <bits>`: the JSON parts whose bit (1 << part index) is set were stored
 *         with their message timings rewritten (cache/timings.ts), about 145 bytes a call less; and `"r": [...]`:
 *         the Vapi JSON was stored with these copies of the conversation cut out (calls/vapi-copies.ts), about 135
 *         bytes a call less. Cuts are made first, then timings rewritten; reading undoes them in the other order.
 * Dictionary 0 is `BUILT_IN_DICTIONARY`; others are rows of `raw_dictionaries`.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Turn, TurnRole } from '../../../shared/domain';
import { vapiTurnsFromJson } from '../calls/observe';
import { type CopyCuts, type CopyKind, applyCuts, restoreCopies } from '../calls/vapi-copies';
import { decodeTimings, encodeTimingsInto } from './timings';

const CONTENT_V1 = 0x04;
const CONTENT_V2 = 0x05;
/** The reading of the Vapi JSON that derived turns were stored with (content v2's `d`). */
export const DERIVED_TURNS = 1;
/** DEFLATE only looks this far back, so only the end of a dictionary can be used. */
export const MAX_DICTIONARY_BYTES = 32 * 1024;
/** Level 3: about 7 % smaller than level 1 for the same time; level 4 and up cost 20–50 % more (bench/cache-store.ts). */
const LEVEL = 3;
const OUTPUT_CHUNK = 2048;
const SMALL_WINDOW_BYTES = 16 * 1024;

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

// ---------------------------------------------------------------------------------------------------------------
// Dictionaries

/** Strings kept in a dictionary sample: what every call of an assistant repeats, never what a caller said. */
const KEPT_KEYS = new Set([
  'id',
  'orgId',
  'assistantId',
  'phoneNumberId',
  'squadId',
  'type',
  'status',
  'endedReason',
  'provider',
  'model',
  'voiceId',
  'role',
  'phoneCallProvider',
  'phoneCallTransport',
  'source',
  'subType',
  'analysisType',
  'createdAt',
  'updatedAt',
  'startedAt',
  'endedAt',
]);

/**
 * The items of a sample's array worth a place in a dictionary: the first three, then the first of each other kind
 * (`role`, `type`). One example of a shape serves every copy of it in a call (DEFLATE refers back to it as often as it
 * likes), and each dictionary byte costs DEFLATE time on every call: 22 messages of a sample cost 8 % more time than 3.
 */
function sampleItems(items: readonly unknown[]): unknown[] {
  const kept: unknown[] = [];
  const kinds = new Set<string>();
  for (const item of items) {
    const object = item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : null;
    const kind = object === null ? typeof item : `${String(object.role)}\u0000${String(object.type)}`;
    if (kept.length < 3 || !kinds.has(kind)) kept.push(item);
    kinds.add(kind);
  }
  return kept;
}

function blank(value: unknown, key: string, keepPrompt: boolean): unknown {
  if (typeof value === 'string') {
    return KEPT_KEYS.has(key) || /^(?:https?|wss?):\/\//.test(value) ? value : '';
  }
  if (Array.isArray(value)) return sampleItems(value).map((item) => blank(item, key, keepPrompt));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const isPrompt = keepPrompt && object.role === 'system';
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) {
    out[k] = isPrompt && typeof v === 'string' && (k === 'message' || k === 'content') ? v : blank(v, k, keepPrompt);
  }
  return out;
}

/**
 * A dictionary made from a sample raw JSON of an assistant: the sample with every string a caller could have said
 * blanked (ids, times, URLs, roles and the system prompt stay). Later calls of the same assistant then only store what
 * is their own. The built-in skeleton is not put in front of it (dictionaries made before did so, and are read as
 * stored): the sample already has its keys, and DEFLATE pays for every dictionary byte on every call (a 6.6 KB
 * dictionary costs about 9 µs more a call than the 3.9 KB sample alone, for 11 bytes of output, on the Vapi fake's
 * scale world).
 */
export function dictionaryFromSample(sampleJson: string): Buffer {
  let sample: unknown;
  try {
    sample = JSON.parse(sampleJson);
  } catch {
    return BUILT_IN_DICTIONARY;
  }
  const blanked = blank(sample, '', true) as Record<string, unknown> | null;
  // In the form calls are stored in: Vapi's copies of the conversation cut out (calls/vapi-copies.ts), timings
  // rewritten (cache/timings.ts). The copies would repeat the prompt: a fifth smaller, and 1 % smaller calls.
  const artifact = blanked?.artifact as Record<string, unknown> | undefined;
  if (artifact !== null && typeof artifact === 'object' && !Array.isArray(artifact)) {
    for (const key of ['messagesOpenAIFormatted', 'transcript']) if (key in artifact) artifact[key] = 0;
  }
  const json = Buffer.from(JSON.stringify(blanked), 'utf8');
  const rewritten = Buffer.allocUnsafe(json.length);
  const length = encodeTimingsInto(json, rewritten);
  const bytes = length < 0 ? json : rewritten.subarray(0, length);
  return bytes.length <= MAX_DICTIONARY_BYTES ? bytes : bytes.subarray(bytes.length - MAX_DICTIONARY_BYTES);
}

/** Dictionaries are stored compressed themselves (they are mostly JSON keys and a prompt). */
export function storeDictionary(dictionary: Buffer): Buffer {
  return deflateRawSync(dictionary, { level: 6 });
}

export function loadDictionary(stored: Uint8Array): Buffer {
  return inflateRawSync(stored);
}

// ---------------------------------------------------------------------------------------------------------------
// Content

export interface CallContent {
  turns: readonly Turn[];
  /** The turns are what `vapiTurnsFromJson(vapiJson)` reads: stored as that reference, not as a copy. */
  turnsFromVapiJson?: boolean;
  /** Where Vapi's copies of the conversation are in `vapiJson` (bytes): stored cut out (calls/vapi-copies.ts). */
  vapiCuts?: CopyCuts;
  summary: string | null;
  recordingUrl: string | null;
  /** Raw JSON of each source, as text or UTF-8 bytes. */
  backendJson: string | Uint8Array | null;
  vapiJson: string | Uint8Array | null;
}

/** Each value is read from the blob on first use (derived turns parse the Vapi JSON). */
export interface DecodedContent {
  readonly turns: Turn[];
  /** The turn texts joined by `\n`: what the search index reads. */
  readonly transcript: string;
  /** The turns are read from the Vapi JSON (content v2 `d`): storing them again can refer to it too. */
  readonly turnsFromVapiJson: boolean;
  readonly summary: string | null;
  readonly recordingUrl: string | null;
  readonly backendJson: string | null;
  readonly vapiJson: string | null;
}

const ROLE_CODES: Record<TurnRole, number> = { user: 0, assistant: 1, system: 2, tool: 3, other: 4 };
const ROLES: readonly TurnRole[] = ['user', 'assistant', 'system', 'tool', 'other'];

type Header = { t?: [number, string, number | null, number][]; d?: number; j?: number; r?: CopyKind[]; b: number[] };

/** Parts 3 and 4: the backend's and Vapi's raw JSON. */
const JSON_PARTS = [3, 4];

/** A part as it is laid out: text (UTF-8) or bytes. */
type Laid = string | Uint8Array | null;

/**
 * Where each JSON part's cut and rewritten bytes go, reused from call to call like `scratch`: slot `CUT` for the cut
 * Vapi JSON, a JSON part's index for its rewritten timings.
 */
const rewrites = new Map<number, Buffer>();
const CUT = 0;

function reusable(key: number, size: number): Buffer {
  let out = rewrites.get(key);
  if (out === undefined || out.length < size) {
    out = Buffer.allocUnsafe(Math.max(size, 16 * 1024));
    if (out.length <= MAX_SCRATCH_BYTES) rewrites.set(key, out);
  }
  return out;
}

/** The JSON part with its message timings rewritten (see cache/timings.ts), or null when nothing was. */
function withTimings(part: string | Uint8Array, index: number): Uint8Array | null {
  const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
  const out = reusable(index, bytes.length);
  const length = encodeTimingsInto(bytes, out);
  return length < 0 ? null : out.subarray(0, length);
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

/** The transcript text a content holds, as the search index reads it. */
export function transcriptText(turns: readonly Turn[]): string {
  return turns.map((t) => t.text).join('\n');
}

/**
 * Where `packContent` lays out what it compresses: reused from call to call (DEFLATE reads it synchronously), so a
 * content costs no allocation of its size. Grows to the largest content seen, up to `MAX_SCRATCH_BYTES`; larger ones
 * get their own buffer.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);
const MAX_SCRATCH_BYTES = 4 * 1024 * 1024;

/** `transcript`: `transcriptText(content.turns)`, passed when the caller has it already. */
export function packContent(
  content: CallContent,
  dictionaryId: number,
  dictionary: Buffer,
  transcript = transcriptText(content.turns),
): Buffer {
  const derived = content.turnsFromVapiJson === true && content.vapiJson !== null;
  const given = [
    derived ? null : transcript,
    content.summary,
    content.recordingUrl,
    content.backendJson,
    content.vapiJson,
  ];
  const cuts = content.vapiCuts !== undefined && content.vapiJson instanceof Uint8Array ? content.vapiCuts : undefined;
  let rewritten = 0;
  const parts: Laid[] = given.map((part, i) => {
    if (part === null || !JSON_PARTS.includes(i)) return part;
    let json = part;
    if (i === 4 && cuts !== undefined && part instanceof Uint8Array) {
      const out = reusable(CUT, part.length);
      json = out.subarray(0, applyCuts(part, cuts, out));
    }
    const shorter = withTimings(json, i);
    if (shorter === null) return json;
    rewritten |= 1 << i;
    return shorter;
  });
  const lengths = parts.map((p) => (p === null ? -1 : typeof p === 'string' ? Buffer.byteLength(p, 'utf8') : p.length));
  const header: Header = derived
    ? { d: DERIVED_TURNS, b: lengths }
    : {
        t: content.turns.map((t) => [
          ROLE_CODES[t.role],
          t.label,
          t.offsetSeconds === null ? null : Math.round(t.offsetSeconds * 1000),
          t.text.length,
        ]),
        b: lengths,
      };
  if (rewritten !== 0) header.j = rewritten;
  if (cuts !== undefined) header.r = [...cuts.copies];
  const head = `${JSON.stringify(header)}\n`;
  const size = Buffer.byteLength(head, 'utf8') + lengths.reduce((sum, n) => sum + Math.max(0, n), 0);
  if (size > scratch.length && size <= MAX_SCRATCH_BYTES)
    scratch = Buffer.allocUnsafe(Math.min(MAX_SCRATCH_BYTES, 2 * size));
  const plain = size <= scratch.length ? scratch : Buffer.allocUnsafe(size);
  let at = plain.write(head, 0, 'utf8');
  for (const part of parts) {
    if (part === null) continue;
    if (typeof part === 'string') at += plain.write(part, at, 'utf8');
    else {
      plain.set(part, at);
      at += part.length;
    }
  }
  // A small output chunk: zlib's default (16 KB) is allocated for every call and held by the result, for about 1 KB of
  // output; 2 KB comes from Node's buffer pool. A 16 KB window when dictionary and content fit in it: zlib sets up
  // less state for every call (about 12 % faster, same size); inflating with the default 32 KB window reads either.
  const windowBits = dictionary.length + at <= SMALL_WINDOW_BYTES ? 14 : 15;
  const packed = deflateRawSync(plain.subarray(0, at), {
    level: LEVEL,
    dictionary,
    chunkSize: OUTPUT_CHUNK,
    windowBits,
  });
  return Buffer.concat([Buffer.of(CONTENT_V2), uleb128(dictionaryId), packed]);
}

export function unpackContent(blob: Uint8Array, dictionaries: (id: number) => Buffer | undefined): DecodedContent {
  const buffer = Buffer.isBuffer(blob) ? blob : Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buffer[0] !== CONTENT_V1 && buffer[0] !== CONTENT_V2) {
    throw new Error(`Unknown content format ${String(buffer[0])} in the call cache`);
  }
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
  const plain = inflateRawSync(buffer.subarray(at), { dictionary });
  const newline = plain.indexOf(0x0a);
  const header = JSON.parse(plain.toString('utf8', 0, newline)) as Header;
  if (header.d !== undefined && (buffer[0] !== CONTENT_V2 || header.d !== DERIVED_TURNS)) {
    throw new Error(`Unknown transcript reading ${String(header.d)} in the call cache`);
  }
  let offset = newline + 1;
  const rewritten = header.j ?? 0;
  // Each part is made a string when first read: a list reads the summary alone.
  const starts = header.b.map((length) => {
    const start = offset;
    offset += Math.max(0, length);
    return start;
  });
  const read: (string | null | undefined)[] = [];
  const part = (i: number): string | null => {
    if (read[i] !== undefined) return read[i];
    const length = header.b[i] ?? -1;
    const start = starts[i] ?? 0;
    const text = length < 0 ? null : plain.toString('utf8', start, start + length);
    const json = text === null || (rewritten & (1 << i)) === 0 ? text : decodeTimings(text);
    return (read[i] = json !== null && i === 4 && header.r !== undefined ? restoreCopies(json, header.r) : json);
  };
  const derived = header.d !== undefined;
  let turns: Turn[] | undefined;
  let transcript: string | undefined;
  const readTurns = (): Turn[] => {
    if (derived) return vapiTurnsFromJson(part(4) ?? 'null');
    const text = part(0) ?? '';
    let position = 0;
    return (header.t ?? []).map(([role, label, offsetMs, length]) => {
      const turnText = text.slice(position, position + length);
      position += length + 1;
      return {
        role: ROLES[role] ?? 'other',
        label,
        text: turnText,
        offsetSeconds: offsetMs === null ? null : offsetMs / 1000,
      };
    });
  };
  return {
    get turns() {
      return (turns ??= readTurns());
    },
    get transcript() {
      return (transcript ??= derived ? transcriptText(this.turns) : (part(0) ?? ''));
    },
    turnsFromVapiJson: derived,
    get summary() {
      return part(1);
    },
    get recordingUrl() {
      return part(2);
    },
    get backendJson() {
      return part(3);
    },
    get vapiJson() {
      return part(4);
    },
  };
}

/** What the search index reads of a content. */
export interface IndexedText {
  transcript: string;
  summary: string | null;
}

/**
 * Reads contents for the SQL function the search index reads through, without decompressing what the cache just
 * packed: the batch being written is remembered until it is committed (its rows reach the index in one statement),
 * and so are the last two contents read (a trigger reads the transcript and the summary of a row, an update trigger
 * the old row's and the new one's).
 */
export class ContentReader {
  private batch = new Map<string, { blob: Buffer; text: IndexedText }>();
  private recent: { blob: Buffer; text: IndexedText }[] = [];

  constructor(private readonly dictionaries: (id: number) => Buffer | undefined) {}

  private static key(blob: Uint8Array): string {
    const tail = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString(
      'latin1',
      Math.max(0, blob.length - 16),
    );
    return `${blob.length}:${tail}`;
  }

  rememberForBatch(blob: Buffer, text: IndexedText): void {
    this.batch.set(ContentReader.key(blob), { blob, text });
  }

  forgetBatch(): void {
    this.batch.clear();
  }

  read(blob: Uint8Array): IndexedText {
    const staged = this.batch.get(ContentReader.key(blob));
    if (staged !== undefined && staged.blob.equals(blob)) return staged.text;
    for (const entry of this.recent) {
      if (entry.blob.length === blob.length && entry.blob.equals(blob)) return entry.text;
    }
    const content = unpackContent(blob, this.dictionaries);
    // The transcript only when asked: a list reads the summary alone, and derived turns cost a JSON parse.
    const text = {
      get transcript() {
        return content.transcript;
      },
      summary: content.summary,
    };
    this.recent = [{ blob: Buffer.from(blob), text }, ...this.recent.slice(0, 1)];
    return text;
  }
}

/** The dictionary a packed content was made with. */
export function dictionaryIdOf(blob: Uint8Array): number {
  let id = 0;
  let shift = 1;
  for (let at = 1; ; at++) {
    const byte = blob[at];
    if (byte === undefined) throw new Error('Truncated dictionary id in the call cache');
    id += (byte & 0x7f) * shift;
    shift *= 128;
    if ((byte & 0x80) === 0) return id;
  }
}

/**
 * A 48-bit hash of the indexed text: tells the update trigger whether to re-index a call whose content changed. It
 * only ever compares one call's text before and after, so it needs no cryptography: two 32-bit multiplicative hashes
 * over the UTF-16 code units (FNV-1a and a murmur-style mix) in one pass, about 1 µs for a call where SHA-1 took 5.
 * A value written by an older version (SHA-1) differs, which costs one re-index of that call, never a missed one.
 */
export function textHash(text: IndexedText): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
  };
  mix(text.transcript);
  if (text.summary === null) mix('\u0001');
  else {
    mix('\u0000');
    mix(text.summary);
  }
  return (a >>> 0) * 0x10000 + (b >>> 16);
}
