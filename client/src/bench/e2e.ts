/**
 * `npm run bench:e2e`: Sealpact end to end on the local Fabric network, in one run, written into
 * docs/benchmarks.md (and the capacity plot into docs/e2e-capacity.svg):
 * - SDK send and receive latency for 1 KB, 1 MB and 100 MB files in both suites;
 * - capacity: baseline Put (a chaincode doing one PutState per transaction on the same channel
 *   with the same endorsement policy), ShareFile and the SDK's send of 1 KB, each at several
 *   levels of operations in flight, with the CPU each process of the network spent per operation
 *   (/proc), and at one level the split of a transaction's cost into endorsement and the rest,
 *   what verified reads add to a send, and ReadWrite (the baseline chaincode making a ShareFile's
 *   state calls, or the fewest its rules need, with none of its rules);
 * - what verified reads add to a send and a receive, next to the single-peer reads they replaced;
 * - what a signing plan adds to a signature.
 *
 * Settings (environment; docs/benchmarks.md lists them too):
 * - BENCH_ONLY=latency, capacity, reads or sign: that part alone, rewriting only its own section;
 * - BENCH_INFLIGHT: levels of operations in flight, comma-separated (default 8,16,32,64);
 * - BENCH_TX_PUT, BENCH_TX_SHARE, BENCH_TX_SEND: operations per level of each workload (default
 *   1000, 800, 400; at least 5 × in flight in each pass);
 * - BENCH_PASSES: passes through the workloads at each level, their operations shared out among
 *   them (default 3);
 * - BENCH_COST_INFLIGHT: the level of the cost split (default 32);
 * - BENCH_RUNS_1K, BENCH_RUNS_1M, BENCH_RUNS_100M, BENCH_RUNS_READS, BENCH_RUNS_SIGN: runs of the
 *   latency, verified-read and signature comparisons;
 * - BENCH_JSON=<file>: every capacity measurement, per process, as JSON.
 *
 * Starts the network (npm run network:up) when it is not up and deploys the baseline chaincode
 * (network/scripts/deploy-baseline.mjs); stops at the end whatever it started.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CredentialInput, isSealpactError, Suite, SUITE_DIGEST } from '@sealpact/protocol';
import { sealEnvelope } from '../crypto/envelope';
import { generateKeyPair, PrivateKeyInfo } from '../crypto/keys';
import { connect } from '../sdk/connect';
import { Ledger, LedgerConnection } from '../sdk/ledger';
import { ConnectionProfile, loadProfile } from '../sdk/profile';
import { Sealpact } from '../sdk/sealpact';
import { channelBatchSettings, describeBatch } from './batch-settings';
import { capacityOptions, Measurement, positive, totalPerOp } from './capacity';
import { attributionTable, capacityTable, othersNote, runCapacity, Workloads, writePlot } from './e2e-capacity';
import { machineDescription, percentiles, writeBenchmarkSection } from './report';
import { scaleModel } from './scale-model';

const REPO_ROOT = resolve(__dirname, '../../..');
const SCRIPTS = join(REPO_ROOT, 'network', 'scripts');
const PROFILE_PATH = join(REPO_ROOT, 'network', '.data', 'connection.json');
const RUN_DIR = join(REPO_ROOT, 'network', '.data', 'run');
const KB = 1024;
const MB = 1024 * 1024;

const IDENTITY = {
    alice: 'Org1MSP/alice@org1.example.com',
    dave: 'Org1MSP/dave@org1.example.com',
    bob: 'Org2MSP/bob@org2.example.com',
    verifier: 'AuthorityOrgMSP/verifier@authority.example.com',
} as const;
type Who = keyof typeof IDENTITY;

/** File sizes and runs per size (median and p95 over these). */
const SIZES = [
    { label: '1 KB', bytes: KB, runs: Number(process.env.BENCH_RUNS_1K ?? 20) },
    { label: '1 MB', bytes: MB, runs: Number(process.env.BENCH_RUNS_1M ?? 10) },
    { label: '100 MB', bytes: 100 * MB, runs: Number(process.env.BENCH_RUNS_100M ?? 3) },
];
type SuiteSpec = { suite: Suite; name: string; keys: string };
const SUITES: SuiteSpec[] = [
    { suite: 'gm', name: 'gm (SM4-CTR + HMAC-SM3)', keys: 'SM2' },
    { suite: 'intl', name: 'intl (AES-256-GCM)', keys: 'RSA-3072' },
];

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'sealpact-bench-e2e-'));
const passphrase = randomBytes(16).toString('hex');

