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
      // Lua goes through libs/queue/src/lua-script.ts (EVALSHA, the text sent once), every script in scripts.ts.
      'no-restricted-properties': [
        'error',
        { property: 'eval', message: 'Put the script in libs/queue/src/scripts.ts and call LuaScript.run.' },
        {
          property: 'evalsha',
          message: 'Put the script in libs/queue/src/scripts.ts and call LuaScript.run.',
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
