import { useCallback, useEffect, useState, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import type { AssistantSummary, WebhookHealth } from '../../../shared/domain';
import type { AppErrorData } from '../../../shared/errors';
import { ava } from '../ava';
import { ErrorMessage } from '../components/ErrorMessage';
import { dateTime } from '../format';

const TONE: Record<WebhookHealth, string> = {
  ok: 'badge-ok',
  'wrong-url': 'badge-bad',
  'missing-url': 'badge-bad',
  'no-end-of-call-report': 'badge-bad',
  'unknown-backend': 'badge-warn',
};

export function AssistantsPage(): ReactElement {
  const { t, i18n } = useTranslation();
  const [assistants, setAssistants] = useState<AssistantSummary[] | null>(null);
  const [error, setError] = useState<AppErrorData | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    const result = await ava().assistants.list();
    setLoading(false);
    if (result.ok) {
      setAssistants(result.value);
      setError(null);
    } else setError(result.error);
  }, []);
  useEffect(() => {
    void load();
    return ava().on('data.changed', ({ tables }) => {
      if (tables.includes('assistants') || tables.includes('secrets')) void load();
    });
  }, [load]);

  const broken = assistants?.filter((a) => a.webhook !== 'ok').length ?? 0;
  return (
    <>
      <header className="page-header">
        <h1>{t('assistants.title')}</h1>
        <p>{t('assistants.intro')}</p>
      </header>
      {error && <ErrorMessage error={error} onRetry={() => void load()} />}
      {assistants && assistants.length > 0 && (
        <div className={`alert ${broken > 0 ? 'alert-warn' : ''}`} role="status" data-testid="assistants-summary">
          {broken > 0 ? t('assistants.broken', { count: broken }) : t('assistants.allGood')}
        </div>
      )}
      <section className="card table-card">
        {loading && !assistants ? (
          <div className="empty">{t('common.loading')}</div>
        ) : !assistants || assistants.length === 0 ? (
          <div className="empty">{error ? t('assistants.unavailable') : t('assistants.none')}</div>
        ) : (
          <table className="table" data-testid="assistants-table">
            <thead>
              <tr>
                <th>{t('assistants.name')}</th>
                <th>{t('assistants.webhook')}</th>
                <th>{t('assistants.target')}</th>
                <th>{t('assistants.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {assistants.map((assistant) => (
                <tr key={assistant.id}>
                  <td>
                    <div className="strong">{assistant.name ?? t('assistants.unnamed')}</div>
                    <div className="mono muted">{assistant.id}</div>
                  </td>
                  <td>
                    <span className={`badge ${TONE[assistant.webhook]}`}>
                      {t(`assistants.health.${assistant.webhook}`)}
                    </span>
                    {assistant.hasSecretHeader && <span className="badge">{t('assistants.secretHeader')}</span>}
                  </td>
                  <td className="mono muted wrap">{assistant.serverUrl ?? '—'}</td>
                  <td className="muted">{dateTime(i18n.language, assistant.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
