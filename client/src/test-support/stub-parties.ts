import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StubIdentityName } from '../../../chaincode/src/test-support/fixtures';
import { setGovernance, verifyParty } from '../../../chaincode/src/test-support/scenarios';
import { StubNetwork } from '../../../chaincode/src/test-support/stub-network';
import { generateKeyPair } from '../crypto/keys';
import { Keyring } from '../sdk/keyring';
import { Sealpact } from '../sdk/sealpact';
import { UploadJournal } from '../sdk/upload-journal';
import { FsBlobStore } from '../store/fs-store';
import { StubLedger } from './stub-ledger';

export type StubParty = Sealpact<StubLedger>;

/**
 * Sealpact parties on the in-process stub network, with governance set as on the real network:
 * each acts through its own StubLedger, keeps its keyring and upload journal in a temporary
 * folder, and all share one fs blob store there (a store may be shared, as gc must respect).
 */
export class StubParties {
    readonly network = new StubNetwork();
    readonly dir = mkdtempSync(join(tmpdir(), 'sealpact-sdk-'));
    readonly store = new FsBlobStore(join(this.dir, 'store'));

    static async start(): Promise<StubParties> {
        const parties = new StubParties();
        await setGovernance(parties.network);
        return parties;
    }

    /**
     * `name` through the SDK; with `register` it holds an SM2 key pair for both roles, registered
     * through the SDK, and with `verify` the identity authority verified it too.
     */
    async as(name: StubIdentityName, setup: { register?: boolean; verify?: boolean } = {}): Promise<StubParty> {
        const keyringDir = join(this.dir, 'keyrings', name);
        const party = new Sealpact(
            new StubLedger(this.network, name),
            this.store,
            await Keyring.open(keyringDir, 'unit test passphrase'),
            new UploadJournal(join(keyringDir, 'uploads.json')),
        );
        if (setup.register || setup.verify) {
            await party.registerKeys(generateKeyPair('sm2'));
        }
        if (setup.verify) {
            await verifyParty(this.network, (await party.whoAmI()).partyId);
        }
        return party;
    }

    /** A file of `bytes` bytes of contract text in the temporary folder; returns its path. */
    contract(name: string, bytes: number): string {
        const path = join(this.dir, name);
        const clause = `Contract ${name}: the Supplier shall deliver the Goods on the Delivery Date. `;
        writeFileSync(path, Buffer.from(clause.repeat(Math.ceil(bytes / clause.length))).subarray(0, bytes));
        return path;
    }

    /** The blobs in the shared store, by locator. */
    async blobs(): Promise<string[]> {
        const locators: string[] = [];
        for await (const blob of this.store.list()) locators.push(blob.locator);
        return locators.sort();
    }

    remove(): void {
        rmSync(this.dir, { recursive: true, force: true });
    }
}

/** The parties most SDK tests act as, and their party ids. */
export interface StandardParties {
    parties: StubParties;
    alice: StubParty;
    bob: StubParty;
    carol: StubParty;
    dave: StubParty;
    ids: Record<'alice' | 'bob' | 'carol' | 'dave', string>;
}

/**
 * A fresh stub network with the parties of the real network's tests: alice (Org1) and bob (Org2)
 * registered and verified, carol (Org2) registered but not verified, dave (Org1) registered and
 * verified. One party at a time: the stub network runs one proposal at a time.
 */
export async function standardParties(): Promise<StandardParties> {
    const parties = await StubParties.start();
    const alice = await parties.as('alice', { verify: true });
    const bob = await parties.as('bob', { verify: true });
    const carol = await parties.as('carol', { register: true });
    const dave = await parties.as('dave', { verify: true });
    const ids = {
        alice: (await alice.whoAmI()).partyId,
        bob: (await bob.whoAmI()).partyId,
        carol: (await carol.whoAmI()).partyId,
        dave: (await dave.whoAmI()).partyId,
    };
    return { parties, alice, bob, carol, dave, ids };
}

/**
 * Standard parties for a test file: made before its first test, removed after its last. Making
 * them generates and registers four parties' keys, which takes longer than jest's 5 s default on a
 * machine busy with a network.
 */
export function useStandardParties(): StandardParties {
    const world = {} as StandardParties;
    beforeAll(async () => {
        Object.assign(world, await standardParties());
    }, 60_000);
    afterAll(() => {
        world.parties.remove();
    });
    return world;
}
