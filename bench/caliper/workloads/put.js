'use strict';
/**
 * Baseline: `Put(key, value)` on the baseline chaincode (one PutState of a 64-byte value), a new
 * key per transaction, as bench:e2e's baseline. Round arguments: run, baseline (its chaincode
 * name), submitters, statsDir.
 */
const { randomBytes } = require('node:crypto');
const { MeasuredWorkload } = require('./measured-workload');

class Put extends MeasuredWorkload {
    async initializeWorkloadModule(...args) {
        await super.initializeWorkloadModule(...args);
        this.value = randomBytes(48).toString('base64');
    }

    request(n) {
        const { run, baseline } = this.roundArguments;
        return {
            contractId: baseline,
            contractFunction: 'Put',
            contractArguments: [`caliper-${run}-r${this.roundIndex}-w${this.workerIndex}-${n}`, this.value],
        };
    }
}

module.exports.createWorkloadModule = () => new Put();
