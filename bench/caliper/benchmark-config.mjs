// Caliper's benchmark configuration: for each load level, in bench:e2e's order, a fixed-load round
// of baseline Put, of ShareFile and of GetFile, sent by two workers. No resource monitor: Caliper's
// process monitor runs `ps` and reads every process it watches on each sample, which cost 7 % of a
// core at 5-second samples on this 2-core machine, taken from the network it measures; the workload
// modules read the CPU of Caliper's own processes from /proc instead, at each round's start and end.
import path from 'node:path';
import { writeYaml } from './yaml-file.mjs';

/** Caliper workers: two processes, one per submitter, as bench:e2e's two submitters (alice, dave). */
export const WORKERS = 2;

export const WORKLOADS = [
    { name: 'put', title: 'baseline Put', module: 'workloads/put.js' },
    { name: 'share-file', title: 'ShareFile', module: 'workloads/share-file.js' },
    { name: 'get-file', title: 'GetFile (read)', module: 'workloads/get-file.js' },
];

/** The round label Caliper reports for a workload at a load level. */
export const roundLabel = (workload, load) => `${workload.name}-${load}`;

/**
 * Writes <outDir>/benchmark.yaml: `txCounts` by workload name; `workloadArguments` are passed to
 * every workload module.
 */
export function writeBenchmarkConfig({ loads, txCounts, workloadArguments, outDir }) {
    const rounds = loads.flatMap((load) =>
        WORKLOADS.map((workload) => ({
            label: roundLabel(workload, load),
            description: `${workload.title}, Caliper fixed-load controller asked for ${load} transactions in flight`,
            txNumber: txCounts[workload.name],
            rateControl: { type: 'fixed-load', opts: { transactionLoad: load } },
            workload: { module: workload.module, arguments: workloadArguments },
        })),
    );
    const config = {
        test: {
            name: 'sealpact',
            description: 'Sealpact on the native Fabric network: baseline Put, ShareFile and GetFile at fixed loads',
            workers: { number: WORKERS },
            rounds,
        },
    };
    return writeYaml(path.join(outDir, 'benchmark.yaml'), config);
}