const ms = (value: number) => value.toFixed(value < 10 ? 1 : 0);

function node(script: string, args: string[] = []): number {
    return spawnSync(process.execPath, [join(SCRIPTS, script), ...args], { stdio: 'inherit' }).status ?? 1;
}

/** Pids of this network's processes running now, from `status.mjs --pids`. */
function alivePids(): number[] {
    const result = spawnSync(process.execPath, [join(SCRIPTS, 'status.mjs'), '--pids'], { encoding: 'utf8' });
    return result.stdout.trim().split(',').filter(Boolean).map(Number);
}

/** Brings the network up when it is not, then deploys the baseline; returns the pids that ran before. */
function prepareNetwork(): number[] {
    const before = alivePids();
    const status = spawnSync(process.execPath, [join(SCRIPTS, 'status.mjs')], { encoding: 'utf8' });
    if (status.status === 0 && existsSync(PROFILE_PATH)) {
        console.log('[bench:e2e] the Fabric network is up; using it');
    } else {
        console.log('[bench:e2e] starting the Fabric network (npm run network:up)');
        const up = spawnSync('npm', ['run', 'network:up'], { cwd: REPO_ROOT, stdio: 'inherit' });
        if (up.status !== 0) throw new Error('npm run network:up failed; see the stage above');
    }
    if (node('deploy-baseline.mjs') !== 0) throw new Error('deploying the baseline chaincode failed (see above)');
    return before;
}

/** Stops what prepareNetwork started: the whole network, or only the baseline servers. */
function restoreNetwork(before: number[]): void {
    const started = alivePids().filter((pid) => !before.includes(pid));
    if (started.length === 0) return;
    console.log(`[bench:e2e] stopping the ${started.length} process(es) this benchmark started`);
    node('down.mjs', before.length > 0 ? ['--keep', before.join(',')] : []);
}

async function session(who: Who): Promise<Sealpact> {
    return connect({
        profile: PROFILE_PATH,
        identity: IDENTITY[who],
        store: `fs://${join(dir, 'blobs')}`,
        keyring: { dir: join(dir, 'keyrings', who), passphrase },
    });
}

/**
 * Waits (untimed) until the recipient's own peer has committed the share: send returns when
 * alice's peer (Org1) committed the block, and bob's gateway peer (Org2) may be a moment behind.
 */
async function visibleTo(recipient: Sealpact, fileId: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
        try {
            await recipient.getFile(fileId);
            return;
        } catch (err) {
            if (!isSealpactError(err, 'NOT_FOUND') || Date.now() > deadline) throw err;
            await sleep(20);
        }
    }
}

interface LatencyRow {
    size: string;
    suite: SuiteSpec;
    runs: number;
    send: { median: number; p95: number };
    receive: { median: number; p95: number };
}

