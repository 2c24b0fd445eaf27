// npm run network:down [-- --purge] — stops exactly the processes network:up started (by their pid
// files in network/.data/run); --purge also removes ledgers, crypto material and logs.
import console from 'node:console';
import fs from 'node:fs';
import process from 'node:process';
import {
    DATA,
    isAlive,
    LOGS,
    main,
    parseOptions,
    pidFiles,
    pidFile,
    ROOT,
    run,
    sleep,
    stage,
    upState,
} from './lib.mjs';

const USAGE = {
    usage: 'npm run network:down -- [--purge] [--keep PID,...]',
    summary: 'Stops the processes network:up started (by their pid files in network/.data/run).',
    options: {
        purge: { type: 'boolean', description: 'also delete ledgers, crypto material and logs' },
        keep: {
            type: 'string',
            value: 'PID,...',
            description: 'leave these pids running (the test teardown keeps what was up before the tests)',
            parse: (text) => {
                if (!/^([0-9]+(,[0-9]+)*)?$/.test(text)) throw new Error('must be pids separated by commas');
                return new Set(text.split(',').filter(Boolean).map(Number));
            },
        },
    },
};

/** True when /proc says the pid still runs one of our commands (guards against a reused pid). */
function isOurs(pid) {
    try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes('network/.bin/') || cmdline.includes('--chaincode-id=');
    } catch {
        return true; // no /proc: trust the pid file
    }
}

/** On a network of docker containers, `docker compose down`; with `purge`, their volumes go too. */
async function dockerDown(purge) {
    if (!upState()?.docker) return;
    stage(`docker compose down${purge ? ' --volumes' : ''}`);
    await run('docker down', 'docker', ['compose', '--profile', 'raft3', 'down', ...(purge ? ['--volumes'] : [])], {
        cwd: ROOT,
        env: { SEALPACT_CHAINCODE_ID: 'unused' },
    });
}

/** SIGTERM to each process of ours, SIGKILL to any still running after 15 s; their pid files are removed. */
async function stop(entries) {
    stage(`stopping ${entries.filter((e) => e.alive).length} process(es)`);
    for (const { name, pid, alive } of entries) {
        if (alive && isOurs(pid)) {
            process.kill(pid, 'SIGTERM');
            console.log(`[network]   ${name}: SIGTERM to pid ${pid}`);
        } else if (alive) {
            console.log(`[network]   ${name}: pid ${pid} now belongs to another program; not touched`);
        }
    }
    const deadline = Date.now() + 15000;
    for (const { name, pid, alive } of entries) {
        if (alive && isOurs(pid)) {
            while (isAlive(pid) && Date.now() < deadline) await sleep(100);
            if (isAlive(pid)) {
                process.kill(pid, 'SIGKILL');
                console.log(`[network]   ${name}: SIGKILL to pid ${pid}`);
            }
        }
        fs.rmSync(pidFile(name), { force: true });
    }
}

export async function down(argv = process.argv.slice(2)) {
    const options = parseOptions(USAGE, argv).values;
    await dockerDown(options.purge);
    const keep = options.keep ?? new Set();
    await stop(pidFiles().filter((entry) => !keep.has(entry.pid)));
    if (options.purge) {
        stage('purging network/.data (ledgers, crypto material, channel block) and network/.logs');
        fs.rmSync(DATA, { recursive: true, force: true });
        fs.rmSync(LOGS, { recursive: true, force: true });
    }
    stage('down');
    return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) main(down);
