// Shared helpers for the network scripts: paths, the topology, running commands, pid files.
import { execFile, spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs as nodeParseArgs } from 'node:util';

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
export const FABRIC_CA_MODULE_DIR = path.join(NETWORK_DIR, 'fabric-ca');
export const FABRIC_CA_MODULE = 'github.com/hyperledger/fabric-ca';

/** The state the network recorded (network:up: orderer count, docker; network:add-org: joined), or undefined. */
export function upState() {
    const file = path.join(DATA, 'state.json');
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

/** Records `changes` in the network's state, keeping what they do not name. */
export function writeUpState(changes) {
    fs.mkdirSync(DATA, { recursive: true });
    const state = { ...upState(), ...changes };
    fs.writeFileSync(path.join(DATA, 'state.json'), JSON.stringify(state, null, 4) + '\n');
}

/**
 * network/topology.json as this network has it: the single source of truth for orgs, ports, channel
 * and chaincode. Its `orgs` are the channel's member organisations: those made at genesis, then
 * each of `joiningOrgs` that network:add-org brought in (state.json `joined`), so every script that
 * lists organisations (connection profile, chaincode servers, status, down, backups) counts them.
 */
export const TOPOLOGY = path.join(NETWORK_DIR, 'topology.json');
export const topology = withJoinedOrgs(JSON.parse(fs.readFileSync(TOPOLOGY, 'utf8')));

function withJoinedOrgs(described) {
    const joined = upState()?.joined ?? [];
    return {
        ...described,
        orgs: [...described.orgs, ...described.joiningOrgs.filter((org) => joined.includes(org.name))],
    };
}

/** Makes `org` (of joiningOrgs) a member from now on: in state.json, and in `topology.orgs` of this process. */
export function admitOrg(org) {
    const joined = upState()?.joined ?? [];
    if (!joined.includes(org.name)) writeUpState({ joined: [...joined, org.name] });
    if (!topology.orgs.includes(org)) topology.orgs.push(org);
}

/**
 * Whether the network runs in the multi-host layout (docs/operations.md#multi-host-layout): each
 * organisation on its own address of topology.json's `multiHost` subnet, in a network namespace of
 * its own (network:up -- --netns) or a docker-compose.yaml container (--docker). Else everything
 * shares topology.json's `host`, the loopback address.
 */
export function isMultiHost() {
    const state = upState();
    return Boolean(state?.netns || state?.docker);
}

/** The address `org` (the orderers' organisation or a member) serves on and every other node dials. */
export function hostOf(org) {
    return isMultiHost() ? org.address : topology.host;
}

/** The name of `org`'s network namespace, which its processes run in with network:up -- --netns (netns.mjs makes it). */
export const namespaceName = (org) => `sealpact-${org.name.toLowerCase()}`;

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

/**
 * True when /proc says `pid` still runs one of our commands (a Fabric binary, a chaincode server or
 * a supervisor): a pid file can outlive its process, and the pid can be reused.
 */
export function isOurs(pid) {
    try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return ['network/.bin/', '--chaincode-id=', 'supervise.mjs'].some((mark) => cmdline.includes(mark));
    } catch {
        return isAlive(pid); // no /proc: trust the pid file
    }
}

export function isAlive(pid) {
    try {
        process.kill(pid, 0);
    } catch (error) {
        return error.code === 'EPERM';
    }
    // A zombie has died but is not reaped yet: a killed supervisor's new parent, PID 1, may reap late.
    let stat;
    try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
        return !fs.existsSync('/proc/self'); // gone meanwhile; without /proc, trust kill(0)
    }
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
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

export function supervisorFile(name) {
    return path.join(RUN, `${name}.supervisor.json`);
}

/**
 * What supervise.mjs records for process `name`: { pid, alive, restarts, lastExit?, restartingAt? },
 * or undefined when it was not started under a supervisor (or was stopped).
 */
