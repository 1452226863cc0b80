/**
 * The preload (`src/preload/index.ts`) with a stand-in `electron` module: it exposes one object, `window.ava`, whose
 * methods are exactly the contract's channels (plus `on` for the contract's events), and nothing generic: no
 * ipcRenderer, no send(channel), no way to name a channel from the page.
 */
import { describe, expect, it, vi } from 'vitest';
import { channelNames, contract, IPC_EVENT_CHANNEL, IPC_PREFIX } from '../../src/shared/contract';

const electron = vi.hoisted(() => {
  const ipcRenderer = {
    on: vi.fn(),
    once: vi.fn(),
    send: vi.fn(),
    sendSync: vi.fn(),
    postMessage: vi.fn(),
    invoke: vi.fn(async (_channel: string, _input: unknown) => ({ ok: true, value: 'answer' }) as unknown),
    removeListener: vi.fn(),
  };
  return { ipcRenderer, contextBridge: { exposeInMainWorld: vi.fn() } };
});
vi.mock('electron', () => electron);

await import('../../src/preload/index');

const { exposeInMainWorld } = electron.contextBridge;
const exposed = (): Record<string, unknown> => exposeInMainWorld.mock.calls[0]![1] as Record<string, unknown>;

/** Every value reachable from the exposed object (functions included), to look for anything generic. */
function reachable(root: unknown): unknown[] {
  const seen = new Set<unknown>();
  const walk = (value: unknown): void => {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) return;
    seen.add(value);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && 'value' in descriptor) walk(descriptor.value);
    }
  };
  walk(root);
  return [...seen];
}

describe('the preload', () => {
  it("exposes exactly one object, 'ava', once", () => {
    expect(exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect(exposeInMainWorld.mock.calls[0]![0]).toBe('ava');
  });

  it("has one method per contract channel, and only the contract's namespaces plus `on`", () => {
    const api = exposed();
    expect(Object.keys(api).sort()).toEqual([...Object.keys(contract), 'on'].sort());
    const methods = Object.entries(api).flatMap(([ns, group]) =>
      typeof group === 'object' && group !== null ? Object.keys(group).map((method) => `${ns}.${method}`) : [],
    );
    expect(methods.sort()).toEqual(channelNames().sort());
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('exposes nothing generic: no ipcRenderer, none of its methods, no send or invoke by channel name', () => {
    const values = reachable(exposed());
    for (const [name, fn] of Object.entries(electron.ipcRenderer)) {
      expect(values.includes(fn), `ipcRenderer.${name}`).toBe(false);
    }
    expect(values.includes(electron.ipcRenderer)).toBe(false);
    const keys = values.flatMap((value) => Object.keys(value as object));
    for (const generic of ['ipcRenderer', 'send', 'sendSync', 'invoke', 'postMessage', 'electron', 'require']) {
      expect(keys).not.toContain(generic);
    }
  });

  it('sends each method on its own channel, and the page cannot choose another', async () => {
    const api = exposed() as Record<string, Record<string, (input?: unknown) => Promise<unknown>>>;
    expect(await api.calls!.get!({ id: 'abc' })).toEqual({ ok: true, value: 'answer' });
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(`${IPC_PREFIX}calls.get`, { id: 'abc' });
    for (const name of channelNames()) {
      const [ns, method] = name.split('.') as [string, string];
      await api[ns]![method]!('ignored');
      expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(IPC_PREFIX + name, 'ignored');
    }
    const used = new Set(electron.ipcRenderer.invoke.mock.calls.map(([channel]) => channel));
    expect([...used].sort()).toEqual(
      channelNames()
        .map((name) => IPC_PREFIX + name)
        .sort(),
    );
  });

  it('turns a broken IPC into a typed error instead of a rejection', async () => {
    electron.ipcRenderer.invoke.mockRejectedValueOnce(new Error('IPC torn down'));
    const api = exposed() as Record<string, Record<string, () => Promise<unknown>>>;
    expect(await api.app!.info!()).toMatchObject({ ok: false, error: { code: 'disconnected' } });
  });

  it("listens on the one event channel and delivers only the contract's events", () => {
    expect(electron.ipcRenderer.on).toHaveBeenCalledTimes(1);
    const [channel, dispatch] = electron.ipcRenderer.on.mock.calls[0] as [
      string,
      (event: unknown, name: unknown, payload: unknown) => void,
    ];
    expect(channel).toBe(IPC_EVENT_CHANNEL);
    const on = exposed().on as (event: string, listener: (payload: unknown) => void) => () => void;
    const got: unknown[] = [];
    const off = on('data.changed', (payload) => got.push(payload));
    const offUnknown = on('shell.exec', (payload) => got.push(['unknown', payload]));
    dispatch({}, 'data.changed', { tables: ['calls'] });
    dispatch({}, 'shell.exec', 'rm -rf /');
    dispatch({}, '__proto__', {});
    expect(got).toEqual([{ tables: ['calls'] }]);
    off();
    offUnknown();
    dispatch({}, 'data.changed', { tables: ['turns'] });
    expect(got).toEqual([{ tables: ['calls'] }]);
    expect(electron.ipcRenderer.on).toHaveBeenCalledTimes(1);
  });
});
