// npm run network:status — which processes run, on which ports, how often their supervisors
// restarted them, how their operations endpoints' /healthz answer, and whether the chaincode is
// committed.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import process from 'node:process';
import { bin, chaincodeServers, cliEnv, CONNECTION_PROFILE, endpoint } from './config.mjs';
import { chaincodeCounters, health, operationsGet, operationsTargets } from './operations.mjs';
import { BIN, main, orderers, parseOptions, pidFiles, supervisorState, topology, upState } from './lib.mjs';

const USAGE = {
    usage: 'npm run network:status -- [--pids | --metrics]',
    summary:
        'Which processes run, on which ports, their restarts and health, and whether the chaincode is committed (exit 3 if any is stopped or unhealthy).',
    options: {
        pids: {
            type: 'boolean',
            description: "only the running processes' pids, comma-separated (for down.mjs --keep)",
        },
        metrics: {
            type: 'boolean',
            description: "also each Sealpact chaincode server's counters: transactions, shares, refusals by code",
        },
    },
};

/**
 * One process's state: running (with its supervisor's restarts), waiting to be restarted, or
 * stopped; a process network:up started without a supervisor (an older network) says so.
 */
function processStatus(entry, supervisor) {
    const restarts = supervisor
        ? `, ${supervisor.restarts} restart(s)${supervisor.lastExit ? `, last exit ${supervisor.lastExit.signal ?? `code ${supervisor.lastExit.code}`} at ${supervisor.lastExit.at}` : ''}`
        : '';
    if (entry?.alive) return `running, pid ${entry.pid}${restarts}${supervisor?.alive ? '' : ' (not supervised)'}`;
    if (supervisor?.alive && supervisor.restartingAt) return `restarting at ${supervisor.restartingAt}${restarts}`;
    return entry ? `stopped (stale pid ${entry.pid})` : 'stopped';
}

/** Each running process's /healthz by name, asked all at once (each answers within 2 s or counts as no answer). */
async function runningHealth(ordererCount, pids) {
    const targets = operationsTargets(ordererCount).filter((target) => pids[target.name]?.alive);
    return Object.fromEntries(await Promise.all(targets.map(async (target) => [target.name, await health(target)])));
}

/** The committed definition of the chaincode, as the first organisation's peer reports it. */
function printCommitted() {
    const org = topology.orgs[0];
    const result = spawnSync(
        bin('peer'),
        ['lifecycle', 'chaincode', 'querycommitted', '-C', topology.channel, '-n', topology.chaincode.name],
        { env: { ...process.env, ...cliEnv(org, org.admin) }, encoding: 'utf8' },
    );
    console.log(`chaincode: ${(result.stdout || result.stderr).trim().split('\n').pop()}`);
}

/** Each running Sealpact chaincode server's counters from its /metrics (docs/operations.md#health-and-metrics). */
async function printChaincodeCounters(ordererCount, pids) {
    const servers = new Set(chaincodeServers(topology.chaincode).map((server) => server.name));
    const targets = operationsTargets(ordererCount).filter((t) => servers.has(t.name) && pids[t.name]?.alive);
    console.log('chaincode counters (what each server executed, endorsements and evaluations alike):');
    for (const target of targets) {
        const answer = await operationsGet(target, '/metrics').catch((err) => ({ status: err.code ?? err.message }));
        if (answer.status !== 200) {
            console.log(`  ${target.name.padEnd(37)} no metrics: ${answer.status}`);
            continue;
        }
        const { transactions, shares, verificationFailures, refusals } = chaincodeCounters(answer.body);
        const codes = Object.entries(refusals)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([code, count]) => `${code} ${count}`);
        console.log(
            `  ${target.name.padEnd(37)} transactions ${transactions}, shares ${shares}, ` +
                `failed signature checks ${verificationFailures}, refusals: ${codes.join(', ') || 'none'}`,
        );
    }
}

/** The processes to list, [name, endpoint]: CA servers, orderers, peers, chaincode servers. */
function listed(ordererCount, pids) {
    const { ordererOrg, orgs, chaincode, baselineChaincode } = topology;
    const servers = (definition) => chaincodeServers(definition).map((s) => [s.name, endpoint(s.org, s.port)]);
    return [
        ...[ordererOrg, ...orgs].map((org) => [org.ca.name, endpoint(org, org.ca.port)]),
        ...orderers(ordererCount).map((node) => [node.name, endpoint(ordererOrg, node.port)]),
        ...orgs.map((org) => [org.peer.name, endpoint(org, org.peer.port)]),
        ...servers(chaincode),
        // The benchmark's baseline chaincode servers (deploy-baseline.mjs), listed once started.
        ...servers(baselineChaincode).filter(([name]) => pids[name] || supervisorState(name)),
    ];
}

/** One line per process: name, endpoint, state and health; returns the names shown. */
function printProcesses(ordererCount, pids, healths) {
    console.log(`channel "${topology.channel}", ${ordererCount} orderer(s):`);
    const shown = listed(ordererCount, pids);
    for (const [name, address] of shown) {
        const condition = [processStatus(pids[name], supervisorState(name)), healths[name]].filter(Boolean).join(', ');
        console.log(`  ${name.padEnd(37)} ${address.padEnd(18)} ${condition}`);
    }
    return shown.map(([name]) => name);
}

async function status() {
    const options = parseOptions(USAGE).values;
    // --pids: for scripts that must later stop only what they started (down.mjs --keep <these>).
    if (options.pids) {
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
    const healths = await runningHealth(state.orderers, pids);
    const shown = printProcesses(state.orderers, pids, healths);
    if (pids[topology.orgs[0].peer.name]?.alive) printCommitted();
    if (options.metrics) await printChaincodeCounters(state.orderers, pids);
    console.log(
        `connection profile: ${fs.existsSync(CONNECTION_PROFILE) ? 'network/.data/connection.json' : 'not written yet'}`,
    );
    const healthy = Object.values(healths).every((text) => text === 'healthy');
    return healthy && shown.every((name) => pids[name]?.alive) ? 0 : 3;
}

main(status);