export function supervisorState(name) {
    const file = supervisorFile(name);
    if (!fs.existsSync(file)) return undefined;
    try {
        const state = JSON.parse(fs.readFileSync(file, 'utf8'));
        return { ...state, alive: isAlive(state.pid) };
    } catch {
        return undefined; // removed while being read: the supervisor stopped
    }
}

/** The names of the processes with a pid file or a supervisor, sorted. */
export function processNames() {
    if (!fs.existsSync(RUN)) return [];
    const names = fs
        .readdirSync(RUN)
        .map((file) => /^(.+?)(\.supervisor\.json|\.pid)$/.exec(file)?.[1])
        .filter(Boolean);
    return [...new Set(names)].sort();
}

/** Whether something accepts TCP connections on `port` of `org`'s address. */
export function canConnect(org, port) {
    return new Promise((resolve) => {
        const socket = net.connect({ host: hostOf(org), port }, () => {
            socket.destroy();
            resolve(true);
        });
        socket.on('error', () => resolve(false));
    });
}

/**
 * Starts process `name` of organisation `org` (`file args`, listening on `port` of the org's
 * address) under supervise.mjs, detached so it outlives this script, logging to
 * network/.logs/<name>.log; waits for its pid file. With network:up -- --netns, in the org's network
 * namespace: `ip netns exec` execs the command there, so the pid file still names the command. Nothing
 * is started when it runs supervised already or its supervisor is waiting to restart it; one
 * running without a supervisor is stopped and started again under one.
 */
export async function startProcess(name, org, file, args, env, cwd, port) {
    const supervised = supervisorState(name)?.alive;
    const existing = runningPid(name);
    if (supervised) {
        console.log(`[network]   ${name} already running (${existing ? `pid ${existing}` : 'restarting'})`);
        return;
    }
    if (existing) {
        // Its supervisor was killed, or an older network:up started it without one.
        console.log(`[network]   ${name} runs without a supervisor (pid ${existing}): restarting it under one`);
        await stopProcess(name);
    }
    // A process stopped a moment ago may still be closing its listener.
    await waitFor(
        'start processes',
        async () => !(await canConnect(org, port)),
        5000,
        `port ${port} for ${name} to be free (another process is using it)`,
    );
    fs.mkdirSync(LOGS, { recursive: true });
    fs.mkdirSync(RUN, { recursive: true });
    fs.rmSync(pidFile(name), { force: true });
    const supervisor = spawn(
        process.execPath,
        [
            path.join(NETWORK_DIR, 'scripts', 'supervise.mjs'),
            `--name=${name}`,
            `--run-dir=${RUN}`,
            `--log=${path.join(LOGS, `${name}.log`)}`,
            '--',
            ...(upState()?.netns ? ['ip', 'netns', 'exec', namespaceName(org)] : []),
            file,
            ...args,
        ],
        { env: { ...process.env, ...env }, cwd, detached: true, stdio: 'ignore' },
    );
    supervisor.unref();
    const pid = await waitFor('start processes', () => runningPid(name), 10000, `${name}'s supervisor to start it`);
    console.log(`[network]   started ${name} (pid ${pid}, supervised, ${hostOf(org)}:${port})`);
}

/**
 * Stops process `name`: through its supervisor when it has one (which then does not restart it),
 * else by SIGTERM to its pid; SIGKILL after `timeoutMs`. Removes its pid file.
 */
