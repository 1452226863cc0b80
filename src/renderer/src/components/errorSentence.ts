import type { TFunction } from 'i18next';
import type { AppErrorData } from '../../../shared/errors';

/**
 * The sentence for an error in the user's language (see `ErrorMessage`): its code's sentence, or for a rate limit
 * with a known wait, "try again in N seconds" (what the server asked for; user actions are not retried for them).
 * Plain TypeScript, so the translation tests can run it under Node.
 */
export function errorSentence(t: TFunction, error: AppErrorData): string {
  const service = error.service ? t(`services.${error.service}`) : t('app.name');
  const generic = t(`errors.${error.code}`, { service, defaultValue: error.message });
  const wait = error.retryAfterSeconds;
  const sentence =
    error.code === 'rate-limited' && wait !== undefined && wait > 0
      ? t('errors.rate-limited-wait', { service, count: Math.ceil(wait), defaultValue: generic })
      : generic;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
