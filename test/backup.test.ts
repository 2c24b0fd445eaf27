import { execFile } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { Sealpact } from '../client/src/sdk/sealpact';
import { defined } from '../protocol/src/test-support/defined';
import { readTopology, ROOT, runId } from './support/fabric';
import { Parties } from './support/parties';

/**
 * Issue 13, item 6: network:backup copies Org2's peer's ledger and the file store; transactions
 * commit after it; network:restore checks the backup, puts the copy back and the peer catches up
 * from the orderers: its height reaches the others' and a file shared after the backup is read
 * through Org2's own gateway. A tampered or partial backup is refused before the peer is touched.
 * The peer is started again whatever happens (the scripts start it; afterAll checks it runs).
 */

jest.setTimeout(180_000);

const SCRIPTS = join(ROOT, 'network', 'scripts');
const PEER = 'peer0.org2.example.com';
const topology = readTopology();
const parties = new Parties();
const run = runId();
const backupDir = join(parties.dir, 'backup');
let alice: Sealpact;
let bob: Sealpact;

interface Outcome {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs network/scripts/<script>.mjs with `args`; resolves with its exit code and output. */
function script(name: 'backup' | 'restore' | 'up', ...args: string[]): Promise<Outcome> {
    return new Promise((resolve) => {
        execFile(process.execPath, [join(SCRIPTS, `${name}.mjs`), ...args], { cwd: ROOT }, (error, stdout, stderr) => {
            resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
        });
    });
}

/** The pid network:up recorded for Org2's peer, or undefined when it does not run. */
function peerPid(): number | undefined {
    try {
        const pid = Number(readFileSync(join(ROOT, 'network', '.data', 'run', `${PEER}.pid`), 'utf8').trim());
        process.kill(pid, 0);
        return pid;
    } catch {
        return undefined;
    }
}

/** The channel's height at a session's own gateway peer (qscc GetChainInfo, which that peer answers). */
async function height(session: Sealpact): Promise<number> {
    const qscc = session.ledger.network.getContract('qscc');
    const info = await qscc.evaluateTransaction('GetChainInfo', session.ledger.network.getName());
    return common.BlockchainInfo.deserializeBinary(info).getHeight();
}

function contract(name: string): string {
    const path = join(parties.dir, name);
    writeFileSync(path, `Contract ${run} ${name}: the Supplier shall deliver the Goods.\n`.repeat(2000));
    return path;
}

interface Manifest {
    peer: { name: string; height: number };
    store: string;
    files: Record<string, { size: number; sha256: string }>;
}

const manifest = () => JSON.parse(readFileSync(join(backupDir, 'manifest.json'), 'utf8')) as Manifest;

beforeAll(async () => {
    [alice, bob] = await parties.aliceAndVerifiedBob(run);
});

afterAll(async () => {
    parties.close();
    // Never leave Org2's peer down: network:up starts what is not running.
    if (peerPid() === undefined) await script('up');
    if (peerPid() === undefined) throw new Error(`${PEER} is not running after the test (npm run network:up)`);
});

it('refuses bad command lines with one line and exit 2', async () => {
    const cases: [Outcome, string][] = [
        [
            await script('backup', '--peer', 'peer9.nowhere', '--out', backupDir),
            "option '--peer' is not a peer of topology.json",
        ],
        [await script('backup', '--peer', PEER), "option '--out <DIR>' is required"],
        [await script('backup', '--peer', PEER, '--out', ROOT), "option '--out' must be a new or empty folder"],
        [await script('restore', '--peer', PEER, '--from', parties.dir), "option '--from' must be a backup folder"],
        [
            await script('backup', '--store', 's3://bucket/prefix', '--out', backupDir),
            "is an S3 store: its bucket's versioning and replication are its backup",
        ],
    ];
    for (const [outcome, says] of cases) {
        expect(outcome.code).toBe(2);
        expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
        expect(outcome.stderr).toContain(says);
    }
});

it("restores Org2's peer and the file store from a backup; the peer catches up from the orderers", async () => {
    const bobId = (await bob.whoAmI()).partyId;
    const before = await alice.send(contract('before.txt'), { to: [bobId], suite: 'gm', fileId: `${run}-before` });

    const backup = await script('backup', '--peer', PEER, '--out', backupDir, '--store', parties.storeDir);
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    const { peer, store, files } = manifest();
    expect(peer.name).toBe(PEER);
    // The external builder's output holds the peer's TLS private key; the peer rebuilds it.
    expect(Object.keys(files).filter((file) => file.includes('externalbuilder/builds/'))).toEqual([]);
    expect(store).toBe(`fs://${parties.storeDir}`);
    const storeFiles = Object.keys(files).filter((file) => file.startsWith('store/'));
    expect(storeFiles.map((file) => file.split('/').pop())).toEqual([before.ciphertextDigest]);

    // Committed after the backup: the restored peer has to fetch these blocks from the orderers.
    const after = await alice.send(contract('after.txt'), { to: [bobId], suite: 'gm', fileId: `${run}-after` });
    const target = await height(alice);
    expect(target).toBeGreaterThan(peer.height);

    // The store loses the object backed up; the one stored since stays.
    for (const file of storeFiles) rmSync(join(parties.storeDir, file.slice('store/'.length)));
    const pidBefore = defined(peerPid(), `${PEER}'s pid`);
    const restore = await script('restore', '--peer', PEER, '--from', backupDir, '--store', parties.storeDir);
    expect(restore).toMatchObject({ code: 0, stderr: '' });
    expect(restore.stdout).toContain(`${PEER}: caught up with the orderers at height`);
    expect(peerPid()).not.toBe(pidBefore);

    // Org2's own peer, through bob's gateway: as high as Org1's was, and it holds the later file.
    expect(await height(bob)).toBeGreaterThanOrEqual(target);
    const record = await bob.ledger.contract.evaluate('GetFile', {
        arguments: [after.fileId],
        endorsingOrganizations: ['Org2MSP'],
    });
    expect(JSON.parse(Buffer.from(record).toString('utf8'))).toMatchObject({ fileId: after.fileId });
    for (const [sent, name] of [
        [before, 'before.txt'],
        [after, 'after.txt'],
    ] as const) {
        const out = join(parties.dir, `received-${name}`);
        expect((await bob.receive(sent.fileId, out)).ciphertextDigest).toBe(sent.ciphertextDigest);
        expect(readFileSync(out)).toEqual(readFileSync(join(parties.dir, name)));
    }
});

it('refuses a tampered or partial backup before touching the peer, naming the file', async () => {
    const pid = defined(peerPid(), `${PEER}'s pid`);
    const blocks = defined(
        Object.keys(manifest().files).find((file) => file.endsWith(`/chains/${topology.channel}/blockfile_000000`)),
        'the block file in the manifest',
    );
    const path = join(backupDir, blocks);
    const original = readFileSync(path);
    try {
        const tampered = Buffer.from(original);
        tampered[100] = (defined(tampered[100], 'byte 100') + 1) % 256;
        writeFileSync(path, tampered);
        expect(await script('restore', '--peer', PEER, '--from', backupDir)).toMatchObject({
            code: 1,
            stderr: `[network] backup ${backupDir} is damaged: ${blocks} does not match its sha256 in manifest.json\n`,
        });
    } finally {
        writeFileSync(path, original);
    }
    renameSync(path, `${path}.moved`);
    try {
        expect(await script('restore', '--peer', PEER, '--from', backupDir)).toMatchObject({
            code: 1,
            stderr: `[network] backup ${backupDir} is incomplete: ${blocks} is missing\n`,
        });
    } finally {
        renameSync(`${path}.moved`, path);
    }
    expect(peerPid()).toBe(pid);
});