/** Times `runs` sends alice → bob and bob's receive of each, separately; blobs are removed between runs. */
async function latency(
    alice: Sealpact,
    bob: Sealpact,
    bobId: string,
    spec: SuiteSpec,
    size: (typeof SIZES)[number],
): Promise<LatencyRow> {
    const { suite } = spec;
    const input = join(dir, `input-${size.bytes}`);
    if (!existsSync(input)) writeFileSync(input, randomBytes(size.bytes));
    const out = join(dir, 'received');
    const send: number[] = [];
    const receive: number[] = [];
    for (let i = 0; i < size.runs; i++) {
        const fileId = `bench-${run}-${suite}-${size.label.replace(/\W/g, '')}-${i}`;
        let start = performance.now();
        const sent = await alice.send(input, { to: [bobId], suite, fileId });
        send.push(performance.now() - start);
        await visibleTo(bob, fileId);
        start = performance.now();
        await bob.receive(fileId, out);
        receive.push(performance.now() - start);
        rmSync(out, { force: true });
        await alice.store.delete(sent.locator);
    }
    const row = {
        size: size.label,
        suite: spec,
        runs: size.runs,
        send: percentiles(send),
        receive: percentiles(receive),
    };
    console.log(
        `  ${size.label} ${suite}: send median ${ms(row.send.median)} ms p95 ${ms(row.send.p95)} ms; ` +
            `receive median ${ms(row.receive.median)} ms p95 ${ms(row.receive.p95)} ms (${size.runs} runs)`,
    );
    return row;
}

/**
 * The SDK as it was before verified reads, for the side-by-side comparison only: every `read`
 * answered by the gateway peer alone (`query`), everything else as the connection does it.
 */
function singlePeerReads(ledger: LedgerConnection): Ledger {
    return {
        submit: (transaction, ...args) => ledger.submit(transaction, ...args),
        query: <T>(transaction: string, ...args: string[]) => ledger.query<T>(transaction, ...args),
        read: <T>(transaction: string, ...args: string[]) => ledger.query<T>(transaction, ...args),
        chaincodeEvents: (options) => ledger.chaincodeEvents(options),
        close: () => undefined,
    };
}

const READ_RUNS = Number(process.env.BENCH_RUNS_READS ?? 30);

/**
 * Verified reads against single-peer reads, interleaved in one run (the order alternating each
 * round so drift favours neither): one read (`GetParty`), and a 1 KB send and receive (intl).
 */
async function readCost(alice: Sealpact, bob: Sealpact, bobId: string): Promise<string> {
    const single = {
        alice: new Sealpact(singlePeerReads(alice.ledger), alice.store, alice.keyring),
        bob: new Sealpact(singlePeerReads(bob.ledger), bob.store, bob.keyring),
    };
    const input = join(dir, `input-${KB}`);
    if (!existsSync(input)) writeFileSync(input, randomBytes(KB));
    const out = join(dir, 'received');
    const samples = { read: [[], []], send: [[], []], receive: [[], []] } as Record<string, [number[], number[]]>;
    const time = async (kind: string, verified: number, work: () => Promise<unknown>) => {
        const start = performance.now();
        await work();
        samples[kind]?.[verified]?.push(performance.now() - start);
    };
    for (let i = 0; i < READ_RUNS; i++) {
        for (const verified of i % 2 === 0 ? [1, 0] : [0, 1]) {
            const [sender, recipient] = verified ? [alice, bob] : [single.alice, single.bob];
            await time('read', verified, () => sender.getParty(bobId));
            const fileId = `bench-${run}-reads-${verified}-${i}`;
            let locator = '';
            await time('send', verified, async () => {
                locator = (await sender.send(input, { to: [bobId], suite: 'intl', fileId })).locator;
            });
            await visibleTo(bob, fileId);
            await time('receive', verified, () => recipient.receive(fileId, out));
            rmSync(out, { force: true });
            await alice.store.delete(locator);
        }
    }
    const rows = Object.entries(samples).map(([kind, [singlePeer, verified]]) => {
        const before = percentiles(singlePeer);
        const after = percentiles(verified);
        const label = { read: 'one read (GetParty)', send: 'send 1 KB (intl)', receive: 'receive 1 KB (intl)' }[kind];
        return (
            `| ${label} | ${ms(before.median)} / ${ms(before.p95)} | ${ms(after.median)} / ${ms(after.p95)} | ` +
            `${(after.median / before.median).toFixed(2)} |`
        );
    });
    return [
        `Run on ${machineDescription()}, ${new Date().toISOString().slice(0, 10)}; ${READ_RUNS} rounds, each timing both kinds back to back.`,
        '',
        '| operation | single-peer reads median / p95 (ms) | verified reads median / p95 (ms) | ratio verified / single-peer (median) |',
        '| --- | ---: | ---: | ---: |',
        ...rows,
    ].join('\n');
}

