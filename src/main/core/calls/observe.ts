/**
 * Normalising what each source says about a call into a `CallObservation` the merge can compare.
 *
 * Public API
 * - `observeVapiCall(raw, seenAt)`: a Vapi `Call` (from `GET /call` or `GET /call/{id}`).
 * - `observeBackendSummary(raw, seenAt)`: an item of the backend's `GET /api/v1/calls`.
 * - `observeBackendDetail(raw, seenAt)`: the backend's `GET /api/v1/calls/{id}`.
 * Each returns null when the object has no usable id. `seenAt` is when the app received it (ms since the epoch);
 * `{ json }` may carry the object's bytes as received (see calls/json-array.ts), to store them without re-serializing.
 * - `sanitizeRaw(value)`: the raw JSON with secret-looking values replaced (the cache holds no secret).
 *
 * What normalising means (see the contracts): junk values (`"Unknown"`, `"None"`, empty) become null; times become
 * UTC ISO strings; a missing duration is computed from the times; Vapi is read from `artifact.*` / `analysis.*` first
 * and its legacy top-level fields only as a fallback; the backend's recording URL falls back through its metadata in
 * the contract's order, and its metadata's copy of the Vapi payload supplies what its columns lack (ended reason,
 * customer name, summary, even the transcript after the 24 h scrub). Vapi's leading system messages are the
 * assistant's prompt, not the conversation: they stay in the raw JSON, not in the turns.
 */
import type { TranscriptState, Turn } from '../../../shared/domain';
import { isNoTranscriptMarker, parseTranscriptText, parseVapiMessages } from '../transcript/parse';
import type { CallFields, CallObservation, ObservationSource, RawJson, TranscriptValue } from './merge';
import { type CopyCuts, findCopies } from './vapi-copies';

/** The backend scrubs transcripts of calls that started this long ago. */
export const BACKEND_SCRUB_AFTER_MS = 24 * 60 * 60 * 1000;

type Json = Record<string, unknown>;

function obj(value: unknown): Json | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

function at(value: unknown, ...path: string[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    const o = obj(current);
    if (o === null) return undefined;
    current = o[key];
  }
  return current;
}

const JUNK_RE = /^(?:unknown|none|null|undefined|n\/a|nan)$/i;

/** A real string, or null for absent, empty and the backend's placeholder values. */
function text(value: unknown, options: { junk?: boolean } = { junk: true }): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (trimmed === '' || (options.junk !== false && JUNK_RE.test(trimmed))) return null;
  return trimmed;
}

/** The raw value as the source wrote it (statuses and ended reasons: `unknown` is a real Twilio status). */
function word(value: unknown): string | null {
  return text(value, { junk: false });
}

function firstText(...values: unknown[]): string | null {
  for (const value of values) {
    const t = text(value);
    if (t !== null) return t;
  }
  return null;
}

function time(value: unknown): string | null {
  let ms: number;
  if (typeof value === 'string' && value.trim() !== '') ms = Date.parse(value);
  else if (typeof value === 'number') ms = value;
  else return null;
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : null;
}

function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function durationOf(given: unknown, startedAt: string | null, endedAt: string | null): number | null {
  const n = num(given);
  if (n !== null && n >= 0) return n;
  if (startedAt === null || endedAt === null) return null;
  const seconds = (Date.parse(endedAt) - Date.parse(startedAt)) / 1000;
  return seconds >= 0 ? seconds : null;
}

/** The markers the cache puts around search hits; never let them come from the data itself. */
export const HIT_START = '\u0002';
export const HIT_END = '\u0003';
const MARKER_RE = new RegExp(`[${HIT_START}${HIT_END}]`);
const MARKERS_RE = new RegExp(`[${HIT_START}${HIT_END}]`, 'g');

function conversation(turns: Turn[]): Turn[] {
  let start = 0;
  while (start < turns.length && turns[start]?.role === 'system' && turns[start]?.label === 'system') start++;
  const kept = start === 0 ? turns : turns.slice(start);
  for (const turn of kept) {
    if (MARKER_RE.test(turn.text)) turn.text = turn.text.replace(MARKERS_RE, '\uFFFD');
    // The cache keeps offsets in whole milliseconds: round here, so what is stored compares equal to what comes next.
    if (turn.offsetSeconds !== null) turn.offsetSeconds = Math.round(turn.offsetSeconds * 1000) / 1000;
  }
  return kept;
}

