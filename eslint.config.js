/** @module eslint.config — flat ESLint config, one named block per folder/runtime */
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import pluginVue from 'eslint-plugin-vue'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import vueParser from 'vue-eslint-parser'

const TS = ['**/*.ts', '**/*.mts', '**/*.cts']
const TESTS = ['**/*.test.ts', '**/*.spec.ts']

// Node core modules, by bare and `node:` name: envelope, keyring and client must run unchanged in browsers.
const NODE_IMPORTS = {
  patterns: [
    {
      regex: '^node:',
      message: 'packages/envelope and packages/keyring run in browsers too: no Node APIs.',
    },
  ],
  paths: ['fs', 'path', 'crypto', 'os', 'buffer', 'stream', 'util', 'url', 'process'].map(
    (name) => ({
      name,
      message: 'packages/envelope and packages/keyring run in browsers too: no Node APIs.',
    }),
  ),
}

// TypeScript turns `no-undef` off, so a forbidden global has to be named to be caught.
const DOM_AND_NODE_GLOBALS = [
  'window',
  'document',
  'navigator',
  'location',
  'localStorage',
  'sessionStorage',
  'fetch',
  'process',
  'Buffer',
  'require',
  'module',
  'global',
  '__dirname',
  '__filename',
  'setImmediate',
].map((name) => ({
  name,
  message: 'packages/envelope and packages/keyring: no DOM or Node globals.',
}))

// Product code draws randomness from crypto.getRandomValues only (house rule).
const NO_MATH_RANDOM = {
  object: 'Math',
  property: 'random',
  message: 'Use crypto.getRandomValues(); Math.random() is not a CSPRNG.',
}

export default defineConfig([
  globalIgnores(
    [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      '**/.test-results/**',
      '**/.bench/**',
      'data/**',
      'screenshots/**',
    ],
    'secretsentry/ignores',
  ),

  {
    name: 'secretsentry/js',
    files: ['**/*.{js,mjs,cjs,ts,mts,cts,vue}'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  {
    name: 'secretsentry/typescript',
    files: [...TS, '**/*.vue'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'separate-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },

  {
    name: 'secretsentry/product-code',
    files: ['packages/*/src/**', 'apps/*/src/**'],
    ignores: TESTS,
    rules: { 'no-restricted-properties': ['error', NO_MATH_RANDOM] },
  },

  {
    name: 'secretsentry/envelope',
    files: ['envelope', 'keyring', 'client'].map((pkg) => `packages/${pkg}/**/*.{ts,js,mjs}`),
    ignores: TESTS,
    languageOptions: { globals: { ...globals.es2021 } },
    rules: {
      'no-restricted-imports': ['error', NODE_IMPORTS],
      'no-restricted-globals': ['error', ...DOM_AND_NODE_GLOBALS],
    },
  },

  {
    name: 'secretsentry/envelope-tests',
    files: ['envelope', 'keyring', 'client'].flatMap((pkg) =>
      TESTS.map((glob) => `packages/${pkg}/${glob}`),
    ),
    languageOptions: { globals: { ...globals.node } },
  },

  {
    name: 'secretsentry/contract',
    files: ['packages/contract/**/*.{ts,js,mjs}'],
    languageOptions: { globals: { ...globals.es2021 } },
  },

  {
    name: 'secretsentry/node',
    files: [
      'apps/server/**/*.{ts,js,mjs,cjs}',
      'apps/cli/**/*.{ts,js,mjs}',
      'packages/sdk/**/*.{ts,js,mjs}',
      'scripts/**/*.{ts,js,mjs}',
      'bench/**/*.{ts,js,mjs}',
      'e2e/**/*.{ts,js,mjs}',
      'infra/**/*.{ts,js,mjs,cjs}',
      '*.{js,mjs,cjs,ts}',
      '**/vite.config.ts',
      '**/vitest.config.ts',
    ],
    languageOptions: { globals: { ...globals.node } },
  },

  {
    // page.evaluate() callbacks run in the browser.
    name: 'secretsentry/e2e-browser',
    files: ['e2e/**/*.{ts,js,mjs}'],
    languageOptions: { globals: { ...globals.browser } },
  },

  {
    name: 'secretsentry/web',
    files: ['apps/web/**/*.{ts,vue}'],
    ignores: ['apps/web/vite.config.ts', 'apps/web/vitest.config.ts'],
    extends: [pluginVue.configs['flat/recommended']],
    languageOptions: {
      globals: { ...globals.browser },
      parser: vueParser,
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.vue'],
        sourceType: 'module',
      },
    },
    rules: {
      // vue-tsc checks names in .vue files, as tsc does for .ts (typescript-eslint's advice).
      'no-undef': 'off',
      // Route views and App.vue are single words by convention.
      'vue/multi-word-component-names': 'off',
    },
  },

  { name: 'secretsentry/prettier', extends: [prettier] },
])