const SIGN_RUNS = Number(process.env.BENCH_RUNS_SIGN ?? 20);

/**
 * A signature on a contract with a signing plan against one on a file shared without a plan,
 * interleaved in one run: bob receives each file first (untimed) and then signs it (timed). With a
 * plan, sign also reads the contract (a verified read) and the chaincode checks and advances it.
 */
async function signCost(alice: Sealpact, bob: Sealpact, bobId: string): Promise<string> {
    const input = join(dir, `input-${KB}`);
    if (!existsSync(input)) writeFileSync(input, randomBytes(KB));
    const samples: Record<'plain' | 'plan', number[]> = { plain: [], plan: [] };
    for (let i = 0; i < SIGN_RUNS; i++) {
        for (const kind of i % 2 === 0 ? (['plan', 'plain'] as const) : (['plain', 'plan'] as const)) {
            const fileId = `bench-${run}-sign-${kind}-${i}`;
            const signers = kind === 'plan' ? { signers: [[bobId]] } : {};
            const sent = await alice.send(input, { to: [bobId], suite: 'intl', fileId, ...signers });
            await visibleTo(bob, fileId);
            const copy = join(dir, 'to-sign');
            await bob.receive(fileId, copy);
            const start = performance.now();
            await bob.sign(fileId, copy);
            samples[kind].push(performance.now() - start);
            rmSync(copy, { force: true });
            await alice.store.delete(sent.locator);
        }
    }
    const plain = percentiles(samples.plain);
    const plan = percentiles(samples.plan);
    return [
        `Run on ${machineDescription()}, ${new Date().toISOString().slice(0, 10)}; ${SIGN_RUNS} signatures of each kind, alternating.`,
        '',
        '| signature by bob (1 KB, intl) | median (ms) | p95 (ms) |',
        '| --- | ---: | ---: |',
        `| file shared without a plan | ${ms(plain.median)} | ${ms(plain.p95)} |`,
        `| contract with a signing plan | ${ms(plan.median)} | ${ms(plan.p95)} |`,
        `| ratio plan / no plan (median) | ${(plan.median / plain.median).toFixed(2)} | |`,
    ].join('\n');
}

/** Worker w's one of a pair: the first for even workers, the second for odd ones (alice, dave). */
function alternate<T>([even, odd]: readonly [T, T], worker: number): T {
    return worker % 2 === 0 ? even : odd;
}

/** The capacity plot, in docs/. */
const PLOT = 'e2e-capacity.svg';

const NAMES: Record<string, string> = {
    put: 'baseline Put',
    shareFile: 'ShareFile',
    send: 'SDK send 1 KB',
    putEndorsed: 'baseline Put, endorsed only',
    shareEndorsed: 'ShareFile, endorsed only',
    sendSinglePeer: 'SDK send 1 KB, single-peer reads',
    stateCalls: "baseline ReadWrite, ShareFile's state calls",
    fewestStateCalls: "baseline ReadWrite, the fewest state calls ShareFile's rules need",
};

/**
 * ReadWrite's shapes, on keys written beforehand, each write of about a ShareFile's record size:
 * - stateCalls: as many reads and writes as a ShareFile to one recipient makes (its five writes
 *   are about 3.2 KB);
 * - fewestStateCalls: the fewest that any data model keeping ShareFile's rules on-chain could make:
 *   reads of the caller's party record, of the file id and of the recipient's party record (were it
 *   to carry its active key's fingerprint and algorithm), writes of the file (were it to carry its
 *   credentials) and of the recipient's inbox entry (no sent index).
 */
