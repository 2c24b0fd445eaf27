import { Shim } from 'fabric-shim';
import { getLogger as contractApiLogger } from 'fabric-contract-api/lib/logger';

/**
 * fabric-shim and fabric-contract-api log every transaction and every message exchanged with the
 * peer through winston, and winston formats a message (with the JSON of each state response)
 * before its transport drops it for being below the level: under load, about a quarter of a
 * chaincode server's CPU went on output nobody sees. On each of their loggers on a transaction's
 * path, every level the logger leaves out becomes a no-op. Loggers are shared by name, so these are
 * the very loggers the libraries write to; a level the environment turns on is left alone.
 */
const SHIM_LOGGERS = [
    'lib/chaincode.js',
    'lib/handler.js',
    'lib/stub.js',
    'lib/iterators.js',
    'contracts-spi/chaincodefromcontract.js',
    'contracts-spi/datamarshall.js',
];
const CONTRACT_API_LOGGERS = ['./lib/jsontransactionserializer.js', './lib/contract.js'];
const QUIET_LEVELS = ['info', 'verbose', 'debug', 'silly'] as const;

interface LevelLogger {
    isLevelEnabled(level: string): boolean;
}

export function skipUnloggedShimLevels(): void {
    const loggers: LevelLogger[] = [
        ...SHIM_LOGGERS.map((name) => Shim.newLogger(name)),
        ...CONTRACT_API_LOGGERS.map((name) => contractApiLogger(name)),
    ];
    for (const logger of loggers) {
        for (const level of QUIET_LEVELS) {
            if (!logger.isLevelEnabled(level)) {
                Object.defineProperty(logger, level, { value: () => logger, configurable: true, writable: true });
            }
        }
    }
}
