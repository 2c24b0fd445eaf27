import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * CPU time per process of the local network, from Linux's /proc: each process's utime + stime
 * (all its threads) in /proc/<pid>/stat, and the machine's busy time in /proc/stat. Read before and
 * after a measurement, the difference says where the CPU went and what saturates.
 */

/** The groups a benchmark reports; a process's group comes from its pid file's name. */
export const GROUPS = ['peers', 'orderers', 'sealpact servers', 'baseline servers', 'client', 'other'] as const;
export type Group = (typeof GROUPS)[number];

/** Linux's USER_HZ: /proc counts CPU time in ticks of 1/100 s on every architecture Node runs on. */
const TICK_MS = 10;

export interface CpuSnapshot {
    at: number;
    /** CPU milliseconds per process name (network/.data/run/<name>.pid, and `client` for this process). */
    processes: Map<string, number>;
    /** CPU milliseconds of every other process on the machine, by "pid command". */
    others: Map<string, number>;
    /** Busy milliseconds of the whole machine, all cores (everything but idle and iowait). */
    machineBusy: number;
}

export interface CpuAttribution {
    seconds: number;
    cores: number;
    /** Share of all cores busy over the interval (0..1). */
    machineBusy: number;
    /** CPU milliseconds per group; `other` is the machine's busy time nobody named accounts for. */
    byGroup: Record<Group, number>;
    /** CPU milliseconds per process, busiest first. */
    byProcess: { name: string; group: Group; ms: number }[];
    /** CPU milliseconds of the busiest processes outside the network and the benchmark, by command name. */
    busiestOthers: { command: string; ms: number }[];
}

export function groupOf(name: string): Group {
    if (name === 'client') return 'client';
    if (name.startsWith('peer')) return 'peers';
    if (name.startsWith('orderer')) return 'orderers';
    if (name.startsWith('sealpact-ccaas.')) return 'sealpact servers';
    if (name.startsWith('baseline-ccaas.')) return 'baseline servers';
    return 'other';
}

/** The command name and utime + stime (ms) of a process, or undefined when it is gone. */
function processStat(pid: number | string): { command: string; ms: number } | undefined {
    let stat: string;
    try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
        return undefined;
    }
    // The command name is in parentheses and may hold spaces; utime and stime are fields 14 and 15.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return {
        command: stat.slice(stat.indexOf('(') + 1, close),
        ms: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
    };
}

/** Busy ms of all cores together: the `cpu` line of /proc/stat without idle (4th) and iowait (5th). */
function machineBusy(): number {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((sum, value) => sum + value, 0);
    return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) * TICK_MS;
}

/** The network's processes (their pid files in `runDir`), this one as `client`, and everything else. */
export function cpuSnapshot(runDir: string): CpuSnapshot {
    const processes = new Map<string, number>();
    const named = new Set([String(process.pid)]);
    for (const file of readdirSync(runDir).filter((name) => name.endsWith('.pid'))) {
        const pid = readFileSync(join(runDir, file), 'utf8').trim();
        const ms = processStat(pid)?.ms;
        if (ms !== undefined) {
            processes.set(file.slice(0, -'.pid'.length), ms);
            named.add(pid);
        }
    }
    processes.set('client', processStat(process.pid)?.ms ?? 0);
    const others = new Map<string, number>();
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name) && !named.has(name))) {
        const stat = processStat(pid);
        if (stat) others.set(`${pid} ${stat.command}`, stat.ms);
    }
    return { at: performance.now(), processes, others, machineBusy: machineBusy() };
}

/**
 * What each process and group spent between two snapshots. A process restarted in between (a new
 * pid) counts only from its restart, so it is understated rather than negative.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, cores: number): CpuAttribution {
    const byGroup = Object.fromEntries(GROUPS.map((group) => [group, 0])) as Record<Group, number>;
    const byProcess: CpuAttribution['byProcess'] = [];
    for (const [name, ms] of after.processes) {
        const spent = Math.max(0, ms - (before.processes.get(name) ?? ms));
        const group = groupOf(name);
        byGroup[group] += spent;
        byProcess.push({ name, group, ms: spent });
    }
    const byCommand = new Map<string, number>();
    for (const [key, ms] of after.others) {
        const spent = ms - (before.others.get(key) ?? 0); // a process started meanwhile: all of it
        const command = key.slice(key.indexOf(' ') + 1);
        if (spent > 0) byCommand.set(command, (byCommand.get(command) ?? 0) + spent);
    }
    const busy = after.machineBusy - before.machineBusy;
    byGroup.other += Math.max(0, busy - Object.values(byGroup).reduce((sum, ms) => sum + ms, 0));
    const seconds = (after.at - before.at) / 1000;
    return {
        seconds,
        cores,
        machineBusy: busy / (seconds * 1000 * cores),
        byGroup,
        byProcess: byProcess.sort((a, b) => b.ms - a.ms),
        busiestOthers: [...byCommand]
            .map(([command, ms]) => ({ command, ms }))
            .sort((a, b) => b.ms - a.ms)
            .slice(0, 3),
    };
}

/** Several attributions as one over all their intervals: the sums, and the machine's busy share over the whole time. */
export function mergeCpu(parts: CpuAttribution[]): CpuAttribution {
    const sumBy = <T>(items: T[], key: (item: T) => string, ms: (item: T) => number) => {
        const sums = new Map<string, { item: T; ms: number }>();
        for (const item of items) {
            const sum = sums.get(key(item));
            sums.set(key(item), { item, ms: (sum?.ms ?? 0) + ms(item) });
        }
        return [...sums.values()].sort((a, b) => b.ms - a.ms);
    };
    const seconds = parts.reduce((sum, p) => sum + p.seconds, 0);
    const cores = parts[0]?.cores ?? 1;
    const busyMs = parts.reduce((sum, p) => sum + p.machineBusy * p.seconds * 1000 * p.cores, 0);
    return {
        seconds,
        cores,
        machineBusy: seconds > 0 ? busyMs / (seconds * 1000 * cores) : 0,
        byGroup: Object.fromEntries(
            GROUPS.map((group) => [group, parts.reduce((sum, p) => sum + p.byGroup[group], 0)]),
        ) as Record<Group, number>,
        byProcess: sumBy(
            parts.flatMap((p) => p.byProcess),
            (p) => p.name,
            (p) => p.ms,
        ).map(({ item, ms }) => ({ name: item.name, group: item.group, ms })),
        busiestOthers: sumBy(
            parts.flatMap((p) => p.busiestOthers),
            (o) => o.command,
            (o) => o.ms,
        )
            .slice(0, 3)
            .map(({ item, ms }) => ({ command: item.command, ms })),
    };
}
