/**
 * `npm run demo`: the patent's whole flow on the local Fabric network with its real identities.
 * alice@Org1 and bob@Org2 register keys; verifier@AuthorityOrg verifies bob; alice sends a
 * contract of several MB to bob; bob receives it, checks it byte for byte and signs it; stock
 * openssl checks his signature, and, given the file's commitment key, the contract against his
 * statement; auditor@AuditorOrg prints the audit trail. First with SM2 keys and the gm suite, then with RSA
 * keys and the intl suite, each ending with bob exporting the contract's evidence bundle; then
 * contracts with a lifecycle (a signing plan bob then carol and dave, a refused out-of-turn
 * signature, a decline with a reason, a void); then the endorsing peers refuse a weak RSA key, and ops see every process healthy and that
 * refusal in the chaincode servers' counters; each bundle is verified offline by the CLI against
 * the pinned trust anchors and the contract; last, alice sends the contract to bob from the web app
 * in headless Chromium (web-demo.ts), and bob's SDK receives and signs it. Ends with a verdict and a non-zero exit if any step failed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { Drawing, isSealpactError, KeyAlgorithm, Suite } from '@sealpact/protocol';
import { generateKeyPair } from '../crypto/keys';
import { exportEvidence } from '../evidence/export';
import { CommitClock } from '../sdk/commit-clock';
import { connect } from '../sdk/connect';
import { Sealpact } from '../sdk/sealpact';
import { webApp } from './web-demo';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const PROFILE = join(REPO_ROOT, 'network', '.data', 'connection.json');
const STORE = `fs://${join(REPO_ROOT, 'network', '.data', 'blobs')}`;
const IDENTITIES = {
    alice: 'Org1MSP/alice@org1.example.com',
    bob: 'Org2MSP/bob@org2.example.com',
    carol: 'Org2MSP/carol@org2.example.com',
    dave: 'Org1MSP/dave@org1.example.com',
    verifier: 'AuthorityOrgMSP/verifier@authority.example.com',
    auditor: 'AuditorOrgMSP/auditor@auditor.example.com',
} as const;
type Parties = Record<keyof typeof IDENTITIES, Sealpact>;
const CONTRACT_BYTES = 6 * 1024 * 1024;

let failures = 0;

/** Run one step; print ok or FAIL with the reason; later steps that need its result are skipped. */
async function step<T>(
    title: string,
    work: () => Promise<T> | T,
    detail?: (value: T) => string,
): Promise<T | undefined> {
    try {
        const value = await work();
        const extra = detail ? detail(value) : '';
        console.log(`  ok    ${title}${extra ? ` — ${extra}` : ''}`);
        return value;
    } catch (err) {
        failures++;
        console.log(`  FAIL  ${title} — ${(err as Error).message}`);
        return undefined;
    }
}

/** A zig-zag with a loop, standing in for the shape a user draws in the app's drawing box. */
function sampleDrawing(): Drawing {
    const zigzag = Array.from({ length: 10 }, (_, i) => ({ x: 20 + i * 40, y: i % 2 === 0 ? 40 : 260 }));
    const loop = [
        { x: 60, y: 150 },
        { x: 420, y: 150 },
        { x: 240, y: 20 },
        { x: 240, y: 290 },
    ];
    return { width: 480, height: 320, strokes: [zigzag, loop] };
}

function sampleContract(path: string): void {
    const clause = 'The Supplier shall deliver the Goods described in Schedule 1 on the Delivery Date. ';
    writeFileSync(
        path,
        Buffer.from(clause.repeat(Math.ceil(CONTRACT_BYTES / clause.length))).subarray(0, CONTRACT_BYTES),
    );
}

