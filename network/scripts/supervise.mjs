// node network/scripts/supervise.mjs --name N --run-dir D --log F [--watch-parent PID] [--stop-seconds S] -- command [args...]
//
// Keeps one long-running process alive: starts the command, and when it dies without being asked
// to, starts it again after a back-off (1 s, doubling to 30 s while it keeps dying within 30 s of
// starting). network:up runs every orderer, peer and chaincode server under one of these, and the
// tests' S3 server too. Two files in the run folder say what it does:
//   <name>.pid              the command's pid while it runs (what signals and tests aim at)
//   <name>.supervisor.json  this supervisor's pid, the restarts so far and how the last run ended
// SIGTERM or SIGINT stops the command (SIGKILL after --stop-seconds, 15 by default), removes both files and exits; so does
// the death of --watch-parent (a test process that owns the server).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { clearTimeout, setInterval, setTimeout } from 'node:timers';
import { isAlive, main, parseOptions, UsageError, wholeNumber } from './lib.mjs';

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
/** A run at least this long counts as healthy: the next restart waits FIRST_DELAY_MS again. */
const HEALTHY_MS = 30000;

const USAGE = {
    usage: 'node network/scripts/supervise.mjs --name N --run-dir D --log F [--watch-parent PID] [--stop-seconds S] -- command [args...]',
    summary: 'Runs a command and restarts it with back-off whenever it dies, until told to stop (SIGTERM).',
    options: {
        name: {
            type: 'string',
            value: 'name',
            description: 'the process name (its pid and state files)',
            required: true,
        },
        'run-dir': { type: 'string', value: 'dir', description: 'where the pid and state files go', required: true },
        log: {
            type: 'string',
            value: 'file',
            description: "appends the command's output and the restarts here",
            required: true,
        },
        'stop-seconds': {
            type: 'string',
            value: 'seconds',
            description: 'how long a stopping command gets before SIGKILL (default 15)',
            parse: wholeNumber({ min: 1, max: 600 }),
        },
        'watch-parent': {
            type: 'string',
            value: 'pid',
            description: 'stop when this process is gone',
            parse: (text) => {
                if (!/^[1-9][0-9]*$/.test(text)) throw new Error('must be a pid');
                return Number(text);
            },
        },
    },
    positionals: { name: 'command [args...]', description: 'what to run, after --' },
};

/** Writes `file` whole or not at all: status readers never see half a JSON document. */
function writeAtomically(file, text) {
    fs.writeFileSync(`${file}.tmp`, text);
    fs.renameSync(`${file}.tmp`, file);
}

async function supervise() {
    const { values, positionals } = parseOptions(USAGE);
    const [command, ...args] = positionals;
    if (!command) throw new UsageError('no command to run (put it after --)');
    const { name, log } = values;
    fs.mkdirSync(values['run-dir'], { recursive: true });
    const pidFile = path.join(values['run-dir'], `${name}.pid`);
    const stateFile = path.join(values['run-dir'], `${name}.supervisor.json`);
    const state = { name, pid: process.pid, command: [command, ...args], since: new Date().toISOString(), restarts: 0 };
    const saveState = () => writeAtomically(stateFile, JSON.stringify(state, null, 4) + '\n');
    const note = (line) => fs.appendFileSync(log, `[supervise] ${new Date().toISOString()} ${name}: ${line}\n`);

    let child;
    let stopping = false;
    let restartTimer;
    let delayMs = FIRST_DELAY_MS;

    const start = () => {
        const out = fs.openSync(log, 'a');
        const startedAt = Date.now();
        child = spawn(command, args, { stdio: ['ignore', out, out] });
        fs.closeSync(out);
        let ended = false;
        const end = (code, signal) => {
            if (ended) return;
            ended = true;
            child = undefined;
            fs.rmSync(pidFile, { force: true });
            if (stopping) return;
            const ranMs = Date.now() - startedAt;
            delayMs = ranMs >= HEALTHY_MS ? FIRST_DELAY_MS : delayMs;
            state.restarts += 1;
            state.lastExit = { code, signal, at: new Date().toISOString(), ranMs };
            state.restartingAt = new Date(Date.now() + delayMs).toISOString();
            saveState();
            note(
                `exited (${signal ?? `code ${code}`}) after ${(ranMs / 1000).toFixed(1)} s; restart ${state.restarts} in ${delayMs / 1000} s`,
            );
            restartTimer = setTimeout(start, delayMs);
            delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
        };
        child.on('exit', end);
        // A command that cannot be started (no such file) emits 'error' and never 'exit'.
        child.on('error', (error) => {
            note(`cannot start ${command}: ${error.message}`);
            if (child?.pid === undefined) end(null, null);
        });
        if (child.pid !== undefined) {
            writeAtomically(pidFile, `${child.pid}\n`);
            delete state.restartingAt;
            saveState();
        }
    };

    await new Promise((resolve) => {
        const stop = (why) => {
            if (stopping) return;
            stopping = true;
            clearTimeout(restartTimer);
            note(`stopping (${why})`);
            const done = () => {
                fs.rmSync(pidFile, { force: true });
                fs.rmSync(stateFile, { force: true });
                resolve();
            };
            if (!child) return done();
            const running = child;
            running.once('exit', done);
            running.kill('SIGTERM');
            setTimeout(() => running.kill('SIGKILL'), (values['stop-seconds'] ?? 15) * 1000).unref();
        };
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.on('SIGINT', () => stop('SIGINT'));
        const parent = values['watch-parent'];
        if (parent) {
            setInterval(() => isAlive(parent) || stop(`parent ${parent} is gone`), 1000).unref();
        }
        start();
    });
    return 0;
}

main(supervise);
