/**
 * Capture the real evidence bundles the tests of client/src/evidence/verify-bundle.ts read, from
 * the running network, into client/src/evidence/testdata (committed: the tests need no network).
 * From the repository root, under the network lock:
 *
 *   flock /tmp/sealpact-network.lock -c 'node -r ./client/src/test-support/register-ts.js \
 *       client/src/test-support/capture-evidence-bundles.ts'
 *
 * Two stories, each one with fresh keys (in throwaway keyrings) and a fresh verification, so that
 * its blocks lie close together and the bundle stays small:
 * - sm2: alice sends a small contract to bob (gm suite); bob receives and signs it; alice grants
 *   carol access and revokes it; bob then rotates his keys, retiring the key he signed with.
 * - rsa: dave sends a small contract to carol (intl suite); carol signs it.
 * The authority verifies the owner twice on the way (after the share; in sm2, between grant and
 * revocation), transactions outside the story, so that the bundles hold headers between blocks.
 * For each: <name>.bundle (exported by the owner), <name>.contract (the contract) and
 * <name>.commitment-key (its commitment key, hex). Also anchors/, the channel's trust anchors.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyAlgorithm, Suite } from '@sealpact/protocol';
import { generateKeyPair } from '../crypto/keys';
import { exportEvidence } from '../evidence/export';
import { connect } from '../sdk/connect';
import { Sealpact } from '../sdk/sealpact';

const ROOT = join(__dirname, '..', '..', '..');
const OUT = join(ROOT, 'client', 'src', 'evidence', 'testdata');
const PROFILE = join(ROOT, 'network', '.data', 'connection.json');
const ANCHORS = join(ROOT, 'network', '.data', 'trust-anchors');
const IDENTITIES = {
    alice: 'Org1MSP/alice@org1.example.com',
    dave: 'Org1MSP/dave@org1.example.com',
    bob: 'Org2MSP/bob@org2.example.com',
    carol: 'Org2MSP/carol@org2.example.com',
    verifier: 'AuthorityOrgMSP/verifier@authority.example.com',
} as const;
type Who = keyof typeof IDENTITIES;

class Parties {
    private readonly sessions = new Map<Who, Sealpact>();

    constructor(private readonly dir: string) {}

    async as(who: Who): Promise<Sealpact> {
        let session = this.sessions.get(who);
        if (session === undefined) {
            session = await connect({
                profile: PROFILE,
                identity: IDENTITIES[who],
                store: `fs://${join(this.dir, 'blobs')}`,
                keyring: { dir: join(this.dir, 'keyrings', who), passphrase: 'capture only' },
            });
            this.sessions.set(who, session);
        }
        return session;
    }

    close(): void {
        for (const session of this.sessions.values()) session.close();
    }
}

/** Register fresh keys (a rotation when the party has some) and return the party id. */
async function freshKeys(session: Sealpact, algorithm: KeyAlgorithm): Promise<string> {
    const key = () => generateKeyPair(algorithm, { bits: 2048 });
    return (await session.registerKeys(key(), key())).partyId;
}

async function story(
    parties: Parties,
    dir: string,
    name: string,
    plan: { algorithm: KeyAlgorithm; suite: Suite; owner: Who; signer: Who; rich: boolean },
): Promise<void> {
    const owner = await parties.as(plan.owner);
    const signer = await parties.as(plan.signer);
    const verifier = await parties.as('verifier');
    await freshKeys(owner, plan.algorithm);
    const signerId = await freshKeys(signer, plan.algorithm);
    const serial = `evidence-fixture-${Date.now().toString(36)}`;
    await verifier.recordVerification(signerId, { serial, level: 'high' });
    const contract = join(dir, `${name}.contract`);
    writeFileSync(
        contract,
        `Contract ${name}: the Supplier shall deliver the Goods on the Delivery Date.\n`.repeat(16),
    );
    const sent = await owner.send(contract, { to: [signerId], suite: plan.suite });
    const ownerId = (await owner.whoAmI()).partyId;
    await verifier.recordVerification(ownerId, { serial: `${serial}-o`, level: 'high' });
    await signer.receive(sent.fileId, join(dir, `${name}.received`));
    await signer.sign(sent.fileId, join(dir, `${name}.received`));
    if (plan.rich) {
        const carol = await parties.as('carol');
        const carolId = await freshKeys(carol, plan.algorithm);
        await verifier.recordVerification(carolId, { serial: `${serial}-c`, level: 'substantial' });
        await owner.grant(sent.fileId, [carolId]);
        await verifier.recordVerification(ownerId, { serial: `${serial}-p`, level: 'high' });
        await owner.revoke(sent.fileId, carolId);
        await freshKeys(signer, plan.algorithm);
    }
    const { key } = await signer.commitmentKey(sent.fileId);
    const { bundle } = await exportEvidence(owner.ledger, sent.fileId);
    writeFileSync(join(OUT, `${name}.bundle`), bundle);
    cpSync(contract, join(OUT, `${name}.contract`));
    writeFileSync(join(OUT, `${name}.commitment-key`), `${key.toString('hex')}\n`);
    key.fill(0);
    console.log(`${name}: file ${sent.fileId}, bundle of ${bundle.length} bytes`);
}

async function main(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'sealpact-capture-'));
    const parties = new Parties(dir);
    try {
        await story(parties, dir, 'sm2', { algorithm: 'sm2', suite: 'gm', owner: 'alice', signer: 'bob', rich: true });
        await story(parties, dir, 'rsa', {
            algorithm: 'rsa',
            suite: 'intl',
            owner: 'dave',
            signer: 'carol',
            rich: false,
        });
        rmSync(join(OUT, 'anchors'), { recursive: true, force: true });
        cpSync(ANCHORS, join(OUT, 'anchors'), { recursive: true });
    } finally {
        parties.close();
        rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
