/**
 * Sync from the AVA backend against its fake (clinic world, fixed clock), Vapi not connected: what the list and the
 * details bring into the cache, what a second run asks again (the fake's request log), the 24 h scrub, the recording
 * URL fallbacks, a detail deleted between the list and its fetch, and never a data request without a bearer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendCallRow } from '../../fakes';
import { isNoTranscriptMarker } from '../../../src/main/core/transcript/parse';
import { BACKEND_SCRUB_AFTER_MS } from '../../../src/main/core/calls/observe';
import { syncRig, type SyncRig } from './helpers';

let r: SyncRig;
let userId: string;

beforeAll(async () => {
  r = await syncRig();
  userId = r.fakes.credentials.backend.userId;
  await r.connect({ vapi: false });
});
afterAll(async () => {
  await r.close();
});

const rows = (): Map<string, BackendCallRow> =>
  new Map(r.fakes.backend.control.calls(userId).map((row) => [row.id, row]));

function detailRequests(): string[] {
  return r.fakes.backend
    .requests()
    .filter((q) => q.method === 'GET' && /^\/api\/v1\/calls\/[^/]+$/.test(q.path))
    .map((q) => decodeURIComponent(q.path.split('/').pop()!));
}

/** What the contract says the recording URL is, read from a backend row (the detail's fields). */
function contractRecordingUrl(row: BackendCallRow): { url: string | null; from: string } {
  const at = (value: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>(
      (v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined),
      value,
    );
  const m = row.metadata;
  const candidates: [string, unknown][] = [
    ['recordingUrl', row.recordingUrl],
    ['metadata.recording_url', at(m, 'recording_url')],
    ['metadata.vapi.recordingUrl', at(m, 'vapi', 'recordingUrl')],
    ['metadata.artifact.recording.mono.combinedUrl', at(m, 'artifact', 'recording', 'mono', 'combinedUrl')],
    ['metadata.artifact.recordingUrl', at(m, 'artifact', 'recordingUrl')],
  ];
  for (const [from, value] of candidates) {
    if (typeof value === 'string' && value.trim() !== '') return { url: value.trim(), from };
  }
  return { url: null, from: 'none' };
}

describe('backend sync', () => {
  let listed: string[];
  let firstTranscripts: Map<string, { transcript: string | null; turns: string; state: string }>;

  it('caches every listed call, with the full transcript wherever the backend gave one', async () => {
    const status = await r.sync();
    expect(status.running).toBe(false);
    expect(status.lastResults).toEqual([
      expect.objectContaining({ source: 'backend', ok: true }),
      expect.objectContaining({ source: 'vapi', ok: true, skipped: 'no-vapi-key' }),
    ]);
    listed = r.fakes.truth.backendWindow().ids;
    expect(listed).toHaveLength(200);
    const now = rows();
    let withTranscript = 0;
    for (const id of listed) {
      const call = r.cache.getCall(id);
      expect(call, id).not.toBeNull();
      expect(call!.inBackend).toBe(true);
      const row = now.get(id)!;
      // What the backend serves now (the list and the details scrubbed rows ≥ 24 h old as they were read).
      if (typeof row.transcript === 'string' && !isNoTranscriptMarker(row.transcript)) {
        withTranscript++;
        expect(call!.transcriptState, id).toBe('full');
        for (const turn of call!.turns) expect(row.transcript).toContain(turn.text.split('\n')[0]!.trim());
      }
    }
    expect(withTranscript).toBeGreaterThan(5);
    // Imported rows keep the Vapi call in their metadata: their transcript survives the scrub through it.
    const full = listed.filter((id) => r.cache.getCall(id)!.transcriptState === 'full').length;
    expect(full).toBeGreaterThan(withTranscript);
    // One detail per listed call, each with a bearer.
    expect(new Set(detailRequests())).toEqual(new Set(listed));
    firstTranscripts = new Map(
      listed.map((id) => {
        const c = r.cache.getCall(id)!;
        return [id, { transcript: c.transcript, turns: JSON.stringify(c.turns), state: c.transcriptState }];
      }),
    );
  });

  it('a second run asks only for what is new, changed, or still waiting for its transcript', async () => {
    const before = rows();
    // Calls the backend may still complete: listed, not full here, started less than 24 h ago.
    const pending = listed.filter((id) => {
      const call = r.cache.getCall(id)!;
      const started = Date.parse(call.startedAt ?? '');
      return call.transcriptState !== 'full' && r.fakes.clock.now() - started < BACKEND_SCRUB_AFTER_MS;
    });
    // A call that changed on the backend, and one it never had before.
    const changedId = listed.find((id) => before.get(id)!.status === 'completed' && !pending.includes(id))!;
    r.fakes.backend.control.insertCall({ ...before.get(changedId)!, status: 'ended', durationSeconds: 61 });
    const template = before.get(changedId)!;
    const newId = '0f6a2f1e-6c1d-4d27-9d5b-2f1e6c1d4d27';
    r.fakes.backend.control.insertCall({
      ...template,
      id: newId,
      startedAt: new Date(r.fakes.clock.now() - 60_000).toISOString().replace('Z', '+00:00'),
      transcript: 'AVA: Bonjour, cabinet des Tilleuls.\n\nCaller: Je voudrais un rendez-vous demain.',
      createdAt: r.fakes.clock.now(),
    });
    r.fakes.backend.clearRequests();
    await r.sync();
    expect(new Set(detailRequests())).toEqual(new Set([changedId, newId, ...pending]));
    expect(r.cache.getCall(changedId)!.durationSeconds).toBe(61);
    expect(r.cache.getCall(newId)).toMatchObject({ transcriptState: 'full', inBackend: true });
    firstTranscripts.set(newId, {
      transcript: r.cache.getCall(newId)!.transcript,
      turns: JSON.stringify(r.cache.getCall(newId)!.turns),
      state: 'full',
    });
    listed = r.fakes.truth.backendWindow().ids;
  });

  it('after the 24 h scrub every transcript cached before is still there, byte for byte', async () => {
    const unscrubbed = [...rows().values()].filter((row) => typeof row.transcript === 'string').length;
    expect(unscrubbed).toBeGreaterThan(0);
    r.fakes.clock.advance(BACKEND_SCRUB_AFTER_MS + 60 * 60_000);
    r.fakes.backend.clearRequests();
    const status = await r.sync();
    expect(status.lastResults[0]).toMatchObject({ source: 'backend', ok: true });
    // The backend scrubbed them all...
    const scrubbed = [...rows().values()].filter((row) => row.startedAt !== null);
    expect(scrubbed.every((row) => row.transcript === null)).toBe(true);
    // ...and asked nothing again for it: a scrub alone is not a change.
    expect(detailRequests()).toEqual([]);
    for (const [id, before] of firstTranscripts) {
      const call = r.cache.getCall(id)!;
      expect(call.transcript, id).toBe(before.transcript);
      expect(JSON.stringify(call.turns), id).toBe(before.turns);
      expect(call.transcriptState, id).toBe(before.state);
    }
  });

  it('takes the recording URL from the fallbacks of the contract, in order', async () => {
    // Two rows whose only URLs sit deepest in the metadata (the second has both of the last two levels).
    const template = [...rows().values()][0]!;
    const at = new Date(r.fakes.clock.now() - 120_000).toISOString().replace('Z', '+00:00');
    const deep = (id: string, artifact: Record<string, unknown>): BackendCallRow => ({
      ...template,
      id,
      startedAt: at,
      recordingUrl: null,
      metadata: { source: 'import', artifact },
      createdAt: r.fakes.clock.now(),
    });
    const vapi = r.fakes.credentials.urls.vapi;
    r.fakes.backend.control.insertCall(
      deep('5e1d2c3b-4a59-4687-9a1b-2c3d4e5f6a7b', { recordingUrl: `${vapi}/__recordings/deprecated.wav` }),
    );
    r.fakes.backend.control.insertCall(
      deep('6f2e3d4c-5b6a-4798-8b2c-3d4e5f6a7b8c', {
        recording: { mono: { combinedUrl: `${vapi}/__recordings/mono.wav` } },
        recordingUrl: `${vapi}/__recordings/deprecated.wav`,
      }),
    );
    await r.sync();
    listed = r.fakes.truth.backendWindow().ids;
    const seen = new Set<string>();
    const now = rows();
    for (const id of listed) {
      const expected = contractRecordingUrl(now.get(id)!);
      seen.add(expected.from);
      expect(r.cache.getCall(id)!.recordingUrl, `${id} (${expected.from})`).toBe(expected.url);
    }
    expect(r.cache.getCall('6f2e3d4c-5b6a-4798-8b2c-3d4e5f6a7b8c')!.recordingUrl).toBe(`${vapi}/__recordings/mono.wav`);
    expect(seen).toEqual(
      new Set([
        'recordingUrl',
        'metadata.recording_url',
        'metadata.vapi.recordingUrl',
        'metadata.artifact.recording.mono.combinedUrl',
        'metadata.artifact.recordingUrl',
        'none',
      ]),
    );
  });

  it('a call deleted between the list and its detail does not fail the sync', async () => {
    const template = [...rows().values()][0]!;
    const id = '7c3b8e4a-2d1f-4e5a-9b6c-8d7e6f5a4b3c';
    r.fakes.backend.control.insertCall({
      ...template,
      id,
      startedAt: new Date(r.fakes.clock.now() - 30_000).toISOString().replace('Z', '+00:00'),
      createdAt: r.fakes.clock.now(),
    });
    // The detail is held back long enough to delete the row once the request has arrived.
    r.fakes.faults.backend.set(`GET /api/v1/calls/${id}`, { kind: 'latency', ms: 1500 }, { times: 1 });
    r.fakes.faults.backend.clearHistory();
    const running = r.sync();
    const arrived = async () => {
      for (let i = 0; i < 500; i++) {
        if (r.fakes.faults.backend.history().some((e) => e.path.endsWith(id))) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error('the detail request never came');
    };
    await arrived();
    await r.session.authorized((token) => r.backend.deleteCall(token, id));
    const status = await running;
    expect(status.lastResults[0]).toMatchObject({ source: 'backend', ok: true });
    const log = r.fakes.backend.requests().filter((q) => q.path === `/api/v1/calls/${id}` && q.method === 'GET');
    expect(log.map((q) => q.status)).toEqual([404]);
    // What the list said of it is kept.
    expect(r.cache.getCall(id)).toMatchObject({ inBackend: true });
  });

  it('never sends a data request without a bearer; signed out, it sends none at all', async () => {
    const data = r.fakes.backend
      .requests()
      .filter((q) => q.path.startsWith('/api/v1/calls') || q.path === '/api/v1/auth/me');
    expect(data.length).toBeGreaterThan(0);
    expect(data.every((q) => q.authorization)).toBe(true);
    await r.session.signOut();
    r.fakes.backend.clearRequests();
    const status = await r.sync();
    expect(status.lastResults[0]).toMatchObject({ source: 'backend', ok: true, skipped: 'signed-out' });
    expect(status.pausedReason).toBe('signed-out');
    expect(r.fakes.backend.requests()).toEqual([]);
  });
});
