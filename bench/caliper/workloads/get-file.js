'use strict';
/**
 * A read: `GetFile` of the file share-file-args.mjs shared (alice its owner, dave a recipient),
 * evaluated by the submitter's gateway peer alone (Caliper's readOnly request: no endorsement by
 * other organisations, nothing ordered or committed). Round arguments: sealpact, shareFileArgs,
 * submitters, statsDir.
 */
const fs = require('node:fs');
const { MeasuredWorkload } = require('./measured-workload');

class GetFile extends MeasuredWorkload {
    async initializeWorkloadModule(...args) {
        await super.initializeWorkloadModule(...args);
        this.fileId = JSON.parse(fs.readFileSync(this.roundArguments.shareFileArgs, 'utf8')).readFileId;
    }

    request() {
        return {
            contractId: this.roundArguments.sealpact,
            contractFunction: 'GetFile',
            contractArguments: [this.fileId],
            readOnly: true,
        };
    }
}

module.exports.createWorkloadModule = () => new GetFile();
