import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FabricLedger, ROOT } from './fabric';
import { operationsGet, operationsTarget } from './operations';
import { IdentityName } from '../../chaincode/src/test-support/fixtures';

/**
 * The chaos suite's view of the running network: which processes network:up started (by the pid
 * files its supervisor keeps in network/.data/run), which orderer leads Raft, freezing and resuming
 * processes, and when the network is ready for transactions again.
 */

const RUN_DIR = join(ROOT, 'network', '.data', 'run');
const POLL_MS = 100;
/** An orderer this many blocks behind the others is still in step (blocks are cut every 250 ms under load). */
const MAX_LAG_BLOCKS = 5;

/** network/topology.json, as far as the chaos suite needs it. */
export interface ChaosTopology {
    channel: string;
    ordererOrg: {
        domain: string;
        address: string;
        admin: string;
        orderers: { name: string; operationsPort: number }[];
    };
    orgs: { name: string; mspId: string; domain: string; peer: { name: string } }[];
}

export function readChaosTopology(): ChaosTopology {
    return JSON.parse(readFileSync(join(ROOT, 'network', 'topology.json'), 'utf8')) as ChaosTopology;
}

/** The process name of an organisation's chaincode server (its pid file, its log). */
export function chaincodeServerName(org: { domain: string }): string {
    return `sealpact-ccaas.${org.domain}`;
}

/** Every long-running process the suite expects network:up to have started. */
export function networkProcesses(topology: ChaosTopology): string[] {
    return [
        ...topology.ordererOrg.orderers.map((orderer) => orderer.name),
        ...topology.orgs.map((org) => org.peer.name),
        ...topology.orgs.map(chaincodeServerName),
    ];
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** The pid a process's pid file names, if that process runs now (the supervisor removes the file when it dies). */
export function livePid(name: string): number | undefined {
    let text: string;
    try {
        text = readFileSync(join(RUN_DIR, `${name}.pid`), 'utf8');
    } catch {
        return undefined;
    }
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** `pidOf()` now, failing with `what` named when it is not running. */
export function runningPid(what: string, pidOf: () => number | undefined): number {
    const pid = pidOf();
    if (pid === undefined || !isAlive(pid)) {
        throw new Error(`${what} is not running`);
    }
    return pid;
}

/**
 * Resolves with the pid of the process started in place of `old` once it runs: a killed process
 * comes back through its supervisor (network/scripts/supervise.mjs, about a second's back-off).
 */
export async function restarted(
    what: string,
    pidOf: () => number | undefined,
    old: number,
    timeoutMs = 60_000,
): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const pid = pidOf();
        if (pid !== undefined && pid !== old && isAlive(pid)) {
            return pid;
        }
        if (Date.now() > deadline) {
            throw new Error(
                `${what} was not restarted within ${timeoutMs / 1000} s of being killed (is it supervised?)`,
            );
        }
        await sleep(POLL_MS);
    }
}

/** Processes stopped with SIGSTOP and not yet resumed. */
const frozen = new Set<number>();

export function freeze(pid: number): void {
    frozen.add(pid);
    process.kill(pid, 'SIGSTOP');
}

/** Resume a frozen process; one that is gone already is nothing to resume. */
export function thaw(pid: number): void {
    frozen.delete(pid);
    try {
        process.kill(pid, 'SIGCONT');
    } catch {
        // not running any more
    }
}

export function thawAll(): void {
    for (const pid of frozen) thaw(pid);
}

// A run that fails or is killed in the middle must not leave a frozen process behind for everyone else.
process.on('exit', thawAll);

/** Each orderer's /metrics text, undefined for one that does not answer within a second (down, frozen, starting). */
async function ordererMetrics(topology: ChaosTopology): Promise<{ name: string; text?: string }[]> {
    const { ordererOrg } = topology;
    return Promise.all(
        ordererOrg.orderers.map(async (orderer) => {
            const target = operationsTarget(ordererOrg, orderer.name, orderer.operationsPort);
            try {
                return { name: orderer.name, text: (await operationsGet(target, '/metrics', 1000)).body };
            } catch {
                return { name: orderer.name };
            }
        }),
    );
}

