import { Shim } from 'fabric-shim';

/**
 * fabric-shim logs every message it exchanges with the peer at debug level, through winston,
 * and winston formats a message (with the JSON of each state response) before its transport drops
 * it for being below the level: a quarter of a chaincode server's CPU under load, spent on output
 * nobody sees. For each of the shim's loggers on a transaction's path whose level leaves debug
 * out, debug becomes a no-op on that logger (the shim's loggers are shared by name, so this is the
 * very logger the shim writes to). With CORE_CHAINCODE_LOGGING_LEVEL=DEBUG nothing changes.
 */
const HOT_LOGGERS = [
    'lib/handler.js',
    'lib/stub.js',
    'lib/iterators.js',
    'contracts-spi/chaincodefromcontract.js',
    'contracts-spi/datamarshall.js',
];

export function skipUnloggedShimDebug(): void {
    for (const name of HOT_LOGGERS) {
        const logger = Shim.newLogger(name);
        if (!logger.isDebugEnabled()) {
            logger.debug = () => logger;
        }
    }
}
