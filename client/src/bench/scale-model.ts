import { Measurement } from './capacity';

/**
 * Scale on paper: a transaction's measured CPU split into what each kind of host does for it, and
 * what a deployment with every organisation on its own hosts would reach from that, for more or
 * fewer organisations under MAJORITY endorsement. docs/benchmarks.md explains the model.
 */

/** The gateway peer every workload submits through (alice and dave are Org1). */
const GATEWAY = 'peer0.org1.example.com';

export interface TransactionCost {
    /** Peer CPU per endorsement, on a peer that is not the gateway. */
    endorsement: number;
    /** Chaincode server CPU per endorsement. */
    chaincode: number;
    /** Peer CPU per transaction to validate and commit it, on every peer. */
    validation: number;
    /** The gateway peer's own work per transaction besides its endorsement and validation. */
    gateway: number;
    /** The busiest orderer (the Raft leader) and the others, per transaction. */
    ordererLeader: number;
    ordererFollower: number;
    client: number;
}

const perOp = (m: Measurement, name: string) =>
    (m.cpu.byProcess.find((p) => p.name === name)?.ms ?? 0) / Math.max(1, m.completed);

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);

/** Majority of `orgs` organisations: the endorsements each transaction needs. */
export const majority = (orgs: number) => Math.floor(orgs / 2) + 1;

/**
 * The split of one transaction from a full run (`full`) and an endorse-only run (`endorsed`) at
 * the same load: peers other than the gateway spend only on endorsement in the latter, so the
 * difference is validation; the chaincode servers run only for endorsements.
 */
export function transactionCost(full: Measurement, endorsed: Measurement, orgs: number): TransactionCost {
    const peers = full.cpu.byProcess.filter((p) => p.group === 'peers').map((p) => p.name);
    const others = peers.filter((name) => name !== GATEWAY);
    const endorsements = majority(orgs);
    const endorsement = others.reduce((sum, name) => sum + perOp(endorsed, name), 0) / (endorsements - 1);
    const validation = mean(others.map((name) => perOp(full, name) - perOp(endorsed, name)));
    const servers = (m: Measurement) =>
        m.cpu.byProcess.filter((p) => p.group.endsWith('servers')).reduce((sum, p) => sum + p.ms, 0) /
        Math.max(1, m.completed);
    const orderers = full.cpu.byProcess
        .filter((p) => p.group === 'orderers')
        .map((p) => perOp(full, p.name))
        .sort((a, b) => b - a);
    const [leader = 0, ...followers] = orderers;
    return {
        endorsement,
        chaincode: servers(endorsed) / endorsements,
        validation,
        gateway: perOp(full, GATEWAY) - endorsement - validation,
        ordererLeader: leader,
        ordererFollower: mean(followers),
        client: full.cpuPerOp.client,
    };
}

/**
 * CPU-ms per transaction on one organisation's peer host (its peer and chaincode server) when `orgs`
 * organisations each run one and their clients submit evenly through their own gateways: every
 * peer validates every transaction, endorses majority(orgs)/orgs of them, and is the gateway of 1/orgs.
 */
export function peerHostCost(cost: TransactionCost, orgs: number): number {
    return cost.validation + (majority(orgs) / orgs) * (cost.endorsement + cost.chaincode) + cost.gateway / orgs;
}

const f1 = (n: number) => n.toFixed(1);
const f0 = (n: number) => n.toFixed(0);

/** The cost split and the model's table, as docs/benchmarks.md shows them. */
export function scaleModel(cost: Record<string, Measurement>, orgs: number): string {
    const kinds = [
        ['baseline Put', cost.put, cost.putEndorsed],
        ['ShareFile', cost.shareFile, cost.shareEndorsed],
    ] as const;
    const split = kinds.flatMap(([name, full, endorsed]) =>
        full && endorsed ? [{ name, cost: transactionCost(full, endorsed, orgs) }] : [],
    );
    if (split.length === 0) return '';
    const sizes = [3, 4, 5, 7, 9, 15];
    return [
        'A transaction split by what each host does for it (CPU-ms; endorsement and chaincode per endorsement, the rest per transaction):',
        '',
        '| transaction | endorsement, per peer | chaincode, per endorsement | validation and commit, every peer | gateway peer besides | Raft leader | Raft follower | client |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...split.map(
            ({ name, cost: c }) =>
                `| ${name} | ${f1(c.endorsement)} | ${f1(c.chaincode)} | ${f1(c.validation)} | ${f1(c.gateway)} | ${f1(c.ordererLeader)} | ${f1(c.ordererFollower)} | ${f1(c.client)} |`,
        ),
        '',
        'Each organisation on its own hosts (a peer host with its chaincode server; orderers on their own), clients spread evenly over the organisations: CPU-ms per transaction on each peer host, and transactions per second per core of it.',
        '',
        `| organisations (MAJORITY) | ${split.map(({ name }) => `${name}: CPU-ms per peer host | ${name}: tx/s per core`).join(' | ')} |`,
        `| --- | ${split.map(() => '---: | ---:').join(' | ')} |`,
        ...sizes.map((n) => {
            const cells = split.map(({ cost: c }) => {
                const ms = peerHostCost(c, n);
                return `${f1(ms)} | ${f0(1000 / ms)}`;
            });
            return `| ${n} (${majority(n)} endorse) | ${cells.join(' | ')} |`;
        }),
        '',
        `The Raft leader's share caps the channel at ${split.map(({ name, cost: c }) => `${f0(1000 / Math.max(c.ordererLeader, 0.01))} ${name}/s`).join(' and ')} per core of its host.`,
    ].join('\n');
}
