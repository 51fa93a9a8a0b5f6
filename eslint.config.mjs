// @ts-check
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'bench/data/**', '.vaecf/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Lua goes through libs/store/src/lua-script.ts (EVALSHA, the text sent once), every script in scripts.ts.
      'no-restricted-properties': [
        'error',
        { property: 'eval', message: 'Put the script in libs/store/src/scripts.ts and call LuaScript.run.' },
        {
          property: 'evalsha',
          message: 'Put the script in libs/store/src/scripts.ts and call LuaScript.run.',
        },
      ],
    },
  },
  {
    // Type-aware: a promise nobody awaits (or handed where a void callback is expected) loses its
    // rejection, which Node turns into a crash or a silent stop. Only these two type-checked rules.
    // One program from the root tsconfig.json (it includes apps, libs, their tests and test/):
    // projectService opened each package's own tsconfig as well, 95 s and 1.9 GB for `eslint apps libs
    // test` here against 67 s and 1.2 GB this way (19 s without type information).
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // The store (Redis persistence) is used by the use cases, never the reverse (libs/store/test/import-boundary.test.ts).
    files: ['libs/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@vaecf/orchestration', '@vaecf/orchestration/*', '**/orchestration/**', 'bullmq'],
              message:
                'libs/store must not depend on libs/orchestration (nor on BullMQ): orchestration -> store only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
