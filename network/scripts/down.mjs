// npm run network:down [-- --purge] — stops exactly the processes network:up started (by their
// supervisors' and pid files in network/.data/run); --purge also removes ledgers, crypto material
// and logs, and the network namespaces and bridge of network:up -- --netns.
import console from 'node:console';
import fs from 'node:fs';
import process from 'node:process';
import {
    DATA,
    LOGS,
    main,
    parseOptions,
    processNames,
    ROOT,
    run,
    runningPid,
    stage,
    stopProcess,
    topology,
    upState,
} from './lib.mjs';
import { packageIdVariable } from './config.mjs';
import { removeHosts } from './netns.mjs';

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

/** On a network of docker containers, `docker compose down`; with `purge`, their volumes go too. */
async function dockerDown(purge) {
    if (!upState()?.docker) return;
    stage(`docker compose down${purge ? ' --volumes' : ''}`);
    // The file requires every org's package id to be set; stopping does not use them.
    const unusedIds = Object.fromEntries(topology.orgs.map((org) => [packageIdVariable(org), 'unused']));
    await run('docker down', 'docker', ['compose', 'down', ...(purge ? ['--volumes'] : [])], {
        cwd: ROOT,
        env: unusedIds,
    });
}

/** Stops each process (through its supervisor, which then does not restart it), all at once. */
async function stop(names) {
    stage(`stopping ${names.length} process(es)`);
    await Promise.all(
        names.map(async (name) => {
            await stopProcess(name);
            console.log(`[network]   ${name}: stopped`);
        }),
    );
}

export async function down(argv = process.argv.slice(2)) {
    const options = parseOptions(USAGE, argv).values;
    await dockerDown(options.purge);
    const keep = options.keep ?? new Set();
    await stop(processNames().filter((name) => !keep.has(runningPid(name))));
    if (options.purge) {
        // Only with the network gone: while its addresses are on the bridge, a client still dialing
        // one is refused here, never routed off the machine. A process kept (--keep) needs its namespace.
        if (upState()?.netns && !processNames().some(runningPid)) await removeHosts();
        stage('purging network/.data (ledgers, crypto material, channel block) and network/.logs');
        fs.rmSync(DATA, { recursive: true, force: true });
        fs.rmSync(LOGS, { recursive: true, force: true });
    }
    stage('down');
    return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) main(down);
