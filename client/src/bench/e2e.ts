/**
 * `npm run bench:e2e`: Sealpact end to end on the local Fabric network, in one run — SDK send and
 * receive latency for 1 KB, 1 MB and 100 MB files in both suites, and ShareFile transactions per
 * second with several transactions in flight next to a baseline chaincode doing one PutState per
 * transaction on the same channel with the same endorsement policy; and what verified reads add to a
 * send and a receive, next to the single-peer reads they replaced. Written into docs/benchmarks.md.
 * and what a signing plan adds to a signature. `BENCH_ONLY=reads` or `BENCH_ONLY=sign` runs only
 * that comparison.
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
import { loadProfile } from '../sdk/profile';
import { Sealpact } from '../sdk/sealpact';
import { machineDescription, percentiles, writeBenchmarkSection } from './report';

const REPO_ROOT = resolve(__dirname, '../../..');
const SCRIPTS = join(REPO_ROOT, 'network', 'scripts');
const PROFILE_PATH = join(REPO_ROOT, 'network', '.data', 'connection.json');
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
const CONCURRENCY = [4, 8, 16];
/** Transactions per throughput measurement (after a warm-up of one round per worker). */
const TX_COUNT = Number(process.env.BENCH_TX ?? 160);
const SDK_SEND_COUNT = Number(process.env.BENCH_SDK_SENDS ?? 80);

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

interface Throughput {
    tps: number;
    failed: number;
    latency: { median: number; p95: number };
    firstError?: string;
}

/**
 * `count` operations with `concurrency` in flight (worker w uses submitter w % 2: alice, dave),
 * after one untimed warm-up operation per worker. Throughput = committed operations / wall clock.
 */
async function throughput(
    count: number,
    concurrency: number,
    op: (worker: number, i: number) => Promise<unknown>,
): Promise<Throughput> {
    await Promise.all(Array.from({ length: concurrency }, (_, w) => op(w, -1 - w)));
    let next = 0;
    let failed = 0;
    let firstError: string | undefined;
    const latencies: number[] = [];
    const start = performance.now();
    await Promise.all(
        Array.from({ length: concurrency }, async (_, w) => {
            for (let i = next++; i < count; i = next++) {
                const t = performance.now();
                try {
                    await op(w, i);
                    latencies.push(performance.now() - t);
                } catch (err) {
                    failed++;
                    firstError ??= err instanceof Error ? err.message : String(err);
                }
            }
        }),
    );
    const seconds = (performance.now() - start) / 1000;
    return { tps: (count - failed) / seconds, failed, latency: percentiles(latencies), firstError };
}

