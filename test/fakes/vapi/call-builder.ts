/**
 * Builds a Vapi `Call` object (the shape of `GET /call/{id}`, checked against the OpenAPI `Call` schema in the tests)
 * from a generated conversation: `artifact.messages` with roles system/bot/user and their timings, `artifact.transcript`
 * as `AI:`/`User:` lines, `messagesOpenAIFormatted`, recordings, `analysis`, cost and its breakdown. Some calls also
 * carry the undocumented top-level leftovers (`transcript`, `recordingUrl`, `summary`, ...) real responses still had.
 */
import { JsonWriter } from '../lib/json-writer';
import { Rng } from '../lib/rng';
import type { Conversation, Turn } from '../worlds/transcripts';
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
  endedAt: number | null;
  updatedAt: number;
  cost: number;
  breakdown: CostBreakdown;
  twilioSid: string;
  /** `{recordingBase}/{id}`, the recordings' URLs without their suffix; null when the call has none. */
  recordingStem: string | null;
}

/** `costBreakdown` (dollars rounded to 4 decimals, token and character counts). */
type CostBreakdown = {
  transport: number;
  stt: number;
  llm: number;
  tts: number;
  vapi: number;
  total: number;
  llmPromptTokens: number;
  llmCompletionTokens: number;
  ttsCharacters: number;
  analysisCostBreakdown: { summary: number; structuredData: number; successEvaluation: number };
};

const round = (n: number): number => Math.round(n * 10_000) / 10_000;

