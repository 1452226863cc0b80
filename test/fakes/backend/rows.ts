/**
 * How the AVA backend turns what it receives into rows of its `calls` table. The backend fake's webhook receiver,
 * its Vapi import (analytics/overview) and the world generator all use these functions, so a world's stored rows
 * are exactly what the backend would have produced from the same Vapi calls.
 */
import type { BackendCallRow, JsonObject } from '../worlds/types';

/** Python's `datetime.isoformat()` of an aware UTC datetime: microseconds only when non-zero, `+00:00` offset. */
export function pythonIso(ms: number, extraMicros = 0): string {
  const d = new Date(ms);
  const base = d.toISOString().slice(0, 19);
  const micros = (((ms % 1000) + 1000) % 1000) * 1000 + (extraMicros % 1000);
  return micros === 0 ? `${base}+00:00` : `${base}.${String(micros).padStart(6, '0')}+00:00`;
}

/** ms from a stored timestamp (Python or JS ISO), or null. */
export function parseStamp(value: string | null | undefined): number | null {
  if (!value) return null;
  // Date.parse only keeps milliseconds; microseconds do not matter for ordering at this scale.
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? ms : null;
}

function pyFromJs(iso: unknown): string | null {
  if (typeof iso !== 'string') return null;
  const ms = parseStamp(iso);
  return ms === null ? null : pythonIso(ms);
}

/** Webhook transcript format: `AVA: ...` / `Caller: ...` blocks separated by blank lines, other roles capitalised. */
export function webhookTranscript(messages: unknown): string {
  if (!Array.isArray(messages) || messages.length === 0) return 'No transcript available';
  const blocks: string[] = [];
  for (const m of messages as JsonObject[]) {
    const role = typeof m.role === 'string' ? m.role : 'unknown';
    const text = typeof m.message === 'string' ? m.message : typeof m.content === 'string' ? m.content : '';
    if (!text) continue;
    const label =
      role === 'bot' || role === 'assistant'
        ? 'AVA'
        : role === 'user' || role === 'customer'
          ? 'Caller'
          : role.charAt(0).toUpperCase() + role.slice(1);
    blocks.push(`${label}: ${text}`);
  }
  return blocks.length ? blocks.join('\n\n') : 'No transcript available';
}

/**
 * The top-level `call.ended` event the deployed receiver understands (Vapi never sends it; older integrations did).
 * `assistantMetadata` is what the receiver reads to attribute the call.
 */
export function callEndedEventFromVapiCall(call: JsonObject, assistantMetadata?: JsonObject | null): JsonObject {
  const artifact = (call.artifact ?? {}) as JsonObject;
  const started = typeof call.startedAt === 'string' ? Date.parse(call.startedAt) : NaN;
  const ended = typeof call.endedAt === 'string' ? Date.parse(call.endedAt) : NaN;
  const event: JsonObject = {
    type: 'call.ended',
    timestamp: Number.isFinite(ended) ? ended : Date.parse(String(call.updatedAt)),
    call: {
      id: call.id,
      assistantId: call.assistantId,
      phoneNumberId: call.phoneNumberId,
      status: call.status,
      customer: call.customer,
      startedAt: call.startedAt,
      endedAt: call.endedAt,
      cost: call.cost,
      ...(Number.isFinite(started) && Number.isFinite(ended) ? { duration: Math.round((ended - started) / 1000) } : {}),
      messages: artifact.messages ?? [],
      recordingUrl:
        ((artifact.recording as JsonObject | undefined)?.mono as JsonObject | undefined)?.combinedUrl ??
        artifact.recordingUrl,
      ...(assistantMetadata ? { assistant: { id: call.assistantId, metadata: assistantMetadata } } : {}),
    },
  };
  return event;
}

