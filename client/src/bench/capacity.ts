import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CpuAttribution, cpuBetween, cpuSnapshot, CpuSnapshot, Group, GROUPS, mergeCpu } from './cpu';
import { percentiles } from './report';

/**
 * Throughput at a fixed number of operations in flight, with where the CPU went while it lasted.
 * Workers each keep one operation in flight until `count` have been started. The measurement
 * window opens when the first round is done (`inFlight` operations completed, after an untimed
 * warm-up of one operation per worker) and closes when the last operation starts: the span during
 * which the load was steadily `inFlight`, without the ramp-up or the drain after it.
 */

export interface Measurement {
    inFlight: number;
    /** Operations completed inside the steady window, per second of it. */
    tps: number;
    /** Operations completed inside the window. */
    completed: number;
    failed: number;
    firstError?: string;
    /** Over every operation started in the window, drain included. */
    latency: { median: number; p95: number };
    /** Every latency behind `latency`, in milliseconds. */
    latencies: number[];
    cpu: CpuAttribution;
    /** CPU milliseconds per completed operation, by group. */
    cpuPerOp: Record<Group, number>;
}

/** The levels and counts of a capacity run, from the environment (see e2e.ts and docs/benchmarks.md). */
export interface CapacityOptions {
    inFlight: number[];
    /** Passes through the workloads at each level, one workload after another in each (BENCH_PASSES). */
    passes: number;
    /** Operations per pass, level and workload: its share of the level's count, at least MIN_ROUNDS × in flight. */
    count: (workload: string, inFlight: number) => number;
}

/**
 * A pass's steady window runs from its first round's end to its last operation's start, and blocks
 * commit transactions in bursts: five rounds leave about three in the window.
 */
const MIN_ROUNDS = 5;

/** A comma-separated list of positive integers from `name`, or `fallback`. */
export function numberList(name: string, fallback: number[], env = process.env): number[] {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const list = value.split(',').map((item) => Number(item.trim()));
    if (list.some((n) => !Number.isSafeInteger(n) || n < 1)) {
        throw new Error(`${name} must be positive integers separated by commas, not "${value}"`);
    }
    return list;
}

/** A positive integer from `name`, or `fallback`. */
export function positive(name: string, fallback: number, env = process.env): number {
    const [n = fallback] = numberList(name, [fallback], env);
    return n;
}

export function capacityOptions(defaults: Record<string, { env: string; count: number }>, env = process.env) {
    const counts = Object.fromEntries(
        Object.entries(defaults).map(([workload, { env: name, count }]) => [workload, positive(name, count, env)]),
    );
    const passes = positive('BENCH_PASSES', 3, env);
    return {
        inFlight: numberList('BENCH_INFLIGHT', [8, 16, 32, 64], env),
        passes,
        count: (workload: string, inFlight: number) =>
            Math.max(Math.ceil((counts[workload] ?? 0) / passes), MIN_ROUNDS * inFlight),
    } satisfies CapacityOptions;
}

/**
 * `count` operations with `inFlight` in flight; `op(worker, i)` runs operation i on worker
 * `worker` (negative i for the warm-up). CPU is read from /proc for the processes in `runDir`.
 */
export async function measure(
    count: number,
    inFlight: number,
    runDir: string,
    op: (worker: number, i: number) => Promise<unknown>,
): Promise<Measurement> {
    // A warm-up operation that fails (say an endorsement timeout while the load starts) is not counted.
    await Promise.all(Array.from({ length: inFlight }, (_, w) => op(w, -1 - w).catch(() => undefined)));
    let next = 0;
    let failed = 0;
    let firstError: string | undefined;
    const latencies: number[] = [];
    const completions: number[] = [];
    let before: CpuSnapshot | undefined;
    let after: CpuSnapshot | undefined;
    await Promise.all(
        Array.from({ length: inFlight }, async (_, w) => {
            for (let i = next++; i < count; i = next++) {
                if (i === count - 1) after = cpuSnapshot(runDir);
                const start = performance.now();
                try {
                    await op(w, i);
                    const end = performance.now();
                    latencies.push(end - start);
                    if (completions.push(end) === inFlight) before = cpuSnapshot(runDir);
                } catch (err) {
                    failed++;
                    firstError ??= err instanceof Error ? err.message.split('\n')[0] : String(err);
                }
            }
        }),
    );
    if (before === undefined || after === undefined || after.at <= before.at) {
        throw new Error(`${count} operations at ${inFlight} in flight left no steady window; run more of them`);
    }
    const [from, to] = [before.at, after.at];
    const completed = completions.filter((at) => at > from && at <= to).length;
    const cpu = cpuBetween(before, after, cpus().length);
    return measurementOf({ inFlight, completed, failed, firstError, latencies, cpu });
}

/** Measurements of one workload at one level as one: throughput over all their windows together. */
export function mergeMeasurements(parts: Measurement[]): Measurement {
    const [first] = parts;
    if (first === undefined) throw new Error('no measurement to merge');
    return measurementOf({
        inFlight: first.inFlight,
        completed: parts.reduce((sum, m) => sum + m.completed, 0),
        failed: parts.reduce((sum, m) => sum + m.failed, 0),
        firstError: parts.find((m) => m.firstError !== undefined)?.firstError,
        latencies: parts.flatMap((m) => m.latencies),
        cpu: mergeCpu(parts.map((m) => m.cpu)),
    });
}

/** A measurement from what was counted: throughput, latency percentiles and CPU per operation derived. */
function measurementOf(
    counted: Pick<Measurement, 'inFlight' | 'completed' | 'failed' | 'firstError' | 'latencies' | 'cpu'>,
): Measurement {
    const { completed, latencies, cpu } = counted;
    return {
        ...counted,
        tps: completed / cpu.seconds,
        latency: latencies.length > 0 ? percentiles(latencies) : { median: NaN, p95: NaN },
        cpuPerOp: Object.fromEntries(
            GROUPS.map((group) => [group, completed > 0 ? cpu.byGroup[group] / completed : 0]),
        ) as Record<Group, number>,
    };
}

/** CPU ms per operation, all groups together. */
export function totalPerOp(m: Measurement): number {
    return Object.values(m.cpuPerOp).reduce((sum, ms) => sum + ms, 0);
}
