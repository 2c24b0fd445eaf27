import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerError } from '@sealpact/protocol';
import { expectRejection } from '../../../protocol/src/test-support/expect-error';
import { useStandardParties } from '../test-support/stub-parties';

const HOUR = 60 * 60 * 1000;
const LONG_AGO = new Date(Date.now() - 2 * HOUR).toISOString();

const world = useStandardParties();
afterEach(() => jest.restoreAllMocks());

/** A blob alice put in the store and noted in her journal `at`, as a send does before ShareFile. */
async function aliceUpload(fileId: string, at: string): Promise<string> {
    const { parties, alice } = world;
    const { locator } = await parties.store.put([Buffer.from(`upload for ${fileId}`)], { digestAlg: 'sha256' });
    await alice.uploads?.add({ locator, fileId, at });
    return locator;
}

describe('gc', () => {
    it("removes this party's uploads no file holds once past the grace period, nothing else", async () => {
        const { parties, alice, bob, ids } = world;
        const orphan = await aliceUpload('f-never-shared', LONG_AGO);
        // A file that did commit, its journal entry left behind (as after COMMIT_UNKNOWN).
        const sent = await alice.send(parties.contract('kept.txt', 100), {
            to: [ids.bob],
            suite: 'gm',
            fileId: 'f-kept',
        });
        await alice.uploads?.add({ locator: sent.locator, fileId: sent.fileId, at: LONG_AGO });
        // An upload for an id another party's file took: alice's ShareFile can never have committed.
        await bob.send(parties.contract('bobs.txt', 100), { to: [ids.alice], suite: 'gm', fileId: 'f-bobs' });
        const lost = await aliceUpload('f-bobs', LONG_AGO);
        // A young upload, maybe of a send still in flight, and bob's blob in the shared store.
        const young = await aliceUpload('f-in-flight', new Date().toISOString());
        const foreign = (await parties.store.put([Buffer.from("bob's blob")], { digestAlg: 'sm3' })).locator;

        expect(await alice.gc(HOUR)).toEqual({ removed: [orphan, lost], abandonedUploads: 0 });

        const kept = await Promise.all([sent.locator, young, foreign].map((locator) => parties.store.has(locator)));
        expect(kept).toEqual([true, true, true]);
        expect(await parties.store.has(orphan)).toBe(false);
        expect(await parties.store.has(lost)).toBe(false);
        expect((await alice.uploads?.pending())?.map((upload) => upload.locator)).toEqual([young]);
        await alice.uploads?.remove(young);
    });

    it('removes uploads abandoned mid-way once past the grace period', async () => {
        const { parties, alice } = world;
        const tmp = join(parties.store.root, 'tmp');
        mkdirSync(tmp, { recursive: true });
        const [stale, fresh] = [join(tmp, 'stale-upload'), join(tmp, 'fresh-upload')];
        writeFileSync(stale, 'half an upload');
        writeFileSync(fresh, 'an upload in progress');
        const then = new Date(Date.now() - 2 * HOUR);
        utimesSync(stale, then, then);

        expect(await alice.gc(HOUR)).toEqual({ removed: [], abandonedUploads: 1 });
    });

    it('stops at a ledger that cannot answer, before removing anything it cannot prove orphaned', async () => {
        const { parties, alice } = world;
        const orphan = await aliceUpload('f-unsettled', LONG_AGO);
        const down = new LedgerError('NETWORK_DOWN', 'GetFile: no answer from the peer at stub-peer:7051 (evaluate)');
        jest.spyOn(alice.ledger, 'query').mockRejectedValue(down);

        await expectRejection(alice.gc(HOUR), 'NETWORK_DOWN', /^NETWORK_DOWN: GetFile: no answer/);

        expect(await parties.store.has(orphan)).toBe(true);
        expect((await alice.uploads?.pending())?.map((upload) => upload.locator)).toEqual([orphan]);
    });
});
