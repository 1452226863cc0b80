/**
 * Builds a Vapi `Call` object (the shape of `GET /call/{id}`, checked against the OpenAPI `Call` schema in the tests)
 * from a generated conversation: `artifact.messages` with roles system/bot/user and their timings, `artifact.transcript`
 * as `AI:`/`User:` lines, `messagesOpenAIFormatted`, recordings, `analysis`, cost and its breakdown. Some calls also
 * carry the undocumented top-level leftovers (`transcript`, `recordingUrl`, `summary`, ...) real responses still had.
 */
import { Rng } from '../lib/rng';
import type { Conversation } from '../worlds/transcripts';
import type { JsonObject } from '../worlds/types';

export interface CallBuildInput {
  id: string;
  orgId: string;
  assistantId?: string;
  phoneNumberId?: string;
  /** ms since the epoch. */
  createdAt: number;
  conversation: Conversation;
  customer: { number: string; name?: string };
  /** `ended` (default), or a live status for calls still running. */
  status?: 'ended' | 'in-progress' | 'ringing' | 'queued';
  /** Base URL of recordings (`{{vapi}}/__recordings` in worlds, resolved when served). */
  recordingBase: string;
  /** Add the undocumented top-level transcript/recordingUrl/summary/messages. */
  legacyTopLevel?: boolean;
  /** Leave `artifact.transcript` out (the top-level one may still be there). */
  omitArtifactTranscript?: boolean;
  seed: number;
}

export interface CallTiming {
  startedAt: number | null;
  endedAt: number | null;
  messages: JsonObject[];
}

const RATE_PER_MINUTE = { transport: 0.008, stt: 0.01, llm: 0.02, tts: 0.036, vapi: 0.05 };

/** Message timings: speaking time follows text length, with pauses and the assistant's latency. */
export function timeConversation(conv: Conversation, createdAt: number, seed: number): CallTiming {
  const rng = Rng.of('timing', seed);
  if (conv.scenario === 'dropped') return { startedAt: null, endedAt: null, messages: [] };
  const startedAt = createdAt + rng.int(1_200, 6_500);
  const messages: JsonObject[] = [{ role: 'system', message: conv.systemPrompt, time: startedAt, secondsFromStart: 0 }];
  let cursor = rng.float(0.3, 1.1);
  let previous: 'bot' | 'user' | null = null;
  for (const turn of conv.turns) {
    const chars = [...turn.text].length;
    const duration = Math.min(45, Math.max(0.6, chars / rng.float(13, 17) + rng.float(-0.2, 0.5)));
    cursor += previous === null ? 0 : turn.role === 'bot' ? rng.float(0.45, 1.3) : rng.float(0.25, 1.8);
    const time = Math.round(startedAt + cursor * 1000);
    const endTime = Math.round(time + duration * 1000);
    messages.push({
      role: turn.role,
      message: turn.text,
      time,
      endTime,
      secondsFromStart: Math.round(cursor * 1000) / 1000,
      duration: Math.round(duration * 1000),
      ...(turn.role === 'bot' ? { source: '' } : {}),
    });
    cursor += duration;
    previous = turn.role;
  }
  if (conv.scenario === 'silence') cursor += rng.float(18, 32);
  cursor += rng.float(0.4, 2.5);
  return { startedAt, endedAt: Math.round(startedAt + cursor * 1000), messages };
}

export function vapiTranscript(conv: Conversation): string {
  return conv.turns.map((t) => `${t.role === 'bot' ? 'AI' : 'User'}: ${t.text}`).join('\n');
}

