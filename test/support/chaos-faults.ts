import { CuttableLink } from './chaos-link';
import { OperationLog } from './chaos-log';
import {
    ChaosTopology,
    chaincodeServerName,
    freeze,
    livePid,
    raftLeader,
    restarted,
    runningPid,
    sleep,
    thaw,
} from './chaos-network';
import { S3Server, untilWritable } from './chaos-s3';

/**
 * The faults, one at a time: each is injected for real (SIGSTOP / SIGCONT, SIGKILL, a cut TCP
 * connection), then resumed (the frozen process continued, the killed one back through its
 * supervisor, the link reconnected); then the suite waits until every worker of the load succeeds
 * again.
 */

export type FaultKind =
    'peer-freeze' | 'peer-kill' | 'leader-kill' | 'chaincode-kill' | 's3-freeze' | 's3-kill' | 'connection-cut';

/** One injected fault, in epoch milliseconds. */
export interface FaultRecord {
    kind: FaultKind;
    /** The process or connection it hit. */
    target: string;
    injectedAt: number;
    /** When the frozen process was continued, the killed one ran again (the S3 store: took writes again), the link was back. */
    resumedAt: number;
    /** When every worker had had an operation started after resumedAt succeed; undefined if not in the wait. */
    recoveredAt?: number;
    recoveryMs?: number;
    /** leader-kill: from the kill until another orderer's /metrics said it leads; undefined if none did in 60 s. */
    newLeaderMs?: number;
    /** connection-cut: the ShareFile whose commit status the cut lost. */
    cutTxId?: string;
}

interface Resumed {
    at: number;
    newLeaderMs?: number;
}

interface Injected {
    at: number;
    target: string;
    cutTxId?: string;
    /** End the fault; resolves once it is over. */
    resume(): Promise<Resumed>;
}

export interface Fault {
    kind: FaultKind;
    inject(): Promise<Injected>;
}

export interface FaultTargets {
    topology: ChaosTopology;
    s3: S3Server;
    link: CuttableLink;
    /** How long a process stays frozen, a link cut. */
    holdMs: number;
}

const S3 = 'the S3 store (weed)';

/**
 * Every kind of fault once, in order. Rounds rotate through the organisations: round 0 freezes
 * Org1's peer (alice's gateway), kills Org2's (bob's gateway) and Org1's chaincode server.
 */
export function faultsOfRound(targets: FaultTargets, round: number): Fault[] {
    const { topology, s3, link, holdMs } = targets;
    const org = (offset: number) => {
        const orgs = topology.orgs;
        const chosen = orgs[(round + offset) % orgs.length];
        if (chosen === undefined) throw new Error('topology.json lists no organisation');
        return chosen;
    };
    const pidFileOf = (name: string) => () => livePid(name);
    const frozenPeer = org(0).peer.name;
    const killedPeer = org(1).peer.name;
    const chaincodeServer = chaincodeServerName(org(0));
    return [
        freezeFault('peer-freeze', frozenPeer, pidFileOf(frozenPeer), holdMs),
        killFault('peer-kill', killedPeer, pidFileOf(killedPeer)),
        leaderKill(topology),
        killFault('chaincode-kill', chaincodeServer, pidFileOf(chaincodeServer)),
        freezeFault('s3-freeze', S3, () => s3.pid(), holdMs),
        killFault(
            's3-kill',
            S3,
            () => s3.pid(),
            () => untilWritable(s3),
        ),
        connectionCut(link, holdMs),
    ];
}

function freezeFault(kind: FaultKind, target: string, pidOf: () => number | undefined, holdMs: number): Fault {
    return {
        kind,
        inject: () => {
            const pid = runningPid(target, pidOf);
            freeze(pid);
            return Promise.resolve({
                at: Date.now(),
                target,
                resume: async () => {
                    await sleep(holdMs);
                    thaw(pid);
                    return { at: Date.now() };
                },
            });
        },
    };
}

/** A SIGKILL; it is over once the supervisor restarted the process and, if given, `back()` resolved. */
function killFault(
    kind: FaultKind,
    target: string,
    pidOf: () => number | undefined,
    back?: () => Promise<void>,
): Fault {
    return {
        kind,
        inject: () => {
            const pid = runningPid(target, pidOf);
            process.kill(pid, 'SIGKILL');
            return Promise.resolve({
                at: Date.now(),
                target,
                resume: async () => {
                    await restarted(target, pidOf, pid);
                    await back?.();
                    return { at: Date.now() };
                },
            });
        },
    };
}