const READ_WRITE = {
    stateCalls: { reads: 5, writes: 5 },
    fewestStateCalls: { reads: 3, writes: 2 },
} as const;
const READ_WRITE_VALUE_BYTES = 640;

type Keys = Record<'alice' | 'dave' | 'bob', PrivateKeyInfo>;

/** What every part of the benchmark works with. */
interface Bench {
    alice: Sealpact;
    dave: Sealpact;
    bob: Sealpact;
    bobId: string;
    /** The parties' current encryption keys: SM2 at first, RSA-3072 for alice and bob from useRsaKeys on. */
    keys: Keys;
    rsa: boolean;
    profile: ConnectionProfile;
    baselineName: string;
    /** Connections to close at the end. */
    connections: LedgerConnection[];
    /** The first line of each section: machine, date, network and batch settings. */
    header: string;
}

/** alice and bob on RSA-3072 keys (the intl latency runs and everything after them), once. */
async function useRsaKeys(bench: Bench): Promise<void> {
    if (bench.rsa) return;
    bench.keys.alice = generateKeyPair('rsa');
    bench.keys.bob = generateKeyPair('rsa');
    await Promise.all([bench.alice.registerKeys(bench.keys.alice), bench.bob.registerKeys(bench.keys.bob)]);
    bench.rsa = true;
}

/** Send and receive latency per suite and size: gm on SM2 keys, then intl on RSA-3072 keys. */
async function latencySection(bench: Bench): Promise<string> {
    const { alice, bob, bobId } = bench;
    const rows: LatencyRow[] = [];
    for (const spec of SUITES) {
        if (spec.keys === 'RSA-3072') await useRsaKeys(bench);
        console.log(`[bench:e2e] latency, suite ${spec.suite}, ${spec.keys} keys`);
        await latency(alice, bob, bobId, spec, { label: 'warm-up', bytes: KB, runs: 1 });
        for (const size of SIZES) rows.push(await latency(alice, bob, bobId, spec, size));
    }
    return [
        bench.header,
        '',
        '| file | suite (keys) | runs | send median (ms) | send p95 (ms) | receive median (ms) | receive p95 (ms) |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
        ...rows.map(
            (r) =>
                `| ${r.size} | ${r.suite.name}, ${r.suite.keys} | ${r.runs} | ${ms(r.send.median)} | ${ms(r.send.p95)} | ${ms(r.receive.median)} | ${ms(r.receive.p95)} |`,
        ),
    ].join('\n');
}

/**
 * The capacity workloads, each operation by alice (even workers) or dave (odd ones), both Org1,
 * each through its own gateway connection. ShareFile submits the transaction with credentials
 * sealed once beforehand, for bob and the submitter itself, and the digest and locator of one real
 * upload: the ledger's share of a send, not crypto or file I/O. The SDK send is the whole send of a
 * 1 KB file (intl) to bob, as an application calls it (a random file id); its blob is removed after.
 */