export function buildVapiCall(input: CallBuildInput): JsonObject {
  const conv = input.conversation;
  const status = input.status ?? 'ended';
  const timing = timeConversation(conv, input.createdAt, input.seed);
  const rng = Rng.of('call-extras', input.seed);
  const live = status !== 'ended';
  let messages = timing.messages;
  if (live) messages = messages.slice(0, Math.max(1, Math.ceil(messages.length / 2)));
  const spokenTurns = live ? conv.turns.slice(0, Math.max(0, messages.length - 1)) : conv.turns;
  const transcript = spokenTurns.map((t) => `${t.role === 'bot' ? 'AI' : 'User'}: ${t.text}`).join('\n');
  const endedAt = live ? null : timing.endedAt;
  const updatedAt = (endedAt ?? timing.startedAt ?? input.createdAt) + rng.int(800, 9_000);
  const seconds = timing.startedAt !== null && endedAt !== null ? (endedAt - timing.startedAt) / 1000 : 0;
  const minutes = seconds / 60;
  const ttsChars = conv.turns.filter((t) => t.role === 'bot').reduce((n, t) => n + t.text.length, 0);
  const round = (n: number): number => Math.round(n * 10_000) / 10_000;
  const parts = {
    transport: round(minutes * RATE_PER_MINUTE.transport),
    stt: round(minutes * RATE_PER_MINUTE.stt),
    llm: round(minutes * RATE_PER_MINUTE.llm * rng.float(0.7, 1.4)),
    tts: round(minutes * RATE_PER_MINUTE.tts),
    vapi: round(minutes * RATE_PER_MINUTE.vapi),
  };
  const analysisCost = round(0.0004 + conv.turns.length * 0.00002);
  const total = round(parts.transport + parts.stt + parts.llm + parts.tts + parts.vapi + analysisCost);
  const twilioSid = 'CA' + Rng.of('twilio-call-sid', input.seed).hex(32);
  const base = `${input.recordingBase}/${input.id}`;
  const hasRecording = !live && timing.startedAt !== null;
  const recording = hasRecording
    ? {
        stereoUrl: `${base}-stereo.wav`,
        mono: {
          combinedUrl: `${base}-mono.wav`,
          assistantUrl: `${base}-assistant.wav`,
          customerUrl: `${base}-customer.wav`,
        },
      }
    : undefined;

  const openAi: JsonObject[] = [{ role: 'system', content: conv.systemPrompt }];
  for (const t of spokenTurns) openAi.push({ role: t.role === 'bot' ? 'assistant' : 'user', content: t.text });

  const artifact: JsonObject = {
    messages,
    messagesOpenAIFormatted: openAi,
  };
  if (!input.omitArtifactTranscript) artifact.transcript = transcript;
  if (recording) {
    artifact.recording = recording;
    artifact.recordingUrl = recording.mono.combinedUrl;
    artifact.stereoRecordingUrl = recording.stereoUrl;
  }

  const customer: JsonObject = { number: input.customer.number };
  if (input.customer.name) customer.name = input.customer.name;

  const call: JsonObject = {
    id: input.id,
    orgId: input.orgId,
    createdAt: new Date(input.createdAt).toISOString(),
    updatedAt: new Date(updatedAt).toISOString(),
    type: conv.direction === 'outbound' ? 'outboundPhoneCall' : 'inboundPhoneCall',
    status,
    phoneCallProvider: 'twilio',
    phoneCallProviderId: twilioSid,
    phoneCallTransport: 'pstn',
    customer,
    artifact,
    cost: live ? 0 : total,
  };
  if (input.assistantId) call.assistantId = input.assistantId;
  if (input.phoneNumberId) call.phoneNumberId = input.phoneNumberId;
  if (timing.startedAt !== null) call.startedAt = new Date(timing.startedAt).toISOString();
  if (!live) {
    call.endedReason = conv.endedReason;
    if (endedAt !== null) call.endedAt = new Date(endedAt).toISOString();
    call.costBreakdown = {
      ...parts,
      total,
      llmPromptTokens: conv.turns.length * rng.int(350, 900),
      llmCompletionTokens: conv.turns.length * rng.int(12, 40),
      ttsCharacters: ttsChars,
      analysisCostBreakdown: {
        summary: round(analysisCost * 0.6),
        structuredData: round(analysisCost * 0.2),
        successEvaluation: round(analysisCost * 0.2),
      },
    };
    call.analysis = {
      summary: conv.summary,
      successEvaluation: conv.successEvaluation,
      structuredData: conv.structuredData,
    };
  }
  if (input.legacyTopLevel) {
    call.transcript = transcript;
    call.summary = conv.summary;
    call.messages = messages;
    if (recording) {
      call.recordingUrl = recording.mono.combinedUrl;
      call.stereoRecordingUrl = recording.stereoUrl;
    }
  }
  return call;
}

/** A short WAV (8 kHz, 16-bit mono) for a recording URL: two tones derived from the file name. */
export function recordingWav(name: string): Buffer {
  const rng = Rng.of('wav', name);
  const rate = 8000;
  const seconds = 1.5;
  const samples = Math.floor(rate * seconds);
  const f1 = rng.int(300, 600);
  const f2 = rng.int(600, 1000);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    const f = t < seconds / 2 ? f1 : f2;
    const envelope = Math.min(1, t * 20, (seconds - t) * 20);
    data.writeInt16LE(Math.round(Math.sin(2 * Math.PI * f * t) * 8000 * envelope), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
