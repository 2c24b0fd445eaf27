import process from 'node:process';
import { SealpactContract } from './contract';
import { operationsOptionsFromEnv, startOperationsServer } from './operations';
import { skipUnloggedShimLevels } from './shim-logging';

export { SealpactContract } from './contract';

/** The contracts fabric-chaincode-node serves (`fabric-chaincode-node start|server`). */
export const contracts: (typeof SealpactContract)[] = [SealpactContract];

skipUnloggedShimLevels();

// The chaincode server loads this module: with SEALPACT_OPERATIONS_LISTENADDRESS set it also serves
// /healthz and /metrics (operations.ts). A server that cannot is misconfigured: it exits, as a peer
// whose operations port is taken does, rather than run unobserved.
const operations = operationsOptionsFromEnv(process.env);
if (operations) {
    startOperationsServer(operations).catch((err: unknown) => {
        console.error(`sealpact operations endpoint on ${operations.address}: ${(err as Error).message}`);
        process.exit(1);
    });
}
