import { describe, expect, it } from 'vitest';
import {
  BackendCallListSchema,
  BackendTokenResponseSchema,
  TwilioIncomingNumbersPageSchema,
  VapiAssistantSchema,
  VapiCallListSchema,
} from '../../../src/main/core/clients/schemas';

function vapiCall(i: number): Record<string, unknown> {
  return {
    id: `0b1c2d3e-0000-4000-8000-${String(i).padStart(12, '0')}`,
    orgId: 'org-1',
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    type: 'inboundPhoneCall',
    status: 'ended',
    endedReason: 'customer-ended-call',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:03:00.000Z',
    cost: 0.12,
    costBreakdown: { transport: 0.01, stt: 0.02, llm: 0.05, tts: 0.03, vapi: 0.01, total: 0.12 },
    assistantId: 'asst-1',
    phoneNumberId: 'pn-1',
    customer: { number: '+15551234567', name: null },
    artifact: {
      transcript: 'AI: Hello, how can I help?\nUser: I would like to book a table.\n'.repeat(150),
      messages: Array.from({ length: 60 }, (_, j) => ({
        role: j % 2 ? 'user' : 'bot',
        message: 'words '.repeat(20),
        time: j,
        secondsFromStart: j,
      })),
      recording: { mono: { combinedUrl: 'https://storage.vapi.ai/rec.wav' } },
    },
    analysis: { summary: 'The caller booked a table for four.', successEvaluation: 'true' },
  };
}

describe('edge schemas', () => {
  it('keep every field they do not check, and reject a wrong type where the app reads', () => {
    const call = vapiCall(1);
    const [parsed] = VapiCallListSchema.parse([call]);
    expect(parsed).toEqual(call);
    expect(VapiCallListSchema.safeParse([{ ...call, cost: '0.12' }]).success).toBe(false);
    expect(VapiCallListSchema.safeParse([{ ...call, id: undefined }]).success).toBe(false);
    expect(VapiCallListSchema.safeParse([{ ...call, artifact: { transcript: null, messages: null } }]).success).toBe(
      true,
    );
    expect(VapiCallListSchema.safeParse({ calls: [] }).success).toBe(false);
  });

  it('accept what the contracts say may come', () => {
    expect(
      VapiAssistantSchema.safeParse({
        id: 'a',
        createdAt: 'x',
        updatedAt: 'y',
        server: {
          url: 'https://b/api/v1/webhooks/vapi',
          headers: { 'x-vapi-secret': 's' },
          backoffPlan: { type: 'fixed' },
        },
        serverMessages: ['end-of-call-report'],
        isServerUrlSecretSet: false,
        latestVersion: 3,
      }).success,
    ).toBe(true);
    expect(
      BackendCallListSchema.safeParse({
        calls: [
          {
            id: 'CA123',
            assistantId: 'None',
            customerNumber: 'Unknown',
            status: 'no-answer',
            startedAt: null,
            durationSeconds: null,
            cost: '0.10',
            transcriptPreview: null,
          },
          { id: 'u-2' },
        ],
        total: 2,
      }).success,
    ).toBe(true);
    expect(
      BackendTokenResponseSchema.safeParse({
        access_token: 'a',
        refresh_token: 'r',
        token_type: 'bearer',
        expires_in: 900,
        user: { id: 'u', email: 'o@example.com', name: 'O', phone: null, onboarding_completed: true },
      }).success,
    ).toBe(true);
    expect(
      TwilioIncomingNumbersPageSchema.safeParse({ incoming_phone_numbers: [], next_page_uri: null, page: 0 }).success,
    ).toBe(true);
  });
});
