import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialRecord, KeyRecord, Page, PartyView } from '@sealpact/protocol';
import { generateKeyPair } from '../client/src/crypto/keys';
import { CommitClock } from '../client/src/sdk/commit-clock';
import { LedgerConnection } from '../client/src/sdk/ledger';
import { Sealpact } from '../client/src/sdk/sealpact';
import { InboxEvent } from '../client/src/sdk/watch';
import { parseLocator } from '../client/src/store';
import { defined } from '../protocol/src/test-support/defined';
import { expectRejection } from '../protocol/src/test-support/expect-error';
import { IDENTITIES, profile, refusal, ROOT, runId } from './support/fabric';
import { Parties } from './support/parties';

/**
 * The product end to end on the real network (issue 5): alice@Org1 sends, bob@Org2 receives and
 * signs, verifier@AuthorityOrg verifies, auditor@AuditorOrg reads the trail — through the SDK,
 * gateway peers, the real chaincode and a real file store.
 */

jest.setTimeout(180_000);

const parties = new Parties();
const run = runId();
let alice: Sealpact;
let bob: Sealpact;
let carol: Sealpact;
let verifier: Sealpact;
let auditor: Sealpact;

function contract(name: string, bytes: number): string {
    const path = join(parties.dir, name);
    const clause = `Contract ${name}: the Supplier shall deliver the Goods on the Delivery Date. `;
    writeFileSync(path, Buffer.from(clause.repeat(Math.ceil(bytes / clause.length))).subarray(0, bytes));
    return path;
}

async function blobCount(): Promise<number> {
    let count = 0;
    for await (const blob of alice.store.list()) count += blob.size >= 0 ? 1 : 0;
    return count;
}

/** The share a watcher's next() gave; failing the test when the watcher ended instead. */
function shareOf(result: IteratorResult<InboxEvent, unknown>): InboxEvent {
    if (result.done === true) {
        throw new Error('the watcher ended without a share');
    }
    return result.value;
}

beforeAll(async () => {
    [alice, bob, carol, verifier, auditor] = await Promise.all([
        parties.as('alice'),
        parties.as('bob'),
        parties.as('carol'),
        parties.as('verifier'),
        parties.as('auditor'),
    ]);
    // GM practice: separate SM2 keys for receiving passwords and for signing.
    await alice.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
    await bob.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
    await verifier.recordVerification((await bob.whoAmI()).partyId, { serial: `hmac-${run}-bob`, level: 'high' });
});

afterAll(() => parties.close());

describe.each([
    ['sm2', 'gm'],
    ['rsa', 'intl'],
] as const)('the whole flow with %s keys and the %s suite', (alg, suite) => {
    it('alice sends, bob receives byte for byte and signs, the auditor reads the trail', async () => {
        if (alg === 'rsa') {
            await alice.registerKeys(generateKeyPair('rsa', { bits: 2048 }));
            await bob.registerKeys(generateKeyPair('rsa', { bits: 2048 }));
        }
        const bobId = (await bob.whoAmI()).partyId;
        const aliceId = (await alice.whoAmI()).partyId;
        const path = contract(`contract-${suite}.txt`, 3 * 1024 * 1024);

        const sent = await alice.send(path, { to: [bobId], suite, fileId: `${run}-${suite}` });
        expect(sent).toMatchObject({ fileId: `${run}-${suite}`, alreadySent: false });

        expect((await bob.inbox()).map((e) => e.fileId)).toContain(sent.fileId);
        const out = join(parties.dir, `received-${suite}.txt`);
        const received = await bob.receive(sent.fileId, out);
        expect(received.ciphertextDigest).toBe(sent.ciphertextDigest);
        expect(readFileSync(out).equals(readFileSync(path))).toBe(true);

        const signed = await bob.sign(sent.fileId, out);
        expect(signed.signer).toBe(bobId);
        // Anyone can check the signature with stock openssl and the key from the ledger.
        const key = (await auditor.getParty(bobId)).keys.find((k) => k.fingerprint === signed.keyFingerprint);
        writeFileSync(join(parties.dir, 'signer.pem'), defined(key, "bob's signing key on the ledger").publicKeyPem);
        writeFileSync(join(parties.dir, 'statement.txt'), signed.statement);
        writeFileSync(join(parties.dir, 'statement.sig'), Buffer.from(signed.signature, 'base64'));
        const opts =
            alg === 'sm2'
                ? ['-sm3', '-sigopt', 'distid:1234567812345678']
                : ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'];
        const verified = execFileSync(
            'openssl',
            ['dgst', ...opts, '-verify', 'signer.pem', '-signature', 'statement.sig', 'statement.txt'],
            { cwd: parties.dir },
        );
        expect(verified.toString()).toContain('Verified OK');
        // The statement commits to the contract under a key only holders of the file password
        // derive (owner and signer alike); handed that key, stock openssl checks the contract.
        const revealed = await alice.commitmentKey(sent.fileId);
        expect(revealed.key.equals((await bob.commitmentKey(sent.fileId)).key)).toBe(true);
        const mac = execFileSync('openssl', [
            'dgst',
            `-${revealed.digestAlgorithm}`,
            '-mac',
            'HMAC',
            '-macopt',
            `hexkey:${revealed.key.toString('hex')}`,
            path,
        ]).toString();
        const commitment = defined(/= ([0-9a-f]{64})\n$/.exec(mac)?.[1], 'the HMAC openssl printed');
        expect(signed).toMatchObject({ schema: 'sealpact/signature/v3', plaintextCommitment: commitment });
        expect(signed.statement).toContain(`plaintext-commitment: ${commitment}\n`);
        // A plain digest of the contract, which anyone could test a guess against, is nowhere.
        const plainDigest = createHash(revealed.digestAlgorithm).update(readFileSync(path)).digest('hex');
        expect(JSON.stringify(await auditor.signatures(sent.fileId))).not.toContain(plainDigest);

        const { trail } = await auditor.audit(sent.fileId);
        expect(trail.map((e) => [e.action, e.party])).toEqual([
            ['shared', aliceId],
            ['shared', bobId],
            ['signed', bobId],
        ]);
        expect(trail.every((e) => e.txId.length === 64 && !Number.isNaN(Date.parse(e.at)))).toBe(true);
    });
});

