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
  /** Leave `artifact.recording` out (older calls only had the deprecated `artifact.recordingUrl`). */
  omitRecordingObject?: boolean;
  seed: number;
}

export interface CallTiming {
  startedAt: number | null;
  endedAt: number | null;
  /** Per spoken turn (same order as `conversation.turns`): start/end (ms epoch), seconds from start, duration (ms). */
  time: number[];
  endTime: number[];
  secondsFromStart: number[];
  duration: number[];
}

const RATE_PER_MINUTE = { transport: 0.008, stt: 0.01, llm: 0.02, tts: 0.036, vapi: 0.05 };

/** Message timings: speaking time follows text length, with pauses and the assistant's latency. */
export function timeConversation(conv: Conversation, createdAt: number, seed: number): CallTiming {
  const rng = Rng.of('timing', seed);
  const timing: CallTiming = {
    startedAt: null,
    endedAt: null,
    time: [],
    endTime: [],
    secondsFromStart: [],
    duration: [],
  };
  if (conv.scenario === 'dropped') return timing;
  const startedAt = createdAt + rng.int(1_200, 6_500);
  let cursor = rng.float(0.3, 1.1);
  let first = true;
  for (const turn of conv.turns) {
    const duration = Math.min(45, Math.max(0.6, turn.text.length / rng.float(13, 17) + rng.float(-0.2, 0.5)));
    if (!first) cursor += turn.role === 'bot' ? rng.float(0.45, 1.3) : rng.float(0.25, 1.8);
    first = false;
    const time = Math.round(startedAt + cursor * 1000);
    timing.time.push(time);
    timing.endTime.push(Math.round(time + duration * 1000));
    timing.secondsFromStart.push(Math.round(cursor * 1000) / 1000);
    timing.duration.push(Math.round(duration * 1000));
    cursor += duration;
  }
  if (conv.scenario === 'silence') cursor += rng.float(18, 32);
  cursor += rng.float(0.4, 2.5);
  timing.startedAt = startedAt;
  timing.endedAt = Math.round(startedAt + cursor * 1000);
  return timing;
}

export function vapiTranscript(conv: Conversation): string {
  return conv.turns.map((t) => `${t.role === 'bot' ? 'AI' : 'User'}: ${t.text}`).join('\n');
}

/** Everything a call is made of, computed once; rendered as an object or straight to JSON (same bytes). */
interface CallParts {
  input: CallBuildInput;
  conv: Conversation;
  timing: CallTiming;
  status: string;
  live: boolean;
  /** How many spoken turns the call has so far (all of them once ended). */
  spoken: number;
  transcript: string;
  endedAt: number | null;
  updatedAt: number;
  cost: number;
  breakdown: JsonObject;
  twilioSid: string;
  recording: { stereoUrl: string; mono: { combinedUrl: string; assistantUrl: string; customerUrl: string } } | null;
}