async function walk(dir: string, parties: Parties, algorithm: KeyAlgorithm, suite: Suite): Promise<void> {
    const { alice, bob, verifier, auditor } = parties;
    console.log(`\n== ${algorithm.toUpperCase()} keys, ${suite} suite ==`);
    const key = () => generateKeyPair(algorithm, { bits: 3072 });
    await step(
        'alice registers an encryption key and a signing key',
        () => alice.registerKeys(key(), key()),
        (p) => `${p.partyId}, tx ${p.txId.slice(0, 12)}…`,
    );
    const bobParty = await step(
        'bob registers his keys',
        () => bob.registerKeys(key(), key()),
        (p) => p.partyId,
    );
    if (!bobParty) return;
    await step('verifier@AuthorityOrg verifies bob (opaque serial, no personal data on-chain)', () =>
        verifier.recordVerification(bobParty.partyId, { serial: `demo-${Date.now().toString(36)}`, level: 'high' }),
    );
    const contract = join(dir, 'contract.txt');
    const sent = await step(
        `alice sends the ${CONTRACT_BYTES / 1048576} MiB contract to bob (${suite} suite, password from her drawing)`,
        () => alice.send(contract, { to: [bobParty.partyId], suite, drawing: sampleDrawing() }),
        (s) => `${s.fileId}, ${s.digestAlgorithm}:${s.ciphertextDigest.slice(0, 16)}…`,
    );
    if (!sent) return;
    await step('bob finds it in his inbox', async () => {
        if (!(await bob.inbox()).some((e) => e.fileId === sent.fileId)) throw new Error('not in the inbox');
    });
    const received = join(dir, `received-${suite}.txt`);
    await step('bob opens his credential, downloads, checks the ledger digest and decrypts', () =>
        bob.receive(sent.fileId, received),
    );
    await step(
        'bob compares the contract byte for byte',
        () => {
            if (!readFileSync(received).equals(readFileSync(contract))) throw new Error('contents differ');
            return 'identical';
        },
        (v) => v,
    );
    const signed = await step(
        'bob signs the contract on the ledger',
        () => bob.sign(sent.fileId, received),
        (s) => `tx ${s.txId.slice(0, 12)}…`,
    );
    if (signed) {
        await step(
            "stock openssl verifies bob's signature with his key from the ledger",
            async () => {
                const party = await auditor.getParty(bobParty.partyId);
                const pem = party.keys.find((k) => k.fingerprint === signed.keyFingerprint)?.publicKeyPem ?? '';
                writeFileSync(join(dir, 'bob.pub.pem'), pem);
                writeFileSync(join(dir, 'statement.txt'), signed.statement);
                writeFileSync(join(dir, 'statement.sig'), Buffer.from(signed.signature, 'base64'));
                const options =
                    algorithm === 'sm2'
                        ? ['-sm3', '-sigopt', 'distid:1234567812345678']
                        : ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'];
                return execFileSync(
                    'openssl',
                    ['dgst', ...options, '-verify', 'bob.pub.pem', '-signature', 'statement.sig', 'statement.txt'],
                    { cwd: dir },
                )
                    .toString()
                    .trim();
            },
            (v) => v,
        );
        await step(
            'bob hands out the commitment key; stock openssl checks the contract against his statement',
            async () => {
                const { key, digestAlgorithm } = await bob.commitmentKey(sent.fileId);
                const hexKey = key.toString('hex');
                key.fill(0);
                const mac = execFileSync(
                    'openssl',
                    ['dgst', `-${digestAlgorithm}`, '-mac', 'HMAC', '-macopt', `hexkey:${hexKey}`, 'contract.txt'],
                    { cwd: dir },
                ).toString();
                const commitment = /= ([0-9a-f]{64})\n$/.exec(mac)?.[1];
                if (!signed.statement.includes(`plaintext-commitment: ${commitment}\n`)) {
                    throw new Error(`HMAC-${digestAlgorithm.toUpperCase()} ${commitment} is not the statement's`);
                }
                return `HMAC-${digestAlgorithm.toUpperCase()} ${commitment?.slice(0, 16)}… matches`;
            },
            (v) => v,
        );
    }
    const audit = await step('auditor@AuditorOrg reads the audit trail', () => auditor.audit(sent.fileId));
    for (const entry of audit?.trail ?? []) {
        console.log(
            `          ${entry.at}  ${entry.action.padEnd(7)} ${entry.party.padEnd(32)} by ${entry.by}  tx ${entry.txId.slice(0, 12)}…`,
        );
    }
    await step(
        "bob exports the contract's evidence bundle (blocks, endorsements, certificate of completion)",
        async () => {
            const { bundle, manifest } = await exportEvidence(bob.ledger, sent.fileId);
            const path = join(dir, `evidence-${suite}.zip`);
            writeFileSync(path, bundle);
            const { key } = await bob.commitmentKey(sent.fileId);
            bundles.push({ path, contract: { path: contract, commitmentKey: key.toString('hex') } });
            key.fill(0);
            return `${manifest.transactions.length} transactions in blocks ${manifest.blocks.join(', ')}, ${bundle.length} bytes`;
        },
        (v) => v,
    );
}

