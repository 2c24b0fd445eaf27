'use strict';
/**
 * `ShareFile` on the Sealpact chaincode, a new file id per transaction, with the arguments
 * bench/caliper/share-file-args.mjs prepared as bench:e2e prepares its own: the locator, size and
 * digest of one real upload, and credentials sealed once beforehand for bob and for the submitter
 * itself. So, as in bench:e2e, this measures the ledger, not crypto or file I/O. Round arguments:
 * run, sealpact (the chaincode name), shareFileArgs (the prepared JSON file), submitters, statsDir.
 */
const fs = require('node:fs');
const { MeasuredWorkload } = require('./measured-workload');

class ShareFile extends MeasuredWorkload {
    async initializeWorkloadModule(...args) {
        await super.initializeWorkloadModule(...args);
        this.share = JSON.parse(fs.readFileSync(this.roundArguments.shareFileArgs, 'utf8'));
    }

    request(n) {
        const { run, sealpact } = this.roundArguments;
        const { suite, digestAlgorithm, ciphertextDigest, size, locator, credentials } = this.share;
        return {
            contractId: sealpact,
            contractFunction: 'ShareFile',
            contractArguments: [
                `caliper-${run}-r${this.roundIndex}-w${this.workerIndex}-${n}`,
                suite,
                digestAlgorithm,
                ciphertextDigest,
                String(size),
                locator,
                credentials[this.invokerIdentity],
            ],
        };
    }
}

module.exports.createWorkloadModule = () => new ShareFile();
