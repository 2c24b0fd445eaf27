import { expect } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAfterwards, Findings } from './support/chaos-checks';
import { FaultKind, faultsOfRound, FaultRecord, FaultRun, runFault, untilFlowing } from './support/chaos-faults';
import { ChaosLoad } from './support/chaos-load';
import { Operation } from './support/chaos-log';
import { livePid, networkProcesses, Readiness, readChaosTopology, sleep, thawAll } from './support/chaos-network';
import {
    chaosReport,
    faultSummary,
    formatFault,
    formatReport,
    REPORT_PATH,
    writeOperations,
    writeReport,
} from './support/chaos-report';
import { s3Store, S3Server, startS3 } from './support/chaos-s3';
import { runId } from './support/fabric';
import { defined } from '../protocol/src/test-support/defined';

/**
 * Issue 15, item 4: under a steady load of sends, receives and signatures (two pairs of parties,
 * blobs in a real SeaweedFS), faults are injected one at a time with a recovery window between:
 * a peer frozen and one killed, the Raft leader killed, an organisation's chaincode server killed,
 * the S3 store frozen and killed, and a client's connection cut between submit and commit. Killed
 * processes come back through their supervisor. Afterwards, with everything resumed: nothing the
 * SDK reported committed is missing, ledger and bucket agree (after gc), every failure was a typed
 * SealpactError, and every fault was recovered from within 10 s. docs/reliability.md describes the
 * suite and its report (network/.data/chaos-report.json).
 *
 * `npm test` runs one round of the faults (about 3 minutes); `npm run chaos` (CHAOS_MINUTES, default
 * 10) repeats rounds, with longer holds, until that time is up.
 */

const MINUTES = Number(process.env.CHAOS_MINUTES ?? '0');
const LONG = MINUTES > 0;
/** How long a process stays frozen, a connection cut. */
const HOLD_MS = LONG ? 8_000 : 3_000;
/** Steady load before each fault, and at the end. */
const STEADY_MS = LONG ? 5_000 : 1_500;
/** Between a worker's operations. */
const PAUSE_MS = 100;
/** The bound: a new Raft leader, and every worker succeeding again, within this of a fault's resumption. */
const RECOVERY_BOUND_MS = 10_000;
/** How long the suite waits for a recovery, to measure one that is too slow (the SDK's commit deadline is 60 s). */
const RECOVERY_WAIT_MS = 90_000;
const FAULT_KINDS: FaultKind[] = [
    'peer-freeze',
    'peer-kill',
    'leader-kill',
    'chaincode-kill',
    's3-freeze',
    's3-kill',
    'connection-cut',
];
/** Any well-formed locator: the S3 store answering whether it holds it is the readiness probe. */
const PROBE_LOCATOR = `s3:sm3/${'0'.repeat(64)}`;

jest.setTimeout((LONG ? MINUTES + 10 : 8) * 60_000);

const topology = readChaosTopology();
const dir = mkdtempSync(join(tmpdir(), 'sealpact-chaos-'));
const faults: FaultRecord[] = [];
let server: S3Server | undefined;
let load: ChaosLoad | undefined;
let readiness: Readiness | undefined;
/** When the load started. */
let startedAt: number | undefined;
let findings: Findings;
let lost: number;

function faultRun(active: ChaosLoad, ready: Readiness): FaultRun {
    return {
        log: active.log,
        workers: active.workers,
        ready: () => ready.wait(),
        steadyMs: STEADY_MS,
        recoveryWaitMs: RECOVERY_WAIT_MS,
    };
}

/** Inject every kind of fault once per round, until the run's time is up (one round for npm test). */
async function injectFaults(active: ChaosLoad, s3: S3Server, ready: Readiness, loadStart: number): Promise<void> {
    for (let round = 0; round === 0 || Date.now() < loadStart + MINUTES * 60_000; round++) {
        for (const fault of faultsOfRound({ topology, s3, link: active.link, holdMs: HOLD_MS }, round)) {
            const record = await runFault(fault, faultRun(active, ready));
            faults.push(record);
            process.stdout.write(
                `${formatFault(faultSummary(record, loadStart, active.log.operations, Date.now()))}\n`,
            );
        }
    }
}

