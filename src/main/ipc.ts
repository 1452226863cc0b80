/**
 * Binds the IPC contract to the core over ipcMain: one handler per channel, all registered here. Each call is checked
 * for a trusted sender (the main frame of one of the app's own windows, on the app's own origin) before the shared
 * dispatcher validates its input and runs it.
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { channelNames, IPC_EVENT_CHANNEL, IPC_PREFIX, type EventMap, type EventName } from '../shared/contract';
import type { Caller, Dispatch } from './core/rpc';
import { judgeIpcSender } from './core/security';

/** The windows the app itself created; IPC from any other webContents is refused. */
const appWindows = new Set<number>();

export function trustWindow(window: BrowserWindow): void {
  const id = window.webContents.id;
  appWindows.add(id);
  window.on('closed', () => appWindows.delete(id));
}

export function callerOf(event: IpcMainInvokeEvent): Caller {
  const frame = event.senderFrame;
  return judgeIpcSender({
    isAppWindow: appWindows.has(event.sender.id),
    isMainFrame: frame ? frame === event.sender.mainFrame : null,
    frameUrl: frame ? frame.url : null,
  });
}

export function registerIpc(dispatch: Dispatch): () => void {
  const names = channelNames();
  for (const name of names) {
    ipcMain.handle(IPC_PREFIX + name, (event, input: unknown) => dispatch(name, input, callerOf(event)));
  }
  return () => {
    for (const name of names) ipcMain.removeHandler(IPC_PREFIX + name);
  };
}

/** Sends an event to every app window (and to nothing else). */
export function broadcast<E extends EventName>(event: E, payload: EventMap[E]): void {
  for (const window of BrowserWindow.getAllWindows()) {
    const contents: WebContents = window.webContents;
    if (appWindows.has(contents.id) && !contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event, payload);
  }
}