describe('refusals and clean-up', () => {
    it('a send to an unregistered or unverified party is refused before any upload', async () => {
        const before = await blobCount();
        const put = jest.spyOn(alice.store, 'put');
        const path = contract('refused.txt', 1000);
        expect(await refusal(alice.send(path, { to: ['Org2MSP/nobody@org2.example.com'], suite: 'gm' }))).toBe(
            'UNKNOWN_PARTY',
        );
        await carol.registerKeys(generateKeyPair('sm2'));
        const carolId = (await carol.whoAmI()).partyId;
        await verifier.revokeVerification(carolId).catch(() => undefined); // carol must be unverified
        expect(await refusal(alice.send(path, { to: [carolId], suite: 'gm' }))).toBe('NOT_VERIFIED');
        expect(put).not.toHaveBeenCalled();
        put.mockRestore();
        expect(await blobCount()).toBe(before);
    });

    it('a send the chaincode refuses after the upload leaves no blob behind', async () => {
        const bobId = (await bob.whoAmI()).partyId;
        // carol takes a file id first; alice cannot see carol's file, so her send gets as far as
        // uploading before ShareFile refuses the duplicate id — and then removes its blob.
        const fileId = `${run}-taken`;
        await carol.send(contract('carol.txt', 1000), { to: [bobId], suite: 'intl', fileId });
        const before = await blobCount();
        const put = jest.spyOn(alice.store, 'put');
        expect(await refusal(alice.send(contract('dup.txt', 1000), { to: [bobId], suite: 'intl', fileId }))).toBe(
            'DUPLICATE_ID',
        );
        expect(put).toHaveBeenCalledTimes(1);
        put.mockRestore();
        expect(await blobCount()).toBe(before);
    });

    it('retrying a send with the same file id is idempotent', async () => {
        const bobId = (await bob.whoAmI()).partyId;
        const path = contract('retry.txt', 5000);
        const first = await alice.send(path, { to: [bobId], suite: 'intl', fileId: `${run}-retry` });
        const before = await blobCount();
        const again = await alice.send(path, { to: [bobId], suite: 'intl', fileId: `${run}-retry` });
        expect(again).toMatchObject({ alreadySent: true, txId: first.txId, locator: first.locator });
        expect(await blobCount()).toBe(before);
    });
});

