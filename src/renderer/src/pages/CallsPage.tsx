import { useEffect, useRef, useState, type ReactElement, type UIEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CallDetail, CallListItem, SnippetPart, TranscriptState, Turn } from '../../../shared/domain';
import { ava } from '../ava';
import { ErrorMessage } from '../components/ErrorMessage';
import { dateTime, duration, money } from '../format';
import { useApp } from '../stores/app';
import { useCalls } from '../stores/calls';

/** Statuses with a name in both languages; any other value is shown as the source says it. */
const KNOWN_STATUSES = [
  'ended',
  'completed',
  'in-progress',
  'ringing',
  'queued',
  'scheduled',
  'forwarding',
  'busy',
  'failed',
  'no-answer',
  'canceled',
  'unknown',
] as const;
type KnownStatus = (typeof KNOWN_STATUSES)[number];
const isKnownStatus = (status: string): status is KnownStatus => (KNOWN_STATUSES as readonly string[]).includes(status);

function useStatusName(): (status: string | null) => string {
  const { t } = useTranslation();
  return (status) =>
    status === null ? t('calls.noStatus') : isKnownStatus(status) ? t(`calls.statusNames.${status}`) : status;
}

export function CallsPage(): ReactElement {
  const { t } = useTranslation();
  const reload = useCalls((s) => s.reload);
  const loadMissing = useCalls((s) => s.loadMissing);
  const error = useCalls((s) => s.error);

  useEffect(() => {
    void reload();
    void loadMissing();
    return ava().on('data.changed', ({ tables }) => {
      if (!tables.includes('calls')) return;
      void reload();
      void loadMissing();
    });
  }, [reload, loadMissing]);

  return (
    <div className="calls-page">
      <header className="page-header">
        <h1>{t('calls.title')}</h1>
        <p>{t('calls.intro')}</p>
      </header>
      <MissingBanner />
      {error && <ErrorMessage error={error} onRetry={() => void reload()} />}
      <Toolbar />
      <div className="calls-split">
        <CallList />
        <DetailPane />
      </div>
    </div>
  );
}

function MissingBanner(): ReactElement | null {
  const { t, i18n } = useTranslation();
  const missing = useCalls((s) => s.missing);
  const filters = useCalls((s) => s.filters);
  const setFilters = useCalls((s) => s.setFilters);
  const go = useApp((s) => s.go);
  if (!missing || missing.count === 0) return null;
  return (
    <div className="alert alert-warn" role="status" data-testid="missing-banner">
      <div className="row">
        <span style={{ flex: 1 }}>
          {t('calls.missing.banner', {
            count: missing.count,
            since: missing.since ? dateTime(i18n.language, missing.since) : '—',
          })}
        </span>
        <button
          type="button"
          className="btn"
          onClick={() => setFilters({ onlyMissingFromBackend: !filters.onlyMissingFromBackend })}
        >
          {filters.onlyMissingFromBackend ? t('calls.missing.showAll') : t('calls.missing.show')}
        </button>
        <button type="button" className="btn" onClick={() => go('assistants')}>
          {t('calls.missing.repair')}
        </button>
      </div>
    </div>
  );
}

function Toolbar(): ReactElement {
  const { t } = useTranslation();
  const filters = useCalls((s) => s.filters);
  const setFilters = useCalls((s) => s.setFilters);
  const total = useCalls((s) => s.total);
  const statusName = useStatusName();
  const [text, setText] = useState(filters.text);
  useEffect(() => {
    if (text === filters.text) return;
    // Search as the owner types, without a query per keystroke.
    const timer = setTimeout(() => setFilters({ text }), 180);
    return () => clearTimeout(timer);
  }, [text, filters.text, setFilters]);
  return (
    <div className="toolbar row">
      <input
        type="search"
        className="search"
        placeholder={t('calls.searchPlaceholder')}
        aria-label={t('calls.search')}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <select
        aria-label={t('calls.status')}
        value={filters.status}
        onChange={(e) => setFilters({ status: e.target.value })}
      >
        <option value="">{t('calls.allStatuses')}</option>
        {KNOWN_STATUSES.map((status) => (
          <option key={status} value={status}>
            {statusName(status)}
          </option>
        ))}
      </select>
      <label className="check">
        <input
          type="checkbox"
          checked={filters.onlyMissingFromBackend}
          onChange={(e) => setFilters({ onlyMissingFromBackend: e.target.checked })}
        />
        {t('calls.onlyMissing')}
      </label>
      <span className="muted count" data-testid="calls-count">
        {t('calls.count', { count: total })}
      </span>
    </div>
  );
}

