import { describe, expect, it } from 'vitest';
import {
  REDACTED,
  observeBackendDetail,
  observeBackendSummary,
  observeVapiCall,
  sanitizeRaw,
} from '../../../src/main/core/calls/observe';

const NOW = Date.parse('2026-01-15T12:00:00Z');
const HOUR = 3_600_000;

describe('observeBackendSummary', () => {
  const summary = {
    id: '0b9f7c1e-1111-4e5a-9c3d-2a1b0c9d8e7f',
    assistantId: 'None',
    customerNumber: 'Unknown',
    status: 'unknown',
    startedAt: '2026-01-15T10:31:07.123456+00:00',
    endedAt: '2026-01-15T10:33:10.123456+00:00',
    durationSeconds: null,
    cost: 0.07,
    transcriptPreview: 'AVA: Bonjour, cabinet Lefèvre.\n\nCaller: Je voudrais un rendez',
  };

  it('turns junk into null, keeps raw statuses, computes the duration, normalises times', () => {
    const obs = observeBackendSummary(summary, NOW);
    expect(obs?.fields).toMatchObject({
      assistantId: null,
      customerNumber: null,
      status: 'unknown',
      startedAt: '2026-01-15T10:31:07.123Z',
      endedAt: '2026-01-15T10:33:10.123Z',
      durationSeconds: 123,
      cost: 0.07,
    });
    for (const junk of ['', '  ', 'unknown', 'None', 'null']) {
      expect(observeBackendSummary({ ...summary, assistantId: junk }, NOW)?.fields.assistantId).toBeNull();
    }
  });

  it('reads the 200-character preview as a preview', () => {
    const obs = observeBackendSummary(summary, NOW);
    expect(obs?.transcript.state).toBe('preview');
    expect(obs?.transcript.turns.map((t) => t.label)).toEqual(['AVA', 'Caller']);
  });

  it('calls a null transcript expired once the call is 24 h old, none before, none for the literal', () => {
    const old = { ...summary, startedAt: new Date(NOW - 25 * HOUR).toISOString(), transcriptPreview: null };
    expect(observeBackendSummary(old, NOW)?.transcript).toEqual({ state: 'expired', turns: [] });
    expect(
      observeBackendSummary({ ...old, startedAt: new Date(NOW - HOUR).toISOString() }, NOW)?.transcript.state,
    ).toBe('none');
    expect(
      observeBackendSummary({ ...summary, transcriptPreview: 'No transcript available' }, NOW)?.transcript.state,
    ).toBe('none');
  });

  it('skips objects without an id', () => {
    expect(observeBackendSummary({ ...summary, id: '' }, NOW)).toBeNull();
    expect(observeBackendSummary(null, NOW)).toBeNull();
    expect(observeBackendSummary([summary], NOW)).toBeNull();
  });
});

describe('observeBackendDetail', () => {
  const detail = {
    id: 'c1',
    assistantId: 'asst-1',
    customerNumber: '+33612345678',
    status: 'completed',
    startedAt: '2026-01-15T10:00:00+00:00',
    endedAt: '2026-01-15T10:02:00+00:00',
    durationSeconds: 120,
    cost: 0.1,
    transcript: 'AVA: Bonjour\n\nCaller: Bonjour, Hélène est là ?',
    recordingUrl: null,
    metadata: {},
  };

  it('parses the webhook transcript as full', () => {
    const obs = observeBackendDetail(detail, NOW);
    expect(obs?.transcript.state).toBe('full');
    expect(obs?.transcript.turns.map((t) => [t.role, t.text])).toEqual([
      ['assistant', 'Bonjour'],
      ['user', 'Bonjour, Hélène est là ?'],
    ]);
  });

  it("falls back through the metadata for the recording, in the contract's order", () => {
    const metadata = {
      recording_url: 'https://r/1',
      vapi: { recordingUrl: 'https://r/2' },
      artifact: { recording: { mono: { combinedUrl: 'https://r/3' } }, recordingUrl: 'https://r/4' },
    };
    const url = (m: object, own: string | null = null) =>
      observeBackendDetail({ ...detail, recordingUrl: own, metadata: m }, NOW)?.fields.recordingUrl;
    expect(url(metadata, 'https://r/0')).toBe('https://r/0');
    expect(url(metadata)).toBe('https://r/1');
    expect(url({ ...metadata, recording_url: null })).toBe('https://r/2');
    expect(url({ artifact: metadata.artifact })).toBe('https://r/3');
    expect(url({ artifact: { recordingUrl: 'https://r/4' } })).toBe('https://r/4');
    expect(url({})).toBeNull();
  });

  it("recovers a scrubbed transcript from the metadata's Vapi payload, and what the columns lack", () => {
    const scrubbed = {
      ...detail,
      startedAt: new Date(NOW - 48 * HOUR).toISOString(),
      transcript: null,
      metadata: {
        vapi: {
          endedReason: 'customer-ended-call',
          customer: { number: '+33612345678', name: 'Hélène' },
          analysis: { summary: 'Rendez-vous pris' },
          artifact: {
            messages: [
              { role: 'system', message: 'prompt' },
              { role: 'bot', message: 'Bonjour' },
            ],
          },
        },
      },
    };
    const obs = observeBackendDetail(scrubbed, NOW);
    expect(obs?.transcript.state).toBe('full');
    expect(obs?.transcript.turns.map((t) => t.text)).toEqual(['Bonjour']);
    expect(obs?.fields).toMatchObject({
      endedReason: 'customer-ended-call',
      customerName: 'Hélène',
      summary: 'Rendez-vous pris',
    });
    expect(observeBackendDetail({ ...scrubbed, metadata: {} }, NOW)?.transcript.state).toBe('expired');
  });
});