/** What the deployed receiver stores for a top-level `call.ended` event. */
export function rowFromCallEnded(event: JsonObject, userId: string, insertedAt: number): BackendCallRow {
  const call = (event.call ?? {}) as JsonObject;
  const customer = (call.customer ?? {}) as JsonObject;
  const recordingUrl = typeof call.recordingUrl === 'string' ? call.recordingUrl : null;
  return {
    id: String(call.id),
    userId,
    assistantId: call.assistantId === undefined || call.assistantId === null ? 'None' : String(call.assistantId),
    customerNumber: typeof customer.number === 'string' ? customer.number : 'Unknown',
    status: 'completed',
    startedAt: pyFromJs(call.startedAt),
    endedAt: pyFromJs(call.endedAt),
    durationSeconds: typeof call.duration === 'number' ? call.duration : null,
    cost: typeof call.cost === 'number' ? call.cost : null,
    transcript: webhookTranscript(call.messages),
    recordingUrl: null,
    metadata: { source: 'webhook', event: event.type, recording_url: recordingUrl, vapi: call },
    createdAt: insertedAt,
  };
}

/** What the backend stores when its analytics endpoint imports a call from Vapi's `GET /call`. */
export function rowFromVapiCall(call: JsonObject, userId: string, insertedAt: number): BackendCallRow {
  const artifact = (call.artifact ?? {}) as JsonObject;
  const customer = (call.customer ?? {}) as JsonObject;
  const started = typeof call.startedAt === 'string' ? Date.parse(call.startedAt) : NaN;
  const ended = typeof call.endedAt === 'string' ? Date.parse(call.endedAt) : NaN;
  const transcript =
    typeof artifact.transcript === 'string' && artifact.transcript !== ''
      ? artifact.transcript
      : typeof call.transcript === 'string' && call.transcript !== ''
        ? call.transcript
        : null;
  return {
    id: String(call.id),
    userId,
    assistantId: typeof call.assistantId === 'string' ? call.assistantId : 'unknown',
    customerNumber: typeof customer.number === 'string' ? customer.number : 'Unknown',
    status: typeof call.status === 'string' ? call.status : 'unknown',
    startedAt: pyFromJs(call.startedAt),
    endedAt: pyFromJs(call.endedAt),
    durationSeconds: Number.isFinite(started) && Number.isFinite(ended) ? Math.round((ended - started) / 1000) : null,
    cost: typeof call.cost === 'number' ? call.cost : null,
    transcript,
    recordingUrl: null,
    metadata: call,
    createdAt: insertedAt,
  };
}

/**
 * What a fixed receiver (switch `fixedWebhookReceiver`) stores for Vapi's `end-of-call-report`: the webhook
 * transcript format built from `artifact.messages`, the recording URL filled in, the raw message as metadata.
 */
export function rowFromEndOfCallReport(message: JsonObject, userId: string, insertedAt: number): BackendCallRow {
  const call = (message.call ?? {}) as JsonObject;
  const artifact = (message.artifact ?? {}) as JsonObject;
  const customer = ((message.customer ?? call.customer ?? {}) as JsonObject) ?? {};
  const startedAt = (message.startedAt ?? call.startedAt) as string | undefined;
  const endedAt = (message.endedAt ?? call.endedAt) as string | undefined;
  const started = startedAt ? Date.parse(startedAt) : NaN;
  const ended = endedAt ? Date.parse(endedAt) : NaN;
  const recording = artifact.recording as JsonObject | undefined;
  const mono = recording?.mono as JsonObject | undefined;
  const recordingUrl =
    typeof mono?.combinedUrl === 'string'
      ? mono.combinedUrl
      : typeof artifact.recordingUrl === 'string'
        ? artifact.recordingUrl
        : null;
  const assistant = (message.assistant ?? {}) as JsonObject;
  return {
    id: String(call.id),
    userId,
    assistantId:
      typeof call.assistantId === 'string'
        ? call.assistantId
        : typeof assistant.id === 'string'
          ? assistant.id
          : 'unknown',
    customerNumber: typeof customer.number === 'string' ? customer.number : 'Unknown',
    status: 'completed',
    startedAt: pyFromJs(startedAt),
    endedAt: pyFromJs(endedAt),
    durationSeconds: Number.isFinite(started) && Number.isFinite(ended) ? Math.round((ended - started) / 1000) : null,
    cost: typeof message.cost === 'number' ? message.cost : null,
    transcript: webhookTranscript(artifact.messages),
    recordingUrl,
    metadata: message,
    createdAt: insertedAt,
  };
}
