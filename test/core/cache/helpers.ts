/** Throwaway cache files and small, readable call objects for the cache tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { CallObservation } from '../../../src/main/core/calls/merge';
import { observeBackendDetail, observeBackendSummary, observeVapiCall } from '../../../src/main/core/calls/observe';
import { type Cache, type CacheOptions, openCache } from '../../../src/main/core/cache';

const dirs: string[] = [];
const caches: Cache[] = [];

afterEach(() => {
  for (const cache of caches.splice(0)) cache.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ava-cache-test-'));
  dirs.push(dir);
  return dir;
}

/** A cache in a fresh folder (or at `path`), closed after the test. */
export function tempCache(path = join(tempDir(), 'calls.db'), options: CacheOptions = {}): Cache {
  const cache = openCache(path, options);
  caches.push(cache);
  return cache;
}

export const T0 = Date.parse('2026-01-15T10:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export interface CallSpec {
  id: string;
  /** Minutes after T0. */
  at?: number;
  status?: string;
  assistantId?: string;
  customer?: { number?: string; name?: string };
  summary?: string;
  /** [role, text] pairs; Vapi roles (bot/user). */
  said?: [string, string][];
  updatedMinutes?: number;
  extra?: Record<string, unknown>;
}

export function vapiCall(spec: CallSpec): Record<string, unknown> {
  const start = T0 + (spec.at ?? 0) * MINUTE;
  const said = spec.said ?? [
    ['bot', 'Bonjour, cabinet Lefèvre, je suis AVA.'],
    ['user', 'Je voudrais un rendez-vous.'],
  ];
  return {
    id: spec.id,
    orgId: 'org-1',
    createdAt: new Date(start - 1000).toISOString(),
    updatedAt: new Date(start + (spec.updatedMinutes ?? 5) * MINUTE).toISOString(),
    type: 'inboundPhoneCall',
    status: spec.status ?? 'ended',
    endedReason: spec.status === undefined || spec.status === 'ended' ? 'customer-ended-call' : undefined,
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + 2 * MINUTE).toISOString(),
    cost: 0.12,
    customer: spec.customer ?? { number: '+33612345678' },
    assistantId: spec.assistantId ?? 'asst-1',
    phoneNumberId: 'pn-1',
    artifact: {
      transcript: said.map(([role, text]) => `${role === 'bot' ? 'AI' : 'User'}: ${text}`).join('\n'),
      messages: [
        { role: 'system', message: 'You are AVA, the receptionist.', time: start, secondsFromStart: 0 },
        ...said.map(([role, message], i) => ({ role, message, time: start + i * 1000, secondsFromStart: i * 1.5 })),
      ],
      recording: { mono: { combinedUrl: `https://storage.vapi.ai/${spec.id}-mono.wav` } },
    },
    analysis: { summary: spec.summary ?? 'Appel reçu.' },
    ...spec.extra,
  };
}

export function vapiObs(spec: CallSpec, seenAt = T0 + HOUR): CallObservation {
  const obs = observeVapiCall(vapiCall(spec), seenAt);
  if (!obs) throw new Error('no observation');
  return obs;
}

export function backendSummary(spec: CallSpec & { preview?: string | null }, seenAt = T0 + HOUR): CallObservation {
  const start = T0 + (spec.at ?? 0) * MINUTE;
  const obs = observeBackendSummary(
    {
      id: spec.id,
      assistantId: spec.assistantId ?? 'asst-1',
      customerNumber: spec.customer?.number ?? 'Unknown',
      status: spec.status ?? 'completed',
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(start + 2 * MINUTE).toISOString(),
      durationSeconds: null,
      cost: 0.12,
      transcriptPreview: spec.preview === undefined ? 'AVA: Bonjour' : spec.preview,
    },
    seenAt,
  );
  if (!obs) throw new Error('no observation');
  return obs;
}

export function backendDetail(spec: CallSpec & { transcript: string | null }, seenAt = T0 + HOUR): CallObservation {
  const start = T0 + (spec.at ?? 0) * MINUTE;
  const obs = observeBackendDetail(
    {
      id: spec.id,
      assistantId: spec.assistantId ?? 'asst-1',
      customerNumber: spec.customer?.number ?? '+33612345678',
      status: spec.status ?? 'completed',
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(start + 2 * MINUTE).toISOString(),
      durationSeconds: 120,
      cost: 0.12,
      transcript: spec.transcript,
      recordingUrl: null,
      metadata: {},
    },
    seenAt,
  );
  if (!obs) throw new Error('no observation');
  return obs;
}
