import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import type { Settings } from '../../../shared/domain';
import { LANGUAGES } from '../../../shared/enums';
import { useApp } from '../stores/app';

export function SettingsPage(): ReactElement {
  const { t } = useTranslation();
  const settings = useApp((s) => s.settings);
  const info = useApp((s) => s.info);
  const update = useApp((s) => s.updateSettings);

  return (
    <>
      <header className="page-header">
        <h1>{t('settings.title')}</h1>
      </header>
      {settings && (
        <section className="card" aria-labelledby="prefs-title">
          <h2 id="prefs-title">{t('settings.preferences')}</h2>
          <div className="field">
            <label htmlFor="language">{t('settings.language')}</label>
            <select
              id="language"
              value={settings.language}
              onChange={(e) => void update({ language: e.target.value as Settings['language'] })}
            >
              <option value="system">{t('settings.languageSystem')}</option>
              {LANGUAGES.map((lang) => (
                <option key={lang} value={lang}>
                  {t(`languages.${lang}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="theme">{t('settings.theme')}</label>
            <select
              id="theme"
              value={settings.theme}
              onChange={(e) => void update({ theme: e.target.value as Settings['theme'] })}
            >
              <option value="system">{t('settings.themeSystem')}</option>
              <option value="light">{t('settings.themeLight')}</option>
              <option value="dark">{t('settings.themeDark')}</option>
            </select>
          </div>
        </section>
      )}
      {info && (
        <section className="card" aria-labelledby="about-title">
          <h2 id="about-title">{t('settings.about')}</h2>
          <div className="field">
            <span className="label">{t('settings.dataFolder')}</span>
            <span className="mono">{info.dataDir}</span>
          </div>
          <div className="field">
            <span className="label">{t('app.name')}</span>
            <span>{t('settings.version', { version: info.version })}</span>
          </div>
        </section>
      )}
    </>
  );
}
