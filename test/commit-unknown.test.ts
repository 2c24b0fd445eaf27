import { expect } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileRecord, isSealpactError } from '@sealpact/protocol';
import { createCiphertextHasher } from '../client/src/crypto/ciphertext-digest';
import { connect } from '../client/src/sdk/connect';
import { Submitted } from '../client/src/sdk/ledger';
import { CommitUnknownError } from '../client/src/sdk/ledger-errors';
import { ConnectionProfile } from '../client/src/sdk/profile';
import { Sealpact } from '../client/src/sdk/sealpact';
import { profile, refusal, runId } from './support/fabric';
import { Parties, PASSPHRASE } from './support/parties';
import { TcpProxy } from './support/tcp-proxy';
import { defined } from '../protocol/src/test-support/defined';

/**
 * Issue 8, item 5: a send whose connection drops after ShareFile reached the orderer and before
 * its commit status came back must keep the blob (the ledger may hold the file), say so with
 * COMMIT_UNKNOWN, and leave it to gc and a retry to settle. The drop is real: alice's second
 * session reaches her peer through a TCP proxy that cuts every socket once the orderer accepted
 * the transaction; her first session, and bob, connect directly and see what really happened.
 */

jest.setTimeout(120_000);

const parties = new Parties();
const run = runId();
let proxy: TcpProxy;
let alice: Sealpact; // direct
let cutAlice: Sealpact; // the same party through the proxy
let bob: Sealpact;

/** The file as the ledger holds it, waiting out the moment the commit takes to reach alice's peer. */
async function fileOnLedger(fileId: string): Promise<FileRecord> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await alice.getFile(fileId);
        } catch (err) {
            if (!isSealpactError(err, 'NOT_FOUND') || attempt === 50) throw err;
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    }
}

beforeAll(async () => {
    [alice, bob] = await parties.aliceAndVerifiedBob(run);

    // A copy of the profile whose Org1 peer is the proxy; TLS still checks the peer's own name.
    const direct = profile();
    const org1 = defined(direct.orgs.Org1MSP, 'Org1MSP in the connection profile');
    proxy = await TcpProxy.start(org1.peer.endpoint);
    if (!org1.peer.hostnameOverride) {
        throw new Error(
            "set-up: Org1's peer has no hostnameOverride, so TLS through the proxy would check its address",
        );
    }
    const proxied: ConnectionProfile = {
        ...direct,
        orgs: { ...direct.orgs, Org1MSP: { ...org1, peer: { ...org1.peer, endpoint: proxy.endpoint } } },
    };
    cutAlice = await connect({
        profile: proxied,
        identity: 'Org1MSP/alice@org1.example.com',
        store: `fs://${parties.storeDir}`,
        keyring: { dir: join(parties.dir, 'keyrings', 'alice'), passphrase: PASSPHRASE },
    });
});

afterAll(async () => {
    // Either is undefined when beforeAll failed before making it.
    (cutAlice as Sealpact | undefined)?.close();
    parties.close();
    await (proxy as TcpProxy | undefined)?.close();
});

it('a connection lost between submit and commit keeps the blob for gc and a retry', async () => {
    const bobId = (await bob.whoAmI()).partyId;
    const fileId = `${run}-cut`;
    const path = join(parties.dir, 'contract.txt');
    writeFileSync(path, `Contract ${run}: the Supplier shall deliver the Goods on the Delivery Date.\n`.repeat(2000));

    const submitted: Submitted[] = [];
    const stop = cutAlice.ledger.onSubmitted((tx) => {
        submitted.push(tx);
        proxy.cut();
    });
    const failure = await cutAlice.send(path, { to: [bobId], suite: 'gm', fileId }).then(
        () => undefined,
        (err: unknown) => err,
    );
    stop();
    expect(submitted).toEqual([{ transaction: 'ShareFile', txId: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    const { txId } = defined(submitted[0], 'the ShareFile submitted');
    expect(failure).toBeInstanceOf(CommitUnknownError);
    expect(failure).toMatchObject({
        message:
            `COMMIT_UNKNOWN: ShareFile ${txId} was handed to the orderer but its commit status is unknown ` +
            `(the connection to the peer at ${proxy.endpoint} was lost at the commit stage); ` +
            `the blob is kept; retry send with --file-id ${fileId} or run gc later`,
    });

    // The orderer had it: the ledger, read through an unaffected connection, holds the share ...
    const file = await fileOnLedger(fileId);
    expect(file.createdTxId).toBe(txId);
    // ... and the blob it names is still in the store, with the ledger's digest.
    const hash = createCiphertextHasher(file.digestAlgorithm);
    for await (const chunk of await alice.store.get(file.locator)) {
        hash.update(chunk as Buffer);
        await hash.drained();
    }
    expect((await hash.digest()).toString('hex')).toBe(file.ciphertextDigest);
    expect(await defined(alice.uploads, "alice's upload journal").pending()).toEqual([
        { locator: file.locator, fileId, at: expect.any(String) },
    ]);

    // gc cannot ask the ledger through the cut connection, so it removes nothing.
    expect(await refusal(cutAlice.gc(0))).toBe('NETWORK_DOWN');
    expect(await alice.store.has(file.locator)).toBe(true);
    expect((await defined(alice.uploads, "alice's upload journal").pending()).map((u) => u.locator)).toEqual([
        file.locator,
    ]);

    // gc through a working connection learns the ledger holds the file: it keeps the blob and
    // settles the journal entry.
    const { removed } = await alice.gc(0);
    expect(removed).toEqual([]);
    expect(await alice.store.has(file.locator)).toBe(true);
    expect(await defined(alice.uploads, "alice's upload journal").pending()).toEqual([]);

    // The retry the error suggests is idempotent, and bob gets the file byte for byte.
    const again = await alice.send(path, { to: [bobId], suite: 'gm', fileId });
    expect(again).toMatchObject({ fileId, txId, locator: file.locator, alreadySent: true });
    const out = join(parties.dir, 'received.txt');
    await bob.receive(fileId, out);
    expect(readFileSync(out).equals(readFileSync(path))).toBe(true);
});

it('a ShareFile the commit status says is invalid removes its blob; the send returns the attempt that won', async () => {
    const bobId = (await bob.whoAmI()).partyId;
    const fileId = `${run}-race`;
    const path = join(parties.dir, 'race.txt');
    writeFileSync(path, `Contract ${run}: two attempts at once.\n`.repeat(100));
    const blobs = async () => {
        const locators: string[] = [];
        for await (const blob of alice.store.list()) locators.push(blob.locator);
        return locators;
    };
    const before = await blobs();

    // Two attempts with one file id, both endorsed before either commits: both reach the orderer,
    // and the later one in the block is invalid (MVCC_READ_CONFLICT).
    const submitted: Submitted[] = [];
    const stop = alice.ledger.onSubmitted((tx) => submitted.push(tx));
    const results = await Promise.all([1, 2].map(() => alice.send(path, { to: [bobId], suite: 'gm', fileId })));
    stop();
    expect(submitted.map((tx) => tx.transaction)).toEqual(['ShareFile', 'ShareFile']);

    const file = await alice.getFile(fileId);
    expect(results.map((r) => r.alreadySent).sort()).toEqual([false, true]);
    expect(results.every((r) => r.txId === file.createdTxId && r.locator === file.locator)).toBe(true);
    // Only the committed attempt's blob is left, and no journal entry.
    expect((await blobs()).filter((locator) => !before.includes(locator))).toEqual([file.locator]);
    expect(await defined(alice.uploads, "alice's upload journal").pending()).toEqual([]);
});
