import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Findings } from './chaos-checks';
import { FaultKind, FaultRecord } from './chaos-faults';
import { Operation, OperationKind, Outcome } from './chaos-log';
import { ROOT } from './fabric';

/** Where the last run's report goes (network/.data is the network's own, git-ignored state). */
export const REPORT_PATH = join(ROOT, 'network', '.data', 'chaos-report.json');
/** Every operation of the last run, for a closer look at what a fault did. */
export const OPERATIONS_PATH = join(ROOT, 'network', '.data', 'chaos-operations.json');

/** Times are seconds, rounded to tenths; fault times count from the start of the load. */
export interface ChaosReport {
    startedAt: string;
    /** "short" (npm test) or "N minutes" (npm run chaos). */
    run: string;
    seconds: number;
    load: {
        workers: string[];
        operations: number;
        /** Operations started per second, and succeeded per second, over the whole run. */
        perSecond: number;
        okPerSecond: number;
        /** Operations succeeded per second outside every fault (from its injection until it was recovered from). */
        steadyOkPerSecond: number;
        byKind: Record<OperationKind, Record<Outcome, number>>;
    };
    outcomes: Record<Outcome, number>;
    codes: Record<string, number>;
    faults: {
        kind: FaultKind;
        target: string;
        injectedAt: number;
        /** From injection until resumed: the hold of a freeze or cut, the supervisor's restart of a kill. */
        down: number;
        /** From resumption until every worker succeeded again; null if it did not in the wait. */
        recovery: number | null;
        newLeader?: number | null;
        /** Operations that ended failed, unknown-commit or untyped between injection and recovery. */
        failedOps: number;
    }[];
    /** Committed operations not on the ledger, plus operations that never ended: must be 0. */
    lost: number;
    findings: Findings;
}

const OUTCOMES: Outcome[] = ['ok', 'failed', 'unknown-commit', 'untyped'];
const KINDS: OperationKind[] = ['send', 'receive', 'sign'];

function seconds(ms: number): number {
    return Math.round(ms / 100) / 10;
}

function countOutcomes(ops: Operation[]): Record<Outcome, number> {
    return Object.fromEntries(OUTCOMES.map((o) => [o, ops.filter((op) => op.outcome === o).length])) as Record<
        Outcome,
        number
    >;
}

export function chaosReport(options: {
    run: string;
    startedAt: number;
    endedAt: number;
    workers: string[];
    operations: Operation[];
    faults: FaultRecord[];
    findings: Findings;
}): ChaosReport {
    const { startedAt, endedAt, operations: ops, findings } = options;
    const outcomes = countOutcomes(ops);
    const steadyOk = ops.filter(
        (op) => op.outcome === 'ok' && !options.faults.some((fault) => during(op, fault, endedAt)),
    );
    const faultTime = options.faults.reduce((sum, fault) => sum + (windowEnd(fault, endedAt) - fault.injectedAt), 0);
    return {
        startedAt: new Date(startedAt).toISOString(),
        run: options.run,
        seconds: seconds(endedAt - startedAt),
        load: {
            workers: options.workers,
            operations: ops.length,
            perSecond: perSecond(ops.length, endedAt - startedAt),
            okPerSecond: perSecond(outcomes.ok, endedAt - startedAt),
            steadyOkPerSecond: perSecond(steadyOk.length, endedAt - startedAt - faultTime),
            byKind: Object.fromEntries(
                KINDS.map((kind) => [kind, countOutcomes(ops.filter((op) => op.kind === kind))]),
            ) as Record<OperationKind, Record<Outcome, number>>,
        },
        outcomes,
        codes: findings.codes,
        faults: options.faults.map((fault) => faultSummary(fault, startedAt, ops, endedAt)),
        lost: findings.lostSends.length + findings.lostSigns.length + findings.hung.length,
        findings,
    };
}

/** A fault lasts from its injection until it was recovered from (until `end` when it was not). */
function windowEnd(fault: FaultRecord, end: number): number {
    return fault.recoveredAt ?? end;
}

