/**
 * Exposes `window.ava`, built from the shared contract over Electron IPC. Nothing else crosses: no ipcRenderer, no
 * generic send. Bundled into one file so the renderer can stay sandboxed.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createAvaApi, transportFailure } from '../shared/api';
import { EVENT_NAMES, IPC_EVENT_CHANNEL, IPC_PREFIX, type EventName } from '../shared/contract';
import type { Envelope } from '../shared/errors';

type Listener = (payload: unknown) => void;
const listeners = new Map<EventName, Set<Listener>>();

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
  if (!(EVENT_NAMES as readonly unknown[]).includes(name)) return;
  for (const listener of listeners.get(name as EventName) ?? []) listener(payload);
});

const api = createAvaApi({
  async invoke(channel, input) {
    try {
      return (await ipcRenderer.invoke(IPC_PREFIX + channel, input)) as Envelope<unknown>;
    } catch (error) {
      return transportFailure(error);
    }
  },
  subscribe(event, listener) {
    if (!(EVENT_NAMES as readonly string[]).includes(event)) return () => undefined;
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
});

contextBridge.exposeInMainWorld('ava', api);
