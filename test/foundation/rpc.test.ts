import { describe, expect, it, vi } from 'vitest';
import { channelNames, contract, findChannel, type Handlers } from '../../src/shared/contract';
import { AppError } from '../../src/shared/errors';
import { createAvaApi } from '../../src/shared/api';
import { createDispatcher } from '../../src/main/core/rpc';

function handlersWith(
  overrides: Partial<Record<string, Record<string, (input: unknown) => Promise<unknown>>>>,
): Handlers {
  const handlers: Record<string, Record<string, (input: unknown) => Promise<unknown>>> = {};
  for (const [ns, methods] of Object.entries(contract)) {
    handlers[ns] = {};
    for (const method of Object.keys(methods)) {
      handlers[ns][method] = overrides[ns]?.[method] ?? (async () => `${ns}.${method} ran`);
    }
  }
  return handlers as unknown as Handlers;
}

const log = { warn: vi.fn(), error: vi.fn() };
const trusted = { trusted: true };

describe('the contract', () => {
  it('names every channel once, as namespace.method', () => {
    const names = channelNames();
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-zA-Z]+\.[a-zA-Z]+$/);
    expect(names).toContain('calls.list');
  });

  it('finds only channels that are in the contract, never prototype keys', () => {
    expect(findChannel('settings.update')).toBe(contract.settings.update);
    for (const name of [
      'constructor.name',
      '__proto__.x',
      'settings.constructor',
      'settings.toString',
      'settings',
      '.get',
      'x.y',
    ]) {
      expect(findChannel(name)).toBeUndefined();
    }
  });

  it('builds window.ava with one method per channel, each sending its own channel name', async () => {
    const sent: string[] = [];
    const api = createAvaApi({
      invoke: async (channel) => {
        sent.push(channel);
        return { ok: true, value: null };
      },
      subscribe: () => () => undefined,
    });
    for (const name of channelNames()) {
      const [ns, method] = name.split('.') as [string, string];
      await (api as unknown as Record<string, Record<string, (i?: unknown) => Promise<unknown>>>)[ns]![method]!();
    }
    expect(sent).toEqual(channelNames());
    expect(Object.isFrozen(api)).toBe(true);
  });
});

describe('the dispatcher', () => {
  it('runs the handler with the parsed input (defaults applied)', async () => {
    const list = vi.fn(async (input: unknown) => ({ items: [], nextCursor: null, total: 0, input }));
    const dispatch = createDispatcher(handlersWith({ calls: { list } }), log);
    const envelope = await dispatch('calls.list', { text: 'hélène' }, trusted);
    expect(envelope).toMatchObject({ ok: true });
    expect(list).toHaveBeenCalledWith({ text: 'hélène', limit: 100 });
  });

  it('refuses an untrusted caller before looking at anything else', async () => {
    const update = vi.fn();
    const dispatch = createDispatcher(handlersWith({ settings: { update } }), log);
    const envelope = await dispatch('settings.update', { theme: 'dark' }, { trusted: false, reason: 'foreign origin' });
    expect(envelope).toEqual({ ok: false, error: expect.objectContaining({ code: 'untrusted-sender' }) });
    expect(update).not.toHaveBeenCalled();
  });

  it.each([
    ['a wrong type', 'settings.update', { theme: 'purple' }],
    ['an unknown property', 'settings.update', { backendUrl: 'https://evil.example' }],
    ['a missing input', 'calls.get', undefined],
    ['an input where none is expected', 'app.info', { x: 1 }],
    ['a string instead of an object', 'auth.signIn', 'admin'],
    ['an oversized field', 'calls.list', { text: 'x'.repeat(501) }],
  ])('rejects %s with invalid-input and never calls the handler', async (_label, channel, input) => {
    const spy = vi.fn();
    const [ns, method] = channel.split('.') as [string, string];
    const dispatch = createDispatcher(handlersWith({ [ns]: { [method]: spy } }), log);
    const envelope = await dispatch(channel, input, trusted);
    expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(spy).not.toHaveBeenCalled();
  });

  it('refuses channels that are not in the contract', async () => {
    const dispatch = createDispatcher(handlersWith({}), log);
    for (const channel of ['shell.exec', 'settings.__proto__', '', 'constructor.constructor']) {
      expect(await dispatch(channel, undefined, trusted)).toMatchObject({
        ok: false,
        error: { code: 'unknown-channel' },
      });
    }
    expect(await dispatch(42 as unknown as string, undefined, trusted)).toMatchObject({
      ok: false,
      error: { code: 'unknown-channel' },
    });
  });

  it('passes an AppError through with its code, service and request id', async () => {
    const dispatch = createDispatcher(
      handlersWith({
        calls: {
          missing: async () => {
            throw new AppError({ code: 'rate-limited', message: 'slow down', service: 'vapi', retryAfterSeconds: 3 });
          },
        },
      }),
      log,
    );
    expect(await dispatch('calls.missing', undefined, trusted)).toEqual({
      ok: false,
      error: { code: 'rate-limited', message: 'slow down', service: 'vapi', retryAfterSeconds: 3 },
    });
  });

  it('turns any other error into internal without leaking its text', async () => {
    const dispatch = createDispatcher(
      handlersWith({
        app: {
          info: async () => {
            throw new Error('ENOENT /home/owner/secret-path');
          },
        },
      }),
      log,
    );
    const envelope = await dispatch('app.info', undefined, trusted);
    expect(envelope).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(envelope)).not.toContain('secret-path');
    expect(log.error).toHaveBeenCalled();
  });
});
