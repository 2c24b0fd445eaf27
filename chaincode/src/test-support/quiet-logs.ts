// fabric-contract-api and fabric-shim log every annotation and every refused transaction at load
// and call time; the tests and the benchmark keep them quiet unless the level is set explicitly.
// Imported first by stub-network.ts, before those libraries create their loggers.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
