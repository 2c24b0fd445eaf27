// npm run network:status — which processes run, on which ports, and whether the chaincode is committed.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import process from 'node:process';
import { bin, cliEnv, CONNECTION_PROFILE, endpoint } from './config.mjs';
import { BIN, main, orderers, parseOptions, pidFiles, topology, upState } from './lib.mjs';

const USAGE = {
    usage: 'npm run network:status -- [--pids]',
    summary: 'Which processes run, on which ports, and whether the chaincode is committed (exit 3 if any is stopped).',
    options: {
        pids: {
            type: 'boolean',
            description: "only the running processes' pids, comma-separated (for down.mjs --keep)",
        },
    },
};

async function status() {
    // --pids: for scripts that must later stop only what they started (down.mjs --keep <these>).
    if (parseOptions(USAGE).values.pids) {
        console.log(
            pidFiles()
                .filter((entry) => entry.alive)
                .map((entry) => entry.pid)
                .join(','),
        );
        return 0;
    }
    const state = upState();
    console.log(
        `Fabric ${topology.fabric.version} binaries: ${fs.existsSync(`${BIN}/peer`) ? 'network/.bin' : 'not installed (npm run network:install)'}`,
    );
    if (!state) {
        console.log('network: not created (npm run network:up)');
        return 0;
    }
    const pids = Object.fromEntries(pidFiles().map((entry) => [entry.name, entry]));
    const line = (name, port) => {
        const entry = pids[name];
        const what = entry
            ? entry.alive
                ? `running, pid ${entry.pid}`
                : `stopped (stale pid ${entry.pid})`
            : 'stopped';
        console.log(`  ${name.padEnd(30)} ${endpoint(port).padEnd(18)} ${what}`);
    };
    console.log(`channel "${topology.channel}", ${state.orderers} orderer(s):`);
    for (const node of orderers(state.orderers)) line(node.name, node.port);
    for (const org of topology.orgs) line(org.peer.name, org.peer.port);
    line('chaincode', topology.chaincode.port);
    // The benchmark's baseline chaincode server (deploy-baseline.mjs), listed once it was started.
    if (pids.baseline) line('baseline', topology.baselineChaincode.port);
    const org = topology.orgs[0];
    if (pids[org.peer.name]?.alive) {
        const result = spawnSync(
            bin('peer'),
            ['lifecycle', 'chaincode', 'querycommitted', '-C', topology.channel, '-n', topology.chaincode.name],
            { env: { ...process.env, ...cliEnv(org, org.admin) }, encoding: 'utf8' },
        );
        console.log(`chaincode: ${(result.stdout || result.stderr).trim().split('\n').pop()}`);
    }
    console.log(
        `connection profile: ${fs.existsSync(CONNECTION_PROFILE) ? 'network/.data/connection.json' : 'not written yet'}`,
    );
    return Object.values(pids).every((entry) => entry.alive) && Object.keys(pids).length > 0 ? 0 : 3;
}

main(status);
