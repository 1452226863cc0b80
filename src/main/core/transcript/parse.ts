/**
 * Transcript parsing: every format a call's transcript arrives in, turned into speaker turns.
 *
 * Public API
 * - `parseTranscript(source)`: Vapi `artifact.messages` (an array) or a transcript string → `Turn[]`.
 * - `parseVapiMessages(messages)`: Vapi message objects `{role, message | content, secondsFromStart, ...}`.
 * - `parseTranscriptText(text)`: the backend's webhook blocks (`AVA: …` / `Caller: …` separated by blank lines),
 *   Vapi's `AI: …` / `User: …` lines, or anything else as one `other` turn. `No transcript available` → no turns.
 * - `formatTranscript(turns)`: the turns back as labelled blocks (what `parseTranscriptText` reads).
 * - `isNoTranscriptMarker(text)`: the backend's literal for "there is none".
 *
 * The parser never loses text: every non-whitespace character of the input is in the turns, in order (labels in
 * `label`, the rest in `text`). Only the leading "Label:" of a turn and whitespace at its ends are not in `text`.
 */
import type { Turn, TurnRole } from '../../../shared/domain';

export type TranscriptSource = string | readonly unknown[] | null | undefined;

export function parseTranscript(source: TranscriptSource): Turn[] {
  if (source === null || source === undefined) return [];
  if (typeof source === 'string') return parseTranscriptText(source);
  return parseVapiMessages(source);
}

// ---------------------------------------------------------------------------------------------------------------
// Vapi messages

const VAPI_ROLES: Record<string, TurnRole> = {
  bot: 'assistant',
  assistant: 'assistant',
  user: 'user',
  system: 'system',
  tool: 'tool',
  tool_calls: 'tool',
  tool_call_result: 'tool',
  function: 'tool',
  function_call: 'tool',
  function_result: 'tool',
};

export function parseVapiMessages(messages: readonly unknown[]): Turn[] {
  const turns: Turn[] = [];
  for (const item of messages) {
    if (item === null || item === undefined) continue;
    if (typeof item !== 'object') {
      turns.push({ role: 'other', label: '', text: String(item), offsetSeconds: null });
      continue;
    }
    const message = item as Record<string, unknown>;
    const label = typeof message.role === 'string' ? message.role : '';
    const offset = message.secondsFromStart;
    turns.push({
      role: VAPI_ROLES[label] ?? 'other',
      label,
      text: vapiMessageText(message),
      offsetSeconds: typeof offset === 'number' && Number.isFinite(offset) ? offset : null,
    });
  }
  return turns;
}

/** The spoken text of a message; for tool traffic, what was called and what came back. */
function vapiMessageText(message: Record<string, unknown>): string {
  const parts: string[] = [];
  const add = (value: unknown) => {
    const text = textOf(value);
    if (text !== '') parts.push(text);
  };
  add(message.message);
  if (parts.length === 0) add(message.content);
  const calls = message.toolCalls ?? message.tool_calls;
  if (Array.isArray(calls)) {
    for (const call of calls) {
      const fn = (call as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
      if (fn && typeof fn.name === 'string') parts.push(`${fn.name}(${textOf(fn.arguments)})`);
      else add(call);
    }
  }
  if (message.result !== undefined) add(message.result);
  return parts.join('\n');
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    // OpenAI-style content parts: [{type: 'text', text}, ...]
    return value
      .map((part) => (typeof part === 'object' && part !== null && 'text' in part ? textOf(part.text) : textOf(part)))
      .join('');
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// ---------------------------------------------------------------------------------------------------------------
// Text formats

/** Labels the sources are known to write, at the start of any line. */
const KNOWN_LABELS: Record<string, TurnRole> = {
  AVA: 'assistant',
  AI: 'assistant',
  Assistant: 'assistant',
  Bot: 'assistant',
  Agent: 'assistant',
  Caller: 'user',
  User: 'user',
  Customer: 'user',
  Client: 'user',
  System: 'system',
  Tool: 'tool',
  Function: 'tool',
};

/**
 * `Label:` followed by whitespace or the end of the line. A label is one capitalized word: this keeps `10:30`,
 * `https://…` and `Dr. Martin:` inside the message.
 */
const LABEL_RE = /^([A-Z][\p{L}\p{N}_-]{0,31}):(?=[ \t]|$)/u;
const NO_TRANSCRIPT_RE = /^\s*no transcript available\.?\s*$/i;

export function isNoTranscriptMarker(text: string): boolean {
  return NO_TRANSCRIPT_RE.test(text);
}

export function parseTranscriptText(source: string): Turn[] {
  const text = source.replace(/\r\n?/g, '\n');
  if (text.trim() === '' || isNoTranscriptMarker(text)) return [];
  const lines = text.split('\n');
  const hasKnownLabel = lines.some((line) => {
    const match = LABEL_RE.exec(line);
    return match !== null && (match[1] as string) in KNOWN_LABELS;
  });
  if (!hasKnownLabel) return [{ role: 'other', label: '', text: text.trim(), offsetSeconds: null }];

  const turns: Turn[] = [];
  let label: string | null = null;
  let body: string[] = [];
  const flush = () => {
    const joined = body.join('\n').trim();
    if (label !== null) turns.push({ role: roleOfLabel(label), label, text: joined, offsetSeconds: null });
    else if (joined !== '') turns.push({ role: 'other', label: '', text: joined, offsetSeconds: null });
  };
  // A known label starts a turn on any line (Vapi writes one line per turn). Any other capitalized label, like the
  // backend's `System:`, only at the start of a block, so "Note: …" inside a multi-line message stays in it.
  let blockStart = true;
  for (const line of lines) {
    const match = LABEL_RE.exec(line);
    const found = match?.[1];
    if (found !== undefined && (blockStart || found in KNOWN_LABELS)) {
      flush();
      label = found;
      body = [line.slice(found.length + 1)];
    } else {
      body.push(line);
    }
    blockStart = line.trim() === '';
  }
  flush();
  return turns;
}

function roleOfLabel(label: string): TurnRole {
  return KNOWN_LABELS[label] ?? 'other';
}

const DEFAULT_LABELS: Record<TurnRole, string> = {
  assistant: 'AVA',
  user: 'Caller',
  system: 'System',
  tool: 'Tool',
  other: '',
};

/**
 * The turns as labelled blocks separated by blank lines (the backend's format, which `parseTranscriptText` reads
 * back). Labels written the text formats' way (`AVA`, `Caller`, `System`) are kept; Vapi's role names (`bot`,
 * `user`) become their role's usual label; an unlabelled `other` turn is written as plain text.
 */
export function formatTranscript(turns: readonly Turn[]): string {
  return turns
    .map((turn) => {
      const label = /^[A-Z]/.test(turn.label) ? turn.label : DEFAULT_LABELS[turn.role] || turn.label;
      return label === '' ? turn.text : turn.text === '' ? `${label}:` : `${label}: ${turn.text}`;
    })
    .join('\n\n');
}
