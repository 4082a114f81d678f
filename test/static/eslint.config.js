// ESLint for the whole tree, with typescript-eslint's type-aware rules only where the type checker
// (tsc -b, strict) cannot see the bug: a promise nobody awaits or catches, a promise handed to
// something that expects a plain function, a switch over a union that forgets a member.
// Style is not linted here. Run by `make lint` (part of `make test`).
import tseslint from 'typescript-eslint';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export default tseslint.config(
  { basePath: root, ignores: ['**/dist/**', '**/node_modules/**', 'test-output/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    basePath: root,
    files: ['**/*.ts'],
    // Off: the tree carries directives for rules of other setups (no-control-regex, no-explicit-any) that this config does not run.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        tsconfigRootDir: root,
        // Every .ts file belongs to exactly one of these projects (sources, the web UI, libprocess-ts, tests).
        project: ['./tsconfig.json', './libprocess-ts/tsconfig.json', './master/webui/tsconfig.json', './tsconfig.test.json'],
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
);
