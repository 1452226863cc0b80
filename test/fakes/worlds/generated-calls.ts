/**
 * An org's call history, generated lazily: call i is rebuilt from (seed, i) whenever it is needed, its `createdAt` is
 * `times[i]` (strictly increasing), and its id encodes i (see IndexedUuids). A world of 100,000 calls therefore costs
 * one Float64Array, and `GET /call?createdAtLt=X&limit=1000` builds only the 1,000 calls it returns.
 */
import {
  type CallBuildInput,
  buildVapiCall,
  buildVapiCallJson,
  timeConversation,
  writeVapiCallJson,
} from '../vapi/call-builder';
import type { JsonWriter } from '../lib/json-writer';
import { DAY, HOUR, MINUTE } from '../lib/clock';
import { IndexedUuids, Rng } from '../lib/rng';
import { EMOJI } from './people';
import { type Conversation, type Language, type Scenario, generateConversation } from './transcripts';
import { type JsonObject, type ResolvedUrls, resolvePlaceholders } from './types';

/** What happened to a call on the backend side (decided by the world, used to build the backend's rows). */
export type BackendFate =
  /** Saved by the receiver from a top-level `call.ended` event (AVA:/Caller: transcript). */
  | 'webhook'
  /** Pulled by the backend's analytics import (Vapi's AI:/User: transcript, metadata = the Vapi call). */
  | 'import'
  /** Never reached the backend. */
  | 'missing'
  /** Saved under the backend's first user (the cross-tenant fallback), so missing for the right tenant. */
  | 'leaked';

export interface AssistantPlan {
  id: string;
  key: string;
  weight: number;
  /** Probabilities of each fate for this assistant's ended calls (missing = the rest). */
  fates: Partial<Record<BackendFate, number>>;
  /** `assistant.metadata`, copied into `call.ended` events (attribution). */
  metadata: JsonObject | null;
}

export interface GeneratedCallsSpec {
  seed: number;
  orgKey: string;
  orgId: string;
  /** createdAt of each call (ms), strictly increasing. */
  times: Float64Array;
  assistants: AssistantPlan[];
  phoneNumberIds: string[];
  languages: { fr: number; en: number };
  /** Indices of very long calls (hundreds of turns). */
  longIndices: ReadonlySet<number>;
  /** Calls with index ≥ this are still in progress. */
  inProgressFrom: number;
  /** Calls created before this time also carry the legacy top-level fields. */
  legacyBefore: number;
  /** Base of recording URLs, e.g. `{{vapi}}/__recordings`. */
  recordingBase: string;
}

export interface CallPlan {
  index: number;
  id: string;
  createdAt: number;
  assistant: AssistantPlan | null;
  phoneNumberId: string | undefined;
  status: 'ended' | 'in-progress';
  language: Language;
  scenario: Scenario | undefined;
  legacy: boolean;
  omitArtifactTranscript: boolean;
  omitRecordingObject: boolean;
  fate: BackendFate;
  /** Seed of everything else about this call. */
  seed: number;
}

export class GeneratedCalls {
  readonly count: number;
  private readonly ids: IndexedUuids;
  private readonly totalWeight: number;
  private readonly convCache = new Map<number, Conversation>();
  private readonly updated: Float64Array;
  /**
   * Running sums of the assistants' weights when they are all whole numbers (they default to 1): then the draw
   * `r - w₀ - w₁ - … < 0` of `plan` is exact, equal to `r < cumulative[k]`, and a binary search finds the same
   * assistant as the linear walk (1,000 assistants in the scale world). Null: walk the list.
   */
  private readonly cumulative: Float64Array | null;
  /** `spec.recordingBase` resolved for the last URLs asked (the same for every call of a page). */
  private recordingFor: { urls: ResolvedUrls; vapi: string; backend: string; base: string } | null = null;

  constructor(readonly spec: GeneratedCallsSpec) {
    this.count = spec.times.length;
    this.ids = new IndexedUuids(`${spec.seed}:${spec.orgKey}:calls`);
    this.totalWeight = spec.assistants.reduce((s, a) => s + a.weight, 0);
    this.updated = new Float64Array(this.count).fill(NaN);
    this.cumulative = runningWeights(spec.assistants);
  }

