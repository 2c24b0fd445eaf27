import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../../client/src/crypto/keys';
import { CommitClock } from '../../client/src/sdk/commit-clock';
import { connect } from '../../client/src/sdk/connect';
import { Sealpact } from '../../client/src/sdk/sealpact';
import { IDENTITIES, PROFILE_PATH } from './fabric';
import { IdentityName } from '../../chaincode/src/test-support/fixtures';

export const PASSPHRASE = 'integration tests only';

/**
 * SDK sessions for the network's identities, sharing one file store (the "file database") and one
 * CommitClock (each reads the others' writes), each with its own keyring, all in one temporary folder.
 */
export class Parties {
    readonly dir = mkdtempSync(join(tmpdir(), 'sealpact-e2e-'));
    readonly storeDir = join(this.dir, 'blobs');
    private readonly sessions = new Map<IdentityName, Sealpact>();
    private readonly clock = new CommitClock();

    async as(who: IdentityName): Promise<Sealpact> {
        let session = this.sessions.get(who);
        if (!session) {
            const [mspId, name] = IDENTITIES[who];
            session = await connect({
                profile: PROFILE_PATH,
                identity: `${mspId}/${name}`,
                store: `fs://${this.storeDir}`,
                keyring: { dir: join(this.dir, 'keyrings', who), passphrase: PASSPHRASE },
                clock: this.clock,
            });
            this.sessions.set(who, session);
        }
        return session;
    }

    /** alice and bob with new SM2 keys, bob verified by the authority (serial unique to `run`): a sender and a recipient. */
    async aliceAndVerifiedBob(run: string): Promise<[Sealpact, Sealpact]> {
        const verifier = await this.as('verifier');
        const [alice, bob] = await Promise.all([this.as('alice'), this.as('bob')]);
        await alice.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
        await bob.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
        await verifier.recordVerification((await bob.whoAmI()).partyId, { serial: `hmac-${run}-bob`, level: 'high' });
        return [alice, bob];
    }

    close(): void {
        for (const session of this.sessions.values()) session.close();
        this.sessions.clear();
    }
}
