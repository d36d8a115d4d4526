import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'web/dist', '.tally-data', 'src/db/migrations', 'coverage', 'artifacts', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration in src/config.ts only.',
        },
      ],
    },
  },
  {
    // src/domain is pure: the clock and randomness are injected (a `now` argument, ids made by src/ids.ts).
    files: ['src/domain/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Read configuration in src/config.ts only.' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'src/domain takes the time as an argument.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'src/domain takes the time as an argument.' },
        { selector: "CallExpression[callee.object.name='DateTime'][callee.property.name='now']", message: 'src/domain takes the time as an argument.' },
        {
          selector: "CallExpression[callee.object.name='DateTime'][callee.property.name=/^(local|utc)$/][arguments.length=0]",
          message: 'src/domain takes the time as an argument.',
        },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'src/domain takes randomness as an argument.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: ['crypto', 'node:crypto'].map((name) => ({
            name,
            importNames: ['randomBytes', 'randomUUID', 'randomInt', 'getRandomValues', 'webcrypto'],
            message: 'src/domain takes randomness as an argument; ids come from src/ids.ts.',
          })),
        },
      ],
    },
  },
  {
    files: ['src/config.ts', 'test/**', 'bench/**', 'src/cli/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
