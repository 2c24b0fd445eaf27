import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../client/src/crypto/keys';
import { connect } from '../client/src/sdk/connect';
import { Sealpact } from '../client/src/sdk/sealpact';
import { openStore } from '../client/src/store';
import { IDENTITIES, PROFILE_PATH, runId } from './support/fabric';
import { PASSPHRASE } from './support/parties';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const seaweedfs = require('../client/scripts/seaweedfs.js') as {
    start(): Promise<{ endpoint: string; accessKeyId: string; secretAccessKey: string; stop(): Promise<void> }>;
    createBucket(
        server: { endpoint: string; accessKeyId: string; secretAccessKey: string },
        bucket: string,
    ): Promise<void>;
};

/**
 * The same send / receive with the S3 store: a real SeaweedFS server on 127.0.0.1 stands in for
 * the S3-compatible service an organisation runs at scale; the ledger records only the locator.
 */

jest.setTimeout(30 * 60_000); // the first run on a new machine may build SeaweedFS
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const dir = mkdtempSync(join(tmpdir(), 'sealpact-s3-flow-'));
let server: Awaited<ReturnType<typeof seaweedfs.start>>;
const sessions: Sealpact[] = [];

async function party(who: 'alice' | 'bob' | 'verifier'): Promise<Sealpact> {
    const [mspId, name] = IDENTITIES[who];
    const store = openStore(`s3://contracts/blobs?endpoint=${server.endpoint}&region=us-east-1&forcePathStyle=true`, {
        s3: { credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } },
    });
    const session = await connect({
        profile: PROFILE_PATH,
        identity: `${mspId}/${name}`,
        store,
        keyring: { dir: join(dir, who), passphrase: PASSPHRASE },
    });
    sessions.push(session);
    return session;
}

beforeAll(async () => {
    server = await seaweedfs.start();
    await seaweedfs.createBucket(server, 'contracts');
});

afterAll(async () => {
    sessions.forEach((session) => session.close());
    await (server as typeof server | undefined)?.stop(); // undefined when beforeAll failed
});

it('alice sends a 20 MB contract through S3 and bob receives it byte for byte', async () => {
    const [alice, bob, verifier] = [await party('alice'), await party('bob'), await party('verifier')];
    await alice.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
    const bobParty = await bob.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
    await verifier.recordVerification(bobParty.partyId, { serial: `hmac-${runId()}`, level: 'high' });

    const path = join(dir, 'contract.bin');
    writeFileSync(path, Buffer.alloc(20 * 1024 * 1024, 'the parties agree. '));
    const sent = await alice.send(path, { to: [bobParty.partyId], suite: 'gm' });
    expect(sent.locator).toMatch(/^s3:sm3-tree\/[0-9a-f]{64}$/);
    expect((await bob.getFile(sent.fileId)).locator).toBe(sent.locator);

    const out = join(dir, 'received.bin');
    await bob.receive(sent.fileId, out);
    expect(readFileSync(out).equals(readFileSync(path))).toBe(true);
});
