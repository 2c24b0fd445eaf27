import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `node` arguments that run the CLI from its TypeScript sources (see register-ts.js): no build needed. */
export const CLI_FROM_SOURCES = ['-r', join(__dirname, 'register-ts.js'), resolve(__dirname, '..', 'cli', 'main.ts')];

export interface Exit {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/** Start `node <cli> ...argv` as a real process; `exit` settles when it has ended. */
export function startCli(
    cli: string[],
    argv: string[],
    options: SpawnOptions = {},
): { child: ChildProcess; exit: Promise<Exit> } {
    const child = spawn(process.execPath, [...cli, ...argv], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => {
        stdout += data.toString();
    });
    child.stderr.on('data', (data: Buffer) => {
        stderr += data.toString();
    });
    const exit = new Promise<Exit>((done) => {
        child.on('close', (code, signal) => {
            done({ code, signal, stdout, stderr });
        });
    });
    return { child, exit };
}

/** Run the CLI to the end. */
export function runCli(cli: string[], argv: string[], options: SpawnOptions = {}): Promise<Exit> {
    return startCli(cli, argv, options).exit;
}

/**
 * Wait until `folder` holds a temporary `.partial` file with at least `minBytes` in it (the command
 * is mid-way through writing its output), then send `signal` to `child`. Returns the bytes that
 * were on disk, so a test can show the signal landed before the output was complete; fails if
 * the child ends first.
 */
export async function signalMidWrite(
    child: ChildProcess,
    folder: string,
    signal: NodeJS.Signals,
    minBytes = 1,
): Promise<number> {
    for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`the command ended before a .partial file appeared in ${folder}`);
        }
        for (const name of readdirSync(folder).filter((n) => n.endsWith('.partial'))) {
            const size = statSync(join(folder, name), { throwIfNoEntry: false })?.size ?? 0;
            if (size >= minBytes) {
                child.kill(signal);
                return size;
            }
        }
        await new Promise((wake) => setTimeout(wake, 10));
    }
}