async function workloads(ctx: Bench): Promise<Workloads> {
    const { alice, dave, bobId, keys } = ctx;
    let next = 0;
    const newId = (kind: string) => `bench-${run}-${kind}${next++}`;
    const input = join(dir, `input-${KB}`);
    if (!existsSync(input)) writeFileSync(input, randomBytes(KB));
    const template = await alice.send(input, { to: [bobId], suite: 'intl', fileId: `bench-${run}-template` });
    const password = randomBytes(32);
    const credential = (partyId: string, key: PrivateKeyInfo): CredentialInput => ({
        partyId,
        keyFingerprint: key.publicKey.fingerprint,
        algorithm: key.publicKey.algorithm,
        envelope: sealEnvelope(key.publicKey, password).toString('base64'),
    });
    const credentialsOf = async (party: Sealpact, key: PrivateKeyInfo) =>
        JSON.stringify([credential(bobId, keys.bob), credential((await party.whoAmI()).partyId, key)]);
    const submitters = [
        { party: alice, credentials: await credentialsOf(alice, keys.alice) },
        { party: dave, credentials: await credentialsOf(dave, keys.dave) },
    ] as const;
    const single = [alice, dave].map((p) => new Sealpact(singlePeerReads(p.ledger), p.store, p.keyring)) as [
        Sealpact<Ledger>,
        Sealpact<Ledger>,
    ];
    const baseline = (who: Who) => new LedgerConnection({ ...ctx.profile, chaincode: ctx.baselineName }, IDENTITY[who]);
    const baselines = [baseline('alice'), baseline('dave')] as const;
    ctx.connections.push(...baselines);
    const value = randomBytes(48).toString('base64');
    const record = randomBytes((READ_WRITE_VALUE_BYTES / 4) * 3).toString('base64');
    const readKeys = Array.from({ length: READ_WRITE.stateCalls.reads }, (_, i) => `bench-${run}-record${i}`);
    for (const key of readKeys) await baselines[0].submit('Put', key, record);
    const shareArgs = (w: number, id: string) => [
        id,
        'intl',
        SUITE_DIGEST.intl,
        template.ciphertextDigest,
        String(template.size),
        template.locator,
        alternate(submitters, w).credentials,
    ];
    const sendBy = async (party: Sealpact<Ledger>) => {
        const sent = await party.send(input, { to: [bobId], suite: 'intl' });
        await party.store.delete(sent.locator);
    };
    return {
        curve: [
            {
                key: 'put',
                name: NAMES.put ?? '',
                op: (w) => alternate(baselines, w).submit('Put', newId('put'), value),
            },
            {
                key: 'shareFile',
                name: NAMES.shareFile ?? '',
                op: (w) => alternate(submitters, w).party.ledger.submit('ShareFile', ...shareArgs(w, newId('share'))),
            },
            { key: 'send', name: NAMES.send ?? '', op: (w) => sendBy(alternate([alice, dave], w)) },
        ],
        cost: [
            {
                key: 'putEndorsed',
                name: NAMES.putEndorsed ?? '',
                op: (w) =>
                    alternate(baselines, w)
                        .contract.newProposal('Put', { arguments: [newId('put'), value] })
                        .endorse(),
            },
            {
                key: 'shareEndorsed',
                name: NAMES.shareEndorsed ?? '',
                op: (w) =>
                    alternate(submitters, w)
                        .party.ledger.contract.newProposal('ShareFile', { arguments: shareArgs(w, newId('share')) })
                        .endorse(),
            },
            { key: 'sendSinglePeer', name: NAMES.sendSinglePeer ?? '', op: (w) => sendBy(alternate(single, w)) },
            ...(['stateCalls', 'fewestStateCalls'] as const).map((key) => ({
                key,
                name: NAMES[key] ?? '',
                op: (w: number) =>
                    alternate(baselines, w).submit(
                        'ReadWrite',
                        JSON.stringify(readKeys.slice(0, READ_WRITE[key].reads)),
                        newId('rw'),
                        String(READ_WRITE[key].writes),
                        record,
                    ),
            })),
        ],
    };
}