function CallList(): ReactElement {
  const { t } = useTranslation();
  const items = useCalls((s) => s.items);
  const loading = useCalls((s) => s.loading);
  const nextCursor = useCalls((s) => s.nextCursor);
  const loadMore = useCalls((s) => s.loadMore);
  const selectedId = useCalls((s) => s.selectedId);
  const select = useCalls((s) => s.select);
  const filters = useCalls((s) => s.filters);

  const onScroll = (event: UIEvent<HTMLDivElement>) => {
    const el = event.currentTarget;
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 400) void loadMore();
  };

  if (!loading && items.length === 0) {
    return (
      <div className="call-list empty" data-testid="calls-empty">
        {filters.text || filters.status || filters.onlyMissingFromBackend ? t('calls.noMatch') : t('calls.empty')}
      </div>
    );
  }
  return (
    <div className="call-list" role="listbox" aria-label={t('calls.listLabel')} onScroll={onScroll}>
      {items.map((call) => (
        <CallRow key={call.id} call={call} selected={call.id === selectedId} onSelect={() => void select(call.id)} />
      ))}
      {nextCursor && (
        <button type="button" className="btn load-more" onClick={() => void loadMore()} disabled={loading}>
          {loading ? t('common.loading') : t('calls.loadMore')}
        </button>
      )}
    </div>
  );
}

function who(t: (key: 'calls.unknownCaller') => string, call: CallListItem): string {
  return call.customerName || call.customerNumber || t('calls.unknownCaller');
}

function CallRow({ call, selected, onSelect }: { call: CallListItem; selected: boolean; onSelect: () => void }) {
  const { t, i18n } = useTranslation();
  return (
    <div
      role="option"
      aria-selected={selected}
      tabIndex={0}
      className="call-row"
      data-testid="call-row"
      onClick={onSelect}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect();
        }
      }}
    >
      <div className="call-row-top">
        <span className="call-who">{who(t, call)}</span>
        <span className="muted call-when">{dateTime(i18n.language, call.startedAt)}</span>
      </div>
      <div className="call-row-bottom">
        <StatusBadge status={call.status} />
        {call.durationSeconds !== null && <span className="muted">{duration(call.durationSeconds)}</span>}
        <TranscriptBadge state={call.transcriptState} />
        {call.inVapi && !call.inBackend && <span className="badge badge-warn">{t('calls.notInBackend')}</span>}
      </div>
      {call.snippet ? (
        <Snippet parts={call.snippet} />
      ) : (
        call.summary && <div className="call-summary muted">{call.summary}</div>
      )}
    </div>
  );
}

function Snippet({ parts }: { parts: SnippetPart[] }): ReactElement {
  return (
    <div className="call-snippet" data-testid="call-snippet">
      {parts.map((part, index) =>
        part.hit ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>,
      )}
    </div>
  );
}

const FINAL_OK = new Set(['ended', 'completed']);
const FINAL_BAD = new Set(['failed', 'busy', 'no-answer', 'canceled', 'not-found']);

function StatusBadge({ status }: { status: string | null }): ReactElement {
  const statusName = useStatusName();
  const tone = !status ? '' : FINAL_OK.has(status) ? 'badge-ok' : FINAL_BAD.has(status) ? 'badge-bad' : 'badge-warn';
  return <span className={`badge ${tone}`}>{statusName(status)}</span>;
}

function TranscriptBadge({ state }: { state: TranscriptState }): ReactElement | null {
  const { t } = useTranslation();
  if (state === 'full') return null;
  return <span className="badge">{t(`calls.transcriptState.${state}`)}</span>;
}

function DetailPane(): ReactElement {
  const { t } = useTranslation();
  const detail = useCalls((s) => s.detail);
  const detailError = useCalls((s) => s.detailError);
  const selectedId = useCalls((s) => s.selectedId);
  const select = useCalls((s) => s.select);
  if (detailError) {
    return (
      <section className="call-detail">
        <ErrorMessage error={detailError} onRetry={() => void select(selectedId)} />
      </section>
    );
  }
  if (!detail) {
    return (
      <section className="call-detail empty" aria-live="polite">
        {selectedId ? t('common.loading') : t('calls.pick')}
      </section>
    );
  }
  return <Detail call={detail} />;
}

