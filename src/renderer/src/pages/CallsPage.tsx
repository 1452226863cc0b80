import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';

export function CallsPage(): ReactElement {
  const { t } = useTranslation();
  return (
    <header className="page-header">
      <h1>{t('calls.title')}</h1>
      <p>{t('calls.intro')}</p>
    </header>
  );
}