/** The capacity curve and plot, where the CPU went, the cost split and the scale model. */
async function capacitySection(bench: Bench): Promise<string> {
    await useRsaKeys(bench);
    const capacity = await runCapacity(await workloads(bench), {
        ...capacityOptions({
            put: { env: 'BENCH_TX_PUT', count: 1000 },
            putEndorsed: { env: 'BENCH_TX_PUT', count: 1000 },
            shareFile: { env: 'BENCH_TX_SHARE', count: 800 },
            shareEndorsed: { env: 'BENCH_TX_SHARE', count: 800 },
            send: { env: 'BENCH_TX_SEND', count: 400 },
            sendSinglePeer: { env: 'BENCH_TX_SEND', count: 400 },
            stateCalls: { env: 'BENCH_TX_SHARE', count: 800 },
            fewestStateCalls: { env: 'BENCH_TX_SHARE', count: 800 },
        }),
        costLevel: positive('BENCH_COST_INFLIGHT', 32),
        runDir: RUN_DIR,
    });
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(capacity, null, 2));
    const plot = writePlot(
        REPO_ROOT,
        PLOT,
        `bench:e2e capacity, ${new Date().toISOString().slice(0, 10)}`,
        capacity,
        NAMES,
    );
    const rowsOf = (inFlight: number, results: Record<string, Measurement>) =>
        Object.entries(results).map(([key, m]) => ({ name: NAMES[key] ?? key, inFlight, m }));
    const curveRows = capacity.levels.flatMap(({ inFlight, results }) => rowsOf(inFlight, results));
    const costRows = rowsOf(capacity.costLevel, capacity.cost);
    const failures = [...curveRows, ...costRows]
        .filter(({ m }) => m.failed > 0)
        .map(({ name, m }) => `${name} at ${m.inFlight} in flight: ${m.failed} failed (${m.firstError ?? ''})`);
    return [
        bench.header,
        '',
        capacityTable(capacity),
        '',
        `![Capacity: throughput and p95 latency against operations in flight](${plot})`,
        '',
        'Where the CPU went (milliseconds per operation, all cores together; _other_ is the rest of the machine):',
        '',
        attributionTable(curveRows),
        '',
        othersNote(curveRows),
        '',
        `At ${capacity.costLevel} in flight, with a transaction endorsed but not submitted, a send whose reads are single-peer, and the baseline chaincode making, with none of ShareFile's rules, a ShareFile's state calls (${shape(READ_WRITE.stateCalls)}) and the fewest that any data model keeping those rules on-chain could make (${shape(READ_WRITE.fewestStateCalls)}):`,
        '',
        attributionTable(costRows),
        '',
        stateCallsNote(capacity.cost),
        '',
        scaleModel(capacity.cost, Object.keys(bench.profile.orgs).length),
        ...(failures.length > 0 ? ['', `Failed operations: ${[...new Set(failures)].join('; ')}.`] : []),
    ].join('\n');
}

/** A ReadWrite shape in words. */
function shape({ reads, writes }: { reads: number; writes: number }): string {
    return `${reads} reads, ${writes} writes of ${READ_WRITE_VALUE_BYTES} bytes, an event`;
}

/**
 * ShareFile's throughput and CPU next to Put's and to ReadWrite's, which makes the same state calls,
 * and what a ShareFile making the fewest state calls would reach if its rules cost what they do now.
 */
function stateCallsNote(cost: Record<string, Measurement>): string {
    const { put, shareFile, stateCalls, fewestStateCalls } = cost;
    if (!put || !shareFile || !stateCalls || !fewestStateCalls) return '';
    const cpu = (m: Measurement) => totalPerOp(m).toFixed(1);
    const ratio = (a: Measurement, b: Measurement) => a.tps / b.tps;
    const two = (n: number) => n.toFixed(2);
    const rules = ratio(shareFile, stateCalls);
    const fewest = ratio(fewestStateCalls, put);
    return (
        `ShareFile against the baseline's transactions in this run: **${two(ratio(shareFile, put))}** of Put's ` +
        `throughput and **${two(rules)}** of ReadWrite's with the same state calls (${shareFile.tps.toFixed(1)}, ` +
        `${put.tps.toFixed(1)} and ${stateCalls.tps.toFixed(1)} tx/s; ${cpu(shareFile)}, ${cpu(put)} and ` +
        `${cpu(stateCalls)} CPU-ms per transaction). ReadWrite with the fewest state calls reached ` +
        `**${two(fewest)}** of Put's (${fewestStateCalls.tps.toFixed(1)} tx/s, ${cpu(fewestStateCalls)} CPU-ms): ` +
        `a ShareFile that made only those calls, its rules costing what they cost here, would reach about ` +
        `**${two(fewest * rules)}** of Put's.`
    );
}

