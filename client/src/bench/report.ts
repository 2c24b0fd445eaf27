import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';

/** One line describing the machine a benchmark ran on. */
export function machineDescription(): string {
    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    const gib = (totalmem() / 2 ** 30).toFixed(0);
    return `${cpus().length} × ${cpu}, ${gib} GiB RAM, Node ${process.version}, OpenSSL ${process.versions.openssl}, ${process.platform}/${process.arch}`;
}

/**
 * Replace the section between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` in
 * docs/benchmarks.md with `body`, so each benchmark rewrites only its own figures.
 */
export async function writeBenchmarkSection(repoRoot: string, name: string, body: string): Promise<string> {
    const path = join(repoRoot, 'docs', 'benchmarks.md');
    const start = `<!-- bench:${name}:start -->`;
    const end = `<!-- bench:${name}:end -->`;
    const text = readFileSync(path, 'utf8');
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) {
        throw new Error(`${path} has no ${start} … ${end} section`);
    }
    const updated = `${text.slice(0, from + start.length)}\n${body.trim()}\n${text.slice(to)}`;
    // Formatted as `npm run lint` expects, so a benchmark run never leaves the tree failing lint.
    writeFileSync(path, await prettier.format(updated, { ...(await prettier.resolveConfig(path)), filepath: path }));
    return path;
}

/** Median and 95th percentile of a list of samples. */
export function percentiles(samples: number[]): { median: number; p95: number } {
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (q: number): number => {
        const sample = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
        if (sample === undefined) {
            throw new RangeError('no samples to take percentiles of');
        }
        return sample;
    };
    return { median: at(0.5), p95: at(0.95) };
}