/** Kill the orderer that leads Raft; it is over once the supervisor restarted it, and the new leader is timed. */
function leaderKill(topology: ChaosTopology): Fault {
    return {
        kind: 'leader-kill',
        inject: async () => {
            const leader = await untilLeader(topology);
            const pidOf = () => livePid(leader);
            const pid = runningPid(leader, pidOf);
            process.kill(pid, 'SIGKILL');
            const at = Date.now();
            const elected = newLeader(topology, leader, pid);
            return {
                at,
                target: leader,
                resume: async () => {
                    await restarted(leader, pidOf, pid);
                    const resumedAt = Date.now();
                    const electedAt = await elected;
                    return { at: resumedAt, newLeaderMs: electedAt === undefined ? undefined : electedAt - at };
                },
            };
        },
    };
}

async function untilLeader(topology: ChaosTopology): Promise<string> {
    for (let attempt = 1; ; attempt++) {
        const leader = await raftLeader(topology);
        if (leader !== undefined) return leader;
        if (attempt === 100) throw new Error('no orderer reports itself the Raft leader');
        await sleep(200);
    }
}

/** When an orderer other than the killed one (or the killed one restarted) reports itself leader; undefined after 60 s. */
async function newLeader(topology: ChaosTopology, killed: string, killedPid: number): Promise<number | undefined> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
        const leader = await raftLeader(topology);
        if (leader !== undefined && (leader !== killed || livePid(killed) !== killedPid)) return Date.now();
        await sleep(100);
    }
    return undefined;
}

/** Cut alice's connection to her gateway between her next ShareFile's submit and its commit status. */
function connectionCut(link: CuttableLink, holdMs: number): Fault {
    return {
        kind: 'connection-cut',
        inject: async () => {
            const target = `alice's connection to her gateway peer (proxy ${link.endpoint})`;
            const cut = await link.cutAtNextShare();
            return {
                at: cut.at,
                target,
                cutTxId: cut.txId,
                resume: async () => {
                    await sleep(holdMs);
                    await link.reconnect();
                    return { at: Date.now() };
                },
            };
        },
    };
}

export interface FaultRun {
    log: OperationLog;
    workers: string[];
    /** Resolves once the network takes transactions again. */
    ready: () => Promise<void>;
    /** Steady load before each fault. */
    steadyMs: number;
    /** How long to wait for every worker to succeed again (well past the bound asserted, to measure). */
    recoveryWaitMs: number;
}

/**
 * Wait until the network is ready and every worker succeeds again, let the load run steadily, inject
 * the fault, resume it, time the recovery.
 */
export async function runFault(fault: Fault, run: FaultRun): Promise<FaultRecord> {
    await untilFlowing(run);
    await sleep(run.steadyMs);
    const injected = await fault.inject();
    const resumed = await injected.resume();
    const recoveredAt = await run.log.everyWorkerSucceeded(run.workers, resumed.at, run.recoveryWaitMs);
    return {
        kind: fault.kind,
        target: injected.target,
        injectedAt: injected.at,
        resumedAt: resumed.at,
        recoveredAt,
        recoveryMs: recoveredAt === undefined ? undefined : recoveredAt - resumed.at,
        newLeaderMs: resumed.newLeaderMs,
        cutTxId: injected.cutTxId,
    };
}

/** Until the network is ready and every worker has succeeded since: the load flows, whatever the last fault left. */
export async function untilFlowing(run: FaultRun): Promise<void> {
    await run.ready();
    const since = Date.now();
    if ((await run.log.everyWorkerSucceeded(run.workers, since, run.recoveryWaitMs)) === undefined) {
        const last = run.workers.map((worker) => {
            const op = run.log.last(worker);
            return `${worker}: ${op ? `${op.kind} ${op.outcome ?? 'running'} ${op.message ?? ''}` : 'nothing yet'}`;
        });
        throw new Error(
            `the network is ready but not every worker succeeded within ${run.recoveryWaitMs / 1000} s; ` +
                `each one's last operation: ${last.join('; ')}`,
        );
    }
}
