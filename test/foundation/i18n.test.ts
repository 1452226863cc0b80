import { describe, expect, it } from 'vitest';
import { en } from '../../src/renderer/src/i18n/en';
import { fr } from '../../src/renderer/src/i18n/fr';
import { ERROR_CODES } from '../../src/shared/errors';
import type { NoticeKind } from '../../src/shared/domain';

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
