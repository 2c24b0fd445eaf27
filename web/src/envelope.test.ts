import { randomBytes } from 'node:crypto';
import { generateKeyPair } from '../../client/src/crypto/keys';
import { openEnvelope } from '../../client/src/crypto/envelope';
import { sealEnvelope } from './envelope';

// What the page seals, the Node SDK opens: both algorithms of docs/crypto.md.

describe('envelopes sealed in the browser', () => {
    it.each(['sm2', 'rsa'] as const)('to an %s key open with the Node SDK', async (algorithm) => {
        const key = generateKeyPair(algorithm, { bits: 2048 });
        const password = randomBytes(32);
        const envelope = await sealEnvelope(key.publicKey, password);
        expect(openEnvelope(key, envelope).equals(password)).toBe(true);
    });
});
