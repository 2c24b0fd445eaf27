import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Group } from './cpu';
import { CapacityOptions, measure, Measurement, mergeMeasurements, totalPerOp } from './capacity';
import { capacityPlot } from './plot';

/**
 * bench:e2e's capacity part: each workload at each level of operations in flight, the CPU each
 * process spent on it, and at one level (the cost level) the extra workloads that split a
 * transaction's cost into endorsement and the rest, and show what verified reads add to a send.
 */

/** One operation of a workload, run by worker `worker` (two submitters alternate by worker). */
export type Operation = (worker: number, i: number) => Promise<unknown>;

export interface Workloads {
    /** The capacity curve: measured at every level. */
    curve: { key: string; name: string; op: Operation }[];
    /** Measured at the cost level only. */
    cost: { key: string; name: string; op: Operation }[];
}

export interface CapacityResult {
    levels: { inFlight: number; results: Record<string, Measurement> }[];
    costLevel: number;
    cost: Record<string, Measurement>;
}

export async function runCapacity(
    workloads: Workloads,
    options: CapacityOptions & { costLevel: number; runDir: string },
): Promise<CapacityResult> {
    const levels: CapacityResult['levels'] = [];
    let cost: Record<string, Measurement> | undefined;
    for (const inFlight of options.inFlight) {
        console.log(`[bench:e2e] capacity, ${inFlight} in flight`);
        // At the cost level the cost workloads run in the same passes as the curve's, beside them.
        const atCostLevel = inFlight === options.costLevel;
        const results = await runLevel(
            atCostLevel ? [...workloads.curve, ...workloads.cost] : workloads.curve,
            inFlight,
            options,
        );
        levels.push({
            inFlight,
            results: Object.fromEntries(workloads.curve.map(({ key }) => [key, results[key] as Measurement])),
        });
        if (atCostLevel) cost = results;
    }
    if (cost === undefined) {
        console.log(`[bench:e2e] cost split, ${options.costLevel} in flight`);
        cost = await runLevel([...workloads.curve, ...workloads.cost], options.costLevel, options);
    }
    return { levels, costLevel: options.costLevel, cost };
}

/**
 * Each workload at `inFlight`, in `options.passes` passes that take the workloads one after another,
 * each workload's passes then merged: a minute in which this shared machine runs slow or fast falls
 * on every workload alike instead of on the one measured then, so their ratios hold.
 */
async function runLevel(
    list: Workloads['curve'],
    inFlight: number,
    options: CapacityOptions & { runDir: string },
): Promise<Record<string, Measurement>> {
    const parts: Record<string, Measurement[]> = {};
    for (let pass = 1; pass <= options.passes; pass++) {
        for (const { key, name, op } of list) {
            const m = await measure(options.count(key, inFlight), inFlight, options.runDir, op);
            console.log(
                `  pass ${pass}, ${name}: ${m.tps.toFixed(1)}/s, ${totalPerOp(m).toFixed(1)} CPU-ms/op` +
                    (m.failed ? `, ${m.failed} failed` : ''),
            );
            (parts[key] ??= []).push(m);
        }
    }
    const results: Record<string, Measurement> = {};
    for (const { key, name } of list) {
        const m = mergeMeasurements(parts[key] ?? []);
        logMeasurement(name, m);
        results[key] = m;
    }
    return results;
}

function logMeasurement(name: string, m: Measurement): void {
    const busiest = m.cpu.byProcess[0];
    console.log(
        `  ${name}: ${m.tps.toFixed(1)}/s (${m.completed} in ${m.cpu.seconds.toFixed(1)} s), latency median ` +
            `${m.latency.median.toFixed(0)} ms p95 ${m.latency.p95.toFixed(0)} ms; machine ${pct(m.cpu.machineBusy)} busy, ` +
            `${totalPerOp(m).toFixed(1)} CPU-ms/op; busiest ${busiest?.name ?? '-'} ${pct((busiest?.ms ?? 0) / (m.cpu.seconds * 1000))} of a core` +
            (m.failed ? `; ${m.failed} failed: ${m.firstError ?? ''}` : ''),
    );
    const others = m.cpu.busiestOthers.map((o) => `${o.command} ${(o.ms / Math.max(1, m.completed)).toFixed(1)}`);
    console.log(`    other per op: ${others.join(', ') || '-'}`);
    console.log(
        `    per op: ${m.cpu.byProcess
            .filter((p) => p.ms > 0)
            .map((p) => `${p.name} ${(p.ms / Math.max(1, m.completed)).toFixed(2)}`)
            .join(', ')}`,
    );
}