describe('revocation, tampering and rotation', () => {
    it('a revoked key cannot receive new files; revoked access cannot be received', async () => {
        const bobId = (await bob.whoAmI()).partyId;
        const shared = await alice.send(contract('revoke.txt', 4000), {
            to: [bobId],
            suite: 'gm',
            fileId: `${run}-revoke`,
        });
        await alice.revoke(shared.fileId, bobId);
        const out = join(parties.dir, 'revoked.out');
        // GetCredential: a revoked credential is not an active one.
        expect(await refusal(bob.receive(shared.fileId, out))).toBe('ACCESS_DENIED');
        expect(existsSync(out)).toBe(false);

        await bob.revokeKeys();
        expect(await refusal(alice.send(contract('after-revoke.txt', 100), { to: [bobId], suite: 'gm' }))).toBe(
            'NO_ACTIVE_KEY',
        );
        await bob.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
    });

    it('a tampered blob makes receive fail clearly and write nothing', async () => {
        const bobId = (await bob.whoAmI()).partyId;
        const shared = await alice.send(contract('tamper.txt', 200_000), {
            to: [bobId],
            suite: 'intl',
            fileId: `${run}-tamper`,
        });
        const { digestAlg, digest } = parseLocator(shared.locator);
        const blobPath = join(parties.storeDir, digestAlg, digest.slice(0, 2), digest);
        const bytes = readFileSync(blobPath);
        bytes.writeUInt8(bytes.readUInt8(bytes.length >> 1) ^ 0x40, bytes.length >> 1);
        writeFileSync(blobPath, bytes);
        const out = join(parties.dir, 'tampered.out');
        // The container is one chunk (under 1 MiB), authenticated only at its end; the store's own
        // digest check fails first, in place of the end of the stream.
        expect(await refusal(bob.receive(shared.fileId, out))).toBe('BLOB_TAMPERED');
        expect(existsSync(out)).toBe(false);
        expect(readdirSync(parties.dir).filter((name) => name.includes('partial'))).toEqual([]);
    });

    it('after key rotation old credentials open with the old key and new shares use the new one', async () => {
        const bobId = (await bob.whoAmI()).partyId;
        const path = contract('rotation.txt', 10_000);
        const before = await alice.send(path, { to: [bobId], suite: 'gm', fileId: `${run}-rot-1` });
        const rotated = await bob.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
        const after = await alice.send(path, { to: [bobId], suite: 'gm', fileId: `${run}-rot-2` });

        const keys = (await bob.ledger.query<Page<KeyRecord>>('ListKeys', bobId, '100', '')).items;
        expect(keys.filter((k) => k.status === 'rotated').length).toBeGreaterThan(0);
        const credential = await bob.ledger.query<CredentialRecord>('GetCredential', after.fileId);
        expect(credential.keyFingerprint).toBe(rotated.encryptionKey);
        for (const fileId of [before.fileId, after.fileId]) {
            const out = join(parties.dir, `${fileId}.out`);
            await bob.receive(fileId, out);
            expect(readFileSync(out).equals(readFileSync(path))).toBe(true);
        }
    });
});

describe('grant and gc', () => {
    it('the owner grants a newly verified party access from its own credential', async () => {
        const bobId = (await bob.whoAmI()).partyId;
        const carolId = (await carol.whoAmI()).partyId;
        const path = contract('grant.txt', 50_000);
        const shared = await alice.send(path, { to: [bobId], suite: 'gm', fileId: `${run}-grant` });
        await verifier.recordVerification(carolId, { serial: `hmac-${run}-carol`, level: 'basic' });
        await alice.grant(shared.fileId, [carolId]);
        const out = join(parties.dir, 'carol.out');
        await carol.receive(shared.fileId, out);
        expect(readFileSync(out).equals(readFileSync(path))).toBe(true);
        expect((await auditor.audit(shared.fileId)).trail.map((e) => [e.action, e.party])).toContainEqual([
            'granted',
            carolId,
        ]);
        await verifier.revokeVerification(carolId);
    });

    it("gc removes only this party's orphaned uploads, never another party's blob or a shared file", async () => {
        // An upload whose ShareFile never committed (as after a crash or a lost answer) ...
        const orphan = await alice.store.put([Buffer.from(`orphan ${run}`)], { digestAlg: 'sha256' });
        await defined(alice.uploads, "alice's upload journal").add({
            locator: orphan.locator,
            fileId: `${run}-never-shared`,
            at: new Date(0).toISOString(),
        });
        // ... one whose file did commit, still in the journal ...
        const bobId = (await bob.whoAmI()).partyId;
        const sent = await alice.send(contract('kept.txt', 1000), {
            to: [bobId],
            suite: 'intl',
            fileId: `${run}-kept`,
        });
        const shared = sent.locator;
        await defined(alice.uploads, "alice's upload journal").add({
            locator: shared,
            fileId: sent.fileId,
            at: new Date(0).toISOString(),
        });
        // ... and a blob someone else put in the shared store.
        const foreign = await bob.store.put([Buffer.from(`bob's ${run}`)], { digestAlg: 'sm3' });

        const { removed } = await alice.gc(0);
        expect(removed).toEqual([orphan.locator]);
        expect(await alice.store.has(orphan.locator)).toBe(false);
        expect(await alice.store.has(shared)).toBe(true);
        expect(await alice.store.has(foreign.locator)).toBe(true);
        expect(await defined(alice.uploads, "alice's upload journal").pending()).toEqual([]);
    });
});

