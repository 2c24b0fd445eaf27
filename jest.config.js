// One runner across the workspaces. ts-jest only transpiles (type checking is `npm run build`),
// which keeps the suite fast on small machines.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.jest.json' }];

function project(name) {
    return {
        displayName: name,
        rootDir: `<rootDir>/${name}`,
        testEnvironment: 'node',
        testMatch: ['<rootDir>/**/*.test.ts'],
        testPathIgnorePatterns: ['/node_modules/', '/dist/'],
        transform: { '^.+\\.ts$': tsJest },
        // The client uses the chaincode's shared lib (key parsing, statements, errors) from its
        // build output at run time; tests read the TypeScript source so no build is needed first.
        moduleNameMapper: { '^@sealpact/chaincode/dist/(.*)$': '<rootDir>/../chaincode/src/$1' },
    };
}

module.exports = {
    projects: [project('chaincode'), project('client')],
};
