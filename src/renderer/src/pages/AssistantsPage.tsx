import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';

export function AssistantsPage(): ReactElement {
  const { t } = useTranslation();
  return (
    <header className="page-header">
      <h1>{t('assistants.title')}</h1>
      <p>{t('assistants.intro')}</p>
    </header>
  );
}
