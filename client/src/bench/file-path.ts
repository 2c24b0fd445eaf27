/**
 * bench:crypto's file path: a 1 GiB file encrypted and decrypted file to file by the `sealpact`
 * CLI, side by side with `age` and an `openssl enc | openssl dgst` pipeline, rounds interleaved in
 * one run. Each command runs under GNU time, which reports its wall time, CPU time, peak RSS, page
 * faults and context switches (for a pipeline, CPU is summed over its processes and the RSS is its
 * largest one's). Every command's output ends on disk: Sealpact fsyncs its output, so age's and
 * openssl's are followed by `sync FILE`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { percentiles } from './report';

const GNU_TIME = '/usr/bin/time';
const MIB = 1024 * 1024;

/** What GNU time measured of one command. */
export interface Run {
    seconds: number;
    cpuSeconds: number;
    peakRssKib: number;
    minorFaults: number;
    contextSwitches: number;
}

/** The medians of a command's runs. */
export interface FileRow extends Run {
    name: string;
    bytes: number;
}

/** One command of a round: its name (a Markdown table cell, so a pipe in it is escaped) and its shell line. */
interface Step {
    name: string;
    shell: string;
    /** Removed after the step, unless a later step reads it. */
    output?: string;
}

/** The `age` binary: on PATH, or where `go install` puts it; undefined when there is none. */
export function findAge(): string | undefined {
    const candidates = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'age'));
    try {
        const gopath = execFileSync('go', ['env', 'GOPATH'], { stdio: ['ignore', 'pipe', 'ignore'] })
            .toString()
            .trim();
        candidates.push(join(gopath, 'bin', 'age'));
    } catch {
        // no Go toolchain: only PATH and the default GOPATH below
    }
    candidates.push(join(homedir(), 'go', 'bin', 'age'));
    return candidates.find((path) => existsSync(path));
}

/** Run `shell` under GNU time and read what it measured. */
function timed(shell: string, cwd: string): Run {
    const format = '%e %U %S %M %R %w %c';
    const report = join(cwd, 'time.out');
    execFileSync(GNU_TIME, ['-f', format, '-o', report, 'sh', '-c', shell], { cwd, stdio: 'ignore' });
    const fields = execFileSync('tail', ['-n', '1', report]).toString().trim().split(/\s+/).map(Number);
    const [seconds = NaN, user = NaN, system = NaN, rss = NaN, faults = NaN, voluntary = NaN, involuntary = NaN] =
        fields;
    return {
        seconds,
        cpuSeconds: user + system,
        peakRssKib: rss,
        minorFaults: faults,
        contextSwitches: voluntary + involuntary,
    };
}

/** A file of `bytes` random bytes, written in 1 MiB pieces. */
function randomFile(path: string, bytes: number): void {
    const fd = openSync(path, 'w');
    const piece = Buffer.allocUnsafe(MIB);
    try {
        for (let written = 0; written < bytes; written += piece.length) {
            randomFillSync(piece);
            writeSync(fd, piece, 0, Math.min(piece.length, bytes - written));
        }
    } finally {
        closeSync(fd);
    }
}

/** Options for {@link runFilePath}. */
export interface FilePathOptions {
    /** The sealpact CLI's entry point (main.js). */
    cli: string;
    /** A folder on the disk to measure, emptied afterwards. */
    dir: string;
    bytes: number;
    rounds: number;
    /** The age binary, or undefined to leave its rows out. */
    age?: string;
    log: (line: string) => void;
}

/** Run every command `rounds` times, interleaved, and return each one's medians. */
export function runFilePath(options: FilePathOptions): FileRow[] {
    const { cli, dir, bytes, rounds, age, log } = options;
    if (!existsSync(GNU_TIME)) {
        throw new Error(
            `${GNU_TIME} (GNU time) is needed to measure CPU, RSS and page faults; install the time package`,
        );
    }
    const input = join(dir, 'in.bin');
    randomFile(input, bytes);
    writeFileSync(join(dir, 'key.bin'), randomBytes(32));
    const hex = (n: number) => randomBytes(n).toString('hex');
    const node = `${process.execPath} ${cli}`;
    const steps: Step[] = [
        ...sealpactSteps(node, 'intl'),
        ...(age === undefined ? [] : ageSteps(age, dir)),
        {
            name: '`openssl enc -aes-256-ctr \\| openssl dgst -sha256` (output tee to a file, then sync)',
            shell: `openssl enc -aes-256-ctr -K ${hex(32)} -iv ${hex(16)} -in in.bin | tee ossl.out | openssl dgst -sha256 > /dev/null && sync ossl.out`,
            output: 'ossl.out',
        },
        ...sealpactSteps(node, 'gm'),
        {
            name: '`openssl enc -sm4-ctr \\| openssl dgst -sm3` (output tee to a file, then sync)',
            shell: `openssl enc -sm4-ctr -K ${hex(16)} -iv ${hex(16)} -in in.bin | tee ossl.out | openssl dgst -sm3 > /dev/null && sync ossl.out`,
            output: 'ossl.out',
        },
    ];
    const runs = new Map<string, Run[]>(steps.map((step) => [step.name, []]));
    for (let round = 1; round <= rounds; round++) {
        for (const step of steps) {
            log(`  round ${round}/${rounds}: ${step.name}`);
            runs.get(step.name)?.push(timed(step.shell, dir));
            if (step.output !== undefined) {
                rmSync(join(dir, step.output), { force: true });
            }
        }
    }
    return steps.map((step) => ({ name: step.name, bytes, ...medians(runs.get(step.name) ?? []) }));
}

function sealpactSteps(node: string, suite: 'intl' | 'gm'): Step[] {
    const key = '--key-file key.bin';
    return [
        {
            name: `\`sealpact encrypt --suite ${suite}\``,
            shell: `${node} encrypt --suite ${suite} ${key} --in in.bin --out ${suite}.sp > /dev/null`,
        },
        {
            name: `\`sealpact decrypt\` (${suite})`,
            shell: `${node} decrypt ${key} --in ${suite}.sp --out ${suite}.dec > /dev/null`,
            output: `${suite}.dec`,
        },
    ];
}

function ageSteps(age: string, dir: string): Step[] {
    const keygen = join(dirname(age), 'age-keygen');
    const identity = join(dir, 'age-key.txt');
    execFileSync(existsSync(keygen) ? keygen : 'age-keygen', ['-o', identity], { stdio: 'ignore' });
    const recipient = execFileSync(existsSync(keygen) ? keygen : 'age-keygen', ['-y', identity])
        .toString()
        .trim();
    return [
        { name: '`age -r` (then `sync FILE`)', shell: `${age} -r ${recipient} -o in.age in.bin && sync in.age` },
        {
            name: '`age -d` (then `sync FILE`)',
            shell: `${age} -d -i ${identity} -o age.dec in.age && sync age.dec`,
            output: 'age.dec',
        },
    ];
}

function medians(runs: Run[]): Run {
    const median = (pick: (run: Run) => number) => percentiles(runs.map(pick)).median;
    return {
        seconds: median((r) => r.seconds),
        cpuSeconds: median((r) => r.cpuSeconds),
        peakRssKib: median((r) => r.peakRssKib),
        minorFaults: median((r) => r.minorFaults),
        contextSwitches: median((r) => r.contextSwitches),
    };
}
