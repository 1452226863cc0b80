import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TranscriptState, Turn } from '../../../src/shared/domain';
import {
  CALL_FIELDS,
  type CallFields,
  type CallObservation,
  type CallRecord,
  type ObservationSource,
  mergeCalls,
  mergeObservations,
  recordFromObservation,
} from '../../../src/main/core/calls/merge';
import { statusFinality } from '../../../src/main/core/calls/status';

/** A record as plain data, for deep comparison (lazy values resolved). */
function view(record: CallRecord) {
  const track = (t: CallRecord['backend']) => t && { seenAt: t.seenAt, raw: t.raw.value.text, stamp: t.raw.stamp };
  return {
    id: record.id,
    fields: Object.fromEntries(CALL_FIELDS.map((f) => [f, record.fields[f]])),
    transcript: {
      ...record.transcript.value,
      turns: [...record.transcript.value.turns],
      stamp: record.transcript.stamp,
    },
    backend: track(record.backend),
    vapi: track(record.vapi),
    firstSeenAt: record.firstSeenAt,
  };
}

const RICH: Record<TranscriptState, number> = { none: 0, expired: 1, preview: 2, full: 3 };

// Small pools on purpose: ties in stamps and values are where order dependence would hide.
const time = fc.constantFrom(1_000, 2_000, 3_000);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 3 });
const iso = fc.constantFrom('2026-01-01T10:00:00.000Z', '2026-01-01T10:05:00.000Z');
const fields: fc.Arbitrary<CallFields> = fc.record({
  assistantId: maybe(fc.constantFrom('a1', 'a2')),
  assistantName: maybe(fc.constantFrom('Réception', 'Night')),
  phoneNumberId: maybe(fc.constantFrom('p1', 'p2')),
  customerNumber: maybe(fc.constantFrom('+33612345678', '+15551234567')),
  customerName: maybe(fc.constantFrom('Hélène', 'Jordan')),
  status: maybe(fc.constantFrom('queued', 'ringing', 'in-progress', 'ended', 'completed', 'busy', 'unknown', 'weird')),
  endedReason: maybe(fc.constantFrom('customer-ended-call', 'voicemail')),
  createdAt: maybe(iso),
  startedAt: maybe(iso),
  endedAt: maybe(iso),
  durationSeconds: maybe(fc.constantFrom(12, 60.5)),
  cost: maybe(fc.constantFrom(0.05, 0.11)),
  summary: maybe(fc.constantFrom('Rendez-vous mardi', 'Wrong number')),
  recordingUrl: maybe(fc.constantFrom('https://r/1.wav', 'https://r/2.wav')),
});
const turn: fc.Arbitrary<Turn> = fc.record({
  role: fc.constantFrom('assistant', 'user'),
  label: fc.constantFrom('AVA', 'Caller', 'bot', 'user'),
  text: fc.constantFrom('Bonjour', 'Un rendez-vous ?', 'Merci'),
  offsetSeconds: fc.constantFrom(null, 0, 1.5),
});
const transcript = fc.oneof(
  fc.record({ state: fc.constant<TranscriptState>('full'), turns: fc.array(turn, { minLength: 1, maxLength: 3 }) }),
  fc.record({ state: fc.constant<TranscriptState>('preview'), turns: fc.array(turn, { minLength: 1, maxLength: 2 }) }),
  fc.constant({ state: 'expired' as TranscriptState, turns: [] as Turn[] }),
  fc.constant({ state: 'none' as TranscriptState, turns: [] as Turn[] }),
);
const observation: fc.Arbitrary<CallObservation> = fc
  .record({
    source: fc.constantFrom<ObservationSource>('vapi', 'backend-summary', 'backend-detail'),
    seenAt: time,
    version: time,
    fields,
    transcript,
    raw: fc.constantFrom('{"a":1}', '{"a":2}', '{"b":1}'),
  })
  .map(({ raw, ...o }) => ({ id: 'call-1', ...o, raw: { text: raw } }));
const observations = fc.array(observation, { minLength: 1, maxLength: 7 });

