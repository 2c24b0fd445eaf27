import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StubNetwork } from './test-support/stub-network';
import { signWith } from './test-support/fixtures';
import { expect } from '@jest/globals';
import { FileRecord, SignatureRecord } from '@sealpact/protocol';
import { defined } from '../../protocol/src/test-support/defined';
import {
    PARTY,
    credentialFor,
    keysOf,
    registerKeys,
    shareFile,
    signatureArgs,
    standardParties,
    testCommitmentKey,
    verifyParty,
} from './test-support/scenarios';
import { refused } from './test-support/refused';
import { evaluateJson } from './test-support/answers';

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

    it('records SM2 and RSA signatures and commitments that stock openssl checks', async () => {
        const bob = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        const { txId } = await ledger.submit('bob', 'SignContract', gmFile.fileId, bob.statement, bob.signature);
        expect(ledger.events.at(-1)).toMatchObject({ name: 'ContractSigned', txId });
        const carol = signatureArgs(intlFile, PARTY.carol, keys.carol.signing);
        await ledger.submit('carol', 'SignContract', intlFile.fileId, carol.statement, carol.signature);
        const alice = signatureArgs(gmFile, PARTY.alice, keys.alice.signing);
        await ledger.submit('alice', 'SignContract', gmFile.fileId, alice.statement, alice.signature);

        const dir = mkdtempSync(join(tmpdir(), 'sealpact-sig-'));
        try {
            writeFileSync(join(dir, 'contract.txt'), 'contract'); // what signatureArgs commits to
            for (const fileId of [gmFile.fileId, intlFile.fileId]) {
                const signatures = await evaluateJson(ledger, 'auditor', 'GetSignatures', fileId);
                for (const record of signatures) {
                    if (record.schema !== 'sealpact/signature/v3') {
                        throw new Error(`a ${record.schema} signature record`);
                    }
                    expect(record.statement).toContain(`plaintext-commitment: ${record.plaintextCommitment}\n`);
                    writeFileSync(join(dir, 'statement.txt'), record.statement);
                    writeFileSync(join(dir, 'signature.bin'), Buffer.from(record.signature, 'base64'));
                    writeFileSync(join(dir, 'key.pem'), defined(record.publicKeyPem, "the signer's key"));
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
                    // Whoever is handed the commitment key checks the contract against the statement.
                    const mac = execFileSync(
                        'openssl',
                        [
                            'dgst',
                            `-${record.digestAlgorithm}`,
                            '-mac',
                            'HMAC',
                            '-macopt',
                            `hexkey:${testCommitmentKey(fileId).toString('hex')}`,
                            'contract.txt',
                        ],
                        { cwd: dir },
                    );
                    expect(mac.toString()).toMatch(new RegExp(`= ${record.plaintextCommitment}\n$`));
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
        ).rejects.toThrow(refused('STATEMENT_MISMATCH', `the statement's fileId must be ${intlFile.fileId}`));
        const forIntl = signatureArgs(intlFile, PARTY.bob, keys.bob.signing);
        await expect(
            ledger.submit('bob', 'SignContract', intlFile.fileId, forIntl.statement, bob.signature),
        ).rejects.toThrow(refused('BAD_SIGNATURE', 'the signature does not verify with signing key'));
    });

    it('refuses statements for another signer or key, tampered text and non-holders', async () => {
        const asAlice = signatureArgs(gmFile, PARTY.alice, keys.bob.signing);
        await expect(
            ledger.submit('bob', 'SignContract', gmFile.fileId, asAlice.statement, asAlice.signature),
        ).rejects.toThrow(refused('STATEMENT_MISMATCH', `the statement's signer must be ${PARTY.bob}`));
        const encryptionKey = signatureArgs(gmFile, PARTY.bob, keys.bob.encryption);
        await expect(
            ledger.submit('bob', 'SignContract', gmFile.fileId, encryptionKey.statement, encryptionKey.signature),
        ).rejects.toThrow(refused('STATEMENT_MISMATCH', "the statement's signingKey must be"));
        const good = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        await expect(
            ledger.submit('bob', 'SignContract', gmFile.fileId, good.statement.replace('\n', '\r\n'), good.signature),
        ).rejects.toThrow(refused('BAD_ARGUMENT', '"name: value" lines, each ending in LF'));
        await expect(ledger.submit('bob', 'SignContract', gmFile.fileId, good.statement, 'AAAA')).rejects.toThrow(
            refused('BAD_SIGNATURE', 'the signature does not verify with signing key'),
        );
        await ledger.submit('alice', 'RevokeAccess', gmFile.fileId, PARTY.bob);
        await expect(
            ledger.submit('bob', 'SignContract', gmFile.fileId, good.statement, good.signature),
        ).rejects.toThrow(refused('ACCESS_DENIED', `${PARTY.bob} holds no active credential for ${gmFile.fileId}`));
        await registerKeys(ledger, 'dave', keysOf('dave', 'sm2'));
        const dave = signatureArgs(gmFile, PARTY.dave, keysOf('dave', 'sm2').signing);
        await expect(
            ledger.submit('dave', 'SignContract', gmFile.fileId, dave.statement, dave.signature),
        ).rejects.toThrow(refused('ACCESS_DENIED', `${PARTY.dave} holds no active credential for ${gmFile.fileId}`));
    });

    it('refuses v1 (a plain plaintext digest) and v2 (no plan) statements even when validly signed', async () => {
        const v3 = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        const v2 = v3.statement.replace('/v3\n', '/v2\n').replace('contract-plan: none\nstep: none\n', '');
        const v1 = v2.replace('/v2\n', '/v1\n').replace('plaintext-commitment: ', 'plaintext-digest: ');
        for (const [version, statement] of [
            ['v1', v1],
            ['v2', v2],
            ['v4', v3.statement.replace('/v3\n', '/v4\n')],
        ] as const) {
            const signature = signWith(keys.bob.signing, statement).toString('base64');
            await expect(ledger.submit('bob', 'SignContract', gmFile.fileId, statement, signature)).rejects.toThrow(
                refused('UNSUPPORTED_VERSION', `sealpact-signing-statement/${version} statements are not accepted`),
            );
        }
    });

    it('refuses a plaintext commitment that is not 64 lowercase hex digits', async () => {
        const good = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        const commitment = defined(
            /plaintext-commitment: ([0-9a-f]{64})\n/.exec(good.statement)?.[1],
            'the commitment',
        );
        for (const bad of [commitment.toUpperCase(), commitment.slice(2), `${commitment.slice(1)}g`]) {
            const statement = good.statement.replace(commitment, bad);
            const signature = signWith(keys.bob.signing, statement).toString('base64');
            await expect(ledger.submit('bob', 'SignContract', gmFile.fileId, statement, signature)).rejects.toThrow(
                refused('BAD_ARGUMENT', 'plaintext commitment must be 64 lowercase hex digits'),
            );
        }
    });

    it('never stamps a signature before the file record it follows', async () => {
        ledger.advanceClock(-60_000); // a signer's clock a minute behind, within the allowed skew
        const bob = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        const { payload } = await ledger.submit('bob', 'SignContract', gmFile.fileId, bob.statement, bob.signature);
        const file = await evaluateJson(ledger, 'alice', 'GetFile', gmFile.fileId);
        expect((JSON.parse(payload) as SignatureRecord).signedAt).toBe(file.updatedAt);
        const event = JSON.parse(defined(ledger.events.at(-1), 'the event').payload) as { at: string };
        expect(event.at).toBe(file.updatedAt);
    });

    it('accepts one signature per party and file, visible like the file', async () => {
        const bob = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        await ledger.submit('bob', 'SignContract', gmFile.fileId, bob.statement, bob.signature);
        await expect(ledger.submit('bob', 'SignContract', gmFile.fileId, bob.statement, bob.signature)).rejects.toThrow(
            refused('DUPLICATE_ID', `${PARTY.bob} has already signed ${gmFile.fileId}`),
        );
        const signatures = await evaluateJson(ledger, 'alice', 'GetSignatures', gmFile.fileId);
        expect(signatures).toEqual([
            expect.objectContaining({
                signer: PARTY.bob,
                statement: bob.statement,
                algorithm: 'sm2',
                digestAlgorithm: 'sm3',
            }),
        ]);
        await registerKeys(ledger, 'dave', keysOf('dave', 'sm2'));
        await expect(ledger.evaluate('dave', 'GetSignatures', gmFile.fileId)).rejects.toThrow(
            refused('ACCESS_DENIED', `${PARTY.dave} may not see file ${gmFile.fileId}`),
        );
    });

    it('keeps verifying after the signer rotates its keys (the old key stays readable)', async () => {
        const bob = signatureArgs(gmFile, PARTY.bob, keys.bob.signing);
        await ledger.submit('bob', 'SignContract', gmFile.fileId, bob.statement, bob.signature);
        await registerKeys(ledger, 'bob', keysOf('spare', 'rsa'));
        const signatures = await evaluateJson(ledger, 'alice', 'GetSignatures', gmFile.fileId);
        const record = defined(signatures[0], 'the signature record');
        expect(record.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
        const bobKeys = (await evaluateJson(ledger, 'alice', 'ListKeys', PARTY.bob, '100', '')).items;
        const key = bobKeys.find((k) => k.fingerprint === record.keyFingerprint);
        expect(key?.status).toBe('rotated');
    });
});
