import { defined } from '../../protocol/src/test-support/defined';
import { generateKey, openWith, PageKey, publicKeyOf } from './page-keys';
import { sealEnvelope } from './envelope';
import { readVaultContents } from './vault';

describe('the vault contents', () => {
    const identity = { mspId: 'Org1MSP', certificate: 'CERT', privateKey: 'KEY' };

    it("reads the first form's untagged SM2 keys as SM2 keys, with no earlier keys, and they still open", async () => {
        const [encryption, signing] = [await generateKey('sm2'), await generateKey('sm2')];
        const untagged = (key: PageKey) => {
            if (key.algorithm !== 'sm2') throw new Error('an SM2 key was asked for');
            return { privateKey: key.privateKey, publicKey: key.publicKey };
        };
        const first = JSON.stringify({
            ...identity,
            keys: { encryption: untagged(encryption), signing: untagged(signing) },
        });
        const contents = readVaultContents(first);
        expect(contents).toEqual({ ...identity, keys: { encryption, signing, previous: [] } });
        const password = crypto.getRandomValues(new Uint8Array(32));
        const envelope = await sealEnvelope(publicKeyOf(encryption), password);
        expect(await openWith(defined(contents.keys).encryption, envelope)).toEqual(password);
    });

    it('reads the current form as it was saved, and an identity without keys', () => {
        expect(readVaultContents(JSON.stringify(identity))).toEqual(identity);
    });
});
