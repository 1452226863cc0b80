import { describe, expect, it } from 'vitest';
import { createFakeClock } from './lib/clock';
import { DAY } from './lib/clock';
import { JsonWriter } from './lib/json-writer';
import { Rng, uuidFor } from './lib/rng';
import {
  type JsonObject,
  backendWindow,
  buildWorld,
  generateConversation,
  missingFromBackend,
  startFakes,
  webhookTranscript,
} from './index';
import { CLINIC_WEBHOOK_SECRET, OLD_BACKEND_WEBHOOK, clinicSpec, scaleSpec } from './worlds/catalog';
import type { Scenario } from './worlds/transcripts';
import { type CallBuildInput, buildVapiCall, buildVapiCallJson, writeVapiCallJson } from './vapi/call-builder';
import { componentValidator } from './vapi/openapi';

const ANCHOR = Date.parse('2026-04-14T16:30:00Z');
const URLS = { vapi: 'http://127.0.0.1:1', backend: 'http://127.0.0.1:2' };

describe('the clinic world', () => {
  const world = buildWorld(clinicSpec(), { seed: 1, anchor: ANCHOR });
  const clinic = world.orgs.find((o) => o.key === 'clinic')!;
  const calls = clinic.calls!;
  const built = Array.from({ length: calls.count }, (_, i) => calls.build(i, URLS));
  const convs = Array.from({ length: calls.count }, (_, i) => calls.conversation(i));
  const demoId = world.credentials.backend.userId;

  it('is deterministic for a seed and changes with it', () => {
    const again = buildWorld(clinicSpec(), { seed: 1, anchor: ANCHOR });
    expect(JSON.stringify(again.backendCalls)).toBe(JSON.stringify(world.backendCalls));
    expect(again.orgs[0]!.calls!.build(123, URLS)).toEqual(built[123]);
    const other = buildWorld(clinicSpec(), { seed: 2, anchor: ANCHOR });
    expect(other.credentials.vapi.privateKey).not.toBe(world.credentials.vapi.privateKey);
    expect(other.orgs[0]!.calls!.build(123, URLS).id).not.toBe(built[123]!.id);
  });

  it('has the three assistants of the story', () => {
    const [legacy, secret, main] = clinic.assistants as (JsonObject & { server: JsonObject })[];
    expect(legacy!.server.url).toBe(OLD_BACKEND_WEBHOOK);
    expect(secret!.server.headers).toEqual({ 'x-vapi-secret': CLINIC_WEBHOOK_SECRET });
    expect(secret!.serverMessages).not.toContain('end-of-call-report');
    expect(main!.server.url).toBe('{{backend}}/api/v1/webhooks/vapi');
    expect(main!.serverMessages).toContain('end-of-call-report');
    expect(main!.metadata).toEqual({ user_id: demoId });
    for (const a of clinic.assistants) expect(String(a.name).length).toBeLessThanOrEqual(40);
    const validate = componentValidator('Assistant');
    for (const a of clinic.assistants) expect(validate(a), JSON.stringify(validate.errors)).toBe(true);
  });

  it('has two Twilio numbers, one already imported into Vapi', () => {
    const account = world.twilioAccounts.find((a) => a.key === 'clinic')!;
    expect(account.numbers).toHaveLength(2);
    expect(account.numbers.filter((n) => n.voiceUrl.includes('api.vapi.ai'))).toHaveLength(1);
    expect(clinic.phoneNumbers.map((p) => p.object.number)).toEqual(['+33478000000']);
  });

  it('has 500 calls over 60 days, a dozen in the last 24 h, most older', () => {
    expect(calls.count).toBe(500);
    const ages = built.map((c) => ANCHOR - Date.parse(String(c.createdAt)));
    expect(Math.max(...ages)).toBeLessThanOrEqual(60 * DAY);
    expect(Math.max(...ages)).toBeGreaterThan(55 * DAY);
    expect(ages.filter((a) => a < DAY).length).toBeGreaterThanOrEqual(12);
    expect(ages.filter((a) => a >= DAY).length).toBeGreaterThan(450);
    for (let i = 1; i < calls.count; i++) expect(calls.createdAt(i)).toBeGreaterThan(calls.createdAt(i - 1));
  });

  it('speaks French and English, with accented names, emoji and a few very long calls', () => {
    expect(convs.filter((c) => c.language === 'fr').length).toBeGreaterThan(200);
    expect(convs.filter((c) => c.language === 'en').length).toBeGreaterThan(100);
    const allText = convs.flatMap((c) => c.turns.map((t) => t.text)).join('\n');
    for (const ch of ['é', 'è', 'ç', 'ô', 'ï', 'ñ', 'ø']) expect(allText, ch).toContain(ch);
    expect(allText).toMatch(/\p{Extended_Pictographic}/u);
    const long = convs.filter((c) => c.turns.length >= 200);
    expect(long.length).toBeGreaterThanOrEqual(3);
    const names = built.map((c) => (c.customer as JsonObject).name).filter(Boolean);
    expect(names.some((n) => /[éèçôïñøØëå]/.test(String(n)))).toBe(true);
  });

  it('has real variety, not one sentence repeated', () => {
    const userTurns = convs.flatMap((c) => c.turns.filter((t) => t.role === 'user').map((t) => t.text));
    const distinct = new Set(userTurns);
    expect(distinct.size).toBeGreaterThan(userTurns.length * 0.4);
    const counts = new Map<string, number>();
    for (const t of userTurns) counts.set(t, (counts.get(t) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeLessThan(userTurns.length * 0.03);
    const scenarios = new Set(convs.map((c) => c.scenario));
    expect(scenarios.size).toBeGreaterThanOrEqual(14);
    expect(new Set(convs.map((c) => c.summary)).size).toBeGreaterThan(300);
  });

  it('builds every call valid against Vapi’s Call schema', () => {
    const validate = componentValidator('Call');
    for (const c of built) expect(validate(c), `${String(c.id)}: ${JSON.stringify(validate.errors?.[0])}`).toBe(true);
  });

  it('keeps the backend consistent with Vapi: same ids, content derived from the same conversation', () => {
    const byId = new Map(built.map((c) => [String(c.id), c]));
    const mine = world.backendCalls.filter((r) => r.userId === demoId);
    const twilioRows = mine.filter((r) => r.id.startsWith('CA'));
    expect(twilioRows.length).toBe(6);
    for (const row of world.backendCalls.filter((r) => !r.id.startsWith('CA'))) {
      const bakery = world.orgs.find((o) => o.key === 'bakery')!.calls!;
      const call =
        byId.get(row.id) ??
        (bakery.indexOfId(row.id) !== undefined ? bakery.build(bakery.indexOfId(row.id)!, URLS) : undefined);
      expect(call, row.id).toBeDefined();
      const meta = row.metadata as JsonObject;
      const artifact = call!.artifact as JsonObject;
      if (meta.source === 'webhook') {
        expect(row.transcript).toBe(webhookTranscript(artifact.messages));
      } else {
        expect(row.transcript).toBe(artifact.transcript ?? call!.transcript ?? null);
        expect(JSON.parse(JSON.stringify(meta).replaceAll('{{vapi}}', URLS.vapi))).toEqual(call);
      }
    }
    const held = new Set(mine.map((r) => r.id));
    const missingEnded = built.filter((c) => c.status === 'ended' && !held.has(String(c.id)));
    expect(missingEnded.length).toBeGreaterThan(50);
    expect(world.backendCalls.some((r) => r.userId !== demoId && byId.has(r.id))).toBe(true); // leaked
  });

  it('computes "missing from backend" exactly (checked by brute force)', () => {
    const window = backendWindow(world);
    expect(window.ids).toHaveLength(200);
    const held = new Set(world.backendCalls.filter((r) => r.userId === demoId).map((r) => r.id));
    const expected = built
      .filter((c) => c.status === 'ended' && !held.has(String(c.id)))
      .filter((c) => {
        const t = Date.parse(String(c.startedAt ?? c.createdAt));
        return t >= window.from! && t <= ANCHOR;
      })
      .map((c) => String(c.id))
      .sort();
    const got = missingFromBackend(world).map((m) => m.id);
    expect([...got].sort()).toEqual(expected);
    expect(got.length).toBeGreaterThan(20);
    const all = missingFromBackend(world, { from: 0 });
    expect(all.length).toBeGreaterThan(got.length);
  });

  it('gives the same truth live, from running fakes, at the anchor', async () => {
    const fakes = await startFakes({ world, clock: createFakeClock({ start: ANCHOR, ticking: false }) });
    try {
      expect(fakes.truth.missingFromBackend().map((m) => m.id)).toEqual(missingFromBackend(world).map((m) => m.id));
      const viaHttp = await fetch(`${fakes.backend.url}/__control/truth/missing-from-backend`);
      expect(((await viaHttp.json()) as { id: string }[]).map((m) => m.id)).toEqual(
        missingFromBackend(world).map((m) => m.id),
      );
    } finally {
      await fakes.close();
    }
  });
});

describe('the transcript generator', () => {
  const scenarios: Scenario[] = [
    'book',
    'reschedule',
    'cancel',
    'prescription',
    'hours',
    'insurance',
    'results',
    'emergency',
    'wrong-number',
    'message',
    'directions',
    'billing',
    'vaccination',
    'hang-up',
    'silence',
    'voicemail',
    'dropped',
    'long',
  ];

  it.each(scenarios)('makes %s calls in both languages', (scenario) => {
    for (const language of ['fr', 'en'] as const) {
      const conv = generateConversation(Rng.of('t', scenario, language), { at: ANCHOR, scenario, language });
      expect(conv.language).toBe(language);
      expect(conv.summary.length).toBeGreaterThan(10);
      expect(conv.summary).not.toMatch(/\{\w+\}/);
      for (const t of conv.turns) expect(t.text).not.toMatch(/\{\w+\}/);
      if (scenario === 'dropped') expect(conv.turns).toEqual([]);
      else expect(conv.turns.length).toBeGreaterThan(0);
      if (scenario === 'long') expect(conv.turns.length).toBeGreaterThanOrEqual(200);
      if (scenario === 'voicemail') expect(conv.direction).toBe('outbound');
    }
  });

  it('writes webhook transcripts as AVA:/Caller: blocks with System: and multi-line messages', () => {
    const conv = generateConversation(Rng.of('w'), { at: ANCHOR, scenario: 'hours', language: 'fr' });
    const text = webhookTranscript([
      { role: 'system', message: conv.systemPrompt },
      ...conv.turns.map((t) => ({ role: t.role, message: t.text })),
    ]);
    const blocks = text.split('\n\n');
    expect(blocks[0]!.startsWith('System: ')).toBe(true);
    expect(blocks[0]!.split('\n').length).toBeGreaterThan(1);
    expect(blocks.slice(1).every((b) => /^(AVA|Caller): /.test(b))).toBe(true);
    expect(webhookTranscript([])).toBe('No transcript available');
  });
});

describe('the call builder', () => {
  it('writes JSON with the bytes of JSON.stringify(buildVapiCall(input)), for every shape of call', () => {
    const statuses = ['ended', 'in-progress', 'ringing', 'queued'] as const;
    const scenarios: Scenario[] = ['book', 'hours', 'voicemail', 'dropped', 'silence', 'long'];
    const writer = new JsonWriter();
    for (let k = 0; k < 96; k++) {
      const at = ANCHOR - k * 3_600_007;
      const conv = generateConversation(Rng.of('json', k), { at, scenario: scenarios[k % scenarios.length]! });
      // Odd strings where the generator has none: quotes, backslashes, newlines, a lone surrogate.
      if (k % 8 === 7) conv.turns.push({ role: 'user', text: 'il a dit "non" \\ puis\n… \ud83d' });
      const input: CallBuildInput = {
        id: k % 5 === 0 ? `id-"${k}"\n` : uuidFor('json', k),
        orgId: k % 6 === 0 ? 'org\t"1"' : 'org-1',
        createdAt: at,
        conversation: conv,
        customer: k % 3 === 0 ? { number: '+33612345678', name: `Zoë "${k}" 🙏` } : { number: '+1 (212)' },
        status: statuses[k % statuses.length]!,
        recordingBase: k % 7 === 0 ? 'http://127.0.0.1:1/__recordings/"q"' : 'http://127.0.0.1:1/__recordings',
        legacyTopLevel: k % 2 === 0,
        omitArtifactTranscript: k % 9 === 0,
        omitRecordingObject: k % 4 === 1,
        seed: k * 7919,
      };
      if (k % 3 !== 2) input.assistantId = uuidFor('assistant', k % 4);
      if (k % 5 !== 4) input.phoneNumberId = uuidFor('phone', k % 2);
      const json = JSON.stringify(buildVapiCall(input));
      expect(buildVapiCallJson(input)).toBe(json);
      writer.reset();
      writeVapiCallJson(input, writer);
      expect(writer.view().equals(Buffer.from(json, 'utf8'))).toBe(true);
    }
  });
});

describe('the scale world', () => {
  it('holds 1,000 assistants and 100,000 lazily generated calls', () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const world = buildWorld(scaleSpec(), { seed: 1, anchor: ANCHOR });
    const elapsed = performance.now() - started;
    const org = world.orgs[0]!;
    expect(org.assistants).toHaveLength(1000);
    expect(org.calls!.count).toBe(100_000);
    expect(elapsed).toBeLessThan(3_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(150 * 1024 * 1024);
    const calls = org.calls!;
    for (const i of [0, 1, 50_000, 99_999]) {
      const call = calls.build(i, URLS);
      expect(calls.indexOfId(String(call.id))).toBe(i);
      expect(Date.parse(String(call.createdAt))).toBe(calls.createdAt(i));
      expect(JSON.stringify(call)).toBe(calls.buildJson(i, URLS));
    }
    expect(calls.createdAt(99_999) - calls.createdAt(0)).toBeGreaterThan(100 * DAY);
    const kinds = new Set(org.assistants.map((a) => JSON.stringify((a.server as JsonObject | undefined)?.url ?? null)));
    expect(kinds.size).toBeGreaterThanOrEqual(4);
    expect(world.backendCalls.length).toBeGreaterThan(200);
  });
});
