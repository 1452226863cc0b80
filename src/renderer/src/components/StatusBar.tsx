import { useEffect, useState, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppStatus, SyncPauseReason } from '../../../shared/domain';
import { ava } from '../ava';
import { relativeTime } from '../format';
import { useApp } from '../stores/app';
import { errorSentence } from './errorSentence';

type Tone = 'ok' | 'warn' | 'bad' | 'idle';

const RETRYABLE_PAUSES: SyncPauseReason[] = ['offline', 'keychain-unavailable'];

function backendTone(status: AppStatus): Tone {
  if (status.auth === 'expired' || status.backend === 'unreachable') return 'bad';
  if (status.backend === 'waking' || status.auth === 'signed-out') return 'warn';
  return status.backend === 'ok' ? 'ok' : 'idle';
}

function vapiTone(status: AppStatus): Tone {
  if (status.vapi === 'ok') return 'ok';
  if (status.vapi === 'unauthorized' || status.vapi === 'unreachable') return 'bad';
  return status.vapi === 'no-key' ? 'warn' : 'idle';
}

function Dot({ tone }: { tone: Tone }): ReactElement {
  return <span className={`dot ${tone === 'idle' ? '' : `dot-${tone}`}`} aria-hidden="true" />;
}

export function StatusBar(): ReactElement {
  const { t } = useTranslation();
  const status = useApp((s) => s.status);
  const progress = useApp((s) => s.progress);
  const [, tick] = useState(0);
  useEffect(() => {
    // Keeps "3 minutes ago" true without asking main for anything.
    const timer = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, []);

  if (!status) return <footer className="statusbar" aria-label={t('status.label')} />;
  const backendText =
    status.auth === 'signed-in' || status.backend === 'waking' || status.backend === 'unreachable'
      ? t(`status.backendState.${status.backend}`)
      : t(`status.authState.${status.auth}`);
  const sync = status.sync;
  // A source that failed last time (not one that was skipped): named, with the reason in its tooltip.
  const failed = sync.running ? [] : sync.lastResults.filter((r) => !r.ok && !r.skipped);
  // Paused for want of an account, a sync now would do nothing; offline or with the keychain locked, it may.
  const canSync = !sync.running && (sync.pausedReason === null || RETRYABLE_PAUSES.includes(sync.pausedReason));
  return (
    <footer className="statusbar" aria-label={t('status.label')}>
      <span className="status-item" data-testid="status-backend">
        <Dot tone={backendTone(status)} />
        <strong>{t('status.backend')}</strong>
        {backendText}
      </span>
      <span className="status-item" data-testid="status-vapi">
        <Dot tone={vapiTone(status)} />
        <strong>{t('status.vapi')}</strong>
        {t(`status.vapiState.${status.vapi}`)}
      </span>
      {status.keychain === 'unavailable' && (
        <span className="status-item" data-testid="status-bar-keychain">
          <Dot tone="bad" />
          {t('status.keychainUnavailable')}
        </span>
      )}
      <span className="spacer" />
      <span className="status-item" data-testid="status-sync">
        {sync.running ? (
          <>
            <span className="spinner" aria-hidden="true" />
            {progress
              ? t(progress.total === null ? 'status.progress' : 'status.progressOf', {
                  phase: t(`status.phase.${progress.phase}`),
                  done: progress.done,
                  total: progress.total,
                })
              : t('status.syncing')}
          </>
        ) : sync.pausedReason ? (
          <>
            <Dot tone="warn" />
            {t('status.paused', { reason: t(`status.pauseReason.${sync.pausedReason}`) })}
          </>
        ) : (
          <>
            <strong>{t('status.lastSync')}</strong>
            {relativeTime(t, sync.lastSyncAt)}
          </>
        )}
      </span>
      {failed.map((result) => {
        const service = t(`services.${result.source}`);
        return (
          <span
            key={result.source}
            className="status-item"
            data-testid={`status-sync-failed-${result.source}`}
            title={errorSentence(t, {
              code: result.error?.code ?? 'internal',
              message: result.error?.message ?? '',
              service: result.source,
            })}
          >
            <Dot tone="bad" />
            {t('status.sourceFailed', { service })}
          </span>
        );
      })}
      <button type="button" className="linkish" disabled={!canSync} onClick={() => void ava().sync.now()}>
        {t('status.syncNow')}
      </button>
    </footer>
  );
}
