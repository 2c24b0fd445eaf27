import { generateKeyPairSync } from 'node:crypto';
import { StubNetwork } from '../src/test-support/stub-network';
import { publicPem, signWith, testKey } from '../src/test-support/fixtures';
import {
    GOVERNANCE,
    PARTY,
    fingerprintOf,
    keysOf,
    registerKeys,
    registrationArgs,
    setGovernance,
    verifyParty,
} from '../src/test-support/scenarios';

describe('governance', () => {
    it('is set first by an admin of a governing MSP it names, then only by governing admins', async () => {
        const ledger = new StubNetwork();
        await expect(ledger.evaluate('alice', 'GetGovernance')).rejects.toThrow(/^NOT_INITIALISED/);
        await expect(ledger.submit('alice', 'SetGovernance', JSON.stringify(GOVERNANCE))).rejects.toThrow(
            /^ACCESS_DENIED/,
        );
        await expect(ledger.submit('org2Admin', 'SetGovernance', JSON.stringify(GOVERNANCE))).rejects.toThrow(
            /^ACCESS_DENIED/,
        );
        await setGovernance(ledger);
        const record = JSON.parse(await ledger.evaluate('bob', 'GetGovernance'));
        expect(record).toMatchObject({ ...GOVERNANCE, revision: 1, updatedBy: 'Org1MSP/Admin@org1.example.com' });
        const takeover = { ...GOVERNANCE, governingMsps: ['Org2MSP'] };
        await expect(ledger.submit('org2Admin', 'SetGovernance', JSON.stringify(takeover))).rejects.toThrow(
            /^ACCESS_DENIED/,
        );
        await ledger.submit('org1Admin', 'SetGovernance', JSON.stringify(takeover));
        await ledger.submit('org2Admin', 'SetGovernance', JSON.stringify(GOVERNANCE));
        expect(JSON.parse(await ledger.evaluate('bob', 'GetGovernance')).revision).toBe(3);
    });

    it('validates the governance document', async () => {
        const ledger = new StubNetwork();
        const set = (json: string) => ledger.submit('org1Admin', 'SetGovernance', json);
        await expect(set('{')).rejects.toThrow(/^BAD_JSON/);
        await expect(set('{"governingMsps":["Org1MSP"]}')).rejects.toThrow(/^BAD_JSON/);
        await expect(set(JSON.stringify({ ...GOVERNANCE, auditorMsps: ['bad msp'] }))).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(set(JSON.stringify({ ...GOVERNANCE, governingMsps: [] }))).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(set(JSON.stringify({ ...GOVERNANCE, auditorMsps: Array(17).fill('X') }))).rejects.toThrow(
            /^FIELD_TOO_LARGE/,
        );
    });
});

