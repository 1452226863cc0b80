import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp, type Page } from '../stores/app';
import { AssistantsIcon, CallsIcon, SettingsIcon, SetupIcon } from './icons';

const ITEMS: { page: Page; Icon: () => ReactElement }[] = [
  { page: 'setup', Icon: SetupIcon },
  { page: 'assistants', Icon: AssistantsIcon },
  { page: 'calls', Icon: CallsIcon },
  { page: 'settings', Icon: SettingsIcon },
];

export function Sidebar(): ReactElement {
  const { t } = useTranslation();
  const page = useApp((s) => s.page);
  const go = useApp((s) => s.go);
  return (
    <nav className="sidebar" aria-label={t('nav.label')}>
      <div className="brand">
        <div className="brand-mark" aria-hidden="true">
          {t('app.name').charAt(0)}
        </div>
        <div>
          <div className="brand-name">{t('app.name')}</div>
          <div className="brand-tag">{t('app.tagline')}</div>
        </div>
      </div>
      {ITEMS.map(({ page: target, Icon }) => (
        <button
          key={target}
          type="button"
          className="nav-item"
          aria-current={page === target ? 'page' : undefined}
          onClick={() => go(target)}
        >
          <Icon />
          {t(`nav.${target}`)}
        </button>
      ))}
    </nav>
  );
}