  /** The assistant a draw `r` in [0, totalWeight) picks: the first whose running weight exceeds r. */
  private pickAssistant(r: number): AssistantPlan {
    const assistants = this.spec.assistants;
    const cumulative = this.cumulative;
    if (cumulative) {
      let lo = 0;
      let hi = assistants.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (r < cumulative[mid]!) hi = mid;
        else lo = mid + 1;
      }
      return assistants[Math.min(lo, assistants.length - 1)]!;
    }
    for (const a of assistants) {
      r -= a.weight;
      if (r < 0) return a;
    }
    return assistants[assistants.length - 1]!;
  }

  createdAt(i: number): number {
    return this.spec.times[i]!;
  }

  idOf(i: number): string {
    return this.ids.encode(i);
  }

  indexOfId(id: string): number | undefined {
    const i = this.ids.decode(id);
    return i !== undefined && i < this.count ? i : undefined;
  }

  /** First index whose createdAt is ≥ t (binary search). */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.spec.times[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index range [from, to) of calls created in the window (bounds in ms; undefined = open). */
  indexRange(window: { gt?: number; ge?: number; lt?: number; le?: number }): [number, number] {
    let from = 0;
    let to = this.count;
    if (window.ge !== undefined) from = Math.max(from, this.lowerBound(window.ge));
    if (window.gt !== undefined) from = Math.max(from, this.lowerBound(Math.floor(window.gt) + 1));
    if (window.lt !== undefined) to = Math.min(to, this.lowerBound(window.lt));
    if (window.le !== undefined) to = Math.min(to, this.lowerBound(Math.floor(window.le) + 1));
    return [from, Math.max(from, to)];
  }

  plan(i: number): CallPlan {
    const seed = Rng.of(this.spec.seed, this.spec.orgKey, 'call', i).uint32();
    const rng = new Rng(seed);
    const assistant = this.spec.assistants.length > 0 ? this.pickAssistant(rng.next() * this.totalWeight) : null;
    const phoneNumberId =
      this.spec.phoneNumberIds.length > 0
        ? this.spec.phoneNumberIds[rng.int(0, this.spec.phoneNumberIds.length - 1)]
        : undefined;
    const language: Language =
      rng.next() * (this.spec.languages.fr + this.spec.languages.en) < this.spec.languages.fr ? 'fr' : 'en';
    const status = i >= this.spec.inProgressFrom ? 'in-progress' : 'ended';
    const createdAt = this.createdAt(i);
    const legacy = createdAt < this.spec.legacyBefore;
    const omitArtifactTranscript = legacy && rng.chance(0.15);
    const omitRecordingObject = legacy && rng.chance(0.3);
    let fate: BackendFate = 'missing';
    const r = rng.next();
    if (assistant && status === 'ended') {
      let acc = 0;
      for (const f of ['webhook', 'import', 'leaked'] as const) {
        acc += assistant.fates[f] ?? 0;
        if (r < acc) {
          fate = f;
          break;
        }
      }
    }
    return {
      index: i,
      id: this.idOf(i),
      createdAt,
      assistant,
      phoneNumberId,
      status,
      language,
      scenario: this.spec.longIndices.has(i) ? 'long' : undefined,
      legacy,
      omitArtifactTranscript,
      omitRecordingObject,
      fate,
      seed,
    };
  }

  /**
   * Call i's conversation, kept for the next few asks (`remember`; list pages, which build each call once, leave the
   * cache alone rather than keep hundreds of conversations alive through garbage collections).
   */
  conversation(i: number, plan = this.plan(i), remember = true): Conversation {
    const cached = this.convCache.get(i);
    if (cached) return cached;
    const options: Parameters<typeof generateConversation>[1] = { at: plan.createdAt, language: plan.language };
    if (plan.scenario) options.scenario = plan.scenario;
    const conv = generateConversation(Rng.of('conversation', plan.seed), options);
    if (remember) {
      if (this.convCache.size > 256) this.convCache.clear();
      this.convCache.set(i, conv);
    }
    return conv;
  }

  /** The call as `GET /call/{id}` returns it. */
  build(i: number, urls: ResolvedUrls): JsonObject {
    return buildVapiCall(this.buildInput(i, urls));
  }

  /** The same call, serialized (identical to JSON.stringify(build(i))). */
  buildJson(i: number, urls: ResolvedUrls): string {
    return buildVapiCallJson(this.buildInput(i, urls));
  }

  /** Appends the bytes of buildJson(i) to a writer (the fast path of list pages). */
  writeJson(i: number, urls: ResolvedUrls, writer: JsonWriter): void {
    writeVapiCallJson(this.buildInput(i, urls, false), writer);
  }

  private buildInput(i: number, urls: ResolvedUrls, remember = true): CallBuildInput {
    const plan = this.plan(i);
    const conv = this.conversation(i, plan, remember);
    const rng = Rng.of('customer', plan.seed);
    const customer: { number: string; name?: string } = { number: conv.caller.phone };
    if (rng.chance(0.4)) customer.name = conv.caller.full.slice(0, 40);
    else if (rng.chance(0.04)) customer.name = `${conv.caller.first} ${rng.pick(EMOJI)}`;
    const input: CallBuildInput = {
      id: plan.id,
      orgId: this.spec.orgId,
      createdAt: plan.createdAt,
      conversation: conv,
      customer,
      status: plan.status,
      recordingBase: this.recordingBase(urls),
      legacyTopLevel: plan.legacy,
      omitArtifactTranscript: plan.omitArtifactTranscript,
      omitRecordingObject: plan.omitRecordingObject,
      seed: plan.seed,
    };
    if (plan.assistant) input.assistantId = plan.assistant.id;
    if (plan.phoneNumberId) input.phoneNumberId = plan.phoneNumberId;
    return input;
  }

  private recordingBase(urls: ResolvedUrls): string {
    const last = this.recordingFor;
    if (last && last.urls === urls && last.vapi === urls.vapi && last.backend === urls.backend) return last.base;
    const base = resolvePlaceholders(this.spec.recordingBase, urls);
    this.recordingFor = { urls, vapi: urls.vapi, backend: urls.backend, base };
    return base;
  }

  /** updatedAt (ms), computed from the conversation's timing (memoized). */
  updatedAt(i: number): number {
    const known = this.updated[i]!;
    if (!Number.isNaN(known)) return known;
    const plan = this.plan(i);
    const timing = timeConversation(this.conversation(i, plan), plan.createdAt, plan.seed);
    const rng = Rng.of('call-extras', plan.seed);
    const end = plan.status === 'ended' ? timing.endedAt : null;
    const value = (end ?? timing.startedAt ?? plan.createdAt) + rng.int(800, 9_000);
    this.updated[i] = value;
    return value;
  }

  /** An upper bound of updatedAt - createdAt, to turn updatedAt filters into an index window. */
  static readonly MAX_UPDATE_LAG = 3 * HOUR;
}

