// Shared helpers for the network scripts: paths, the topology, running commands, pid files.
import { execFile, spawnSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export { sleep };

export const NETWORK_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.dirname(NETWORK_DIR);
export const BIN = path.join(NETWORK_DIR, '.bin');
export const DATA = path.join(NETWORK_DIR, '.data');
export const LOGS = path.join(NETWORK_DIR, '.logs');
export const RUN = path.join(DATA, 'run'); // pid files
export const CRYPTO = path.join(DATA, 'crypto');
export const CONFIG = path.join(DATA, 'config');
export const FABRIC_MODULE_DIR = path.join(NETWORK_DIR, 'fabric');
export const FABRIC_MODULE = 'github.com/hyperledger/fabric';

/** network/topology.json: the single source of truth for orgs, ports, channel and chaincode. */
export const TOPOLOGY = path.join(NETWORK_DIR, 'topology.json');
export const topology = JSON.parse(fs.readFileSync(TOPOLOGY, 'utf8'));

/** The state the last `network:up` recorded (orderer count), or undefined. */
export function upState() {
    const file = path.join(DATA, 'state.json');
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

export function writeUpState(state) {
    fs.mkdirSync(DATA, { recursive: true });
    fs.writeFileSync(path.join(DATA, 'state.json'), JSON.stringify(state, null, 4) + '\n');
}

/** The orderers in use: the first one by default, all three with `--orderers 3`. */
export function orderers(count) {
    return topology.ordererOrg.orderers.slice(0, count);
}

export function stage(name) {
    console.log(`[network] ${name}`);
}

export class StageError extends Error {}

/** Runs a command to completion; on failure throws with the stage name, the command and its output. */
export function run(stageName, file, args, options = {}) {
    return new Promise((resolve, reject) => {
        execFile(
            file,
            args,
            {
                env: { ...process.env, ...options.env },
                cwd: options.cwd,
                maxBuffer: 64 * 1024 * 1024,
                timeout: options.timeoutMs ?? 120000,
            },
            (error, stdout, stderr) => {
                if (error) {
                    const why = error.killed
                        ? `timed out after ${(options.timeoutMs ?? 120000) / 1000}s`
                        : `exit ${error.code}`;
                    reject(
                        new StageError(
                            `stage "${stageName}" failed: ${path.basename(file)} ${args.join(' ')} (${why})\n${stderr}${stdout}`.trimEnd(),
                        ),
                    );
                } else {
                    resolve({ stdout, stderr });
                }
            },
        );
    });
}

/** Polls `check` until it returns a truthy value; throws naming the stage on timeout. */
export async function waitFor(stageName, check, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
        try {
            const value = await check();
            if (value) return value;
        } catch (error) {
            last = error;
        }
        if (Date.now() > deadline) {
            throw new StageError(
                `stage "${stageName}" timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${last.message}` : ''}`,
            );
        }
        await sleep(250);
    }
}

export function pidFile(name) {
    return path.join(RUN, `${name}.pid`);
}

export function isAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return error.code === 'EPERM';
    }
}

/** The pid recorded for a process this network started, if that process is still running. */
export function runningPid(name) {
    const file = pidFile(name);
    if (!fs.existsSync(file)) return undefined;
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** All pid files: [{ name, pid, alive }]. */
export function pidFiles() {
    if (!fs.existsSync(RUN)) return [];
    return fs
        .readdirSync(RUN)
        .filter((file) => file.endsWith('.pid'))
        .sort()
        .map((file) => {
            const name = file.slice(0, -4);
            const pid = Number(fs.readFileSync(path.join(RUN, file), 'utf8').trim());
            return { name, pid, alive: Number.isInteger(pid) && pid > 0 && isAlive(pid) };
        });
}

/** The Go module cache folder of the pinned Fabric module (its sampleconfig/ holds core.yaml and orderer.yaml). */
export function fabricModuleDir() {
    const result = spawnSync('go', ['list', '-m', '-json', FABRIC_MODULE], {
        cwd: FABRIC_MODULE_DIR,
        encoding: 'utf8',
        env: { ...process.env, GOFLAGS: '-mod=mod' },
    });
    if (result.status !== 0 || !result.stdout) {
        throw new StageError(`cannot locate the Fabric module (go list -m -json ${FABRIC_MODULE}): ${result.stderr}`);
    }
    const info = JSON.parse(result.stdout);
    if (!info.Dir || !fs.existsSync(path.join(info.Dir, 'sampleconfig', 'core.yaml'))) {
        throw new StageError(
            `the Fabric module ${info.Version} is not in the Go module cache; run npm run network:install`,
        );
    }
    return info.Dir;
}

/** Where FABRIC_CFG_PATH points: Fabric's own sampleconfig/, read-only in the module cache. */
export function sampleConfigDir() {
    const cached = path.join(DATA, 'sampleconfig.path');
    if (fs.existsSync(cached)) {
        const dir = fs.readFileSync(cached, 'utf8').trim();
        if (fs.existsSync(path.join(dir, 'core.yaml'))) return dir;
    }
    const dir = path.join(fabricModuleDir(), 'sampleconfig');
    fs.mkdirSync(DATA, { recursive: true });
    fs.writeFileSync(cached, dir + '\n');
    return dir;
}

/** Parses `--name value` / `--flag` options. */
export function parseArgs(argv) {
    const options = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
        const [name, inline] = arg.slice(2).split('=', 2);
        if (inline !== undefined) options[name] = inline;
        else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) options[name] = argv[++i];
        else options[name] = true;
    }
    return options;
}

/** Runs main(), printing a StageError's message without a stack and exiting non-zero on failure. */
export function main(fn) {
    fn().then(
        (code) => process.exit(code ?? 0),
        (error) => {
            console.error(error instanceof StageError ? `[network] ${error.message}` : error);
            process.exit(1);
        },
    );
}
