/**
 * The Electron IPC glue (`src/main/ipc.ts`) with a stand-in `electron` module, so it runs under plain Node: every
 * contract channel is registered once, the trusted-sender check sees real sender facts, and the shared dispatcher
 * answers typed errors. The live check is in test/electron (wherever an Electron runtime is installed).
 */
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { channelNames, contract, IPC_EVENT_CHANNEL, IPC_PREFIX, type Handlers } from '../../src/shared/contract';
import { createDispatcher } from '../../src/main/core/rpc';

type Handler = (event: unknown, input: unknown) => Promise<unknown>;

const electron = vi.hoisted(() => {
  const handlers = new Map<string, (event: unknown, input: unknown) => Promise<unknown>>();
  const windows: unknown[] = [];
  return {
    handlers,
    windows,
    ipcMain: {
      handle: vi.fn((channel: string, handler: (event: unknown, input: unknown) => Promise<unknown>) => {
        if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        handlers.set(channel, handler);
      }),
      removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
    },
    BrowserWindow: { getAllWindows: vi.fn(() => windows) },
  };
});
vi.mock('electron', () => ({ ipcMain: electron.ipcMain, BrowserWindow: electron.BrowserWindow }));

const { broadcast, registerIpc, trustWindow } = await import('../../src/main/ipc');

const ran: string[] = [];
function handlers(): Handlers {
  const out: Record<string, Record<string, (input: unknown) => Promise<unknown>>> = {};
  for (const [ns, methods] of Object.entries(contract)) {
    out[ns] = {};
    for (const method of Object.keys(methods)) {
      out[ns][method] = async () => {
        ran.push(`${ns}.${method}`);
        return `${ns}.${method} ran`;
      };
    }
  }
  return out as unknown as Handlers;
}

/** A stand-in BrowserWindow: a webContents with its main frame, and the 'closed' event. */
function fakeWindow(id: number) {
  const mainFrame = { url: 'app://ava-desk/index.html' };
  const closed: (() => void)[] = [];
  const sent: unknown[][] = [];
  const window = {
    webContents: {
      id,
      mainFrame,
      isDestroyed: () => false,
      send: (...args: unknown[]) => void sent.push(args),
    },
    on: (event: string, listener: () => void) => {
      if (event === 'closed') closed.push(listener);
    },
    close: () => closed.forEach((listener) => listener()),
    sent,
  };
  return window;
}

const ours = fakeWindow(1);
const stranger = fakeWindow(2);
let unregister: () => void;

function eventFrom(
  window: ReturnType<typeof fakeWindow>,
  frame: { url: string } | null = window.webContents.mainFrame,
) {
  return { sender: window.webContents, senderFrame: frame };
}

async function call(channel: string, event: unknown, input?: unknown): Promise<unknown> {
  const handler = electron.handlers.get(IPC_PREFIX + channel) as Handler | undefined;
  if (!handler) throw new Error(`no handler for ${channel}`);
  return handler(event, input);
}

beforeAll(() => {
  trustWindow(ours as never);
  unregister = registerIpc(createDispatcher(handlers(), { warn: vi.fn(), error: vi.fn() }));
});

beforeEach(() => {
  ran.length = 0;
  ours.webContents.mainFrame.url = 'app://ava-desk/index.html';
});

describe('ipc.ts', () => {
  it('registers every contract channel exactly once, under the IPC prefix, and nothing else', () => {
    const registered = electron.ipcMain.handle.mock.calls.map(([channel]) => channel);
    expect(registered.sort()).toEqual(
      channelNames()
        .map((name) => IPC_PREFIX + name)
        .sort(),
    );
    expect(new Set(registered).size).toBe(registered.length);
  });

  it("answers the main frame of the app's own window on app://ava-desk", async () => {
    expect(await call('app.status', eventFrom(ours))).toEqual({ ok: true, value: 'app.status ran' });
    expect(ran).toEqual(['app.status']);
  });

  it.each([
    ['a sub-frame of our window', () => eventFrom(ours, { url: 'app://ava-desk/index.html' })],
    ['a window the app did not create', () => eventFrom(stranger)],
    ['a null senderFrame (navigated away or destroyed)', () => eventFrom(ours, null)],
    ['a missing senderFrame', () => ({ sender: ours.webContents })],
    [
      'our window showing a foreign URL',
      () => {
        ours.webContents.mainFrame.url = 'https://evil.example/';
        return eventFrom(ours);
      },
    ],
    [
      'our window showing a file URL',
      () => {
        ours.webContents.mainFrame.url = 'file:///tmp/x.html';
        return eventFrom(ours);
      },
    ],
  ])('refuses %s with the typed untrusted-sender error, before running anything', async (_label, event) => {
    expect(await call('app.status', event())).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } });
    expect(ran).toEqual([]);
  });

  it('answers an invalid payload with the typed invalid-input error, without running the handler', async () => {
    const answer = await call('settings.update', eventFrom(ours), { theme: 'purple' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.any(String) } });
    expect((answer as { error: { detail?: string } }).error.detail).toContain('theme');
    expect(ran).toEqual([]);
  });

  it('sends events to the app windows only', () => {
    electron.windows.push(ours, stranger);
    broadcast('data.changed', { tables: ['calls'] });
    expect(ours.sent).toEqual([[IPC_EVENT_CHANNEL, 'data.changed', { tables: ['calls'] }]]);
    expect(stranger.sent).toEqual([]);
    electron.windows.length = 0;
  });

  it('stops trusting a window once it is closed', async () => {
    const later = fakeWindow(3);
    trustWindow(later as never);
    expect(await call('app.status', eventFrom(later))).toMatchObject({ ok: true });
    later.close();
    expect(await call('app.status', eventFrom(later))).toMatchObject({
      ok: false,
      error: { code: 'untrusted-sender' },
    });
  });

  it('removes every handler it registered', () => {
    unregister();
    expect(electron.handlers.size).toBe(0);
    expect(electron.ipcMain.removeHandler).toHaveBeenCalledTimes(channelNames().length);
  });
});
