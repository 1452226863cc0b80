/** Webhook health of assistants (a pure rule) and the Assistants list against the Vapi fake. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAssistants } from '../../../src/main/core/assistants/list';
import { AssistantNames } from '../../../src/main/core/assistants/names';
import { hasSecretHeader, webhookHealth, webhookTarget } from '../../../src/main/core/assistants/webhook-health';
import { openCache } from '../../../src/main/core/cache/cache';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaleSpec } from '../../fakes';
import { rig, type Rig } from '../auth/helpers';

const BACKEND = 'https://ava-api-production.onrender.com';
const TARGET = `${BACKEND}/api/v1/webhooks/vapi`;

describe('webhookHealth', () => {
  it('is ok only for server.url = {backend}/api/v1/webhooks/vapi with end-of-call-report delivered', () => {
    expect(webhookTarget(`${BACKEND}/`)).toBe(TARGET);
    expect(webhookHealth({ server: { url: TARGET } }, BACKEND)).toBe('ok');
    expect(webhookHealth({ server: { url: `${TARGET}/` }, serverMessages: ['end-of-call-report'] }, BACKEND)).toBe(
      'ok',
    );
    expect(webhookHealth({ server: { url: TARGET.replace('ava-api', 'AVA-API') } }, BACKEND)).toBe('ok');
  });

  it.each([
    ['no server at all', {}, 'missing-url'],
    ['a server without url', { server: { headers: { a: 'b' } } }, 'missing-url'],
    [
      'an old backend',
      { server: { url: 'https://ava-backend-legacy.onrender.com/api/v1/webhooks/vapi' } },
      'wrong-url',
    ],
    ['another path', { server: { url: `${BACKEND}/api/v1/webhooks` } }, 'wrong-url'],
    ['plain http', { server: { url: TARGET.replace('https', 'http') } }, 'wrong-url'],
    [
      'serverMessages without end-of-call-report',
      { server: { url: TARGET }, serverMessages: ['status-update', 'hang'] },
      'no-end-of-call-report',
    ],
    ['an empty serverMessages list', { server: { url: TARGET }, serverMessages: [] }, 'no-end-of-call-report'],
  ])('%s → %s', (_label, assistant, health) => {
    expect(webhookHealth(assistant, BACKEND)).toBe(health);
  });

  it('notices a secret header', () => {
    expect(hasSecretHeader({ server: { url: TARGET, headers: { 'x-vapi-secret': 's' } } })).toBe(true);
    expect(hasSecretHeader({ server: { url: TARGET, headers: {} } })).toBe(false);
    expect(hasSecretHeader({})).toBe(false);
  });
});

describe('listAssistants against the Vapi fake', () => {
  let r: Rig;
  beforeAll(async () => {
    // 1,000 assistants: exactly one full page, so the list must ask once more and get an empty page.
    r = await rig({ fakes: { world: scaleSpec({ assistants: 1000, calls: 0 }) } });
    await r.vault.set('vapiPrivateKey', r.fakes.credentials.vapi.privateKey);
  });
  afterAll(async () => {
    await r.close();
  });

  it('reads every assistant, paging past a full page, with the health of each webhook', async () => {
    const backendUrl = r.fakes.credentials.urls.backend;
    const list = await listAssistants(r.vapi, backendUrl);
    const truth = r.fakes.vapi.control.assistants();
    expect(list).toHaveLength(truth.length);
    expect(new Set(list.map((a) => a.id))).toEqual(new Set(truth.map((a) => String(a.id))));
    const requests = r.fakes.vapi.requests().filter((q) => q.path === '/assistant');
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const assistant of list) {
      const raw = truth.find((a) => a.id === assistant.id)!;
      expect(assistant.webhook).toBe(webhookHealth(raw as Parameters<typeof webhookHealth>[0], backendUrl));
    }
    // The scale world mixes webhook states: the list must show several of them.
    expect(new Set(list.map((a) => a.webhook)).size).toBeGreaterThanOrEqual(3);
  });
});

describe('AssistantNames', () => {
  it('remembers names in the cache and fills calls that do not carry one', () => {
    const cache = openCache(join(mkdtempSync(join(tmpdir(), 'ava-names-')), 'calls.db'));
    const names = new AssistantNames(cache);
    names.remember([
      { id: 'a1', name: 'Front desk' },
      { id: 'a2', name: null },
    ]);
    expect(names.all()).toEqual({ a1: 'Front desk' });
    expect(names.fill({ assistantId: 'a1', assistantName: null })).toEqual({
      assistantId: 'a1',
      assistantName: 'Front desk',
    });
    expect(names.fill({ assistantId: 'a1', assistantName: 'Own' }).assistantName).toBe('Own');
    expect(names.fill({ assistantId: 'a2', assistantName: null }).assistantName).toBeNull();
    expect(names.fill({ assistantId: null, assistantName: null }).assistantName).toBeNull();
    cache.close();
    // Offline: a fresh handle on the same file still knows them.
    const reopened = openCache(cache.path);
    expect(new AssistantNames(reopened).all()).toEqual({ a1: 'Front desk' });
    reopened.close();
  });
});
