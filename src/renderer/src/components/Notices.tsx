import { useEffect, useState, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import type { Notice } from '../../../shared/domain';
import { ava } from '../ava';

/** What main wants the owner to know (a rebuilt cache, an ended session, …), until they dismiss it. */
export function Notices(): ReactElement | null {
  const { t } = useTranslation();
  const [notices, setNotices] = useState<Notice[]>([]);
  useEffect(() => {
    // One of each kind: the newest says it best.
    const add = (notice: Notice) => setNotices((current) => [...current.filter((n) => n.kind !== notice.kind), notice]);
    void ava()
      .app.notices()
      .then((result) => result.ok && result.value.forEach(add));
    return ava().on('notice', add);
  }, []);
  if (notices.length === 0) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((notice) => (
        <div key={notice.kind} className="alert alert-warn row" role="status" data-testid={`notice-${notice.kind}`}>
          <span style={{ flex: 1 }}>
            {t(`notices.${notice.kind}`, { ...notice.params, defaultValue: notice.message })}
          </span>
          <button
            type="button"
            className="btn"
            onClick={() => setNotices((current) => current.filter((n) => n.kind !== notice.kind))}
          >
            {t('common.close')}
          </button>
        </div>
      ))}
    </div>
  );
}
