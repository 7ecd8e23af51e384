import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';

/** zod only through src-shared/zod.ts, which configures zod/mini's English messages before any schema parses. */
const zodDirect = { regex: '^zod(/|$)', message: "import z from @shared/zod (inside src-shared: '../zod'), which configures zod/mini's messages." };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'native/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
    },
  },
  // The boundaries of DESIGN.md ("The typed API"): where code runs decides what it may import.
  {
    files: ['src-main/**', 'test/**', 'bench/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [zodDirect] }] },
  },
  {
    files: ['src-shared/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^node:', message: 'src-shared runs anywhere (the renderer bundles it): no node: modules.' },
          { regex: '^(electron|ws)$', message: 'src-shared runs anywhere: no electron, no server-side modules.' },
          { regex: '^@shared/', message: 'inside src-shared, import siblings by relative path.' },
          { regex: '^(\\.\\./)+(src-main|src-renderer|native|test|bench)(/|$)', message: 'src-shared imports nothing of ours outside itself.' },
          { regex: '^\\.\\./\\.\\./\\.\\.', message: 'src-shared imports nothing of ours outside itself.' },
          zodDirect,
        ],
      }],
    },
  },
  {
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '(^|/)src-main(/|$)', message: 'the renderer never imports src-main: shared code lives in src-shared (@shared/…).' },
          { regex: '(^|/)native(/|$)', message: 'the renderer never imports the native addon.' },
          { regex: '^node:', message: 'the renderer runs in a sandboxed browser page: no node: modules.' },
        ],
      }],
    },
  },
  {
    files: ['src-main/engine/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^electron$', message: 'the engine never imports Electron: it runs under plain Node.' },
          { regex: '^(\\.\\./)+(api|electron|server|cli)(/|$)', message: 'the engine never imports api/, electron/, server/ or cli/: they use it, not the reverse.' },
          { regex: '(^|/)src-renderer(/|$)', message: 'the engine never imports the renderer.' },
          zodDirect,
        ],
      }],
    },
  },
  // The one place zod is imported from (and its messages configured).
  {
    files: ['src-shared/zod.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