function during(op: Operation, fault: FaultRecord, end: number): boolean {
    return op.endedAt !== undefined && op.endedAt >= fault.injectedAt && op.endedAt <= windowEnd(fault, end);
}

/** One fault as the report gives it, `end` standing for its recovery when it was not recovered from. */
export function faultSummary(
    fault: FaultRecord,
    startedAt: number,
    ops: Operation[],
    end: number,
): ChaosReport['faults'][number] {
    return {
        kind: fault.kind,
        target: fault.target,
        injectedAt: seconds(fault.injectedAt - startedAt),
        down: seconds(fault.resumedAt - fault.injectedAt),
        recovery: fault.recoveryMs === undefined ? null : seconds(fault.recoveryMs),
        ...(fault.kind === 'leader-kill' && {
            newLeader: fault.newLeaderMs === undefined ? null : seconds(fault.newLeaderMs),
        }),
        failedOps: ops.filter((op) => op.outcome !== 'ok' && during(op, fault, end)).length,
    };
}

/** One line per fault. */
export function formatFault(fault: ChaosReport['faults'][number]): string {
    return (
        `[chaos]   ${fault.kind.padEnd(15)} ${fault.target.padEnd(30)} +${fault.injectedAt} s, ` +
        `down ${fault.down} s, recovered ${fault.recovery === null ? 'NOT' : `${fault.recovery} s`}` +
        (fault.newLeader === undefined ? '' : `, new leader ${fault.newLeader ?? 'NONE'} s`) +
        `, ${fault.failedOps} failed`
    );
}

function perSecond(count: number, ms: number): number {
    return ms > 0 ? Math.round((count / ms) * 10_000) / 10 : 0;
}

/** The report in a few lines, for the test's output. */
export function formatReport(report: ChaosReport): string {
    const { load, outcomes } = report;
    const kinds = KINDS.map((kind) => `${kind} ${OUTCOMES.map((o) => load.byKind[kind][o]).join('/')}`);
    const codes = Object.entries(report.codes).map(([code, n]) => `${code} ${n}`);
    const f = report.findings;
    return [
        `[chaos] ${report.run} run, ${report.seconds} s, ${load.workers.length} workers: ` +
            `${load.perSecond} ops/s started, ${load.okPerSecond} ok/s (${load.steadyOkPerSecond} ok/s between faults)`,
        `[chaos] ${load.operations} operations: ${OUTCOMES.map((o) => `${o} ${outcomes[o]}`).join(', ')}` +
            ` (ok/failed/unknown/untyped: ${kinds.join(', ')})`,
        `[chaos] failure codes: ${codes.length > 0 ? codes.join(', ') : 'none'}`,
        `[chaos] ${report.faults.length} faults (kind, target, at, down, recovered after, failed operations):`,
        ...report.faults.map(formatFault),
        `[chaos] lost ${report.lost}; ${f.committedSends} sends and ${f.committedSigns} signatures committed, ` +
            `${f.ledgerFiles} files on the ledger; COMMIT_UNKNOWN sends: ${f.unknownSends.committed} committed, ` +
            `${f.unknownSends.notCommitted} not; gc removed ${f.gcRemoved} blobs`,
    ].join('\n');
}

export function writeReport(report: ChaosReport): void {
    mkdirSync(dirname(REPORT_PATH), { recursive: true });
    writeFileSync(REPORT_PATH, JSON.stringify(report, null, 2) + '\n');
}

/** Every operation, its times in milliseconds from the start of the load: written even when a run fails. */
export function writeOperations(operations: Operation[], startedAt: number): void {
    const relative = operations.map((op) => ({
        ...op,
        startedAt: op.startedAt - startedAt,
        endedAt: op.endedAt === undefined ? undefined : op.endedAt - startedAt,
    }));
    mkdirSync(dirname(OPERATIONS_PATH), { recursive: true });
    writeFileSync(OPERATIONS_PATH, JSON.stringify(relative, null, 1) + '\n');
}
