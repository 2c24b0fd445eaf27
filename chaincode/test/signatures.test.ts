import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StubNetwork } from '../src/test-support/stub-network';
import { FileRecord } from '../src/lib/records';
import {
    PARTY,
    credentialFor,
    keysOf,
    registerKeys,
    shareFile,
    signatureArgs,
    standardParties,
    verifyParty,
} from '../src/test-support/scenarios';

describe('contract signatures', () => {
    let ledger: StubNetwork;
    let keys: Awaited<ReturnType<typeof standardParties>>;
    let gmFile: FileRecord;
    let intlFile: FileRecord;

    beforeEach(async () => {
        ledger = new StubNetwork();
        keys = await standardParties(ledger);
        await verifyParty(ledger, PARTY.carol);
        const share = (fileId: string, suite: 'gm' | 'intl') =>
            shareFile(
                ledger,
                'alice',
                fileId,
                [
                    credentialFor(PARTY.alice, keys.alice.encryption, fileId),
                    credentialFor(PARTY.bob, keys.bob.encryption, fileId),
                    credentialFor(PARTY.carol, keys.carol.encryption, fileId),
                ],
                { suite },
            );
        gmFile = await share('contract-gm', 'gm');
        intlFile = await share('contract-intl', 'intl');
    });

    it('records SM2 and RSA signatures that stock openssl verifies with the ledger key', async () => {
        const bob = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        const { txId } = await ledger.submit('bob', 'SignContract', gmFile.fileId, bob.statement, bob.signature);
        expect(ledger.events.at(-1)).toMatchObject({ name: 'ContractSigned', txId });
        const carol = signatureArgs(intlFile, PARTY.carol, keys.carol.signing);
        await ledger.submit('carol', 'SignContract', intlFile.fileId, carol.statement, carol.signature);
        const alice = signatureArgs(gmFile, PARTY.alice, keys.alice.signing);
        await ledger.submit('alice', 'SignContract', gmFile.fileId, alice.statement, alice.signature);

        const dir = mkdtempSync(join(tmpdir(), 'sealpact-sig-'));
        try {
            for (const fileId of [gmFile.fileId, intlFile.fileId]) {
                const signatures = JSON.parse(await ledger.evaluate('auditor', 'GetSignatures', fileId));
                for (const record of signatures) {
                    writeFileSync(join(dir, 'statement.txt'), record.statement);
                    writeFileSync(join(dir, 'signature.bin'), Buffer.from(record.signature, 'base64'));
                    writeFileSync(join(dir, 'key.pem'), record.publicKeyPem);
                    const options =
                        record.algorithm === 'sm2'
                            ? ['-sm3', '-sigopt', 'distid:1234567812345678']
                            : ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'];
                    const out = execFileSync(
                        'openssl',
                        ['dgst', ...options, '-verify', 'key.pem', '-signature', 'signature.bin', 'statement.txt'],
                        { cwd: dir },
                    );
                    expect(out.toString()).toBe('Verified OK\n');
                }
            }
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it('binds the signature to the file: a statement or signature moved to another file is refused', async () => {
        const bob = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        await expect(
            ledger.submit('bob', 'SignContract', intlFile.fileId, bob.statement, bob.signature),
        ).rejects.toThrow(/^STATEMENT_MISMATCH.*fileId/);
        const forIntl = signatureArgs(intlFile, PARTY.bob, keys.bob.signing);
        await expect(
            ledger.submit('bob', 'SignContract', intlFile.fileId, forIntl.statement, bob.signature),
        ).rejects.toThrow(/^BAD_SIGNATURE/);
    });

    it('refuses statements for another signer or key, tampered text and non-holders', async () => {
        const asAlice = signatureArgs(gmFile, PARTY.alice, keys.bob.signing);
        await expect(
            ledger.submit('bob', 'SignContract', gmFile.fileId, asAlice.statement, asAlice.signature),
        ).rejects.toThrow(/^STATEMENT_MISMATCH.*signer/);
        const encryptionKey = signatureArgs(gmFile, PARTY.bob, keys.bob.encryption);
        await expect(
            ledger.submit('bob', 'SignContract', gmFile.fileId, encryptionKey.statement, encryptionKey.signature),
        ).rejects.toThrow(/^STATEMENT_MISMATCH.*signingKey/);
        const good = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        await expect(
            ledger.submit('bob', 'SignContract', gmFile.fileId, good.statement.replace('\n', '\r\n'), good.signature),
        ).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(ledger.submit('bob', 'SignContract', gmFile.fileId, good.statement, 'AAAA')).rejects.toThrow(
            /^BAD_SIGNATURE/,
        );
        await ledger.submit('alice', 'RevokeAccess', gmFile.fileId, PARTY.bob);
        await expect(
            ledger.submit('bob', 'SignContract', gmFile.fileId, good.statement, good.signature),
        ).rejects.toThrow(/^ACCESS_DENIED/);
        await registerKeys(ledger, 'dave', keysOf('dave', 'sm2'));
        const dave = signatureArgs(gmFile, PARTY.dave, keysOf('dave', 'sm2').signing);
        await expect(
            ledger.submit('dave', 'SignContract', gmFile.fileId, dave.statement, dave.signature),
        ).rejects.toThrow(/^ACCESS_DENIED/);
    });

    it('accepts one signature per party and file, visible like the file', async () => {
        const bob = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        await ledger.submit('bob', 'SignContract', gmFile.fileId, bob.statement, bob.signature);
        await expect(ledger.submit('bob', 'SignContract', gmFile.fileId, bob.statement, bob.signature)).rejects.toThrow(
            /^DUPLICATE_ID/,
        );
        const signatures = JSON.parse(await ledger.evaluate('alice', 'GetSignatures', gmFile.fileId));
        expect(signatures).toEqual([
            expect.objectContaining({
                signer: PARTY.bob,
                statement: bob.statement,
                algorithm: 'sm2',
                digestAlgorithm: 'sm3',
            }),
        ]);
        await registerKeys(ledger, 'dave', keysOf('dave', 'sm2'));
        await expect(ledger.evaluate('dave', 'GetSignatures', gmFile.fileId)).rejects.toThrow(/^ACCESS_DENIED/);
    });

    it('keeps verifying after the signer rotates its keys (the old key stays readable)', async () => {
        const bob = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        await ledger.submit('bob', 'SignContract', gmFile.fileId, bob.statement, bob.signature);
        await registerKeys(ledger, 'bob', keysOf('spare', 'rsa'));
        const [record] = JSON.parse(await ledger.evaluate('alice', 'GetSignatures', gmFile.fileId));
        expect(record.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
        const party = JSON.parse(await ledger.evaluate('alice', 'GetParty', PARTY.bob));
        const key = party.keys.find((k: { fingerprint: string }) => k.fingerprint === record.keyFingerprint);
        expect(key.status).toBe('rotated');
    });
});
