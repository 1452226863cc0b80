/** The process boundaries are lint rules: prove they fire on deliberate violations, and stay quiet on clean code. */
import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, filePath) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'ava/core-stays-in-core')
    .map((m) => m.message);
}

describe('import boundaries', () => {
  it('fails a renderer file that imports main-process code', async () => {
    const errors = await boundaryErrors(
      'src/renderer/src/pages/Bad.tsx',
      "import { createCore } from '../../../main/core/app';\nexport const x = createCore;\n",
    );
    expect(errors.join('\n')).toMatch(/cannot import main-process code/);
  });

  it.each([
    ['node:fs', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['fs', "import { readFileSync } from 'fs';\nexport const x = readFileSync;\n"],
    ['electron', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n"],
    ['better-sqlite3', "import Database from 'better-sqlite3';\nexport const x = Database;\n"],
    ['the preload', "import '../../../preload/index';\n"],
  ])('fails a renderer file that imports %s', async (_name, code) => {
    expect(await boundaryErrors('src/renderer/src/Bad.tsx', code)).not.toEqual([]);
  });

  it('fails the preview shim (it runs in the page) when it imports Node', async () => {
    expect(await boundaryErrors('src/preview/shim/bad.ts', "import 'node:http';\n")).not.toEqual([]);
  });

  it('fails a core file that imports electron', async () => {
    const errors = await boundaryErrors(
      'src/main/core/bad.ts',
      "import { app } from 'electron';\nexport const x = app;\n",
    );
    expect(errors.join('\n')).toMatch(/plain Node/);
  });

  it.each([
    ['src/main/core/bad.ts', "import { registerIpc } from '../ipc';\nexport const x = registerIpc;\n"],
    ['src/main/core/bad.ts', "import '../index';\n"],
    ['src/main/core/bad.ts', "export { broadcast } from '../ipc';\n"],
    ['src/main/core/bad.ts', "export * from '../ipc';\n"],
    ['src/main/core/bad.ts', "export const load = () => import('../ipc');\n"],
    ['src/main/core/bad.ts', "import type { Caller } from '../ipc';\nexport type X = Caller;\n"],
    ['src/main/core/clients/bad.ts', "import { registerIpc } from '../../ipc';\nexport const x = registerIpc;\n"],
    ['src/main/core/cache/migrations/bad.ts', "import '../../../index';\n"],
    ['src/main/core/bad.ts', "import { x } from '../../shared/../main/ipc';\nexport const y = x;\n"],
    ['src/main/core/bad.ts', "import { x } from '../../../scripts/lib/deps.mjs';\nexport const y = x;\n"],
    ['src/main/core/bad.ts', "import { x } from '../../../test/fakes';\nexport const y = x;\n"],
    ['src/main/core/bad.ts', "import { x } from '/etc/x';\nexport const y = x;\n"],
    ['src/main/core/bad.ts', "import { x } from '../../renderer/src/store';\nexport const y = x;\n"],
    ['src/main/core/bad.ts', "import { x } from '../../preload';\nexport const y = x;\n"],
    ['src/main/core/bad.ts', "import { x } from '../../preview/server/host';\nexport const y = x;\n"],
  ])('fails a core file that leaves src/main/core for anything but shared: %s %s', async (file, code) => {
    const errors = await boundaryErrors(file, code);
    expect(errors.join('\n')).toMatch(/leaves src\/main\/core/);
  });

  it('fails a core file that requires the Electron shell', async () => {
    const errors = await boundaryErrors(
      'src/main/core/bad.ts',
      "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const x = require('../ipc');\n",
    );
    expect(errors.join('\n')).toMatch(/leaves src\/main\/core/);
  });

  it('lets a core file import core and shared at any depth, and packages', async () => {
    for (const [file, code] of [
      [
        'src/main/core/app.ts',
        "import { x } from './rpc';\nimport { y } from '../../shared/contract';\nexport const z = [x, y];\n",
      ],
      [
        'src/main/core/clients/good.ts',
        "import { x } from '../http/client';\nimport { y } from '../../../shared/domain';\nimport { z } from 'undici';\nexport const a = [x, y, z];\n",
      ],
      ['src/main/core/cache/migrations/good.ts', "import { x } from '../../cache';\nexport const a = x;\n"],
    ]) {
      expect(await boundaryErrors(file!, code!), file).toEqual([]);
    }
  });

  it('fails a shared file that imports anything of ours outside shared, or Node', async () => {
    expect(
      await boundaryErrors('src/shared/bad.ts', "import { x } from '../main/core/app';\nexport const y = x;\n"),
    ).not.toEqual([]);
    expect(
      await boundaryErrors('src/shared/bad.ts', "import { join } from 'node:path';\nexport const y = join;\n"),
    ).not.toEqual([]);
  });

  it('accepts the legitimate imports of each side', async () => {
    expect(
      await boundaryErrors(
        'src/renderer/src/Good.tsx',
        "import type { AvaApi } from '../../shared/contract';\nimport { useState } from 'react';\nexport type X = AvaApi;\nexport const y = useState;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryErrors(
        'src/main/core/good.ts',
        "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryErrors(
        'src/shared/good.ts',
        "import { z } from 'zod';\nimport { x } from './y';\nexport const a = [z, x];\n",
      ),
    ).toEqual([]);
  });
});

describe('UI text through i18n', () => {
  async function textErrors(code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, 'src/renderer/src/pages/Bad.tsx') });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
  }
  const wrap = (jsx: string): string =>
    "import { useTranslation } from 'react-i18next';\n" +
    'export function Bad(): React.ReactElement {\n  const { t } = useTranslation();\n' +
    `  return ${jsx};\n}\n`;

  it.each([
    ['text between tags', '<p>Sync now</p>'],
    ['accented text', '<p>Réglages</p>'],
    ['a placeholder', '<input placeholder="Paste the key" />'],
    ['an aria-label', '<nav aria-label="Main" />'],
    ['a string in braces', "<p>{'Sync now'}</p>"],
  ])('fails a component with %s written in', async (_name, jsx) => {
    expect((await textErrors(wrap(jsx))).join('\n')).toMatch(/UI text goes through i18n/);
  });

  it('passes text from t(), numbers and punctuation', async () => {
    expect(await textErrors(wrap("<p title={t('a.b')}>{t('a.c')} — 3 / 4 · {'—'}</p>"))).toEqual([]);
  });
});