const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
const one = (n: number) => n.toFixed(1);
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');

/** The capacity table: throughput, ratios to the baseline, and latency, per level. */
export function capacityTable(result: CapacityResult): string {
    const rows = result.levels.map(({ inFlight, results: r }) => {
        const [put, share, send] = [r.put, r.shareFile, r.send];
        if (!put || !share || !send) throw new Error('capacity results lack a workload');
        const lat = (m: Measurement) => `${m.latency.median.toFixed(0)} / ${m.latency.p95.toFixed(0)}`;
        return (
            `| ${inFlight} | ${one(put.tps)} | ${one(share.tps)} | ${ratio(share.tps, put.tps)} | ${one(send.tps)} | ` +
            `${ratio(send.tps, put.tps)} | ${lat(put)} | ${lat(share)} | ${lat(send)} |`
        );
    });
    return [
        '| in flight | baseline Put (tx/s) | ShareFile (tx/s) | ratio ShareFile / Put | SDK send 1 KB (files/s) | ratio send / Put | Put latency median / p95 (ms) | ShareFile latency median / p95 (ms) | send latency median / p95 (ms) |',
        '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...rows,
    ].join('\n');
}

const GROUP_COLUMNS: [Group, string][] = [
    ['peers', 'peers'],
    ['orderers', 'orderers'],
    ['sealpact servers', 'Sealpact chaincode servers'],
    ['baseline servers', 'baseline chaincode servers'],
    ['client', 'client (bench process)'],
    ['other', 'other'],
];

/** One row of the attribution table: a workload at a level. */
export interface AttributionRow {
    name: string;
    inFlight: number;
    m: Measurement;
}

/** Where the CPU went: CPU-ms per operation by group, how busy the machine was, and the busiest process. */
export function attributionTable(rows: AttributionRow[]): string {
    const line = ({ name, inFlight, m }: AttributionRow) => {
        const busiest = m.cpu.byProcess[0];
        const share = busiest ? busiest.ms / (m.cpu.seconds * 1000) : 0;
        return (
            `| ${name} | ${inFlight} | ${pct(m.cpu.machineBusy)} | ${one(totalPerOp(m))} | ` +
            GROUP_COLUMNS.map(([group]) => one(m.cpuPerOp[group])).join(' | ') +
            ` | ${busiest ? `${busiest.name} (${pct(share)} of a core)` : '-'} |`
        );
    };
    return [
        `| workload | in flight | machine busy | CPU-ms per op | ${GROUP_COLUMNS.map(([, title]) => title).join(' | ')} | busiest process |`,
        `| --- | ---: | ---: | ---: | ${GROUP_COLUMNS.map(() => '---:').join(' | ')} | --- |`,
        ...rows.map(line),
    ].join('\n');
}

/** The processes outside the network and the benchmark that used most CPU over `rows`, as a sentence. */
export function othersNote(rows: AttributionRow[]): string {
    const total = new Map<string, number>();
    let ops = 0;
    for (const { m } of rows) {
        ops += m.completed;
        for (const { command, ms } of m.cpu.busiestOthers) total.set(command, (total.get(command) ?? 0) + ms);
    }
    const top = [...total]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([command, ms]) => `\`${command}\` ${one(ms / Math.max(1, ops))}`);
    return top.length > 0
        ? `_Other_ was mostly, per operation over these rows: ${top.join(', ')} CPU-ms (processes outside the network and the benchmark, and the kernel's own threads).`
        : '';
}

/** Draws the capacity curve into docs/<file>; returns the file name. */
export function writePlot(
    repoRoot: string,
    file: string,
    title: string,
    result: CapacityResult,
    names: Record<string, string>,
): string {
    const keys = Object.keys(result.levels[0]?.results ?? {});
    const series = keys.map((key) => ({
        name: names[key] ?? key,
        points: result.levels.flatMap(({ inFlight, results }) => {
            const m = results[key];
            return m ? [{ inFlight, tps: m.tps, p95: m.latency.p95 }] : [];
        }),
    }));
    writeFileSync(join(repoRoot, 'docs', file), capacityPlot(title, series));
    return file;
}
