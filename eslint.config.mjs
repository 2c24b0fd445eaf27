import js from '@eslint/js';
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['**/dist/**', '**/dist-bench/**', '**/node_modules/**', 'network/.*/**', 'coverage/**'] },
    js.configs.recommended,
    // Type-aware: floating promises, unsafe any, conditions always true or false, and the like.
    ...tseslint.configs.strictTypeChecked,
    {
        languageOptions: {
            // One program for every TypeScript file: the one `tsc -p tsconfig.json` checks in npm run lint.
            parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            // Past 15 paths a function has steps that want names of their own (SDK send was 16 before it
            // was split). ESLint's default, 20, lets such functions grow; 10 would split validators that
            // read best as one list of checks.
            complexity: ['error', 15],
            // A number in a template reads as String(n) does; undefined, null, objects and any stay errors.
            '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
        },
    },
    {
        // The browser app has a program of its own: the DOM's types, not Node's (its tests add Node's).
        files: ['web/src/**/*.ts'],
        languageOptions: {
            parserOptions: { project: './web/tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
        },
    },
    {
        // Scripts and configs in JavaScript: no types to check them with.
        files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
        ...tseslint.configs.disableTypeChecked,
    },
    {
        files: ['**/*.js', '**/*.cjs'],
        languageOptions: {
            sourceType: 'commonjs',
            globals: {
                require: 'readonly',
                module: 'writable',
                __dirname: 'readonly',
                process: 'readonly',
                console: 'readonly',
            },
        },
        rules: { '@typescript-eslint/no-require-imports': 'off' },
    },
    {
        files: ['**/*.test.ts', '**/test-support/**/*.ts', 'test/**/*.ts'],
        ...jest.configs['flat/recommended'],
        rules: {
            ...jest.configs['flat/recommended'].rules,
            // Assertion helpers (expectError, expectRejection, ...) and property runs (fuzz, fc.assert) assert.
            'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'fuzz', 'fc.assert'] }],
            // expect(() => f()).toThrow() is how jest tests a call that throws, whatever f returns.
            '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
        },
    },
);