function leaderIn(topology: ChaosTopology, metrics: { name: string; text?: string }[]): string | undefined {
    const leading = new RegExp(`^consensus_etcdraft_is_leader\\{channel="${topology.channel}"\\} 1$`, 'm');
    return metrics.find((orderer) => orderer.text !== undefined && leading.test(orderer.text))?.name;
}

/** The orderer whose /metrics says it leads the channel's Raft cluster, if any answers so. */
export async function raftLeader(topology: ChaosTopology): Promise<string | undefined> {
    return leaderIn(topology, await ordererMetrics(topology));
}

/**
 * Orderers more than a few blocks behind the highest: killing the leader while one lags would take
 * the cluster's quorum with it, so the suite waits (and fails, naming them) instead.
 */
function laggingOrderers(topology: ChaosTopology, metrics: { name: string; text?: string }[]): string[] {
    const height = new RegExp(`^ledger_blockchain_height\\{channel="${topology.channel}"\\} (\\d+)$`, 'm');
    const heights = metrics.map((orderer) => ({
        name: orderer.name,
        height: Number(height.exec(orderer.text ?? '')?.[1] ?? NaN),
    }));
    const highest = Math.max(...heights.map((orderer) => orderer.height).filter(Number.isFinite));
    return heights
        .filter((orderer) => !(orderer.height >= highest - MAX_LAG_BLOCKS))
        .map((orderer) => `${orderer.name} (block height ${orderer.height}, highest ${highest})`);
}

/** The identity whose organisation's gateway each readiness probe goes through, one per organisation. */
const PROBES: Record<string, IdentityName> = {
    Org1MSP: 'alice',
    Org2MSP: 'bob',
    AuthorityOrgMSP: 'verifier',
    AuditorOrgMSP: 'auditor',
};

/**
 * Waits until the network takes transactions again: every process named runs, Raft has a leader and
 * every orderer is in step with it, each organisation's gateway gets an endorsement from every organisation's peer (so every peer and
 * chaincode server answers and gossip has found them), and the S3 store answers.
 */
export class Readiness {
    private readonly ledger = new FabricLedger();

    constructor(
        private readonly topology: ChaosTopology,
        private readonly processes: { name: string; pid: () => number | undefined }[],
        /** Resolves when the S3 store answers a request. */
        private readonly storeAnswers: () => Promise<unknown>,
    ) {}

    async wait(timeoutMs = 60_000): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const missing = await this.notReady();
            if (missing === undefined) return;
            if (Date.now() > deadline) {
                throw new Error(`the network was not ready within ${timeoutMs / 1000} s: ${missing}`);
            }
            await sleep(250);
        }
    }

    close(): void {
        this.ledger.close();
    }

    /** What is not ready yet, or undefined when everything is. */
    private async notReady(): Promise<string | undefined> {
        const stopped = this.processes.filter((p) => p.pid() === undefined).map((p) => p.name);
        if (stopped.length > 0) return `not running: ${stopped.join(', ')}`;
        const metrics = await ordererMetrics(this.topology);
        if (leaderIn(this.topology, metrics) === undefined) return 'no Raft leader';
        const lagging = laggingOrderers(this.topology, metrics);
        if (lagging.length > 0) return `orderers behind the others: ${lagging.join(', ')}`;
        const endorsingOrganizations = this.topology.orgs.map((org) => org.mspId);
        for (const org of this.topology.orgs) {
            const who = PROBES[org.mspId];
            if (who === undefined) return `no probe identity for ${org.mspId}`;
            try {
                await this.ledger
                    .connectionOf(who)
                    .contract.newProposal('WhoAmI', { endorsingOrganizations })
                    .endorse();
            } catch {
                return `${org.peer.name}'s gateway gets no endorsement from every organisation`;
            }
        }
        try {
            await this.storeAnswers();
        } catch {
            return 'the S3 store does not answer';
        }
        return undefined;
    }
}
