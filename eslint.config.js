// Flat config: typescript-eslint recommended rules plus the project's import boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const programs = ['registrator', 'template-renderer', 'gateway'];

/** common/ imports no program; a program imports another only through its index.ts. */
function boundaries(folder) {
  const others = programs.filter((p) => p !== folder);
  const patterns =
    folder === 'common'
      ? programs.map((p) => ({
          group: [`**/${p}/**`, `**/${p}`],
          message: 'common/ must not import a program',
        }))
      : others.map((p) => ({
          group: [`**/${p}/*`, `!**/${p}/index.js`],
          message: `${folder}/ may use ${p}/ only through ${p}/index.js`,
        }));
  return {
    files: [`${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '.run/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Library code never exits the process or reads the environment: only cli.ts does.
    files: [
      'common/**/*.ts',
      'registrator/**/*.ts',
      'template-renderer/**/*.ts',
      'gateway/**/*.ts',
    ],
    ignores: ['**/cli.ts', 'common/cli/run-cli.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'only cli.ts may exit' },
        { object: 'process', property: 'env', message: 'only cli.ts reads the environment' },
        { object: 'process', property: 'argv', message: 'only cli.ts reads argv' },
      ],
    },
  },
  boundaries('common'),
  ...programs.map(boundaries),
);
