// One runner across the workspaces. ts-jest only transpiles (type checking is `npm run build`),
// which keeps the suite fast on small machines.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.jest.json' }];

function project(name) {
    return {
        displayName: name,
        rootDir: `<rootDir>/${name}`,
        testEnvironment: 'node',
        testMatch: ['<rootDir>/**/*.test.ts'],
        testPathIgnorePatterns: ['/node_modules/', '/dist/', '/dist-bench/'],
        transform: { '^.+\\.ts$': tsJest },
        // @sealpact/protocol resolves to its build output at run time; tests read its TypeScript
        // source instead, so no build is needed first and an edit there is seen at once.
        moduleNameMapper: { '^@sealpact/protocol$': '<rootDir>/../protocol/src' },
    };
}

// Integration tests in test/ run against the real Fabric network (network/): globalSetup starts it
// when it is not up, globalTeardown stops what setup started. `npm test` runs them after the unit tests.
const integration = {
    ...project('test'),
    displayName: 'integration',
    globalSetup: '<rootDir>/global-setup.js',
    globalTeardown: '<rootDir>/global-teardown.js',
};

module.exports = {
    projects: [project('protocol'), project('chaincode'), project('client'), integration],
};