async function main(): Promise<void> {
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
        const baselineName = topology.baselineChaincode.name;
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
        // bob verified by the identity authority, one warm-up send and receive per suite.
        console.log('[bench:e2e] set-up: registering keys, verifying bob');
        const keys: Record<'alice' | 'dave' | 'bob', PrivateKeyInfo> = {
            alice: generateKeyPair('sm2'),
            dave: generateKeyPair('sm2'),
            bob: generateKeyPair('sm2'),
        };
        await Promise.all([
            alice.registerKeys(keys.alice, generateKeyPair('sm2')),
            dave.registerKeys(keys.dave, generateKeyPair('sm2')),
            bob.registerKeys(keys.bob, generateKeyPair('sm2')),
        ]);
        await verifier.recordVerification(bobId, { serial: `hmac-bench-${run}`, level: 'high' });

        if (process.env.BENCH_ONLY === 'reads') {
            const reads = await readCost(alice, bob, bobId);
            console.log(`\n${reads}\n\nwritten to ${await writeBenchmarkSection(REPO_ROOT, 'e2e-reads', reads)}`);
            return;
        }
        if (process.env.BENCH_ONLY === 'sign') {
            const sign = await signCost(alice, bob, bobId);
            console.log(`\n${sign}\n\nwritten to ${await writeBenchmarkSection(REPO_ROOT, 'e2e-sign', sign)}`);
            return;
        }
        const rows: LatencyRow[] = [];
        for (const spec of SUITES) {
            const { suite, keys: keyName } = spec;
            if (keyName === 'RSA-3072') {
                keys.alice = generateKeyPair('rsa');
                keys.bob = generateKeyPair('rsa');
                await Promise.all([alice.registerKeys(keys.alice), bob.registerKeys(keys.bob)]);
            }
            console.log(`[bench:e2e] latency, suite ${suite}, ${keyName} keys`);
            await latency(alice, bob, bobId, spec, { label: 'warm-up', bytes: KB, runs: 1 });
            for (const size of SIZES) rows.push(await latency(alice, bob, bobId, spec, size));
        }

        // Throughput. ShareFile: the transaction with credentials sealed once beforehand (the
        // ledger's share of a send, not crypto or file I/O), for bob plus the submitter itself.
        const aliceId = (await alice.whoAmI()).partyId;
        const daveId = (await dave.whoAmI()).partyId;
        const template = await alice.send(join(dir, `input-${KB}`), {
            to: [bobId],
            suite: 'intl',
            fileId: `bench-${run}-template`,
        });
        const password = randomBytes(32);
        const credential = (partyId: string, key: PrivateKeyInfo): CredentialInput => ({
            partyId,
            keyFingerprint: key.publicKey.fingerprint,
            algorithm: key.publicKey.algorithm,
            envelope: sealEnvelope(key.publicKey, password).toString('base64'),
        });
        const credentialsJson = (id: string, key: PrivateKeyInfo) =>
            JSON.stringify([credential(bobId, keys.bob), credential(id, key)]);
        const submitters = [
            { party: alice, credentials: credentialsJson(aliceId, keys.alice) },
            { party: dave, credentials: credentialsJson(daveId, keys.dave) },
        ] as const;
        const baseline = (who: Who) => new LedgerConnection({ ...profile, chaincode: baselineName }, IDENTITY[who]);
        const baselines = [baseline('alice'), baseline('dave')] as const;
        connections.push(...baselines);
        const value = randomBytes(48).toString('base64');

        const tps: {
            concurrency: number;
            shareFile: Throughput;
            baseline: Throughput;
            sdkSend: Throughput;
        }[] = [];
        for (const concurrency of CONCURRENCY) {
            console.log(`[bench:e2e] throughput, ${concurrency} in flight`);
            const baseline = await throughput(TX_COUNT, concurrency, (w, i) =>
                alternate(baselines, w).submit('Put', `bench-${run}-${concurrency}-${i}`, value),
            );
            const shareFile = await throughput(TX_COUNT, concurrency, (w, i) =>
                alternate(submitters, w).party.ledger.submit(
                    'ShareFile',
                    `bench-${run}-tps${concurrency}-${i}`,
                    'intl',
                    SUITE_DIGEST.intl,
                    template.ciphertextDigest,
                    String(template.size),
                    template.locator,
                    alternate(submitters, w).credentials,
                ),
            );
            const sdkSend = await throughput(SDK_SEND_COUNT, concurrency, async (w, i) => {
                const sent = await alternate(submitters, w).party.send(join(dir, `input-${KB}`), {
                    to: [bobId],
                    suite: 'intl',
                    fileId: `bench-${run}-send${concurrency}-${i}`,
                });
                await alice.store.delete(sent.locator);
            });
            for (const [name, result] of Object.entries({ baseline, shareFile, sdkSend })) {
                console.log(
                    `  ${name}: ${result.tps.toFixed(1)} tx/s, latency median ${ms(result.latency.median)} ms ` +
                        `p95 ${ms(result.latency.p95)} ms${result.failed ? `, ${result.failed} failed: ${result.firstError}` : ''}`,
                );
            }
            tps.push({ concurrency, baseline, shareFile, sdkSend });
        }

        const failures = tps.flatMap((t) =>
            Object.entries({ baseline: t.baseline, ShareFile: t.shareFile, 'SDK send': t.sdkSend })
                .filter(([, r]) => r.failed > 0)
                .map(([name, r]) => `${name} at ${t.concurrency} in flight: ${r.failed} failed (${r.firstError})`),
        );
        const body = [
            `Run on ${machineDescription()}, ${new Date().toISOString().slice(0, 10)} ` +
                `(1-minute load average ${loadBefore.toFixed(2)} when it started), Fabric ${network.fabricVersion}, ` +
                `${network.orderers.length} Raft orderer(s), batch timeout 250 ms.`,
            '',
            '| file | suite (keys) | runs | send median (ms) | send p95 (ms) | receive median (ms) | receive p95 (ms) |',
            '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
            ...rows.map(
                (r) =>
                    `| ${r.size} | ${r.suite.name}, ${r.suite.keys} | ${r.runs} | ${ms(r.send.median)} | ${ms(r.send.p95)} | ${ms(r.receive.median)} | ${ms(r.receive.p95)} |`,
            ),
            '',
            '| in flight | baseline Put (tx/s) | ShareFile (tx/s) | ratio ShareFile / baseline | SDK send 1 KB (files/s) | ratio send / baseline | ShareFile latency median / p95 (ms) | baseline latency median / p95 (ms) |',
            '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
            ...tps.map(
                (t) =>
                    `| ${t.concurrency} | ${t.baseline.tps.toFixed(1)} | ${t.shareFile.tps.toFixed(1)} | ` +
                    `${(t.shareFile.tps / t.baseline.tps).toFixed(2)} | ${t.sdkSend.tps.toFixed(1)} | ` +
                    `${(t.sdkSend.tps / t.baseline.tps).toFixed(2)} | ${ms(t.shareFile.latency.median)} / ${ms(t.shareFile.latency.p95)} | ` +
                    `${ms(t.baseline.latency.median)} / ${ms(t.baseline.latency.p95)} |`,
            ),
            ...(failures.length > 0 ? ['', `Failed transactions: ${failures.join('; ')}.`] : []),
        ].join('\n');
        console.log(`\n${body}\n`);
        console.log(`written to ${await writeBenchmarkSection(REPO_ROOT, 'e2e', body)}`);
        console.log('[bench:e2e] verified reads against single-peer reads');
        const reads = await readCost(alice, bob, bobId);
        console.log(`\n${reads}\n\nwritten to ${await writeBenchmarkSection(REPO_ROOT, 'e2e-reads', reads)}`);
        console.log('[bench:e2e] a signature with a signing plan against one without');
        const sign = await signCost(alice, bob, bobId);
        console.log(`\n${sign}\n\nwritten to ${await writeBenchmarkSection(REPO_ROOT, 'e2e-sign', sign)}`);
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