describe('key registration', () => {
    let ledger: StubNetwork;
    beforeEach(async () => {
        ledger = new StubNetwork();
        await setGovernance(ledger);
    });

    it('derives the party id from the certificate and tells the next key sequence', async () => {
        const me = JSON.parse(await ledger.evaluate('bob', 'WhoAmI'));
        expect(me).toEqual({
            partyId: PARTY.bob,
            mspId: 'Org2MSP',
            commonName: 'bob@org2.example.com',
            isAdmin: false,
            registered: false,
            nextKeySequence: 1,
            channel: 'contracts',
            chaincode: 'sealpact',
        });
        expect(JSON.parse(await ledger.evaluate('org2Admin', 'WhoAmI')).isAdmin).toBe(true);
    });

    it('registers separate SM2 encryption and signing keys', async () => {
        const keys = keysOf('alice', 'sm2', 'alice-sign');
        const party = await registerKeys(ledger, 'alice', keys);
        expect(party).toMatchObject({
            partyId: PARTY.alice,
            keySequence: 1,
            encryptionKey: fingerprintOf(keys.encryption),
            signingKey: fingerprintOf(keys.signing),
            verification: null,
        });
        const view = JSON.parse(await ledger.evaluate('bob', 'GetParty', PARTY.alice));
        expect(view.verified).toBe(false);
        expect(view.keys.map((k: { roles: string[]; status: string }) => [k.roles, k.status]).sort()).toEqual([
            [['encryption'], 'active'],
            [['signing'], 'active'],
        ]);
        expect(view.keys[0].publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    });

    it('registers one RSA key for both roles', async () => {
        const keys = keysOf('carol', 'rsa');
        const party = await registerKeys(ledger, 'carol', keys);
        expect(party.encryptionKey).toBe(party.signingKey);
        const view = JSON.parse(await ledger.evaluate('carol', 'GetParty', PARTY.carol));
        expect(view.keys).toHaveLength(1);
        expect(view.keys[0]).toMatchObject({ algorithm: 'rsa', roles: ['encryption', 'signing'], status: 'active' });
    });

    it('rotates: the old keys stay readable with status rotated', async () => {
        await registerKeys(ledger, 'alice', keysOf('alice', 'sm2', 'alice-sign'));
        const party = await registerKeys(ledger, 'alice', keysOf('spare', 'rsa'));
        expect(party.keySequence).toBe(2);
        const view = JSON.parse(await ledger.evaluate('alice', 'GetParty', PARTY.alice));
        const byStatus = (status: string) => view.keys.filter((k: { status: string }) => k.status === status);
        expect(byStatus('rotated')).toHaveLength(2);
        expect(byStatus('active')).toEqual([expect.objectContaining({ fingerprint: party.encryptionKey })]);
    });

    it('refuses a replayed proof of possession', async () => {
        const args = await registrationArgs(ledger, 'alice', keysOf('alice', 'sm2'));
        await ledger.submit('alice', 'RegisterKeys', ...args);
        await expect(ledger.submit('alice', 'RegisterKeys', ...args)).rejects.toThrow(/^BAD_SIGNATURE.*sequence 2/);
    });

    it("refuses another party's proof, a proof by another key, and a proof for another chaincode", async () => {
        const keys = keysOf('alice', 'sm2');
        const args = await registrationArgs(ledger, 'alice', keys);
        await expect(ledger.submit('dave', 'RegisterKeys', ...args)).rejects.toThrow(/^BAD_SIGNATURE/);
        const forged = [...args];
        forged[1] = signWith(testKey('dave', 'sm2'), 'x').toString('base64');
        await expect(ledger.submit('alice', 'RegisterKeys', ...forged)).rejects.toThrow(/^BAD_SIGNATURE/);
        const other = new StubNetwork({ chaincode: 'sealpact-test' });
        await setGovernance(other);
        await expect(other.submit('alice', 'RegisterKeys', ...args)).rejects.toThrow(/^BAD_SIGNATURE/);
    });

    it('validates keys: PEM, private keys, weak RSA, other curves, encoding of the proof', async () => {
        const args = await registrationArgs(ledger, 'alice', keysOf('alice', 'sm2'));
        const withKey = (pem: string) => ledger.submit('alice', 'RegisterKeys', pem, args[1], args[2], args[3]);
        await expect(withKey('not a pem')).rejects.toThrow(/^BAD_PEM/);
        await expect(
            withKey(testKey('alice', 'sm2').export({ type: 'pkcs8', format: 'pem' }) as string),
        ).rejects.toThrow(/^PRIVATE_KEY_GIVEN/);
        const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
        await expect(withKey(weak.export({ type: 'spki', format: 'pem' }) as string)).rejects.toThrow(/^WEAK_KEY/);
        const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
        await expect(withKey(p256.export({ type: 'spki', format: 'pem' }) as string)).rejects.toThrow(
            /^UNSUPPORTED_KEY/,
        );
        await expect(ledger.submit('alice', 'RegisterKeys', args[0], 'not base64!', args[2], args[3])).rejects.toThrow(
            /^BAD_ARGUMENT/,
        );
        await expect(
            ledger.submit('alice', 'RegisterKeys', 'x'.repeat(20000), args[1], args[2], args[3]),
        ).rejects.toThrow(/^BAD_PEM/);
    });

    it('binds the party id to one certificate subject and issuer', async () => {
        await registerKeys(ledger, 'bob', keysOf('bob', 'sm2'));
        const me = JSON.parse(await ledger.evaluate('bob', 'WhoAmI'));
        expect(me.registered).toBe(true);
        await expect(ledger.evaluate('bobTwin', 'WhoAmI')).rejects.toThrow(/^IDENTITY_CONFLICT/);
        await expect(registerKeys(ledger, 'bobTwin', keysOf('spare', 'sm2'))).rejects.toThrow(/^IDENTITY_CONFLICT/);
        await expect(ledger.submit('bobTwin', 'RevokeKeys')).rejects.toThrow(/^IDENTITY_CONFLICT/);
    });

    it('revokes keys; a revoked key cannot be registered again', async () => {
        await expect(ledger.submit('alice', 'RevokeKeys')).rejects.toThrow(/^UNKNOWN_PARTY/);
        const keys = keysOf('alice', 'sm2');
        await registerKeys(ledger, 'alice', keys);
        const revoked = JSON.parse((await ledger.submit('alice', 'RevokeKeys')).payload);
        expect(revoked).toMatchObject({ encryptionKey: null, signingKey: null });
        const view = JSON.parse(await ledger.evaluate('alice', 'GetParty', PARTY.alice));
        expect(view.keys[0].status).toBe('revoked');
        await expect(ledger.submit('alice', 'RevokeKeys')).rejects.toThrow(/^WRONG_STATE/);
        await expect(registerKeys(ledger, 'alice', keys)).rejects.toThrow(/^WRONG_STATE/);
        await registerKeys(ledger, 'alice', keysOf('spare', 'sm2'));
    });

    it('GetParty refuses unknown and malformed party ids', async () => {
        await expect(ledger.evaluate('alice', 'GetParty', PARTY.bob)).rejects.toThrow(/^UNKNOWN_PARTY/);
        await expect(ledger.evaluate('alice', 'GetParty', 'no-slash')).rejects.toThrow(/^BAD_ARGUMENT/);
        expect(publicPem(testKey('bob', 'sm2'))).toMatch(/PUBLIC KEY/);
    });
});

describe('identity verification', () => {
    let ledger: StubNetwork;
    beforeEach(async () => {
        ledger = new StubNetwork();
        await setGovernance(ledger);
        await registerKeys(ledger, 'bob', keysOf('bob', 'sm2'));
    });

    it('is recorded by authority members only', async () => {
        const args = [PARTY.bob, 'hmac-0123456789', 'L2', ''];
        await expect(ledger.submit('alice', 'RecordVerification', ...args)).rejects.toThrow(/^WRONG_ORG/);
        await expect(ledger.submit('org1Admin', 'RecordVerification', ...args)).rejects.toThrow(/^WRONG_ORG/);
        await expect(ledger.submit('auditor', 'RecordVerification', ...args)).rejects.toThrow(/^WRONG_ORG/);
        await ledger.submit('verifier', 'RecordVerification', ...args);
        const view = JSON.parse(await ledger.evaluate('bob', 'GetParty', PARTY.bob));
        expect(view.verified).toBe(true);
        expect(view.verification).toMatchObject({
            serial: 'hmac-0123456789',
            level: 'L2',
            authorityMsp: 'AuthorityOrgMSP',
            recordedBy: 'AuthorityOrgMSP/verifier@authority.example.com',
            expiresAt: null,
        });
    });

    it('shows the serial only to the party, authorities and auditors', async () => {
        await verifyParty(ledger, PARTY.bob);
        for (const who of ['bob', 'verifier', 'auditor'] as const) {
            expect(JSON.parse(await ledger.evaluate(who, 'GetParty', PARTY.bob)).verification.serial).toBeDefined();
        }
        const seenByAlice = JSON.parse(await ledger.evaluate('alice', 'GetParty', PARTY.bob));
        expect(seenByAlice.verified).toBe(true);
        expect(seenByAlice.verification.serial).toBeUndefined();
    });

    it('expires', async () => {
        const expiresAt = new Date(ledger.nextTimestamp().getTime() + 60_000).toISOString();
        await verifyParty(ledger, PARTY.bob, expiresAt);
        expect(JSON.parse(await ledger.evaluate('bob', 'GetParty', PARTY.bob)).verified).toBe(true);
        ledger.advanceClock(60_000);
        expect(JSON.parse(await ledger.evaluate('bob', 'GetParty', PARTY.bob)).verified).toBe(false);
    });

    it('validates its arguments', async () => {
        const record = (...args: string[]) => ledger.submit('verifier', 'RecordVerification', ...args);
        await expect(record('Org2MSP/nobody', 'serial-1234', 'L2', '')).rejects.toThrow(/^UNKNOWN_PARTY/);
        await expect(record(PARTY.bob, 'serial with spaces', 'L2', '')).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(record(PARTY.bob, 'x'.repeat(129), 'L2', '')).rejects.toThrow(/^FIELD_TOO_LARGE/);
        await expect(record(PARTY.bob, 'serial-1234', 'L2', 'tomorrow')).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(record(PARTY.bob, 'serial-1234', 'L2', '2024-02-30T00:00:00Z')).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(record(PARTY.bob, 'serial-1234', 'L2', '2020-01-01T00:00:00Z')).rejects.toThrow(
            /^BAD_ARGUMENT.*not after/,
        );
        await expect(ledger.submit('verifier', 'RecordVerification', PARTY.bob, 's', 'L2')).rejects.toThrow(
            /Expected 4 parameters/,
        );
    });

    it('is revoked by authority members only, once', async () => {
        await expect(ledger.submit('verifier', 'RevokeVerification', PARTY.bob)).rejects.toThrow(/^WRONG_STATE/);
        await verifyParty(ledger, PARTY.bob);
        await expect(ledger.submit('bob', 'RevokeVerification', PARTY.bob)).rejects.toThrow(/^WRONG_ORG/);
        await ledger.submit('verifier', 'RevokeVerification', PARTY.bob);
        const view = JSON.parse(await ledger.evaluate('bob', 'GetParty', PARTY.bob));
        expect(view.verified).toBe(false);
        expect(view.verification.revokedBy).toBe('AuthorityOrgMSP/verifier@authority.example.com');
        await expect(ledger.submit('verifier', 'RevokeVerification', PARTY.bob)).rejects.toThrow(/^WRONG_STATE/);
    });
});