function callParts(input: CallBuildInput): CallParts {
  const conv = input.conversation;
  const status = input.status ?? 'ended';
  const timing = timeConversation(conv, input.createdAt, input.seed);
  const rng = Rng.of('call-extras', input.seed);
  const live = status !== 'ended';
  // A live call has the system message and about half of its turns so far.
  const spoken = live ? Math.max(0, Math.ceil((timing.time.length + 1) / 2) - 1) : timing.time.length;
  const endedAt = live ? null : timing.endedAt;
  const updatedAt = (endedAt ?? timing.startedAt ?? input.createdAt) + rng.int(800, 9_000);
  const seconds = timing.startedAt !== null && endedAt !== null ? (endedAt - timing.startedAt) / 1000 : 0;
  const minutes = seconds / 60;
  let ttsChars = 0;
  for (const t of conv.turns) if (t.role === 'bot') ttsChars += t.text.length;
  const transport = round(minutes * RATE_PER_MINUTE.transport);
  const stt = round(minutes * RATE_PER_MINUTE.stt);
  const llm = round(minutes * RATE_PER_MINUTE.llm * rng.float(0.7, 1.4));
  const tts = round(minutes * RATE_PER_MINUTE.tts);
  const vapi = round(minutes * RATE_PER_MINUTE.vapi);
  const started = timing.startedAt !== null;
  const analysisCost = started ? round(0.0004 + conv.turns.length * 0.00002) : 0;
  const total = round(transport + stt + llm + tts + vapi + analysisCost);
  const breakdown: CostBreakdown = {
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
  return {
    input,
    conv,
    timing,
    status,
    live,
    spoken,
    endedAt,
    updatedAt,
    cost: live ? 0 : total,
    breakdown,
    twilioSid: 'CA' + Rng.of('twilio-call-sid', input.seed).hex(32),
    recordingStem: !live && started ? `${input.recordingBase}/${input.id}` : null,
  };
}

/** The `AI:`/`User:` transcript of the turns spoken so far. */
function transcriptOf(p: CallParts): string {
  let transcript = '';
  for (let k = 0; k < p.spoken; k++) {
    const t = p.conv.turns[k]!;
    transcript += `${k ? '\n' : ''}${t.role === 'bot' ? 'AI' : 'User'}: ${t.text}`;
  }
  return transcript;
}

function recordingOf(stem: string): {
  stereoUrl: string;
  mono: { combinedUrl: string; assistantUrl: string; customerUrl: string };
} {
  return {
    stereoUrl: `${stem}-stereo.wav`,
    mono: {
      combinedUrl: `${stem}-mono.wav`,
      assistantUrl: `${stem}-assistant.wav`,
      customerUrl: `${stem}-customer.wav`,
    },
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

const scratch = new JsonWriter();

/** The same call serialized directly: equal to JSON.stringify(buildVapiCall(input)). */
export function buildVapiCallJson(input: CallBuildInput): string {
  scratch.reset();
  writeCallJson(callParts(input), scratch);
  return scratch.toString();
}

/** Appends the call's JSON (the bytes of buildVapiCallJson) to a writer: the fast path of list pages. */
export function writeVapiCallJson(input: CallBuildInput, writer: JsonWriter): void {
  writeCallJson(callParts(input), writer);
}

function callObject(p: CallParts): JsonObject {
  const { input, conv, timing } = p;
  const messages = messageObjects(p);
  const transcript = transcriptOf(p);
  const recording = p.recordingStem === null ? null : recordingOf(p.recordingStem);
  const openAi: JsonObject[] = [{ role: 'system', content: conv.systemPrompt }];
  for (let k = 0; k < p.spoken; k++) {
    const t = conv.turns[k]!;
    openAi.push({ role: t.role === 'bot' ? 'assistant' : 'user', content: t.text });
  }
  const artifact: JsonObject = { messages, messagesOpenAIFormatted: openAi };
  if (!input.omitArtifactTranscript) artifact.transcript = transcript;
  if (recording) {
    if (!input.omitRecordingObject) artifact.recording = recording;
    artifact.recordingUrl = recording.mono.combinedUrl;
    artifact.stereoRecordingUrl = recording.stereoUrl;
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

// ---- JSON rendering -----------------------------------------------------------------------------------------------
//
// List pages render thousands of calls per request, so the JSON path writes the bytes of
// Buffer.from(JSON.stringify(callObject(p))) straight into a JsonWriter, without building the objects or any string:
// keys in callObject's order, strings escaped as JSON.stringify does, numbers and dates printed as String(n) and
// toISOString() print them. Each spoken text is encoded once and its bytes copied where it appears again
// (messagesOpenAIFormatted, transcript), as are the system prompt, the recording URLs and, on legacy calls, the
// top-level messages and transcript.

/** Byte ranges [start, end) of each spoken text in the writer, for the current call (reused from call to call). */
const textStarts: number[] = [];
const textEnds: number[] = [];

/** Byte ranges of the current call's fragments written more than once (start -1: not written yet). */
const written = {
  promptStart: -1,
  promptEnd: -1,
  messagesStart: -1,
  messagesEnd: -1,
  transcriptStart: -1,
  transcriptEnd: -1,
  stemStart: -1,
  stemEnd: -1,
};

function writeCallJson(p: CallParts, w: JsonWriter): void {
  for (let k = 0; k < p.spoken; k++) textStarts[k] = -1;
  written.promptStart = -1;
  written.transcriptStart = -1;
  written.stemStart = -1;
  writeHeader(p, w);
  w.ascii('},"artifact":{"messages":');
  writeMessages(p, w);
  w.ascii(',"messagesOpenAIFormatted":');
  writeOpenAiMessages(p, w);
  if (!p.input.omitArtifactTranscript) {
    w.ascii(',"transcript":');
    writeTranscript(p, w);
  }
  const stem = p.recordingStem;
  if (stem !== null) {
    if (!p.input.omitRecordingObject) {
      w.ascii(',"recording":{"stereoUrl":"');
      writeStem(w, stem, '-stereo.wav","mono":{"combinedUrl":"');
      writeStem(w, stem, '-mono.wav","assistantUrl":"');
      writeStem(w, stem, '-assistant.wav","customerUrl":"');
      writeStem(w, stem, '-customer.wav"}}');
    }
    w.ascii(',"recordingUrl":"');
    writeStem(w, stem, '-mono.wav","stereoRecordingUrl":"');
    writeStem(w, stem, '-stereo.wav"');
  }
  w.ascii('},"cost":');
  w.decimal(p.cost, 4);
  writeOutcome(p, w);
  if (p.input.legacyTopLevel) {
    w.ascii(',"transcript":');
    writeTranscript(p, w);
    w.ascii(',"summary":');
    w.string(p.conv.summary);
    w.ascii(',"messages":');
    w.repeat(written.messagesStart, written.messagesEnd);
    if (stem !== null) {
      w.ascii(',"recordingUrl":"');
      writeStem(w, stem, '-mono.wav","stereoRecordingUrl":"');
      writeStem(w, stem, '-stereo.wav"');
    }
  }
  w.byte(0x7d);
}

/** From `{"id":` to the customer object (left open). */
function writeHeader(p: CallParts, w: JsonWriter): void {
  const { input, conv } = p;
  w.ascii('{"id":');
  w.string(input.id);
  w.ascii(',"orgId":');
  w.sharedString(input.orgId);
  w.ascii(',"createdAt":');
  w.isoDate(input.createdAt);
  w.ascii(',"updatedAt":');
  w.isoDate(p.updatedAt);
  w.ascii(conv.direction === 'outbound' ? ',"type":"outboundPhoneCall"' : ',"type":"inboundPhoneCall"');
  w.ascii(',"status":');
  w.sharedString(p.status);
  w.ascii(',"phoneCallProvider":"twilio","phoneCallProviderId":');
  w.string(p.twilioSid);
  w.ascii(',"phoneCallTransport":"pstn","customer":{"number":');
  w.string(input.customer.number);
  if (input.customer.name) {
    w.ascii(',"name":');
    w.string(input.customer.name);
  }
}

/** artifact.messages (its byte range kept: legacy calls repeat it at the top level). */
function writeMessages(p: CallParts, w: JsonWriter): void {
  const { conv, timing } = p;
  written.messagesStart = w.length;
  w.byte(0x5b);
  if (timing.startedAt !== null) {
    w.ascii('{"role":"system","message":"');
    writePrompt(p, w);
    w.ascii('","time":');
    w.number(timing.startedAt);
    w.ascii(',"secondsFromStart":0}');
    for (let k = 0; k < p.spoken; k++) writeMessage(w, conv.turns[k]!, timing, k);
  }
  w.byte(0x5d);
  written.messagesEnd = w.length;
}

/** The JSON between the values of the messages written for each turn, encoded once. */
const TURN = {
  bot: fragment(',{"role":"bot","message":"'),
  user: fragment(',{"role":"user","message":"'),
  time: fragment('","time":'),
  endTime: fragment(',"endTime":'),
  secondsFromStart: fragment(',"secondsFromStart":'),
  duration: fragment(',"duration":'),
  botEnd: fragment(',"source":""}'),
  assistantContent: fragment(',{"role":"assistant","content":"'),
  userContent: fragment(',{"role":"user","content":"'),
  contentEnd: fragment('"}'),
  ai: fragment('AI: '),
  nextAi: fragment('\\nAI: '),
  caller: fragment('User: '),
  nextCaller: fragment('\\nUser: '),
};

function fragment(json: string): Buffer {
  return Buffer.from(json, 'latin1');
}

function writeMessage(w: JsonWriter, turn: Turn, timing: CallTiming, k: number): void {
  const bot = turn.role === 'bot';
  w.bytes(bot ? TURN.bot : TURN.user);
  writeText(w, turn.text, k);
  w.bytes(TURN.time);
  w.number(timing.time[k]!);
  w.bytes(TURN.endTime);
  w.number(timing.endTime[k]!);
  w.bytes(TURN.secondsFromStart);
  w.decimal(timing.secondsFromStart[k]!, 3);
  w.bytes(TURN.duration);
  w.number(timing.duration[k]!);
  if (bot) w.bytes(TURN.botEnd);
  else w.byte(0x7d);
}

function writeOpenAiMessages(p: CallParts, w: JsonWriter): void {
  const turns = p.conv.turns;
  w.ascii('[{"role":"system","content":"');
  writePrompt(p, w);
  w.ascii('"}');
  for (let k = 0; k < p.spoken; k++) {
    w.bytes(turns[k]!.role === 'bot' ? TURN.assistantContent : TURN.userContent);
    writeText(w, turns[k]!.text, k);
    w.bytes(TURN.contentEnd);
  }
  w.byte(0x5d);
}

/** The system prompt inside a JSON string (the same for every call of a language: its bytes are kept). */
function writePrompt(p: CallParts, w: JsonWriter): void {
  if (written.promptStart >= 0) {
    w.repeat(written.promptStart, written.promptEnd);
    return;
  }
  written.promptStart = w.length;
  w.sharedChars(p.conv.systemPrompt);
  written.promptEnd = w.length;
}

/** The `AI:`/`User:` transcript as a JSON string (the texts' bytes copied from messages). */
function writeTranscript(p: CallParts, w: JsonWriter): void {
  if (written.transcriptStart >= 0) {
    w.repeat(written.transcriptStart, written.transcriptEnd);
    return;
  }
  const turns = p.conv.turns;
  written.transcriptStart = w.length;
  w.byte(0x22);
  for (let k = 0; k < p.spoken; k++) {
    w.bytes(turns[k]!.role === 'bot' ? (k ? TURN.nextAi : TURN.ai) : k ? TURN.nextCaller : TURN.caller);
    writeText(w, turns[k]!.text, k);
  }
  w.byte(0x22);
  written.transcriptEnd = w.length;
}

/** `{recordingBase}/{id}` escaped (once, then copied), then the rest of the URL and JSON, which need no escaping. */
function writeStem(w: JsonWriter, stem: string, suffix: string): void {
  if (written.stemStart >= 0) {
    w.repeat(written.stemStart, written.stemEnd);
  } else {
    written.stemStart = w.length;
    w.chars(stem);
    written.stemEnd = w.length;
  }
  w.ascii(suffix);
}

/** Writes the call's text k inside a JSON string: encoded the first time, copied afterwards. */
function writeText(w: JsonWriter, text: string, k: number): void {
  const start = textStarts[k]!;
  if (start >= 0) {
    w.repeat(start, textEnds[k]!);
    return;
  }
  textStarts[k] = w.length;
  w.chars(text);
  textEnds[k] = w.length;
}

/** assistantId … analysis: the ids, then how an ended call ended and what it cost. */
function writeOutcome(p: CallParts, w: JsonWriter): void {
  const { input, conv, timing } = p;
  if (input.assistantId) {
    w.ascii(',"assistantId":');
    w.sharedString(input.assistantId);
  }
  if (input.phoneNumberId) {
    w.ascii(',"phoneNumberId":');
    w.sharedString(input.phoneNumberId);
  }
  if (timing.startedAt !== null) {
    w.ascii(',"startedAt":');
    w.isoDate(timing.startedAt);
  }
  if (p.live) return;
  w.ascii(',"endedReason":');
  w.sharedString(conv.endedReason);
  if (p.endedAt !== null) {
    w.ascii(',"endedAt":');
    w.isoDate(p.endedAt);
  }
  writeCostBreakdown(p.breakdown, w);
  w.ascii(',"analysis":{"summary":');
  w.string(conv.summary);
  w.ascii(',"successEvaluation":');
  w.sharedString(conv.successEvaluation);
  w.ascii(',"structuredData":');
  w.raw(JSON.stringify(conv.structuredData));
  w.byte(0x7d);
}

function writeCostBreakdown(b: CostBreakdown, w: JsonWriter): void {
  w.ascii(',"costBreakdown":{"transport":');
  w.decimal(b.transport, 4);
  w.ascii(',"stt":');
  w.decimal(b.stt, 4);
  w.ascii(',"llm":');
  w.decimal(b.llm, 4);
  w.ascii(',"tts":');
  w.decimal(b.tts, 4);
  w.ascii(',"vapi":');
  w.decimal(b.vapi, 4);
  w.ascii(',"total":');
  w.decimal(b.total, 4);
  w.ascii(',"llmPromptTokens":');
  w.number(b.llmPromptTokens);
  w.ascii(',"llmCompletionTokens":');
  w.number(b.llmCompletionTokens);
  w.ascii(',"ttsCharacters":');
  w.number(b.ttsCharacters);
  w.ascii(',"analysisCostBreakdown":{"summary":');
  w.decimal(b.analysisCostBreakdown.summary, 4);
  w.ascii(',"structuredData":');
  w.decimal(b.analysisCostBreakdown.structuredData, 4);
  w.ascii(',"successEvaluation":');
  w.decimal(b.analysisCostBreakdown.successEvaluation, 4);
  w.ascii('}}');
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
