// One runner across the workspaces. ts-jest only transpiles (type checking is `npm run build`),
// which keeps the suite fast on small machines.
//
// Every project's rootDir is the repository and `roots` keeps it to its own folder: Jest instruments
// no file outside a project's rootDir for coverage, and the chaincode's and the client's tests run
// @sealpact/protocol's code too.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }];

function project(name) {
    return {
        displayName: name,
        rootDir: __dirname,
        roots: [`<rootDir>/${name}`],
        testEnvironment: 'node',
        testMatch: [`<rootDir>/${name}/**/*.test.ts`],
        testPathIgnorePatterns: ['/node_modules/', '/dist/', '/dist-bench/'],
        transform: { '^.+\\.ts$': tsJest },
        // @sealpact/protocol resolves to its build output at run time; tests read its TypeScript
        // source instead, so no build is needed first and an edit there is seen at once.
        moduleNameMapper: {
            '^@sealpact/protocol$': '<rootDir>/protocol/src',
            '^@sealpact/protocol/fabric$': '<rootDir>/protocol/src/fabric',
        },
    };
}

// Integration tests in test/ run against the real Fabric network (network/): globalSetup starts it
// when it is not up, globalTeardown stops what setup started. `npm test` runs them after the unit tests.
const integration = {
    ...project('test'),
    displayName: 'integration',
    globalSetup: '<rootDir>/test/global-setup.js',
    globalTeardown: '<rootDir>/test/global-teardown.js',
};

module.exports = {
    projects: [project('protocol'), project('chaincode'), project('client'), project('web'), integration],
    // Coverage of the unit tests (`npm test` runs them with --coverage): the workspaces' sources, not
    // tests, test support, benchmarks, the baseline chaincode or the demo (the integration tests and
    // `npm run demo` run it on the network). Istanbul (babel) instrumentation: v8's took twice the
    // CPU time here. coverage-floor.json is the floor; it only goes up (scripts/coverage-floor.mjs).
    collectCoverageFrom: [
        '{protocol,chaincode,client}/src/**/*.ts',
        '!**/*.test.ts',
        '!**/*.d.ts',
        '!*/src/test-support/**',
        '!*/src/bench/**',
        '!chaincode/src/baseline/**',
        '!client/src/demo/**',
    ],
    coverageProvider: 'babel',
    coverageReporters: ['text-summary', 'json-summary'],
    coverageThreshold: { global: require('./coverage-floor.json') },
};