/** The parts of the benchmark, in the order a full run takes them, and the section each writes. */
const PARTS = {
    latency: { section: 'e2e', run: latencySection },
    capacity: { section: 'e2e-capacity', run: capacitySection },
    reads: { section: 'e2e-reads', run: (b: Bench) => readCost(b.alice, b.bob, b.bobId) },
    sign: { section: 'e2e-sign', run: (b: Bench) => signCost(b.alice, b.bob, b.bobId) },
} as const;

/** The parts BENCH_ONLY names, or all of them. */
function partsToRun(): (keyof typeof PARTS)[] {
    const names = Object.keys(PARTS) as (keyof typeof PARTS)[];
    const only = process.env.BENCH_ONLY;
    if (only === undefined || only === '') return names;
    const part = names.find((name) => name === only);
    if (part === undefined) throw new Error(`BENCH_ONLY must be one of ${names.join(', ')}, not "${only}"`);
    return [part];
}

async function main(): Promise<void> {
    const parts = partsToRun();
    const [loadBefore = 0] = loadavg(); // the 1, 5 and 15-minute averages
    console.log(`machine: ${machineDescription()}; load average ${loadBefore.toFixed(2)}`);
    const before = prepareNetwork();
    const parties: Partial<Record<Who, Sealpact>> = {};
    const connections: LedgerConnection[] = [];
    try {
        const profile = loadProfile(PROFILE_PATH);
        const topology = JSON.parse(readFileSync(join(REPO_ROOT, 'network', 'topology.json'), 'utf8')) as {
            baselineChaincode: { name: string };
        };
        const network = JSON.parse(readFileSync(PROFILE_PATH, 'utf8')) as {
            fabricVersion: string;
            orderers: unknown[];
        };
        const open = async (who: Who): Promise<Sealpact> => (parties[who] = await session(who));
        const [alice, dave, bob, verifier] = await Promise.all([
            open('alice'),
            open('dave'),
            open('bob'),
            open('verifier'),
        ]);
        const bobId = (await bob.whoAmI()).partyId;

        // Set-up, not timed: fresh keys in fresh keyrings (the ledger keeps earlier runs' parties),
        // bob verified by the identity authority.
        console.log('[bench:e2e] set-up: registering keys, verifying bob');
        const keys: Keys = { alice: generateKeyPair('sm2'), dave: generateKeyPair('sm2'), bob: generateKeyPair('sm2') };
        await Promise.all([
            alice.registerKeys(keys.alice, generateKeyPair('sm2')),
            dave.registerKeys(keys.dave, generateKeyPair('sm2')),
            bob.registerKeys(keys.bob, generateKeyPair('sm2')),
        ]);
        await verifier.recordVerification(bobId, { serial: `hmac-bench-${run}`, level: 'high' });
        const batch = await channelBatchSettings(alice.ledger.blocks);
        const bench: Bench = {
            alice,
            dave,
            bob,
            bobId,
            keys,
            rsa: false,
            profile,
            baselineName: topology.baselineChaincode.name,
            connections,
            header:
                `Run on ${machineDescription()}, ${new Date().toISOString().slice(0, 10)} ` +
                `(1-minute load average ${loadBefore.toFixed(2)} when it started), Fabric ${network.fabricVersion}, ` +
                `${network.orderers.length} Raft orderer(s), ${describeBatch(batch)} (the channel's configuration).`,
        };
        for (const part of parts) {
            const body = await PARTS[part].run(bench);
            const path = await writeBenchmarkSection(REPO_ROOT, PARTS[part].section, body);
            console.log(`\n${body}\n\nwritten to ${path}${part === 'capacity' ? ` and docs/${PLOT}` : ''}`);
        }
    } finally {
        for (const party of Object.values(parties)) party.close();
        for (const connection of connections) connection.close();
        rmSync(dir, { recursive: true, force: true });
        restoreNetwork(before);
    }
}

main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
});
