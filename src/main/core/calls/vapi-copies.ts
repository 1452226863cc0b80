/**
 * Vapi writes a call's conversation three times in its JSON: `artifact.messages` (with times), then
 * `artifact.messagesOpenAIFormatted` and `artifact.transcript`, which are functions of the messages. This module says
 * which functions, so the cache can keep a call's raw JSON without the two copies and write them back byte for byte
 * (cache/codec.ts): about 135 bytes of compressed output a call (14 %), and 2 KB less for DEFLATE to read.
 *
 * - `findCopies(call, bytes)`: where each copy that is exactly what `copyJson` writes is in the JSON bytes (null:
 *   none is); `applyCuts(bytes, cuts, out)` writes the bytes with each replaced by the placeholder `0`
 *   (`"messagesOpenAIFormatted":0`). Only the first occurrence of each key is looked at (the key is structural: a
 *   quote inside a string is escaped), so on the way back the first occurrence is the placeholder.
 * - `restoreCopies(text, copies)`: the JSON text again, from a text `applyCuts` made.
 * What `copyJson` writes must never change for stored calls (their bytes depend on it): a change is a new copy kind.
 */
/** `o`: `messagesOpenAIFormatted`; `t`: the `AI:` / `User:` transcript. */
export type CopyKind = 'o' | 't';

const KEYS: Record<CopyKind, string> = { o: '"messagesOpenAIFormatted":', t: '"transcript":' };
const KINDS: readonly CopyKind[] = ['o', 't'];

type Json = Record<string, unknown>;

/** The messages as plain `{role, message}` pairs, or null when one is anything else (tool calls, a missing text). */
function plainMessages(messages: unknown): { role: string; message: string }[] | null {
  if (!Array.isArray(messages)) return null;
  const out: { role: string; message: string }[] = [];
  for (const item of messages) {
    const m = item as Json | null;
    if (m === null || typeof m !== 'object' || typeof m.message !== 'string') return null;
    if (m.role !== 'system' && m.role !== 'bot' && m.role !== 'user') return null;
    out.push({ role: m.role, message: m.message });
  }
  return out;
}

/** The JSON Vapi writes for a copy of these messages, or null when they are not all plain. */
export function copyJson(kind: CopyKind, messages: unknown): string | null {
  const plain = plainMessages(messages);
  return plain === null ? null : copiesOf(plain)[kind];
}

/**
 * Both copies' JSON, made by hand from each message's text escaped once: JSON escapes each character on its own, so
 * the transcript's escaped text is its turns' escaped texts joined (what `JSON.stringify` of the whole would write).
 */
function copiesOf(plain: { role: string; message: string }[]): Record<CopyKind, string> {
  let openAi = '[';
  let transcript = '"';
  let first = true;
  plain.forEach((m, i) => {
    const escaped = JSON.stringify(m.message);
    const role = m.role === 'bot' ? 'assistant' : m.role;
    openAi += `${i === 0 ? '' : ','}{"role":"${role}","content":${escaped}}`;
    if (m.role === 'system') return;
    transcript += `${first ? '' : '\\n'}${m.role === 'bot' ? 'AI' : 'User'}: ${escaped.slice(1, -1)}`;
    first = false;
  });
  return { o: `${openAi}]`, t: `${transcript}"` };
}

function artifactOf(call: unknown): Json | null {
  const artifact = (call as Json | null)?.artifact;
  return artifact !== null && typeof artifact === 'object' && !Array.isArray(artifact) ? (artifact as Json) : null;
}

/** Where a call's copies are in its JSON bytes: which (in order) and their value ranges, `[start, end)` each. */
export interface CopyCuts {
  copies: CopyKind[];
  ranges: number[];
}

/** See the module comment. `call` is `bytes` parsed. Only numbers are kept: the cut is made when the call is packed. */
export function findCopies(call: unknown, bytes: Uint8Array): CopyCuts | null {
  const artifact = artifactOf(call);
  if (artifact === null) return null;
  const plain = plainMessages(artifact.messages);
  if (plain === null) return null;
  const expected = copiesOf(plain);
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: { kind: CopyKind; start: number; end: number }[] = [];
  for (const kind of KINDS) {
    if ((kind === 'o' ? artifact.messagesOpenAIFormatted : artifact.transcript) === undefined) continue;
    const key = KEYS[kind];
    // Where the copy is, if it is what Vapi writes: the key's first occurrence, then exactly the expected bytes.
    const at = source.indexOf(key);
    if (at < 0) continue;
    const start = at + key.length;
    const end = start + Buffer.byteLength(expected[kind], 'utf8');
    if (end > source.length || source.toString('utf8', start, end) !== expected[kind]) continue;
    found.push({ kind, start, end });
  }
  if (found.length === 0) return null;
  found.sort((a, b) => a.start - b.start);
  return { copies: found.map((f) => f.kind), ranges: found.flatMap((f) => [f.start, f.end]) };
}

/** The bytes with each cut's value replaced by `0`, written into `out` (as long as `bytes` at least); the length. */
export function applyCuts(bytes: Uint8Array, cuts: CopyCuts, out: Uint8Array): number {
  let written = 0;
  let from = 0;
  for (let i = 0; i < cuts.ranges.length; i += 2) {
    const start = cuts.ranges[i] as number;
    out.set(bytes.subarray(from, start), written);
    written += start - from;
    out[written++] = 0x30;
    from = cuts.ranges[i + 1] as number;
  }
  out.set(bytes.subarray(from), written);
  return written + bytes.length - from;
}

/** The JSON text `findCopies` read, from the text `applyCuts` made and the copies cut. */
export function restoreCopies(text: string, copies: readonly CopyKind[]): string {
  if (copies.length === 0) return text;
  const messages = artifactOf(JSON.parse(text))?.messages;
  let out = text;
  for (const kind of copies) {
    const json = copyJson(kind, messages);
    const placeholder = `${KEYS[kind]}0`;
    const at = out.indexOf(KEYS[kind]);
    if (json === null || at < 0 || !out.startsWith(placeholder, at)) {
      throw new Error(`Cannot restore a Vapi JSON copy (${kind}) in the call cache`);
    }
    out = out.slice(0, at + placeholder.length - 1) + json + out.slice(at + placeholder.length);
  }
  return out;
}