/** What a refused step's promise settled with: the refusal's code, or the result when it was not refused. */
async function refusalOf(attempt: Promise<unknown>, code: string): Promise<string> {
    const outcome = await attempt.then(
        () => undefined,
        (err: unknown) => err,
    );
    if (!isSealpactError(outcome) || outcome.code !== code) {
        throw new Error(`expected ${code}, got ${describeOutcome(outcome)}`);
    }
    return `refused: ${outcome.message}`;
}

/**
 * Contracts with a lifecycle: alice sends a contract that bob signs first, then carol and dave in
 * parallel; carol trying before bob is refused by the chaincode; the last signature completes it.
 * Then a contract bob declines with a reason, and one alice voids. Each ends with its evidence.
 */
async function lifecycle(dir: string, parties: Parties): Promise<void> {
    const { alice, bob, carol, dave, verifier } = parties;
    console.log('\n== Contracts with a lifecycle: a signing plan, turns, decline and void ==');
    const key = () => generateKeyPair('sm2');
    const ids = await step('carol and dave register keys; the authority verifies bob, carol and dave', async () => {
        await Promise.all([carol.registerKeys(key(), key()), dave.registerKeys(key(), key())]);
        const [bobId, carolId, daveId] = await Promise.all(
            [bob, carol, dave].map(async (p) => (await p.whoAmI()).partyId),
        );
        for (const id of [bobId, carolId, daveId] as string[]) {
            await verifier.recordVerification(id, { serial: `demo-${Date.now().toString(36)}`, level: 'high' });
        }
        return { bob: bobId as string, carol: carolId as string, dave: daveId as string };
    });
    if (!ids) return;
    const contract = join(dir, 'contract.txt');
    const deadline = new Date(Date.now() + 24 * 60 * 60 * 1000);
    const sent = await step(
        'alice sends a contract: bob signs first, then carol and dave in parallel, within a day',
        () =>
            alice.send(contract, {
                to: [ids.bob, ids.carol, ids.dave],
                suite: 'gm',
                signers: [[ids.bob], [ids.carol, ids.dave]],
                deadline,
            }),
        (s) => `${s.fileId}, plan ${s.contract?.planHash.slice(0, 12) ?? '?'}…`,
    );
    if (!sent) return;
    const copies = Object.fromEntries(
        await Promise.all(
            (['bob', 'carol', 'dave'] as const).map(async (who) => {
                const out = join(dir, `contract-${who}.txt`);
                await parties[who].receive(sent.fileId, out);
                return [who, out];
            }),
        ),
    ) as Record<'bob' | 'carol' | 'dave', string>;
    await step(
        "carol tries to sign before bob: the chaincode refuses, it is not carol's turn",
        () => refusalOf(carol.sign(sent.fileId, copies.carol), 'NOT_YOUR_TURN'),
        (v) => v,
    );
    await step(
        'bob signs: the first step is done, carol and dave are awaited',
        async () => {
            await bob.sign(sent.fileId, copies.bob);
            const awaiting = (await alice.contract(sent.fileId)).steps[1]?.signers.map(
                (s) => `${s.partyId} ${s.state}`,
            );
            return (awaiting ?? []).join(', ');
        },
        (v) => v,
    );
    await step(
        'carol and dave sign at the same moment; both land (a conflicting commit is submitted again)',
        async () => {
            await Promise.all([carol.sign(sent.fileId, copies.carol), dave.sign(sent.fileId, copies.dave)]);
            const view = await alice.contract(sent.fileId);
            if (view.state !== 'completed') throw new Error(`the contract is ${view.state}`);
            return `contract ${view.state} at ${view.closedAt ?? '?'}`;
        },
        (v) => v,
    );
    await exportBundle(dir, alice, sent.fileId, 'completed', contract);

    const declined = await step(
        'alice sends a second contract to bob alone; bob declines it with a reason',
        async () => {
            const second = await alice.send(contract, { to: [ids.bob], suite: 'gm', signers: [[ids.bob]] });
            await bob.decline(second.fileId, 'Clause 4: the delivery date cannot be met');
            const view = await alice.contract(second.fileId);
            return { fileId: second.fileId, line: `${view.state} by ${view.closedBy ?? '?'}: "${view.reason ?? ''}"` };
        },
        (v) => v.line,
    );
    // Nobody signed it, so there is no signature to check a contract against: verified without one.
    if (declined) await exportBundle(dir, alice, declined.fileId, 'declined');
    const voided = await step(
        'alice sends a third contract and voids it before anyone signs',
        async () => {
            const third = await alice.send(contract, { to: [ids.bob], suite: 'gm', signers: [[ids.bob]] });
            await alice.void(third.fileId, 'Sent to the wrong counterparty');
            const refused = await refusalOf(bob.sign(third.fileId, copies.bob), 'CONTRACT_CLOSED');
            const line = `${(await alice.contract(third.fileId)).state}; bob signing it is ${refused}`;
            return { fileId: third.fileId, line };
        },
        (v) => v.line,
    );
    if (voided) await exportBundle(dir, alice, voided.fileId, 'voided');
}