const NO_TRANSCRIPT: TranscriptValue = Object.freeze({ state: 'none', turns: Object.freeze([]) as readonly Turn[] });

function transcriptOf(state: TranscriptState, turns: Turn[]): TranscriptValue {
  return turns.length === 0 && (state === 'full' || state === 'preview') ? NO_TRANSCRIPT : { state, turns };
}

/** Turns from a Vapi-shaped object: `artifact.messages`, `artifact.transcript`, then the legacy top-level copies. */
function vapiTranscript(call: Json | null): Turn[] {
  if (call === null) return [];
  for (const source of [
    at(call, 'artifact', 'messages'),
    at(call, 'artifact', 'transcript'),
    call.messages,
    call.transcript,
  ]) {
    let turns: Turn[] = [];
    if (Array.isArray(source)) turns = conversation(parseVapiMessages(source));
    else if (typeof source === 'string') turns = conversation(parseTranscriptText(source));
    if (turns.length > 0) return turns;
  }
  return [];
}

function vapiRecording(call: Json | null): string | null {
  if (call === null) return null;
  return firstText(
    at(call, 'artifact', 'recording', 'mono', 'combinedUrl'),
    at(call, 'artifact', 'recordingUrl'),
    at(call, 'artifact', 'recording', 'stereoUrl'),
    at(call, 'artifact', 'stereoRecordingUrl'),
    call.recordingUrl,
    call.stereoRecordingUrl,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Raw JSON: copied lazily, stripped of secrets

/**
 * Keys whose values are credentials: API keys, tokens, passwords, secrets (Vapi echoes an assistant's `server` and a
 * phone number's Twilio credentials inside a call). Plural counters such as `llmPromptTokens` are data, not secrets.
 */
const SECRET_KEY_RE =
  /(?:secret|password|passwd|passphrase|api[-_]?key|private[-_]?key|authorization|(?:^|[-_a-z])token|^token|credential)(?:[-_]?(?:key|value|id))?$/i;
const HEADERS_KEY_RE = /^headers$/i;
const secretKeyMemo = new Map<string, boolean>();

function isSecretKey(key: string): boolean {
  let secret = secretKeyMemo.get(key);
  if (secret === undefined) {
    secret = SECRET_KEY_RE.test(key) && !/ids?$|^credentialId$/i.test(key);
    if (secretKeyMemo.size < 10_000) secretKeyMemo.set(key, secret);
  }
  return secret;
}

export const REDACTED = '[redacted]';

/** A copy of `value` with every secret-looking value replaced; `value` itself when there is none (the usual case). */
export function sanitizeRaw(value: unknown, inHeaders = false): unknown {
  if (typeof value !== 'object' || value === null) {
    return inHeaders && typeof value === 'string' ? REDACTED : value;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const clean = sanitizeRaw(item, inHeaders);
      if (clean !== item) (copy ??= value.slice())[i] = clean;
    }
    return copy ?? value;
  }
  let copy: Json | null = null;
  const source = value as Json;
  for (const key in source) {
    const item = source[key];
    let clean: unknown;
    if (isSecretKey(key) && item !== null && item !== '' && typeof item !== 'boolean') clean = REDACTED;
    else clean = sanitizeRaw(item, inHeaders || HEADERS_KEY_RE.test(key));
    if (clean !== item) (copy ??= { ...source })[key] = clean;
  }
  return copy ?? value;
}

/** `turns`: what `vapiTurnsFromJson` reads from this raw JSON, for a Vapi call. */
function lazyRaw(raw: unknown, prompt: string | null, json: Uint8Array | undefined, turns?: readonly Turn[]): RawJson {
  const clean = sanitizeRaw(raw);
  if (clean !== raw) return rawFromValue(clean, prompt);
  // Nothing stripped: the caller's bytes are good as they are, and the stored JSON still yields these turns.
  if (json === undefined) return rawFromValue(clean, prompt, turns);
  return rawFromBytes(json, prompt, turns, turns === undefined ? null : findCopies(raw, json));
}

/** Holds the bytes alone, not the parsed call: a sync batching pages keeps observations, not pages, alive. */
function rawFromBytes(
  bytes: Uint8Array,
  prompt: string | null,
  turns: readonly Turn[] | undefined,
  cut: CopyCuts | null,
): RawJson {
  let textValue: string | undefined;
  return {
    get text() {
      return (textValue ??= Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    },
    bytes,
    prompt,
    ...(turns === undefined ? {} : { turns }),
    ...(cut === null ? {} : { cut }),
  };
}

function rawFromValue(clean: unknown, prompt: string | null, turns?: readonly Turn[]): RawJson {
  let textValue: string | undefined;
  return {
    get text() {
      return (textValue ??= JSON.stringify(clean));
    },
    prompt,
    ...(turns === undefined ? {} : { turns }),
  };
}

/**
 * The turns of a Vapi call's raw JSON, as `observeVapiCall` reads them. The cache stores most calls' turns as this
 * reference to their raw JSON (cache/codec.ts, content v2): what it returns for a stored JSON must never change, or
 * the search index no longer matches the text.
 */
export function vapiTurnsFromJson(json: string): Turn[] {
  return vapiTranscript(obj(JSON.parse(json)));
}

/** The system prompt Vapi puts first in `artifact.messages` (and `messagesOpenAIFormatted`). */
function promptOf(call: Json | null): string | null {
  for (const [list, key] of [
    [at(call, 'artifact', 'messages'), 'message'],
    [at(call, 'artifact', 'messagesOpenAIFormatted'), 'content'],
  ] as const) {
    const first = Array.isArray(list) ? obj(list[0]) : null;
    if (first?.role === 'system' && typeof first[key] === 'string' && first[key] !== '') return first[key];
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------

function observation(
  id: unknown,
  source: ObservationSource,
  seenAt: number,
  version: number,
  fields: CallFields,
  transcript: TranscriptValue,
  raw: unknown,
  prompt: string | null,
  options: ObserveOptions,
  rawTurns?: readonly Turn[],
): CallObservation | null {
  const callId = word(id);
  if (callId === null || callId.length > 128) return null;
  // Whole milliseconds: the cache packs stamps as integers.
  const seen = Math.floor(seenAt);
  const at = source === 'vapi' ? Math.floor(version) : seen;
  return {
    id: callId,
    source,
    seenAt: seen,
    version: at,
    fields,
    transcript,
    raw: lazyRaw(raw, prompt, options.json, rawTurns),
  };
}

export interface ObserveOptions {
  /**
   * The object's JSON exactly as received, as UTF-8 (e.g. a slice from `splitJsonArray`): stored as the raw JSON
   * without serializing the object again, unless it holds something secret that must be stripped.
   */
  json?: Uint8Array;
}

export function observeVapiCall(raw: unknown, seenAt: number, options: ObserveOptions = {}): CallObservation | null {
  const call = obj(raw);
  if (call === null) return null;
  const startedAt = time(call.startedAt);
  const endedAt = time(call.endedAt);
  const turns = vapiTranscript(call);
  const updated = time(call.updatedAt);
  const fields: CallFields = {
    assistantId: text(call.assistantId),
    assistantName: firstText(at(call, 'assistant', 'name')),
    phoneNumberId: text(call.phoneNumberId),
    customerNumber: firstText(at(call, 'customer', 'number'), at(call, 'customer', 'sipUri')),
    customerName: firstText(at(call, 'customer', 'name')),
    status: word(call.status),
    endedReason: word(call.endedReason),
    createdAt: time(call.createdAt),
    startedAt,
    endedAt,
    durationSeconds: durationOf(call.durationSeconds, startedAt, endedAt),
    cost: num(call.cost),
    summary: firstText(at(call, 'analysis', 'summary'), call.summary),
    recordingUrl: vapiRecording(call),
  };
  const version = updated !== null ? Date.parse(updated) : seenAt;
  const transcript = transcriptOf('full', turns);
  return observation(
    call.id,
    'vapi',
    seenAt,
    version,
    fields,
    transcript,
    raw,
    promptOf(call),
    options,
    transcript.turns,
  );
}

/** Where the backend's metadata may hold the Vapi payload it was given (first found wins). */
function vapiPayloads(metadata: Json | null): Json[] {
  if (metadata === null) return [];
  const candidates = [obj(metadata.vapi), obj(metadata.message), obj(metadata.call), metadata];
  return candidates.filter((c): c is Json => c !== null);
}

function fromPayloads(payloads: Json[], read: (payload: Json) => unknown): string | null {
  for (const payload of payloads) {
    const value = text(read(payload));
    if (value !== null) return value;
  }
  return null;
}

/** The state of a transcript the backend did not give: scrubbed if the call is old enough, else there is none. */
function missingTranscript(startedAt: string | null, seenAt: number): TranscriptValue {
  if (startedAt !== null && seenAt - Date.parse(startedAt) >= BACKEND_SCRUB_AFTER_MS)
    return { state: 'expired', turns: [] };
  return NO_TRANSCRIPT;
}

function backendFields(call: Json, payloads: Json[]): CallFields {
  const startedAt = time(call.startedAt);
  const endedAt = time(call.endedAt);
  return {
    assistantId: text(call.assistantId) ?? fromPayloads(payloads, (p) => p.assistantId ?? at(p, 'call', 'assistantId')),
    assistantName: fromPayloads(payloads, (p) => at(p, 'assistant', 'name')),
    phoneNumberId:
      text(call.phoneNumberId) ?? fromPayloads(payloads, (p) => p.phoneNumberId ?? at(p, 'call', 'phoneNumberId')),
    customerNumber:
      text(call.customerNumber) ??
      fromPayloads(payloads, (p) => at(p, 'customer', 'number') ?? at(p, 'call', 'customer', 'number')),
    customerName: fromPayloads(payloads, (p) => at(p, 'customer', 'name') ?? at(p, 'call', 'customer', 'name')),
    status: word(call.status),
    endedReason: word(call.endedReason) ?? payloads.map((p) => word(p.endedReason)).find((r) => r !== null) ?? null,
    createdAt: time(call.createdAt),
    startedAt,
    endedAt,
    durationSeconds: durationOf(call.durationSeconds, startedAt, endedAt),
    cost: num(call.cost),
    summary: text(call.summary) ?? fromPayloads(payloads, (p) => at(p, 'analysis', 'summary') ?? p.summary),
    recordingUrl: null,
  };
}

export function observeBackendSummary(
  raw: unknown,
  seenAt: number,
  options: ObserveOptions = {},
): CallObservation | null {
  const call = obj(raw);
  if (call === null) return null;
  const fields = backendFields(call, []);
  const preview = typeof call.transcriptPreview === 'string' ? call.transcriptPreview : null;
  let transcript: TranscriptValue;
  if (preview === null || preview.trim() === '') transcript = missingTranscript(fields.startedAt, seenAt);
  else if (isNoTranscriptMarker(preview)) transcript = NO_TRANSCRIPT;
  else transcript = transcriptOf('preview', conversation(parseTranscriptText(preview)));
  return observation(call.id, 'backend-summary', seenAt, seenAt, fields, transcript, raw, null, options);
}

export function observeBackendDetail(
  raw: unknown,
  seenAt: number,
  options: ObserveOptions = {},
): CallObservation | null {
  const call = obj(raw);
  if (call === null) return null;
  const metadata = obj(call.metadata);
  const payloads = vapiPayloads(metadata);
  const fields = backendFields(call, payloads);
  fields.recordingUrl = firstText(
    call.recordingUrl,
    metadata?.recording_url,
    at(metadata, 'vapi', 'recordingUrl'),
    at(metadata, 'artifact', 'recording', 'mono', 'combinedUrl'),
    at(metadata, 'artifact', 'recordingUrl'),
  );
  let turns: Turn[] = [];
  let noneSaid = false;
  if (typeof call.transcript === 'string') {
    if (isNoTranscriptMarker(call.transcript)) noneSaid = true;
    else turns = conversation(parseTranscriptText(call.transcript));
  }
  // After the scrub the metadata may still hold Vapi's artifact: a transcript the app never saw can still be had.
  for (const payload of payloads) {
    if (turns.length > 0) break;
    turns = vapiTranscript(payload);
  }
  const transcript =
    turns.length > 0
      ? transcriptOf('full', turns)
      : noneSaid
        ? NO_TRANSCRIPT
        : missingTranscript(fields.startedAt, seenAt);
  const prompt = payloads.map(promptOf).find((p) => p !== null) ?? null;
  return observation(call.id, 'backend-detail', seenAt, seenAt, fields, transcript, raw, prompt, options);
}
