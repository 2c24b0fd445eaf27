import { randomBytes } from 'node:crypto';
import { chmodSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createEncryptStream } from '../crypto/stream';
import { expectRejection } from '../../../protocol/src/test-support/expect-error';
import { useStandardParties } from '../test-support/stub-parties';
import { objectKey, parseLocator } from '../store/locator';
import { checkedKey, checkRecipients } from './check-recipients';
import { encryptToStore } from './encrypt-to-store';
import { recordShare } from './record-share';
import { Sealpact } from './sealpact';
import { sealCredentials } from './seal-credentials';

const world = useStandardParties();

/** A fresh folder for `out`, so a test can see that nothing at all was left in it. */
function outFolder(name: string): string {
    const folder = join(world.parties.dir, name);
    mkdirSync(folder);
    return folder;
}

describe('receive', () => {
    it('decrypts into `out` once the file verified, byte for byte', async () => {
        const { parties, alice, bob, ids } = world;
        const path = parties.contract('contract.txt', 2_500_000);
        const sent = await alice.send(path, { to: [ids.bob], suite: 'gm', fileId: 'f-receive' });
        const out = join(outFolder('received'), 'contract.txt');
        const received = await bob.receive('f-receive', out);
        expect(received).toEqual({
            fileId: 'f-receive',
            out,
            suite: 'gm',
            ciphertextDigest: sent.ciphertextDigest,
            size: sent.size,
        });
        expect(readFileSync(out).equals(readFileSync(path))).toBe(true);
    });

    it('receives a file recorded with the version 1 digest (sha256 over the whole container), as files shared before the tree digest are', async () => {
        const { parties, alice, bob, ids } = world;
        const path = parties.contract('v1.txt', 1_500_000);
        const password = randomBytes(32);
        const encryptor = createEncryptStream({ suite: 'intl', password, aad: 'f-v1', digestAlgorithm: 'sha256' });
        const [blob] = await Promise.all([
            parties.store.put(encryptor, { digestAlg: 'sha256' }),
            pipeline(createReadStream(path), encryptor),
        ]);
        expect(blob.locator).toBe(`fs:sha256/${blob.digest}`);
        expect(blob.digest).toBe(encryptor.ciphertextDigest?.digest.toString('hex'));
        const keys = [
            ...(await checkRecipients(alice.ledger, [ids.bob])),
            await checkedKey(alice.ledger, (await alice.whoAmI()).partyId, { mustBeVerified: false }),
        ];
        const credentials = JSON.stringify(sealCredentials(keys, password));
        await alice.ledger.submit(
            'ShareFile',
            'f-v1',
            'intl',
            'sha256',
            blob.digest,
            String(blob.size),
            blob.locator,
            credentials,
        );
        expect(await bob.getFile('f-v1')).toMatchObject({ digestAlgorithm: 'sha256', ciphertextDigest: blob.digest });

        const out = join(outFolder('v1'), 'contract.txt');
        expect(await bob.receive('f-v1', out)).toMatchObject({ ciphertextDigest: blob.digest, size: blob.size });
        expect(readFileSync(out).equals(readFileSync(path))).toBe(true);
    });

    it('refuses a blob that is not the one whose digest the ledger holds, and writes nothing', async () => {
        const { parties, alice, bob, ids } = world;
        // A sender whose ShareFile names one container of the file but records another's digest:
        // both open with the same password, so only the digest check can tell them apart.
        const path = parties.contract('substituted.txt', 5000);
        const password = randomBytes(32);
        const upload = () => encryptToStore(path, { store: parties.store, suite: 'intl', password, fileId: 'f-swap' });
        const [named, recorded] = [await upload(), await upload()];
        const keys = [
            ...(await checkRecipients(alice.ledger, [ids.bob])),
            await checkedKey(alice.ledger, (await alice.whoAmI()).partyId, { mustBeVerified: false }),
        ];
        await recordShare(
            { ledger: alice.ledger, store: parties.store, owner: (await alice.whoAmI()).partyId },
            {
                fileId: 'f-swap',
                suite: 'intl',
                blob: { ...recorded, locator: named.locator },
                credentials: sealCredentials(keys, password),
            },
        );
        const folder = outFolder('substituted');
        await expectRejection(
            bob.receive('f-swap', join(folder, 'contract.txt')),
            'DIGEST_MISMATCH',
            /^DIGEST_MISMATCH: the container's sha256-tree digest is not the expected one$/,
        );
        expect(readdirSync(folder)).toEqual([]);
    });

    it('refuses a blob altered in the store at the chunk it fails in, and writes nothing', async () => {
        const { parties, alice, bob, ids } = world;
        const sent = await alice.send(parties.contract('tampered.txt', 2_500_000), {
            to: [ids.bob],
            suite: 'gm',
            fileId: 'f-tampered',
        });
        const blobPath = join(parties.store.root, objectKey(parseLocator(sent.locator)));
        const bytes = readFileSync(blobPath);
        bytes.writeUInt8(bytes.readUInt8(1_500_000) ^ 0x40, 1_500_000); // inside chunk 1 of 1 MiB chunks
        chmodSync(blobPath, 0o640);
        writeFileSync(blobPath, bytes);
        const folder = outFolder('tampered');
        await expectRejection(
            bob.receive('f-tampered', join(folder, 'contract.txt')),
            'CHUNK_AUTH_FAILED',
            /^CHUNK_AUTH_FAILED: chunk 1 failed authentication/,
        );
        expect(readdirSync(folder)).toEqual([]);
    });

    it('refuses a party without an active credential, and one connected without its keyring', async () => {
        const { parties, alice, bob, carol, ids } = world;
        await alice.send(parties.contract('private.txt', 100), { to: [ids.bob], suite: 'gm', fileId: 'f-private' });
        const out = join(parties.dir, 'never.txt');
        await expectRejection(
            carol.receive('f-private', out),
            'ACCESS_DENIED',
            /^ACCESS_DENIED: Org2MSP\/carol@org2\.example\.com has no active credential for f-private$/,
        );
        const keyless = new Sealpact(bob.ledger, parties.store);
        await expectRejection(keyless.receive('f-private', out), 'NO_KEYRING', /^NO_KEYRING: /);
        expect(existsSync(out)).toBe(false);
    });
});
