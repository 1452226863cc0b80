/**
 * App-wide state: what the status bar and the shell show. Filled from `window.ava` at start, then kept fresh by the
 * events main sends (no polling).
 */
import { create } from 'zustand';
import type { AppInfo, AppStatus, Settings, SettingsPatch, SyncProgress } from '../../../shared/domain';
import type { AppErrorData } from '../../../shared/errors';
import { ava } from '../ava';

export type Page = 'setup' | 'assistants' | 'calls' | 'settings';

interface AppState {
  page: Page;
  info: AppInfo | null;
  status: AppStatus | null;
  settings: Settings | null;
  progress: SyncProgress | null;
  error: AppErrorData | null;
  go(page: Page): void;
  load(): Promise<void>;
  refreshStatus(): Promise<void>;
  updateSettings(patch: SettingsPatch): Promise<AppErrorData | null>;
  setProgress(progress: SyncProgress | null): void;
  setStatus(status: AppStatus): void;
}

export const useApp = create<AppState>((set, get) => ({
  page: 'calls',
  info: null,
  status: null,
  settings: null,
  progress: null,
  error: null,
  go: (page) => set({ page }),
  async load() {
    const [info, status, settings] = await Promise.all([ava().app.info(), ava().app.status(), ava().settings.get()]);
    set({
      info: info.ok ? info.value : null,
      status: status.ok ? status.value : null,
      settings: settings.ok ? settings.value : null,
      error: !info.ok ? info.error : !settings.ok ? settings.error : null,
    });
  },
  async refreshStatus() {
    const status = await ava().app.status();
    if (status.ok) set({ status: status.value });
  },
  async updateSettings(patch) {
    const result = await ava().settings.update(patch);
    if (!result.ok) return result.error;
    set({ settings: result.value });
    return null;
  },
  setProgress: (progress) => set({ progress }),
  setStatus: (status) => set({ status, progress: status.sync.running ? get().progress : null }),
}));
