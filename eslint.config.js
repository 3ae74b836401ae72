// Lint for promise mistakes and unsafe types, with the type information tsc has.
// Formatting is Biome's job (`npm run format`); nothing here checks layout.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/', 'templates/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // One program for src/ and test/, with the compiler's own settings.
        project: './tsconfig.test.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // The two this lint is here for: a promise nobody awaits or catches, and one passed where
      // a plain callback is expected (an async listener whose rejection nobody sees).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // An async function without await still returns a promise and turns a throw into a
      // rejection; stand-ins and handlers that implement a Promise-returning interface rely on that.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore marks a name kept for its position or to leave a field out of a rest.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read JSON.parse output and mock call arguments, which are typed any; a wrong
      // shape fails the assertion that reads it, so typing each one adds nothing.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    // The benches, build.mjs, this file and the test helpers in .mjs are plain JavaScript
    // outside every tsconfig: they get the syntax rules, not the type-aware ones.
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
