import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../client/src/sdk/connect';
import { Sealpact } from '../../client/src/sdk/sealpact';
import { IDENTITIES, PROFILE_PATH } from './fabric';
import { IdentityName } from '../../chaincode/src/test-support/fixtures';

export const PASSPHRASE = 'integration tests only';

/**
 * SDK sessions for the network's identities, sharing one file store (the "file database") and
 * each with its own keyring, all in one temporary folder.
 */
export class Parties {
    readonly dir = mkdtempSync(join(tmpdir(), 'sealpact-e2e-'));
    readonly storeDir = join(this.dir, 'blobs');
    private readonly sessions = new Map<IdentityName, Sealpact>();

    async as(who: IdentityName): Promise<Sealpact> {
        let session = this.sessions.get(who);
        if (!session) {
            const [mspId, name] = IDENTITIES[who];
            session = await connect({
                profile: PROFILE_PATH,
                identity: `${mspId}/${name}`,
                store: `fs://${this.storeDir}`,
                keyring: { dir: join(this.dir, 'keyrings', who), passphrase: PASSPHRASE },
            });
            this.sessions.set(who, session);
        }
        return session;
    }

    close(): void {
        for (const session of this.sessions.values()) session.close();
        this.sessions.clear();
    }
}
