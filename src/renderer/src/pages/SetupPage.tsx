import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp, type Page } from '../stores/app';

export function SetupPage(): ReactElement {
  const { t } = useTranslation();
  const status = useApp((s) => s.status);
  const settings = useApp((s) => s.settings);
  const go = useApp((s) => s.go);
  const steps: { key: 'backend' | 'vapi' | 'twilio' | 'sync'; done: boolean; page: Page }[] = [
    { key: 'backend', done: status?.auth === 'signed-in', page: 'settings' },
    { key: 'vapi', done: status?.vapi === 'ok', page: 'settings' },
    { key: 'twilio', done: Boolean(settings?.twilioAccountSid), page: 'settings' },
    { key: 'sync', done: Boolean(status?.sync.lastSyncAt), page: 'calls' },
  ];
  return (
    <>
      <header className="page-header">
        <h1>{t('setup.title')}</h1>
        <p>{t('setup.intro')}</p>
      </header>
      <section className="card">
        <ol className="steps">
          {steps.map((step, index) => (
            <li key={step.key} className={`step ${step.done ? 'step-done' : ''}`}>
              <span className="step-num">{step.done ? '✓' : index + 1}</span>
              <span className="step-text">{t(`setup.steps.${step.key}`)}</span>
              <span className={`badge ${step.done ? 'badge-ok' : ''}`}>
                {step.done ? t('setup.done') : t('setup.todo')}
              </span>
              <button type="button" className="btn" onClick={() => go(step.page)}>
                {t('setup.goTo')}
              </button>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
