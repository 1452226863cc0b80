// One linter for the whole tree, with the process boundaries as rules:
// - the renderer (and the preview shim, which runs in the page) cannot import main, core, preload or Node built-ins;
// - the core cannot import `electron` (it runs and is tested under plain Node), nor anything of ours outside
//   src/main/core except src/shared (not the Electron shell: ../ipc, ../index);
// - shared imports nothing of ours.
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Bare names here; `node:`-prefixed ones are caught by a pattern.
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));
const mainOnlyPackages = ['electron', 'better-sqlite3', 'keytar', 'undici'];

const ROOT = import.meta.dirname;

const UI_TEXT_MESSAGE = 'UI text goes through i18n: t("...") with the words in src/renderer/src/i18n.';

/** True when `target` is `dir` or inside it. */
function inside(dir, target) {
  const rel = relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Paths are resolved, not pattern-matched, so the rule holds at any depth and through `a/../b`: every relative or
 * absolute import of a core file (import, export … from, import(), require) must land in src/main/core or src/shared.
 */
const coreStaysInCore = {
  meta: {
    type: 'problem',
    docs: { description: 'src/main/core imports nothing of ours outside src/main/core, except src/shared.' },
    schema: [],
    messages: {
      outside:
        "The core is plain Node and knows no shell: '{{source}}' leaves src/main/core. Only src/shared is allowed; the shells call the core, never the reverse.",
    },
  },
  create(context) {
    const allowed = [resolve(ROOT, 'src/main/core'), resolve(ROOT, 'src/shared')];
    const check = (node) => {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const source = node.value;
      if (!source.startsWith('.') && !isAbsolute(source)) return; // a package: other rules decide
      const target = resolve(dirname(context.filename), source);
      if (!allowed.some((dir) => inside(dir, target))) context.report({ node, messageId: 'outside', data: { source } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportEqualsDeclaration: (node) => check(node.moduleReference?.expression),
      TSImportType: (node) => check(node.argument?.literal ?? node.argument),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node.arguments[0]);
      },
    };
  },
};

const pageRules = {
  'no-restricted-imports': [
    'error',
    {
      paths: [...nodeBuiltins, ...mainOnlyPackages].map((name) => ({
        name,
        message: 'The renderer runs in a sandboxed page: reach main through window.ava only.',
      })),
      patterns: [
        {
          regex: '(^|/)(main|preload|preview/server)(/|$)',
          message: 'The renderer cannot import main-process code: use window.ava.',
        },
        { regex: '^node:', message: 'No Node built-ins in the renderer.' },
      ],
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'dist/**',
      'release/**',
      'coverage/**',
      'test-results/**',
      'playwright-report/**',
      '.native-cache/**',
      '.tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}', 'src/preview/shim/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: pageRules,
  },
  {
    // No UI text written into a component: every word the user reads comes from i18n (en.ts, fr.ts).
    files: ['src/renderer/src/**/*.tsx'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'JSXText[value=/\\p{L}/u]',
          message: UI_TEXT_MESSAGE,
        },
        {
          selector:
            'JSXAttribute[name.name=/^(placeholder|title|alt|aria-label|aria-description|label)$/] > Literal[value=/\\p{L}/u]',
          message: UI_TEXT_MESSAGE,
        },
        {
          selector: 'JSXExpressionContainer > Literal[value=/\\p{L}/u]',
          message: UI_TEXT_MESSAGE,
        },
      ],
    },
  },
  {
    files: ['src/main/core/**/*.ts'],
    plugins: { ava: { rules: { 'core-stays-in-core': coreStaysInCore } } },
    rules: {
      'ava/core-stays-in-core': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^electron(/|$)',
              message: 'The core is plain Node: keep Electron in src/main/index.ts and src/main/ipc.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, ...mainOnlyPackages].map((name) => ({
            name,
            message: 'shared runs in every process: no Node, no Electron.',
          })),
          patterns: [
            { regex: '^\\.\\./', message: 'shared imports nothing of ours outside src/shared.' },
            { regex: '^node:', message: 'shared runs in every process: no Node built-ins.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)(main|renderer|preview)(/|$)', message: 'The preload only bridges the shared contract.' },
          ],
        },
      ],
    },
  },
);
