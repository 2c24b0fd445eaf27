import { createPublicKey } from 'node:crypto';
import { StubNetwork } from './test-support/stub-network';
import { canonicalJson } from '@sealpact/protocol';
import {
    PARTY,
    credentialFor,
    shareContract,
    shareFile,
    signatureArgs,
    standardParties,
} from './test-support/scenarios';

async function scenario(ledger: StubNetwork): Promise<void> {
    const keys = await standardParties(ledger);
    const credentials = (fileId: string) => [
        credentialFor(PARTY.alice, keys.alice.encryption, fileId),
        credentialFor(PARTY.bob, keys.bob.encryption, fileId),
    ];
    const file = await shareFile(ledger, 'alice', 'f1', credentials('f1'));
    const bob = signatureArgs(file, PARTY.bob, keys.bob.signing);
    await ledger.submit('bob', 'SignContract', 'f1', bob.statement, bob.signature);
    await ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.bob);
    // A contract's lifecycle: a signature that opens the next step, a decline, a void, an expiry.
    const steps = [[PARTY.bob], [PARTY.alice]];
    const c1 = await shareContract(ledger, 'alice', 'c1', credentials('c1'), steps, '2025-02-01T00:00:00Z');
    const onC1 = signatureArgs(c1.file, PARTY.bob, keys.bob.signing, c1.contract);
    await ledger.submit('bob', 'SignContract', 'c1', onC1.statement, onC1.signature);
    await ledger.submit('alice', 'DeclineContract', 'c1', 'Clause 7');
    await shareContract(ledger, 'alice', 'c2', credentials('c2'), [[PARTY.bob, PARTY.alice]]);
    await ledger.submit('alice', 'VoidContract', 'c2', 'Superseded');
    await shareContract(ledger, 'alice', 'c3', credentials('c3'), steps, '2025-01-01T01:00:00Z');
    ledger.advanceClock(3_600_000);
    await ledger.submit('bob', 'ExpireContract', 'c3');
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
