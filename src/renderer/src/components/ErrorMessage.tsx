import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppErrorData } from '../../../shared/errors';
import { errorSentence } from './errorSentence';

/** An error as the user reads it: the sentence for its code in their language, the technical detail folded away. */
export function ErrorMessage({ error, onRetry }: { error: AppErrorData; onRetry?: () => void }): ReactElement {
  const { t } = useTranslation();
  return (
    <div className="alert alert-bad" role="alert">
      <div className="row">
        <span style={{ flex: 1 }}>{errorSentence(t, error)}</span>
        {onRetry && (
          <button type="button" className="btn" onClick={onRetry}>
            {t('common.retry')}
          </button>
        )}
      </div>
      {(error.detail || error.requestId) && (
        <details>
          <summary>{t('common.details')}</summary>
          <div className="mono">
            {error.detail}
            {error.requestId ? ` (X-Request-ID ${error.requestId})` : ''}
          </div>
        </details>
      )}
    </div>
  );
}
