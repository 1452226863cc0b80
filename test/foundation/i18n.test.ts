import i18next, { type TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { errorSentence } from '../../src/renderer/src/components/errorSentence';
import { en } from '../../src/renderer/src/i18n/en';
import { fr } from '../../src/renderer/src/i18n/fr';
import { ERROR_CODES } from '../../src/shared/errors';
import { KEYCHAIN_PROBLEMS, type NoticeKind } from '../../src/shared/domain';

/** A sentence that tells the user what to do: one of its sentences starts with an action. */
const NEXT_STEP = {
  en: /(^|[.;:)]\s+)(Try|Check|Sign in|Restart|Add|Update|Wait|Refresh|Sync|Reinstall|Allow|Enter|See|Open|Unlock|Install|Start)\b/,
  fr: /(^|[.;:)]\s+)(Réessayez|Vérifiez|Connectez-vous|Reconnectez-vous|Redémarrez|Relancez|Ajoutez|Mettez|Attendez|Actualisez|Synchronisez|Réinstallez|Autorisez|Saisissez|Voir|Ouvrez|Déverrouillez|Installez|Lancez)\b/,
};

function translator(lng: 'en' | 'fr'): TFunction {
  const instance = i18next.createInstance();
  void instance.init({
    lng,
    resources: { en: { translation: en }, fr: { translation: fr } },
    fallbackLng: false,
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  return instance.t;
}

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function lookup(tree: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], tree);
}

describe('translations', () => {
  it('French and English have exactly the same keys, none empty', () => {
    expect(keys(fr).sort()).toEqual(keys(en).sort());
    for (const key of keys(en)) {
      expect(String(lookup(en, key)).trim(), `en ${key}`).not.toBe('');
      expect(String(lookup(fr, key)).trim(), `fr ${key}`).not.toBe('');
    }
  });

  it('every error code has a sentence in both languages', () => {
    for (const code of ERROR_CODES) {
      expect(en.errors[code], `en errors.${code}`).toBeTruthy();
      expect(fr.errors[code], `fr errors.${code}`).toBeTruthy();
    }
  });

  it('every error code and keychain problem says what to do next, in both languages', () => {
    for (const [lang, tree] of [
      ['en', en],
      ['fr', fr],
    ] as const) {
      const sentences: Array<[string, string]> = [
        ...ERROR_CODES.map((code): [string, string] => [`errors.${code}`, tree.errors[code]]),
        ['errors.rate-limited-wait_one', tree.errors['rate-limited-wait_one']],
        ['errors.rate-limited-wait_other', tree.errors['rate-limited-wait_other']],
        ...KEYCHAIN_PROBLEMS.map((p): [string, string] => [
          `settings.keychain.problem.${p}`,
          tree.settings.keychain.problem[p],
        ]),
      ];
      for (const [key, text] of sentences) expect(text, `${lang} ${key}`).toMatch(NEXT_STEP[lang]);
    }
  });

  it('a rate limit never promises an automatic retry, and says how long to wait when the server said', () => {
    expect(en.errors['rate-limited']).not.toMatch(/will (try|retry)/i);
    expect(fr.errors['rate-limited']).not.toMatch(/réessaiera/i);
    const limited = { code: 'rate-limited' as const, message: 'x', service: 'vapi' as const };
    expect(errorSentence(translator('en'), { ...limited, retryAfterSeconds: 30 })).toBe(
      'Vapi is receiving too many requests right now. Try again in 30 seconds.',
    );
    expect(errorSentence(translator('fr'), { ...limited, retryAfterSeconds: 1 })).toBe(
      'Vapi reçoit trop de demandes en ce moment. Réessayez dans 1 seconde.',
    );
    expect(errorSentence(translator('fr'), limited)).toBe(
      'Vapi reçoit trop de demandes en ce moment. Attendez une minute, puis réessayez.',
    );
    expect(errorSentence(translator('en'), { code: 'not-found', message: 'x', service: 'backend' })).toMatch(
      /^The AVA backend could not find .* Sync or refresh the list, then try again\.$/,
    );
  });

  it('the keychain notice at start is the localized sentence of its problem, with no English in French', () => {
    for (const problem of KEYCHAIN_PROBLEMS) {
      const text = translator('fr')('notices.keychain-unavailable', { problem });
      expect(text).toBe(
        `${fr.notices['keychain-unavailable'].split('$t(')[0]}${fr.settings.keychain.problem[problem]}`,
      );
      expect(translator('en')('notices.keychain-unavailable', { problem })).toContain(
        en.settings.keychain.problem[problem],
      );
    }
    const french = translator('fr')('notices.keychain-unavailable', { problem: 'no-secret-service' });
    expect(french).toContain('Aucun service de trousseau ne tourne');
    expect(french).not.toMatch(/keyring service|is running|\bInstall\b/);
  });

  it('every notice kind has a sentence in both languages', () => {
    const kinds: NoticeKind[] = ['cache-rebuilt', 'keychain-unavailable', 'session-expired', 'backend-missed-calls'];
    for (const kind of kinds) {
      expect(en.notices[kind]).toBeTruthy();
      expect(fr.notices[kind]).toBeTruthy();
    }
  });

  it('interpolation placeholders match between languages', () => {
    for (const key of keys(en)) {
      const placeholders = (text: unknown) => [...String(text).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
      expect(placeholders(lookup(fr, key)), key).toEqual(placeholders(lookup(en, key)));
    }
  });
});