describe('read-your-writes across organisations (CommitClock)', () => {
    const bobAt = (clock: CommitClock, catchUp: number) =>
        new LedgerConnection(profile(), IDENTITIES.bob.join('/'), { clock, deadlines: { catchUp } });

    it("a session waits until its own peer holds the newest block of the clock: bob reads alice's new key", async () => {
        const clock = new CommitClock();
        const bobLedger = bobAt(clock, 60_000);
        try {
            const aliceId = (await alice.whoAmI()).partyId;
            // The clock holds a block not cut yet, so bob's read waits for it; alice's rotation makes it.
            clock.observe((await bobLedger.blocks.newest()) + 1);
            const read = bobLedger.query<PartyView>('GetParty', aliceId);
            const rotated = await alice.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
            expect((await read).encryptionKey).toBe(rotated.encryptionKey);
        } finally {
            bobLedger.close();
        }
    });

    it('a peer that does not reach the clock in time is a LEDGER_ERROR naming it and the block', async () => {
        const clock = new CommitClock();
        const bobLedger = bobAt(clock, 300);
        try {
            const never = (await bobLedger.blocks.newest()) + 1000;
            clock.observe(never);
            await expectRejection(
                bobLedger.query('WhoAmI'),
                'LEDGER_ERROR',
                `the peer ${bobLedger.endpoint} has not committed block ${never}`,
            );
        } finally {
            bobLedger.close();
        }
    });
});

describe('watchInbox', () => {
    it('neither misses nor repeats a share across a restart', async () => {
        const bobId = (await bob.whoAmI()).partyId;
        const checkpointFile = join(parties.dir, 'watch.checkpoint');
        const firstId = `${run}-watch-1`;
        const secondId = `${run}-watch-2`;

        const watcher = bob.watchInbox({ checkpointFile });
        const firstNext = watcher.next();
        await alice.send(contract('w1.txt', 100), { to: [bobId], suite: 'intl', fileId: firstId });
        let event = shareOf(await firstNext);
        while (event.fileId !== firstId) {
            await event.done();
            event = shareOf(await watcher.next());
        }
        await event.done();
        await watcher.return(undefined); // the watcher stops

        await alice.send(contract('w2.txt', 100), { to: [bobId], suite: 'intl', fileId: secondId });
        const restarted = bob.watchInbox({ checkpointFile });
        const seen: string[] = [];
        for await (const share of restarted) {
            seen.push(share.fileId);
            await share.done();
            if (share.fileId === secondId) break;
        }
        expect(seen).toContain(secondId);
        expect(seen).not.toContain(firstId);
    });
});

describe('a 100 MB file end to end', () => {
    it('sends and receives in memory that does not grow with the file size', async () => {
        const bobId = (await bob.whoAmI()).partyId;
        // Each transfer in its own process, so its peak RSS is its own: 10 MB, then 100 MB.
        const child = join(__dirname, 'support', 'transfer-child.js');
        const peak = (megabytes: number) => {
            const path = join(parties.dir, `big-${megabytes}.bin`);
            execFileSync('sh', ['-c', `head -c ${megabytes * 1024 * 1024} /dev/urandom > '${path}'`]);
            const report = execFileSync(
                process.execPath,
                [child, parties.dir, path, bobId, `${run}-big-${megabytes}`],
                { cwd: ROOT },
            );
            return JSON.parse(report.toString()) as { maxRssMiB: number; identical: boolean; size: number };
        };
        const small = peak(10);
        const large = peak(100);
        expect(small.identical && large.identical).toBe(true);
        expect(statSync(join(parties.dir, 'big-100.bin')).size).toBe(100 * 1024 * 1024);
        // Ten times the data, about the same memory: well under the 90 MB a buffered copy would add.
        expect(large.maxRssMiB - small.maxRssMiB).toBeLessThan(40);
    });
});