function Detail({ call }: { call: CallDetail }): ReactElement {
  const { t, i18n } = useTranslation();
  const statusName = useStatusName();
  const filters = useCalls((s) => s.filters);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    // A block body: scrollTo returns a promise in recent Chromium, and an effect may only return a cleanup.
    ref.current?.scrollTo({ top: 0 });
  }, [call.id]);
  return (
    <section className="call-detail" ref={ref} aria-label={t('calls.detailLabel')} data-testid="call-detail">
      <h2 className="call-detail-title">{who(t, call)}</h2>
      <dl className="facts">
        <Fact label={t('calls.fields.when')} value={dateTime(i18n.language, call.startedAt)} />
        <Fact label={t('calls.fields.duration')} value={duration(call.durationSeconds)} />
        <Fact label={t('calls.fields.number')} value={call.customerNumber ?? '—'} />
        <Fact label={t('calls.fields.status')} value={statusName(call.status)} />
        <Fact label={t('calls.fields.endedReason')} value={call.endedReason ?? '—'} />
        <Fact label={t('calls.fields.assistant')} value={call.assistantName ?? call.assistantId ?? '—'} />
        <Fact label={t('calls.fields.cost')} value={money(i18n.language, call.cost)} />
        <Fact
          label={t('calls.fields.sources')}
          value={
            [call.inVapi ? t('services.vapi') : null, call.inBackend ? t('calls.backend') : null]
              .filter(Boolean)
              .join(' + ') || '—'
          }
        />
      </dl>
      {call.summary && (
        <>
          <h3>{t('calls.summary')}</h3>
          <p className="call-summary-full">{call.summary}</p>
        </>
      )}
      <h3>{t('calls.transcript')}</h3>
      {call.turns.length > 0 ? (
        <Transcript turns={call.turns} highlight={filters.text} />
      ) : (
        <p className="muted">{t(`calls.transcriptState.${call.transcriptState}`)}</p>
      )}
    </section>
  );
}

function Fact({ label, value }: { label: string; value: string }): ReactElement {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function Transcript({ turns, highlight }: { turns: Turn[]; highlight: string }): ReactElement {
  const { t } = useTranslation();
  return (
    <ol className="transcript" data-testid="transcript">
      {turns.map((turn, index) => (
        <li key={index} className={`turn turn-${turn.role}`}>
          <div className="turn-meta">
            <span className="turn-who">{t(`calls.roles.${turn.role}`, { label: turn.label })}</span>
            {turn.offsetSeconds !== null && <span className="muted">{duration(turn.offsetSeconds)}</span>}
          </div>
          <div className="turn-text">
            <Highlighted text={turn.text} terms={highlight} />
          </div>
        </li>
      ))}
    </ol>
  );
}

/** Marks the search terms in a transcript turn, ignoring case and accents like the search itself does. */
function Highlighted({ text, terms }: { text: string; terms: string }): ReactElement {
  const words = terms
    .split(/\s+/)
    .map((w) => fold(w.replace(/["*()]/g, '')))
    .filter((w) => w.length > 1);
  if (words.length === 0) return <>{text}</>;
  const folded = fold(text);
  const parts: ReactElement[] = [];
  let last = 0;
  const pattern = new RegExp(words.map(escapeRegExp).join('|'), 'g');
  for (const match of folded.matchAll(pattern)) {
    const start = match.index ?? 0;
    const end = start + match[0].length;
    if (start > last) parts.push(<span key={`t${last}`}>{text.slice(last, start)}</span>);
    parts.push(<mark key={`m${start}`}>{text.slice(start, end)}</mark>);
    last = end;
  }
  if (last < text.length) parts.push(<span key={`t${last}`}>{text.slice(last)}</span>);
  return <>{parts}</>;
}

/** Lower-cases and strips accents while keeping every character at its index (so matches map back to the text). */
function fold(text: string): string {
  let out = '';
  for (const char of text) {
    const base = char
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase();
    out += base.length === char.length ? base : char.toLowerCase().length === char.length ? char.toLowerCase() : char;
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
