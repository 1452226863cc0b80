// One linter for the whole tree, with the process boundaries as rules:
// - the renderer (and the preview shim, which runs in the page) cannot import main, core, preload or Node built-ins;
// - the core cannot import `electron` (it runs and is tested under plain Node);
// - shared imports nothing of ours.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Bare names here; `node:`-prefixed ones are caught by a pattern.
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));
const mainOnlyPackages = ['electron', 'better-sqlite3', 'keytar', 'undici'];

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
    files: ['src/main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^electron(/|$)',
              message: 'The core is plain Node: keep Electron in src/main/index.ts and src/main/ipc.ts.',
            },
            {
              regex: '(^|/)(renderer|preload|preview)(/|$)',
              message: 'The core cannot import the shells or the page.',
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