function callParts(input: CallBuildInput): CallParts {
  const conv = input.conversation;
  const status = input.status ?? 'ended';
  const timing = timeConversation(conv, input.createdAt, input.seed);
  const rng = Rng.of('call-extras', input.seed);
  const live = status !== 'ended';
  // A live call has the system message and about half of its turns so far.
  const spoken = live ? Math.max(0, Math.ceil((timing.time.length + 1) / 2) - 1) : timing.time.length;
  let transcript = '';
  for (let k = 0; k < spoken; k++) {
    const t = conv.turns[k]!;
    transcript += `${k ? '\n' : ''}${t.role === 'bot' ? 'AI' : 'User'}: ${t.text}`;
  }
  const endedAt = live ? null : timing.endedAt;
  const updatedAt = (endedAt ?? timing.startedAt ?? input.createdAt) + rng.int(800, 9_000);
  const seconds = timing.startedAt !== null && endedAt !== null ? (endedAt - timing.startedAt) / 1000 : 0;
  const minutes = seconds / 60;
  let ttsChars = 0;
  for (const t of conv.turns) if (t.role === 'bot') ttsChars += t.text.length;
  const round = (n: number): number => Math.round(n * 10_000) / 10_000;
  const transport = round(minutes * RATE_PER_MINUTE.transport);
  const stt = round(minutes * RATE_PER_MINUTE.stt);
  const llm = round(minutes * RATE_PER_MINUTE.llm * rng.float(0.7, 1.4));
  const tts = round(minutes * RATE_PER_MINUTE.tts);
  const vapi = round(minutes * RATE_PER_MINUTE.vapi);
  const started = timing.startedAt !== null;
  const analysisCost = started ? round(0.0004 + conv.turns.length * 0.00002) : 0;
  const total = round(transport + stt + llm + tts + vapi + analysisCost);
  const breakdown: JsonObject = {
    transport,
    stt,
    llm,
    tts,
    vapi,
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
  const base = `${input.recordingBase}/${input.id}`;
  return {
    input,
    conv,
    timing,
    status,
    live,
    spoken,
    transcript,
    endedAt,
    updatedAt,
    cost: live ? 0 : total,
    breakdown,
    twilioSid: 'CA' + Rng.of('twilio-call-sid', input.seed).hex(32),
    recording:
      !live && started
        ? {
            stereoUrl: `${base}-stereo.wav`,
            mono: {
              combinedUrl: `${base}-mono.wav`,
              assistantUrl: `${base}-assistant.wav`,
              customerUrl: `${base}-customer.wav`,
            },
          }
        : null,
  };
}

function messageObjects(p: CallParts): JsonObject[] {
  const { conv, timing } = p;
  if (timing.startedAt === null) return [];
  const out: JsonObject[] = [
    { role: 'system', message: conv.systemPrompt, time: timing.startedAt, secondsFromStart: 0 },
  ];
  for (let k = 0; k < p.spoken; k++) {
    const turn = conv.turns[k]!;
    const m: JsonObject = {
      role: turn.role,
      message: turn.text,
      time: timing.time[k]!,
      endTime: timing.endTime[k]!,
      secondsFromStart: timing.secondsFromStart[k]!,
      duration: timing.duration[k]!,
    };
    if (turn.role === 'bot') m.source = '';
    out.push(m);
  }
  return out;
}

/** The call as an object (GET /call/{id}, webhooks). */
export function buildVapiCall(input: CallBuildInput): JsonObject {
  return callObject(callParts(input));
}

/** The same call serialized directly (the fast path of list pages): equal to JSON.stringify(buildVapiCall(input)). */
export function buildVapiCallJson(input: CallBuildInput): string {
  return callJson(callParts(input));
}

function callObject(p: CallParts): JsonObject {
  const { input, conv, timing } = p;
  const messages = messageObjects(p);
  const openAi: JsonObject[] = [{ role: 'system', content: conv.systemPrompt }];
  for (let k = 0; k < p.spoken; k++) {
    const t = conv.turns[k]!;
    openAi.push({ role: t.role === 'bot' ? 'assistant' : 'user', content: t.text });
  }
  const artifact: JsonObject = { messages, messagesOpenAIFormatted: openAi };
  if (!input.omitArtifactTranscript) artifact.transcript = p.transcript;
  if (p.recording) {
    if (!input.omitRecordingObject) artifact.recording = p.recording;
    artifact.recordingUrl = p.recording.mono.combinedUrl;
    artifact.stereoRecordingUrl = p.recording.stereoUrl;
  }
  const customer: JsonObject = { number: input.customer.number };
  if (input.customer.name) customer.name = input.customer.name;
  const call: JsonObject = {
    id: input.id,
    orgId: input.orgId,
    createdAt: new Date(input.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
    type: conv.direction === 'outbound' ? 'outboundPhoneCall' : 'inboundPhoneCall',
    status: p.status,
    phoneCallProvider: 'twilio',
    phoneCallProviderId: p.twilioSid,
    phoneCallTransport: 'pstn',
    customer,
    artifact,
    cost: p.cost,
  };
  if (input.assistantId) call.assistantId = input.assistantId;
  if (input.phoneNumberId) call.phoneNumberId = input.phoneNumberId;
  if (timing.startedAt !== null) call.startedAt = new Date(timing.startedAt).toISOString();
  if (!p.live) {
    call.endedReason = conv.endedReason;
    if (p.endedAt !== null) call.endedAt = new Date(p.endedAt).toISOString();
    call.costBreakdown = p.breakdown;
    call.analysis = {
      summary: conv.summary,
      successEvaluation: conv.successEvaluation,
      structuredData: conv.structuredData,
    };
  }
  if (input.legacyTopLevel) {
    call.transcript = p.transcript;
    call.summary = conv.summary;
    call.messages = messages;
    if (p.recording) {
      call.recordingUrl = p.recording.mono.combinedUrl;
      call.stereoRecordingUrl = p.recording.stereoUrl;
    }
  }
  return call;
}

const q = JSON.stringify;

function callJson(p: CallParts): string {
  const { input, conv, timing } = p;
  const texts: string[] = new Array<string>(p.spoken);
  for (let k = 0; k < p.spoken; k++) texts[k] = q(conv.turns[k]!.text);
  const prompt = q(conv.systemPrompt);
  let messages = '[';
  if (timing.startedAt !== null) {
    messages += `{"role":"system","message":${prompt},"time":${timing.startedAt},"secondsFromStart":0}`;
    for (let k = 0; k < p.spoken; k++) {
      const bot = conv.turns[k]!.role === 'bot';
      messages += `,{"role":"${bot ? 'bot' : 'user'}","message":${texts[k]},"time":${timing.time[k]},"endTime":${timing.endTime[k]},"secondsFromStart":${timing.secondsFromStart[k]},"duration":${timing.duration[k]}${bot ? ',"source":""' : ''}}`;
    }
  }
  messages += ']';
  let openAi = `[{"role":"system","content":${prompt}}`;
  for (let k = 0; k < p.spoken; k++) {
    openAi += `,{"role":"${conv.turns[k]!.role === 'bot' ? 'assistant' : 'user'}","content":${texts[k]}}`;
  }
  openAi += ']';
  // The transcript is the escaped turns joined: reuse them instead of escaping every text a second time.
  let transcript = '"';
  for (let k = 0; k < p.spoken; k++) {
    const t = texts[k]!;
    transcript += `${k ? '\\n' : ''}${conv.turns[k]!.role === 'bot' ? 'AI' : 'User'}: ${t.slice(1, -1)}`;
  }
  transcript += '"';
  let artifact = `{"messages":${messages},"messagesOpenAIFormatted":${openAi}`;
  if (!input.omitArtifactTranscript) artifact += `,"transcript":${transcript}`;
  const rec = p.recording;
  if (rec) {
    if (!input.omitRecordingObject) artifact += `,"recording":${q(rec)}`;
    artifact += `,"recordingUrl":${q(rec.mono.combinedUrl)},"stereoRecordingUrl":${q(rec.stereoUrl)}`;
  }
  artifact += '}';
  let customer = `{"number":${q(input.customer.number)}`;
  if (input.customer.name) customer += `,"name":${q(input.customer.name)}`;
  customer += '}';
  let out =
    `{"id":${q(input.id)},"orgId":${q(input.orgId)},"createdAt":"${new Date(input.createdAt).toISOString()}",` +
    `"updatedAt":"${new Date(p.updatedAt).toISOString()}","type":"${conv.direction === 'outbound' ? 'outboundPhoneCall' : 'inboundPhoneCall'}",` +
    `"status":${q(p.status)},"phoneCallProvider":"twilio","phoneCallProviderId":"${p.twilioSid}","phoneCallTransport":"pstn",` +
    `"customer":${customer},"artifact":${artifact},"cost":${p.cost}`;
  if (input.assistantId) out += `,"assistantId":${q(input.assistantId)}`;
  if (input.phoneNumberId) out += `,"phoneNumberId":${q(input.phoneNumberId)}`;
  if (timing.startedAt !== null) out += `,"startedAt":"${new Date(timing.startedAt).toISOString()}"`;
  if (!p.live) {
    out += `,"endedReason":${q(conv.endedReason)}`;
    if (p.endedAt !== null) out += `,"endedAt":"${new Date(p.endedAt).toISOString()}"`;
    out += `,"costBreakdown":${q(p.breakdown)}`;
    out += `,"analysis":{"summary":${q(conv.summary)},"successEvaluation":${q(conv.successEvaluation)},"structuredData":${q(conv.structuredData)}}`;
  }
  if (input.legacyTopLevel) {
    out += `,"transcript":${transcript},"summary":${q(conv.summary)},"messages":${messages}`;
    if (rec) out += `,"recordingUrl":${q(rec.mono.combinedUrl)},"stereoRecordingUrl":${q(rec.stereoUrl)}`;
  }
  return out + '}';
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