/** Export a contract's evidence bundle (as its owner) for the offline check at the end. */
async function exportBundle(dir: string, owner: Sealpact, fileId: string, label: string, contract?: string) {
    await step(
        `alice exports the ${label} contract's evidence bundle`,
        async () => {
            const { bundle, manifest } = await exportEvidence(owner.ledger, fileId);
            const path = join(dir, `evidence-${label}.zip`);
            writeFileSync(path, bundle);
            if (contract === undefined) {
                bundles.push({ path });
            } else {
                const { key } = await owner.commitmentKey(fileId);
                bundles.push({ path, contract: { path: contract, commitmentKey: key.toString('hex') } });
                key.fill(0);
            }
            return `${manifest.transactions.length} transactions, contract ${manifest.facts.contract?.state ?? 'none'}`;
        },
        (v) => v,
    );
}

/** The bundles the walks exported, each with the contract and commitment key a court would be handed, if signed. */
const bundles: { path: string; contract?: { path: string; commitmentKey: string } }[] = [];

/**
 * Each bundle checked by the CLI in a process of its own that is given no profile, identity or
 * store: `evidence verify` reads the bundle, the pinned trust anchors and the contract, and nothing
 * from the network.
 */
async function verifyOffline(): Promise<void> {
    console.log('\n== Evidence checked offline (sealpact evidence verify: no profile, no network connection) ==');
    const cli = join(REPO_ROOT, 'client', 'dist', 'cli', 'main.js');
    const anchors = join(REPO_ROOT, 'network', '.data', 'trust-anchors');
    for (const bundle of bundles) {
        const { contract } = bundle;
        await step(
            `verify ${basename(bundle.path)} against the pinned CA certificates${contract ? ', with the contract' : ''}`,
            () => {
                const args = ['evidence', 'verify', '--in', bundle.path, '--trust-anchors', anchors];
                if (contract) args.push('--contract', contract.path, '--commitment-key', contract.commitmentKey);
                const result = spawnSync(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH } });
                const lines = result.stdout.toString().trim().split('\n');
                if (result.status !== 0) throw new Error(lines.filter((line) => line.includes('FAIL')).join('; '));
                return lines.at(-1) ?? '';
            },
            (v) => v,
        );
    }
}

/**
 * The chaincode enforces the key rule itself, whatever a client sends: an RSA key with public
 * exponent 3 is refused by the endorsing peers before any proof is even looked at.
 */
