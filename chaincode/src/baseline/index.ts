import { Context, Contract, Info, Transaction } from 'fabric-contract-api';

/**
 * Benchmark only: the cheapest useful chaincode, one PutState per transaction, which
 * `npm run bench:e2e` deploys next to Sealpact (same channel, same endorsement policy) to compare
 * ShareFile's throughput against. It lets anyone write any key, so it is not part of the Sealpact
 * contract (chaincode/src/index.ts does not export it) and network:up never deploys it;
 * network/scripts/deploy-baseline.mjs serves it as its own chaincode-as-a-service.
 */
@Info({ title: 'Baseline', description: 'Benchmark baseline: one PutState per transaction' })
export class BaselineContract extends Contract {
    constructor() {
        super('baseline');
    }

    /** Writes `value` under `key`: a single PutState, nothing read. */
    @Transaction()
    async Put(ctx: Context, key: string, value: string): Promise<void> {
        await ctx.stub.putState(key, Buffer.from(value, 'utf8'));
    }
}

/** The contracts fabric-chaincode-node serves when pointed at this module. */
export const contracts: (typeof BaselineContract)[] = [BaselineContract];