describe('mergeObservations (properties)', () => {
  it('is order-independent: any permutation gives the same record', () => {
    fc.assert(
      fc.property(
        observations.chain((obs) => fc.tuple(fc.constant(obs), fc.shuffledSubarray(obs, { minLength: obs.length }))),
        ([obs, shuffled]) => {
          expect(view(mergeObservations(shuffled))).toEqual(view(mergeObservations(obs)));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('is idempotent: merging what is already in changes nothing', () => {
    fc.assert(
      fc.property(observations, fc.nat(), (obs, n) => {
        const record = mergeObservations(obs);
        expect(view(mergeCalls(record, record))).toEqual(view(record));
        const again = obs[n % obs.length] as CallObservation;
        expect(view(mergeObservations([again], record))).toEqual(view(record));
        expect(view(mergeObservations([...obs, ...obs]))).toEqual(view(record));
      }),
    );
  });

  it('is associative: any grouping gives the same record', () => {
    fc.assert(
      fc.property(observation, observation, observation, (a, b, c) => {
        const [x, y, z] = [a, b, c].map(recordFromObservation) as [CallRecord, CallRecord, CallRecord];
        expect(view(mergeCalls(mergeCalls(x, y), z))).toEqual(view(mergeCalls(x, mergeCalls(y, z))));
      }),
    );
  });

  it('never makes a transcript poorer', () => {
    fc.assert(
      fc.property(observations, observation, (obs, next) => {
        const before = mergeObservations(obs);
        const after = mergeObservations([next], before);
        expect(RICH[after.transcript.value.state]).toBeGreaterThanOrEqual(RICH[before.transcript.value.state]);
        if (RICH[next.transcript.state] < RICH[before.transcript.value.state]) {
          expect(after.transcript).toBe(before.transcript);
        }
      }),
    );
  });

  it('never lets a null (junk) overwrite a value, and keeps the most final status', () => {
    fc.assert(
      fc.property(observations, (obs) => {
        const record = mergeObservations(obs);
        for (const field of CALL_FIELDS) {
          const any = obs.some((o) => o.fields[field] !== null);
          expect(record.fields[field].value !== null).toBe(any);
        }
        const finality = Math.max(...obs.map((o) => statusFinality(o.fields.status)));
        expect(statusFinality(record.fields.status.value)).toBe(finality);
      }),
    );
  });

  it('keeps the raw JSON of both sources and when each last saw the call', () => {
    fc.assert(
      fc.property(observations, (obs) => {
        const record = mergeObservations(obs);
        const backend = obs.filter((o) => o.source !== 'vapi');
        const vapi = obs.filter((o) => o.source === 'vapi');
        expect(record.backend === null).toBe(backend.length === 0);
        expect(record.vapi === null).toBe(vapi.length === 0);
        if (backend.length > 0) {
          expect(record.backend?.seenAt).toBe(Math.max(...backend.map((o) => o.seenAt)));
          // The latest detail if there is one, else the latest summary.
          const details = backend.filter((o) => o.source === 'backend-detail');
          const pool = details.length > 0 ? details : backend;
          const latest = Math.max(...pool.map((o) => o.seenAt));
          expect(pool.filter((o) => o.seenAt === latest).map((o) => o.raw.text)).toContain(
            record.backend?.raw.value.text,
          );
        }
        if (vapi.length > 0) {
          const newest = Math.max(...vapi.map((o) => o.version));
          expect(vapi.filter((o) => o.version === newest).map((o) => o.raw.text)).toContain(
            record.vapi?.raw.value.text,
          );
        }
        expect(record.firstSeenAt).toBe(Math.min(...obs.map((o) => o.seenAt)));
      }),
    );
  });
});

describe('merge rules, by example', () => {
  const base = (source: ObservationSource, over: Partial<CallObservation> = {}): CallObservation => ({
    id: 'c',
    source,
    seenAt: 1_000,
    version: 1_000,
    fields: Object.fromEntries(CALL_FIELDS.map((f) => [f, null])) as unknown as CallFields,
    transcript: { state: 'none', turns: [] },
    raw: { text: '{}' },
    ...over,
  });
  const said = (text: string): Turn => ({ role: 'user', label: 'Caller', text, offsetSeconds: null });

  it("the backend's post-24 h null never erases a cached transcript", () => {
    const full = base('backend-detail', { transcript: { state: 'full', turns: [said('Bonjour')] } });
    const scrubbed = base('backend-detail', { seenAt: 90_000_000, transcript: { state: 'expired', turns: [] } });
    const record = mergeObservations([full, scrubbed]);
    expect(record.transcript.value).toEqual({ state: 'full', turns: [said('Bonjour')] });
    // …while its raw JSON is the latest the backend sent.
    expect(record.backend?.seenAt).toBe(90_000_000);
  });

  it("Vapi's artifact wins over the backend's copy, even an older one", () => {
    const backend = base('backend-detail', { seenAt: 5_000, transcript: { state: 'full', turns: [said('backend')] } });
    const vapi = base('vapi', { version: 1_000, transcript: { state: 'full', turns: [said('vapi')] } });
    expect(mergeObservations([backend, vapi]).transcript.value.turns[0]?.text).toBe('vapi');
    expect(mergeObservations([vapi, backend]).transcript.value.turns[0]?.text).toBe('vapi');
  });

  it('a preview never replaces a full transcript; a full one replaces a preview', () => {
    const preview = base('backend-summary', { seenAt: 9_000, transcript: { state: 'preview', turns: [said('Bonj')] } });
    const full = base('backend-detail', { transcript: { state: 'full', turns: [said('Bonjour')] } });
    expect(mergeObservations([full, preview]).transcript.value.state).toBe('full');
    expect(mergeObservations([preview, full]).transcript.value.state).toBe('full');
  });

  it('the newer Vapi version wins among Vapi observations (a live call, then ended)', () => {
    const live = base('vapi', {
      version: 1_000,
      fields: { ...base('vapi').fields, status: 'in-progress', cost: 0.01 },
      transcript: { state: 'full', turns: [said('Bon')] },
    });
    const ended = base('vapi', {
      version: 2_000,
      fields: { ...base('vapi').fields, status: 'ended', cost: 0.09 },
      transcript: { state: 'full', turns: [said('Bonjour, au revoir')] },
    });
    const record = mergeObservations([ended, live]);
    expect([record.fields.status.value, record.fields.cost.value]).toEqual(['ended', 0.09]);
    expect(record.transcript.value.turns[0]?.text).toBe('Bonjour, au revoir');
  });

  it('of two copies of one Vapi version, the raw JSON with the transcript is kept, in either order', () => {
    const full = base('vapi', {
      transcript: { state: 'full', turns: [said('Bonjour')] },
      raw: { text: '{"artifact":{}}' },
    });
    const bare = base('vapi', { raw: { text: '{"z":"sorts after"}' } });
    expect(mergeObservations([full, bare]).vapi?.raw.value.text).toBe('{"artifact":{}}');
    expect(mergeObservations([bare, full]).vapi?.raw.value.text).toBe('{"artifact":{}}');
  });

  it('a final status from the backend is not undone by a Vapi snapshot taken while ringing', () => {
    const completed = base('backend-summary', { fields: { ...base('vapi').fields, status: 'completed' } });
    const ringing = base('vapi', { version: 9_000, fields: { ...base('vapi').fields, status: 'ringing' } });
    expect(mergeObservations([completed, ringing]).fields.status.value).toBe('completed');
  });
});
