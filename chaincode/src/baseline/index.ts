import { Context, Contract, Info, Transaction } from 'fabric-contract-api';
import { skipUnloggedShimLevels } from '../shim-logging';

/**
 * Benchmark only: the cheapest useful chaincode, one PutState per transaction (Put), and
 * ShareFile's state calls without its rules (ReadWrite), which `npm run bench:e2e` deploys next to
 * Sealpact (same channel, same endorsement policy) to compare ShareFile's throughput against. It
 * lets anyone write any key, so it is not part of the Sealpact contract (chaincode/src/index.ts
 * does not export it) and network:up never deploys it; network/scripts/deploy-baseline.mjs serves
 * it as its own chaincode-as-a-service.
 */
@Info({ title: 'Baseline', description: "Benchmark baseline: one PutState, or ShareFile's state calls" })
export class BaselineContract extends Contract {
    constructor() {
        super('baseline');
    }

    /** Writes `value` under `key`: a single PutState, nothing read. */
    @Transaction()
    async Put(ctx: Context, key: string, value: string): Promise<void> {
        await ctx.stub.putState(key, Buffer.from(value, 'utf8'));
    }

    /**
     * The state calls of a Sealpact ShareFile and none of its rules: reads each key of `readKeys`
     * (a JSON array of at most 16), writes `value` under `${prefix}/0` … `${prefix}/${writes - 1}`
     * (at most 16) and sets an event carrying `value`. What those calls cost, apart from the checks.
     */
    @Transaction()
    async ReadWrite(ctx: Context, readKeys: string, prefix: string, writes: string, value: string): Promise<void> {
        const keys = parsedKeys(readKeys);
        const count = Number(writes);
        if (!Number.isInteger(count) || count < 0 || count > 16) {
            throw new Error('writes must be an integer from 0 to 16');
        }
        const bytes = Buffer.from(value, 'utf8');
        for (const key of keys) await ctx.stub.getState(key);
        for (let i = 0; i < count; i++) await ctx.stub.putState(`${prefix}/${i}`, bytes);
        ctx.stub.setEvent('ReadWrite', bytes);
    }
}

/** `readKeys` as ReadWrite takes it: a JSON array of at most 16 strings. */
function parsedKeys(readKeys: string): string[] {
    let keys: unknown;
    try {
        keys = JSON.parse(readKeys);
    } catch {
        keys = undefined;
    }
    if (!Array.isArray(keys) || keys.length > 16 || !keys.every((k) => typeof k === 'string')) {
        throw new Error('readKeys must be a JSON array of at most 16 strings');
    }
    return keys;
}

// As in Sealpact's chaincode, so that the comparison is of the work each transaction does.
skipUnloggedShimLevels();

/** The contracts fabric-chaincode-node serves when pointed at this module. */
export const contracts: (typeof BaselineContract)[] = [BaselineContract];
