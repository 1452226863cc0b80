import { useEffect, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { ava } from './ava';
import { ErrorMessage } from './components/ErrorMessage';
import { Notices } from './components/Notices';
import { Sidebar } from './components/Sidebar';
import { StatusBar } from './components/StatusBar';
import { applyLanguage, languageFor } from './i18n';
import { AssistantsPage } from './pages/AssistantsPage';
import { CallsPage } from './pages/CallsPage';
import { SettingsPage } from './pages/SettingsPage';
import { SetupPage } from './pages/SetupPage';
import { useApp } from './stores/app';

const PAGES = { setup: SetupPage, assistants: AssistantsPage, calls: CallsPage, settings: SettingsPage } as const;

export function App(): ReactElement {
  const { t } = useTranslation();
  const page = useApp((s) => s.page);
  const settings = useApp((s) => s.settings);
  const error = useApp((s) => s.error);
  const load = useApp((s) => s.load);

  useEffect(() => {
    void load();
    const offs = [
      ava().on('status', (status) => useApp.getState().setStatus(status)),
      ava().on('sync.progress', (progress) => useApp.getState().setProgress(progress)),
      ava().on('data.changed', ({ tables }) => {
        if (tables.includes('settings')) void useApp.getState().load();
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [load]);

  useEffect(() => {
    if (!settings) return;
    applyLanguage(languageFor(settings.language));
    if (settings.theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = settings.theme;
  }, [settings]);

  const Current = PAGES[page];
  return (
    <div className="shell">
      <Sidebar />
      <main className="main" aria-label={t(`nav.${page}`)}>
        <Notices />
        {error && <ErrorMessage error={error} onRetry={() => void load()} />}
        <Current />
      </main>
      <StatusBar />
    </div>
  );
}