export async function stopProcess(name, timeoutMs = 20000) {
    const supervisor = supervisorState(name);
    const target = supervisor?.alive ? supervisor.pid : runningPid(name);
    if (target && isOurs(target)) {
        process.kill(target, 'SIGTERM');
        const deadline = Date.now() + timeoutMs;
        while (isAlive(target) && Date.now() < deadline) await sleep(100);
        if (isAlive(target)) process.kill(target, 'SIGKILL');
    }
    // A supervisor killed outright leaves its command running.
    const orphan = runningPid(name);
    if (orphan && isOurs(orphan)) process.kill(orphan, 'SIGKILL');
    fs.rmSync(pidFile(name), { force: true });
    fs.rmSync(supervisorFile(name), { force: true });
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

/** A command-line mistake: main() prints it on one line and exits 2. */
export class UsageError extends Error {}

/** `parse` for an option that is a whole number: one of `choices`, or from `min` to `max`. */
export function wholeNumber({ choices, min, max }) {
    return (text) => {
        const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
        if (choices ? !choices.includes(value) : !(value >= min && value <= max)) {
            throw new Error(`must be ${choices ? choices.join(' or ') : `a whole number from ${min} to ${max}`}`);
        }
        return value;
    };
}

/**
 * Parses one script's command line strictly (node:util parseArgs). `spec` says what it takes:
 *   usage        the synopsis, e.g. 'npm run network:up -- [--orderers 1|3] [--docker]'
 *   summary      what the script does, one line
 *   options      { name: { type: 'boolean' | 'string', value?, description, required?, parse? } };
 *                `value` names a string option's value in the help, `parse(text)` turns it into
 *                what the script uses or throws an Error saying what is allowed
 *   positionals  optional { name, description }: bare arguments allowed (returned as `positionals`)
 * An unknown option, a missing or bad value or an unexpected argument throws a UsageError naming it;
 * --help prints the usage and the options and exits 0. Returns { values, positionals }.
 */
export function parseOptions(spec, argv = process.argv.slice(2)) {
    const options = { ...spec.options, help: { type: 'boolean', description: 'print this help and exit' } };
    let parsed;
    try {
        parsed = nodeParseArgs({
            args: argv,
            options: Object.fromEntries(Object.entries(options).map(([name, option]) => [name, { type: option.type }])),
            strict: true,
            allowPositionals: Boolean(spec.positionals),
        });
    } catch (error) {
        // Node's first sentence names the option or argument ("Unknown option '--orderer'").
        const message = error.message.split(/\n|\. /)[0].replace(/\.$/, '');
        const unknown = error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && /'--?([^'=]+)/.exec(message)?.[1];
        const near =
            unknown && Object.keys(options).find((name) => name.startsWith(unknown) || unknown.startsWith(name));
        throw new UsageError(message[0].toLowerCase() + message.slice(1) + (near ? `; did you mean --${near}?` : ''));
    }
    if (parsed.values.help) {
        console.log(helpText(spec, options));
        process.exit(0);
    }
    const values = { ...parsed.values };
    for (const [name, option] of Object.entries(spec.options)) {
        const text = values[name];
        if (text === undefined) {
            if (option.required) throw new UsageError(`option '--${name} <${option.value ?? 'value'}>' is required`);
        } else if (option.parse) {
            try {
                values[name] = option.parse(text);
            } catch (error) {
                throw new UsageError(`option '--${name}' ${error.message}, not ${JSON.stringify(text)}`);
            }
        }
    }
    return { values, positionals: parsed.positionals };
}

function helpText(spec, options) {
    const lines = [`usage: ${spec.usage}`, spec.summary, ''];
    if (spec.positionals) {
        lines.push('arguments:', `  ${spec.positionals.name.padEnd(24)} ${spec.positionals.description}`);
    }
    lines.push('options:');
    for (const [name, option] of Object.entries(options)) {
        const flag = option.type === 'string' ? `--${name} <${option.value ?? 'value'}>` : `--${name}`;
        lines.push(`  ${flag.padEnd(24)} ${option.description}${option.required ? ' (required)' : ''}`);
    }
    return lines.join('\n');
}

/**
 * Runs main(): a StageError's message is printed without a stack (exit 1), a UsageError's on one
 * line naming the script (exit 2); anything else with its stack (exit 1).
 */
export function main(fn) {
    fn().then(
        (code) => process.exit(code ?? 0),
        (error) => {
            if (error instanceof UsageError) {
                console.error(
                    `[network] ${path.basename(process.argv[1])}: ${error.message} (--help lists the options)`,
                );
                process.exit(2);
            }
            console.error(error instanceof StageError ? `[network] ${error.message}` : error);
            process.exit(1);
        },
    );
}