describe('observeVapiCall', () => {
  const call = {
    id: 'v1',
    orgId: 'org',
    createdAt: '2026-01-15T09:59:59.000Z',
    updatedAt: '2026-01-15T10:05:00.000Z',
    status: 'ended',
    endedReason: 'customer-ended-call',
    startedAt: '2026-01-15T10:00:00.000Z',
    endedAt: '2026-01-15T10:01:30.000Z',
    cost: 0.05,
    customer: { number: '+33612345678', name: 'Zoë' },
    assistantId: 'asst-1',
    phoneNumberId: 'pn-1',
    artifact: {
      transcript: 'AI: Bonjour\nUser: Salut',
      messages: [
        { role: 'system', message: 'You are AVA.', time: 1, secondsFromStart: 0 },
        { role: 'bot', message: 'Bonjour', time: 2, endTime: 3, secondsFromStart: 0.5, duration: 900 },
        { role: 'user', message: 'Salut', time: 4, endTime: 5, secondsFromStart: 2, duration: 600 },
      ],
      recording: { mono: { combinedUrl: 'https://storage.vapi.ai/v1-mono.wav' } },
      recordingUrl: 'https://storage.vapi.ai/legacy.wav',
    },
    analysis: { summary: 'Greeting only' },
    transcript: 'legacy top-level transcript',
    recordingUrl: 'https://legacy/top.wav',
    summary: 'legacy summary',
  };

  it('reads artifact.* and analysis.* first, drops the system prompt from the turns', () => {
    const obs = observeVapiCall(call, NOW);
    expect(obs?.version).toBe(Date.parse(call.updatedAt));
    expect(obs?.fields).toMatchObject({
      status: 'ended',
      customerNumber: '+33612345678',
      customerName: 'Zoë',
      summary: 'Greeting only',
      recordingUrl: 'https://storage.vapi.ai/v1-mono.wav',
      durationSeconds: 90,
    });
    expect(obs?.transcript).toEqual({
      state: 'full',
      turns: [
        { role: 'assistant', label: 'bot', text: 'Bonjour', offsetSeconds: 0.5 },
        { role: 'user', label: 'user', text: 'Salut', offsetSeconds: 2 },
      ],
    });
  });

  it('uses the legacy top-level fields only as a fallback', () => {
    const legacy = { ...call, artifact: undefined, analysis: undefined };
    const obs = observeVapiCall(legacy, NOW);
    expect(obs?.fields.summary).toBe('legacy summary');
    expect(obs?.fields.recordingUrl).toBe('https://legacy/top.wav');
    expect(obs?.transcript.turns.map((t) => t.text)).toEqual(['legacy top-level transcript']);
    const none = observeVapiCall({ ...legacy, transcript: undefined }, NOW);
    expect(none?.transcript).toEqual({ state: 'none', turns: [] });
  });

  it('keeps the raw JSON, minus secrets', () => {
    const withSecrets = {
      ...call,
      assistant: {
        name: 'Réception',
        server: {
          url: 'https://ava/webhooks',
          headers: { 'x-vapi-secret': 'hunter2-very-secret', 'X-Custom': 'abc123' },
        },
        credentials: [{ provider: 'openai', apiKey: 'sk-live-abcdef123456' }],
      },
      phoneNumber: { twilioAccountSid: 'AC123', twilioAuthToken: 'tw-auth-token-999999' },
      costBreakdown: { llmPromptTokens: 1234, llmCompletionTokens: 56 },
    };
    const obs = observeVapiCall(withSecrets, NOW);
    const text = obs?.raw.text ?? '';
    for (const secret of ['hunter2-very-secret', 'abc123', 'sk-live-abcdef123456', 'tw-auth-token-999999']) {
      expect(text).not.toContain(secret);
    }
    const parsed = JSON.parse(text);
    expect(parsed.costBreakdown).toEqual({ llmPromptTokens: 1234, llmCompletionTokens: 56 });
    expect(parsed.phoneNumber).toEqual({ twilioAccountSid: 'AC123', twilioAuthToken: REDACTED });
    expect(parsed.assistant.server.url).toBe('https://ava/webhooks');
    expect(obs?.fields.assistantName).toBe('Réception');
    // The input object itself is never modified, and is reused whole when there is nothing to strip.
    expect(withSecrets.phoneNumber.twilioAuthToken).toBe('tw-auth-token-999999');
    expect(sanitizeRaw(call)).toBe(call);
  });

  it('strips the search-hit markers from the text', () => {
    const obs = observeVapiCall(
      { ...call, artifact: { messages: [{ role: 'user', message: 'a\u0002b\u0003c' }] } },
      NOW,
    );
    expect(obs?.transcript.turns[0]?.text).toBe('a\uFFFDb\uFFFDc');
  });
});