/** Running sums of the weights, or null unless they are all whole numbers ≥ 0 with a safe total. */
function runningWeights(assistants: AssistantPlan[]): Float64Array | null {
  if (!assistants.every((a) => Number.isInteger(a.weight) && a.weight >= 0)) return null;
  const sums = new Float64Array(assistants.length);
  let sum = 0;
  for (let k = 0; k < assistants.length; k++) {
    sum += assistants[k]!.weight;
    sums[k] = sum;
  }
  return Number.isSafeInteger(sum) ? sums : null;
}

/**
 * Call times over `days` before `anchor`, during the clinic's opening hours (Europe/Paris, roughly 07:00–18:00 UTC on
 * weekdays, Saturday mornings), sorted, strictly increasing, with `recent` of them in the last 24 h and the newest
 * `live` within the last few minutes.
 */
export function businessHourTimes(
  rng: Rng,
  count: number,
  anchor: number,
  days: number,
  recent: number,
  live = 0,
): Float64Array {
  const times: number[] = [];
  const start = anchor - days * DAY;
  const olderEnd = anchor - DAY - 10 * MINUTE;
  const old = Math.max(0, count - recent - live);
  while (times.length < old) {
    const dayStart = Math.floor((start + rng.next() * (olderEnd - start)) / DAY) * DAY;
    const weekday = new Date(dayStart).getUTCDay();
    if (weekday === 0) continue;
    if (weekday === 6 && rng.chance(0.6)) continue;
    const hourWindow = weekday === 6 ? [8, 11] : [7, 18];
    const t = dayStart + rng.float(hourWindow[0]!, hourWindow[1]!) * HOUR;
    if (t < start || t > olderEnd) continue;
    times.push(Math.floor(t));
  }
  for (let k = 0; k < recent && times.length < count - live; k++) {
    times.push(Math.floor(anchor - DAY + 15 * MINUTE + rng.next() * (DAY - 45 * MINUTE)));
  }
  for (let k = 0; k < live && times.length < count; k++) {
    times.push(Math.floor(anchor - rng.float(20, 240) * 1000));
  }
  times.sort((a, b) => a - b);
  const out = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) out[i] = i > 0 && times[i]! <= out[i - 1]! ? out[i - 1]! + 1 : times[i]!;
  return out;
}