beforeAll(async () => {
    const stopped = networkProcesses(topology).filter((name) => livePid(name) === undefined);
    if (stopped.length > 0) {
        throw new Error(
            'the chaos suite needs a three-orderer network with a chaincode server per organisation, ' +
                `all running (network/.data/run/<name>.pid); not running: ${stopped.join(', ')}`,
        );
    }
    const s3 = (server = await startS3());
    const store = s3Store(s3);
    const ready = (readiness = new Readiness(
        topology,
        [
            ...networkProcesses(topology).map((name) => ({ name, pid: () => livePid(name) })),
            { name: 'the S3 store', pid: () => s3.pid() },
        ],
        () => store.has(PROBE_LOCATOR),
    ));
    const active = (load = await ChaosLoad.open({ server: s3, dir, run: runId(), pauseMs: PAUSE_MS }));

    const started = (startedAt = Date.now());
    active.start();
    try {
        await injectFaults(active, s3, ready, started);
    } finally {
        thawAll();
    }
    // Everything resumed and settled: the load flows steadily once more, then stops.
    await untilFlowing(faultRun(active, ready));
    await sleep(STEADY_MS);
    await active.stop(90_000);
    const endedAt = Date.now();

    findings = await checkAfterwards(active, store);
    const report = chaosReport({
        run: LONG ? `${MINUTES} minutes` : 'short',
        startedAt: started,
        endedAt,
        workers: active.workers,
        operations: active.log.operations,
        faults,
        findings,
    });
    lost = report.lost;
    writeReport(report);
    process.stdout.write(`${formatReport(report)}\n[chaos] report: ${REPORT_PATH}\n`);
});

afterAll(async () => {
    thawAll();
    await load?.stop(90_000);
    if (load && startedAt !== undefined) writeOperations(load.log.operations, startedAt);
    await load?.close();
    readiness?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
});

/** Every operation of the load. */
function operations(): Operation[] {
    return defined(load, 'the chaos load').log.operations;
}

it('injects every kind of fault under a load every worker kept up', () => {
    const rounds = Math.max(1, Math.ceil(faults.length / FAULT_KINDS.length));
    expect(faults.map((fault) => fault.kind)).toEqual(Array.from({ length: rounds }, () => FAULT_KINDS).flat());
    const idle = defined(load, 'the chaos load').workers.filter(
        (worker) => !operations().some((op) => op.worker === worker && op.outcome === 'ok'),
    );
    expect(idle).toEqual([]);
});

it('loses nothing: every send and signature the SDK reported committed is on the ledger, its blob verifies', () => {
    expect(findings.lostSends).toEqual([]);
    expect(findings.lostSigns).toEqual([]);
    expect(findings.hung).toEqual([]);
    expect(findings.mismatched).toEqual([]);
    expect(lost).toBe(0);
});

it('ledger and bucket agree: no file without its blob, and after gc no blob without its file', () => {
    expect(findings.filesWithoutBlob).toEqual([]);
    expect(findings.blobsWithoutFile).toEqual([]);
    // A send the SDK said certainly did not commit did not.
    expect(findings.failedButCommitted).toEqual([]);
});

it('every failure is a typed SealpactError (the codes seen are in the report)', () => {
    expect(findings.untyped).toEqual([]);
});

it('a send whose connection was cut between submit and commit ends COMMIT_UNKNOWN', () => {
    const cuts = faults.filter((fault) => fault.kind === 'connection-cut');
    const outcomes = cuts.map(
        (cut) => operations().find((op) => op.kind === 'send' && op.txId === cut.cutTxId)?.outcome,
    );
    expect(outcomes).toEqual(cuts.map(() => 'unknown-commit'));
});

it('Raft elects a new leader, and every worker succeeds again, within 10 s of each fault', () => {
    const late = (ms: number | undefined) => ms === undefined || ms > RECOVERY_BOUND_MS;
    expect(faults.filter((fault) => late(fault.recoveryMs))).toEqual([]);
    expect(faults.filter((fault) => fault.kind === 'leader-kill' && late(fault.newLeaderMs))).toEqual([]);
});