async function refusals(alice: Sealpact): Promise<void> {
    console.log('\n== What the endorsing peers refuse ==');
    await step(
        'alice submits an RSA key with public exponent 3 straight to RegisterKeys',
        async () => {
            const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
            const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
            const refusal = await alice.ledger.submit('RegisterKeys', pem, 'AA==', pem, 'AA==').then(
                () => undefined,
                (err: unknown) => err,
            );
            if (!isSealpactError(refusal, 'WEAK_KEY')) {
                throw new Error(`expected WEAK_KEY, got ${describeOutcome(refusal)}`);
            }
            return `refused: ${refusal.message}`;
        },
        (v) => v,
    );
}

/**
 * What ops see: every process's /healthz and each organisation's chaincode server's counters, which
 * now include the refusal just made (docs/operations.md#health-and-metrics).
 */
function operations(): Promise<void> {
    console.log('\n== What operations see (npm run network:status -- --metrics) ==');
    return step(
        'every orderer, peer and chaincode server answers /healthz over TLS; the chaincode servers counted the WEAK_KEY refusal',
        () => {
            const status = spawnSync(
                process.execPath,
                [join(REPO_ROOT, 'network', 'scripts', 'status.mjs'), '--metrics'],
                {
                    encoding: 'utf8',
                },
            );
            if (status.status !== 0) throw new Error(`network:status exited ${status.status}:\n${status.stdout}`);
            const lines = status.stdout.split('\n');
            const healthy = lines.filter((line) => line.endsWith(', healthy')).length;
            const counters = lines.filter((line) => / transactions \d+, /.test(line));
            if (!counters.some((line) => /refusals: .*WEAK_KEY \d+/.test(line))) {
                throw new Error(`no chaincode server counted a WEAK_KEY refusal:\n${counters.join('\n')}`);
            }
            return [
                `${healthy} processes healthy`,
                ...counters.map((line) => line.trim().replace(/ {2,}/g, ': ')),
            ].join('\n          ');
        },
        (v) => v,
    ).then(() => undefined);
}

/** What a submit that should have been refused did instead. */
function describeOutcome(outcome: unknown): string {
    if (outcome === undefined) {
        return 'a commit';
    }
    return outcome instanceof Error ? outcome.toString() : inspect(outcome);
}

async function main(): Promise<void> {
    console.log('Sealpact demo — the whole flow on the local Fabric network (npm run network:down stops it).');
    const dir = mkdtempSync(join(tmpdir(), 'sealpact-demo-'));
    const opened: Sealpact[] = [];
    // The demo's parties act on each other's writes at once, each through its own organisation's peer.
    const clock = new CommitClock();
    const open = async (role: keyof Parties): Promise<Sealpact> => {
        const party = await connect({
            profile: PROFILE,
            identity: IDENTITIES[role],
            store: STORE,
            keyring: { dir: join(dir, 'keyrings', role), passphrase: 'demo only' },
            clock,
        });
        opened.push(party);
        return party;
    };
    try {
        // One after another, in this order.
        const parties: Parties = {
            alice: await open('alice'),
            bob: await open('bob'),
            verifier: await open('verifier'),
            auditor: await open('auditor'),
            carol: await open('carol'),
            dave: await open('dave'),
        };
        sampleContract(join(dir, 'contract.txt'));
        await walk(dir, parties, 'sm2', 'gm');
        await walk(dir, parties, 'rsa', 'intl');
        await lifecycle(dir, parties);
        await refusals(parties.alice);
        await operations();
        await verifyOffline();
        await webApp(
            {
                dir,
                profilePath: PROFILE,
                store: STORE,
                appDir: join(REPO_ROOT, 'web', 'dist'),
                alice: parties.alice,
                bob: parties.bob,
                contract: join(dir, 'contract.txt'),
                drawing: sampleDrawing(),
            },
            step,
        );
    } catch (err) {
        failures++;
        console.log(`  FAIL  ${(err as Error).message}`);
    } finally {
        for (const party of opened) {
            party.close();
        }
        rmSync(dir, { recursive: true, force: true });
    }
    console.log(failures === 0 ? '\nVERDICT: every step passed.' : `\nVERDICT: ${failures} step(s) FAILED.`);
    process.exitCode = failures === 0 ? 0 : 1;
}

void main();
