import { createPublicKey } from 'node:crypto';
import { StubNetwork } from './test-support/stub-network';
import { canonicalJson } from '@sealpact/protocol';
import { PARTY, credentialFor, shareFile, signatureArgs, standardParties } from './test-support/scenarios';

async function scenario(ledger: StubNetwork): Promise<void> {
    const keys = await standardParties(ledger);
    const file = await shareFile(ledger, 'alice', 'f1', [
        credentialFor(PARTY.alice, keys.alice.encryption, 'f1'),
        credentialFor(PARTY.bob, keys.bob.encryption, 'f1'),
    ]);
    const bob = signatureArgs(file, PARTY.bob, keys.bob.signing);
    await ledger.submit('bob', 'SignContract', 'f1', bob.statement, bob.signature);
    await ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.bob);
}

describe('determinism', () => {
    it('the same transactions on two fresh peers write the same bytes', async () => {
        const runs = [new StubNetwork({ seed: 'same' }), new StubNetwork({ seed: 'same' })] as const;
        // SM2 and RSA-PSS signatures are randomised: sign each message once and reuse it in both runs.
        const fixtures = jest.requireActual<typeof import('./test-support/fixtures')>('./test-support/fixtures');
        const signOnce = fixtures.signWith;
        const signed = new Map<string, Buffer>();
        jest.spyOn(fixtures, 'signWith').mockImplementation((key, message) => {
            const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
            const id = `${spki.toString('hex')}:${Buffer.from(message).toString('hex')}`;
            const signature = signed.get(id) ?? signOnce(key, message);
            signed.set(id, signature);
            return signature;
        });
        for (const ledger of runs) {
            await scenario(ledger);
        }
        const dump = (ledger: StubNetwork) =>
            ledger.committed.map((tx) => ({
                txId: tx.txId,
                writes: [...tx.writes].map(([key, value]) => [key, value?.toString('utf8') ?? null]),
            }));
        expect(dump(runs[0])).toEqual(dump(runs[1]));
        expect(runs[0].events).toEqual(runs[1].events);
        // Every value written (deletes write null) is canonical JSON.
        const written = runs[0].committed.flatMap((tx) => [...tx.writes.values()]);
        for (const text of written.flatMap((value) => (value === null ? [] : [value.toString('utf8')]))) {
            expect(text).toBe(canonicalJson(JSON.parse(text)));
        }
    });
});

describe('canonicalJson', () => {
    it('sorts keys at every level and drops undefined members', () => {
        expect(canonicalJson({ b: 1, a: [{ d: 1, c: undefined, b: 'x' }], c: { z: null, y: true } })).toBe(
            '{"a":[{"b":"x","d":1}],"b":1,"c":{"y":true,"z":null}}',
        );
    });
});
