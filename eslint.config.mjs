// Lint: the recommended rules of ESLint and typescript-eslint, and determinism guards for workflow code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['tmp-scratch/', 'node_modules/', 'data/', 'dist/', 'test-results/', 'stack/ferretdb/', 'web/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', setTimeout: 'readonly', clearTimeout: 'readonly', fetch: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      // Workflow code must be deterministic: no I/O modules, no real clocks or randomness of its own.
      'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'crypto', 'http', 'mongoose', '../models*', '../lib/*', '../activities/*'] }],
    },
  },
);
