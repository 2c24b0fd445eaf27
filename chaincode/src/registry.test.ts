import { createHash, createPublicKey, ECDH, generateKeyPairSync } from 'node:crypto';
import { keyRegistrationStatement } from '@sealpact/protocol';
import { StubNetwork } from './test-support/stub-network';
import { weakRsaPem } from '../../protocol/src/test-support/weak-keys';
import { publicPem, signWith, testKey } from './test-support/fixtures';
import {
    GOVERNANCE,
    PARTY,
    fingerprintOf,
    keysOf,
    registerKeys,
    registrationArgs,
    setGovernance,
    verifyParty,
} from './test-support/scenarios';
import { refused } from './test-support/refused';
import { evaluateJson, submitJson } from './test-support/answers';

describe('governance', () => {
    it('is set first by an admin of a governing MSP it names, then only by governing admins', async () => {
        const ledger = new StubNetwork();
        await expect(ledger.evaluate('alice', 'GetGovernance')).rejects.toThrow(
            refused('NOT_INITIALISED', 'the governance has not been set'),
        );
        await expect(ledger.submit('alice', 'SetGovernance', JSON.stringify(GOVERNANCE))).rejects.toThrow(
            refused('ACCESS_DENIED', 'only an admin (OU=admin) of Org1MSP may set the governance the first time'),
        );
        await expect(ledger.submit('org2Admin', 'SetGovernance', JSON.stringify(GOVERNANCE))).rejects.toThrow(
            refused('ACCESS_DENIED', 'only an admin (OU=admin) of Org1MSP may set the governance the first time'),
        );
        await setGovernance(ledger);
        const record = await evaluateJson(ledger, 'bob', 'GetGovernance');
        expect(record).toMatchObject({ ...GOVERNANCE, revision: 1, updatedBy: 'Org1MSP/Admin@org1.example.com' });
        const takeover = { ...GOVERNANCE, governingMsps: ['Org2MSP'] };
        await expect(ledger.submit('org2Admin', 'SetGovernance', JSON.stringify(takeover))).rejects.toThrow(
            refused('ACCESS_DENIED', 'only an admin (OU=admin) of Org1MSP may set the governance'),
        );
        await ledger.submit('org1Admin', 'SetGovernance', JSON.stringify(takeover));
        await ledger.submit('org2Admin', 'SetGovernance', JSON.stringify(GOVERNANCE));
        expect((await evaluateJson(ledger, 'bob', 'GetGovernance')).revision).toBe(3);
    });

    it('must first be the bootstrap document the chaincode server was started with', async () => {
        const ledger = new StubNetwork();
        const seizure = { governingMsps: ['Org2MSP'], authorityMsps: ['Org2MSP'], auditorMsps: ['Org2MSP'] };
        await expect(ledger.submit('org2Admin', 'SetGovernance', JSON.stringify(seizure))).rejects.toThrow(
            refused('GOVERNANCE_MISMATCH', 'must be the bootstrap document this chaincode server was started with'),
        );
        const extraAuthority = { ...GOVERNANCE, authorityMsps: ['AuthorityOrgMSP', 'Org1MSP'] };
        await expect(ledger.submit('org1Admin', 'SetGovernance', JSON.stringify(extraAuthority))).rejects.toThrow(
            refused('GOVERNANCE_MISMATCH', 'must be the bootstrap document this chaincode server was started with'),
        );
        await expect(ledger.evaluate('bob', 'GetGovernance')).rejects.toThrow(
            refused('NOT_INITIALISED', 'the governance has not been set'),
        );
        // The same lists in another order and member order are the same document.
        const reordered = {
            auditorMsps: GOVERNANCE.auditorMsps,
            governingMsps: ['Org1MSP', 'Org1MSP'],
            authorityMsps: GOVERNANCE.authorityMsps,
        };
        await ledger.submit('org1Admin', 'SetGovernance', JSON.stringify(reordered));
        expect(await evaluateJson(ledger, 'bob', 'GetGovernance')).toMatchObject({ ...GOVERNANCE, revision: 1 });
        // Once set, later changes need no bootstrap: the governing admins decide.
        await ledger.submit('org1Admin', 'SetGovernance', JSON.stringify(extraAuthority));
    });

    it('cannot be bootstrapped by a server started without, or with a bad, SEALPACT_GOVERNANCE', async () => {
        const without = 'the chaincode server was started without SEALPACT_GOVERNANCE';
        const bad = "the chaincode server's SEALPACT_GOVERNANCE is not a governance document";
        for (const [value, rule] of [
            [undefined, without],
            ['', without],
            ['{"governingMsps":["Org1MSP"]}', bad],
            ['not json', bad],
        ] as const) {
            const ledger = new StubNetwork({ env: { SEALPACT_GOVERNANCE: value } });
            await expect(ledger.submit('org1Admin', 'SetGovernance', JSON.stringify(GOVERNANCE))).rejects.toThrow(
                refused('NOT_CONFIGURED', rule),
            );
        }
    });

    it('validates the governance document', async () => {
        const ledger = new StubNetwork();
        const set = (json: string) => ledger.submit('org1Admin', 'SetGovernance', json);
        await expect(set('{')).rejects.toThrow(refused('BAD_JSON', 'governance is not valid JSON'));
        await expect(set('{"governingMsps":["Org1MSP"]}')).rejects.toThrow(
            refused('BAD_JSON', 'governance must have exactly the members'),
        );
        await expect(set(JSON.stringify({ ...GOVERNANCE, auditorMsps: ['bad msp'] }))).rejects.toThrow(
            refused('BAD_ARGUMENT', 'MSP ID must be letters, digits'),
        );
        await expect(set(JSON.stringify({ ...GOVERNANCE, governingMsps: [] }))).rejects.toThrow(
            refused('BAD_ARGUMENT', 'governingMsps must name at least one MSP'),
        );
        await expect(set(JSON.stringify({ ...GOVERNANCE, auditorMsps: Array(17).fill('X') }))).rejects.toThrow(
            refused('FIELD_TOO_LARGE', 'auditorMsps has more than 16 entries'),
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
        const me = await evaluateJson(ledger, 'bob', 'WhoAmI');
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
        expect((await evaluateJson(ledger, 'org2Admin', 'WhoAmI')).isAdmin).toBe(true);
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
        const view = await evaluateJson(ledger, 'bob', 'GetParty', PARTY.alice);
        expect(view.verified).toBe(false);
        expect(view.keys.map((k: { roles: string[]; status: string }) => [k.roles, k.status]).sort()).toEqual([
            [['encryption'], 'active'],
            [['signing'], 'active'],
        ]);
        expect(view.keys[0]?.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    });

    it('registers one RSA key for both roles', async () => {
        const keys = keysOf('carol', 'rsa');
        const party = await registerKeys(ledger, 'carol', keys);
        expect(party.encryptionKey).toBe(party.signingKey);
        const view = await evaluateJson(ledger, 'carol', 'GetParty', PARTY.carol);
        expect(view.keys).toHaveLength(1);
        expect(view.keys[0]).toMatchObject({ algorithm: 'rsa', roles: ['encryption', 'signing'], status: 'active' });
    });

    it('rotates: GetParty shows the active keys, ListKeys pages through all of them', async () => {
        await registerKeys(ledger, 'alice', keysOf('alice', 'sm2', 'alice-sign'));
        await registerKeys(ledger, 'alice', keysOf('dave', 'sm2'));
        const party = await registerKeys(ledger, 'alice', keysOf('spare', 'rsa'));
        expect(party.keySequence).toBe(3);
        const view = await evaluateJson(ledger, 'bob', 'GetParty', PARTY.alice);
        expect(view.keys).toEqual([expect.objectContaining({ fingerprint: party.encryptionKey, status: 'active' })]);

        const pages: { fingerprint: string; status: string }[][] = [];
        let bookmark = '';
        do {
            const page = await evaluateJson(ledger, 'bob', 'ListKeys', PARTY.alice, '2', bookmark);
            pages.push(page.items);
            bookmark = page.bookmark;
        } while (bookmark !== '');
        expect(pages.map((page) => page.length)).toEqual([2, 2]);
        const keys = pages.flat();
        expect(keys.map((k) => k.fingerprint)).toEqual(keys.map((k) => k.fingerprint).sort());
        expect(keys.map((k) => k.status).sort()).toEqual(['active', 'rotated', 'rotated', 'rotated']);

        await expect(ledger.evaluate('bob', 'ListKeys', PARTY.alice, '101', '')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'page size must be at most 100'),
        );
        const alicesBookmark = (await evaluateJson(ledger, 'bob', 'ListKeys', PARTY.alice, '1', '')).bookmark;
        await registerKeys(ledger, 'bob', keysOf('bob', 'sm2'));
        await expect(ledger.evaluate('bob', 'ListKeys', PARTY.bob, '1', alicesBookmark)).rejects.toThrow(
            refused('BAD_ARGUMENT', 'the bookmark does not come from this list'),
        );
        await expect(ledger.evaluate('bob', 'ListKeys', PARTY.carol, '1', '')).rejects.toThrow(
            refused('UNKNOWN_PARTY', `${PARTY.carol} has not registered keys`),
        );
    });

    it('refuses a replayed proof of possession', async () => {
        const args = await registrationArgs(ledger, 'alice', keysOf('alice', 'sm2'));
        await ledger.submit('alice', 'RegisterKeys', ...args);
        await expect(ledger.submit('alice', 'RegisterKeys', ...args)).rejects.toThrow(
            refused('BAD_SIGNATURE', 'does not sign the key-registration statement for sequence 2'),
        );
    });

    it("refuses another party's proof, a proof by another key, and a proof for another chaincode", async () => {
        const keys = keysOf('alice', 'sm2');
        const args = await registrationArgs(ledger, 'alice', keys);
        await expect(ledger.submit('dave', 'RegisterKeys', ...args)).rejects.toThrow(
            refused('BAD_SIGNATURE', 'does not sign the key-registration statement for sequence 1'),
        );
        const forged = [...args];
        forged[1] = signWith(testKey('dave', 'sm2'), 'x').toString('base64');
        await expect(ledger.submit('alice', 'RegisterKeys', ...forged)).rejects.toThrow(
            refused('BAD_SIGNATURE', 'does not sign the key-registration statement for sequence 1'),
        );
        const other = new StubNetwork({ chaincode: 'sealpact-test' });
        await setGovernance(other);
        await expect(other.submit('alice', 'RegisterKeys', ...args)).rejects.toThrow(
            refused('BAD_SIGNATURE', 'does not sign the key-registration statement for sequence 1'),
        );
    });

    it.each([
        ['e = 1', { e: 1n }, 'RSA public exponent 1 is below 65537'],
        ['e = 2', { e: 2n }, 'RSA public exponent 2 is below 65537'],
        ['e = 3', { e: 3n }, 'RSA public exponent 3 is below 65537'],
        ['an even e', { e: 65538n }, 'RSA public exponent 65538 is even'],
        ['e = 2^256 + 1', { e: (1n << 256n) + 1n }, 'RSA public exponent is not below 2^256'],
        ['an even modulus', { evenModulus: true }, 'RSA modulus is even'],
        ['RSA-1024', { bits: 1024 }, 'RSA-1024 is below 2048 bits'],
        ['RSA-16392', { bits: 16392 }, 'RSA-16392 is above 16384 bits'],
    ])('refuses an RSA key with %s as WEAK_KEY naming the rule', async (_name, change, rule) => {
        const args = await registrationArgs(ledger, 'alice', keysOf('alice', 'sm2'));
        const weak = weakRsaPem(change);
        await expect(ledger.submit('alice', 'RegisterKeys', weak, args[1], args[2], args[3])).rejects.toThrow(
            `WEAK_KEY: encryption key: ${rule}`,
        );
        await expect(ledger.submit('alice', 'RegisterKeys', args[0], args[1], weak, args[3])).rejects.toThrow(
            `WEAK_KEY: signing key: ${rule}`,
        );
    });

    it('refuses an SM2 key at the point at infinity, not uncompressed, or off the curve, as BAD_PEM', async () => {
        const args = await registrationArgs(ledger, 'alice', keysOf('alice', 'sm2'));
        const spkiPem = (point: Buffer) => {
            const bits = Buffer.concat([Buffer.from([0x03, point.length + 1, 0]), point]);
            const body = Buffer.concat([Buffer.from('301306072a8648ce3d020106082a811ccf5501822d', 'hex'), bits]);
            const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
            return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
        };
        const point = createPublicKey(publicPem(testKey('alice', 'sm2')))
            .export({ type: 'spki', format: 'der' })
            .subarray(-65);
        const compressed = ECDH.convertKey(point, 'SM2', undefined, undefined, 'compressed') as Buffer;
        const register = (pem: string) => ledger.submit('alice', 'RegisterKeys', pem, args[1], args[2], args[3]);
        await expect(register(spkiPem(Buffer.from([0])))).rejects.toThrow(
            refused('BAD_PEM', 'encryption key cannot be encoded as SubjectPublicKeyInfo (an EC point at infinity)'),
        );
        const notUncompressed = 'BAD_PEM: encryption key: the SM2 point is not an uncompressed point 04||X||Y';
        await expect(register(spkiPem(compressed))).rejects.toThrow(notUncompressed);
        const hybrid = Buffer.concat([Buffer.from([0x06 | (point.readUInt8(64) & 1)]), point.subarray(1)]);
        await expect(register(spkiPem(hybrid))).rejects.toThrow(notUncompressed);
        const offCurve = Buffer.from(point);
        offCurve.writeUInt8(offCurve.readUInt8(64) ^ 1, 64);
        await expect(register(spkiPem(offCurve))).rejects.toThrow(
            refused('BAD_PEM', 'encryption key: the SM2 point is not on the curve'),
        );
    });

    it('refuses an RSA key generated with e = 3 even with a valid proof of possession', async () => {
        const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
        const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
        const fingerprint = createHash('sha256')
            .update(publicKey.export({ type: 'spki', format: 'der' }))
            .digest('hex');
        const me = await evaluateJson(ledger, 'alice', 'WhoAmI');
        const statement = keyRegistrationStatement({
            channel: me.channel,
            chaincode: me.chaincode,
            partyId: me.partyId,
            sequence: me.nextKeySequence,
            encryptionKey: fingerprint,
            signingKey: fingerprint,
        });
        const proof = signWith(privateKey, statement).toString('base64');
        await expect(ledger.submit('alice', 'RegisterKeys', pem, proof, pem, proof)).rejects.toThrow(
            'WEAK_KEY: encryption key: RSA public exponent 3 is below 65537',
        );
        // The boundaries are accepted: e = 65537 at 2048 bits is every test party's RSA key.
        await registerKeys(ledger, 'alice', keysOf('alice', 'rsa'));
    });

    it('validates keys: PEM, private keys, weak RSA, other curves, encoding of the proof', async () => {
        const args = await registrationArgs(ledger, 'alice', keysOf('alice', 'sm2'));
        const withKey = (pem: string) => ledger.submit('alice', 'RegisterKeys', pem, args[1], args[2], args[3]);
        await expect(withKey('not a pem')).rejects.toThrow(
            refused('BAD_PEM', 'encryption key is not a PEM "PUBLIC KEY"'),
        );
        await expect(
            withKey(testKey('alice', 'sm2').export({ type: 'pkcs8', format: 'pem' }) as string),
        ).rejects.toThrow(refused('PRIVATE_KEY_GIVEN', 'a private key was given where a public key is needed'));
        const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
        await expect(withKey(weak.export({ type: 'spki', format: 'pem' }) as string)).rejects.toThrow(
            refused('WEAK_KEY', 'RSA-1024 is below 2048 bits'),
        );
        const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
        await expect(withKey(p256.export({ type: 'spki', format: 'pem' }) as string)).rejects.toThrow(
            refused('UNSUPPORTED_KEY', 'only the SM2 curve is accepted for EC keys'),
        );
        await expect(ledger.submit('alice', 'RegisterKeys', args[0], 'not base64!', args[2], args[3])).rejects.toThrow(
            refused('BAD_ARGUMENT', 'encryption key proof must be non-empty canonical base64'),
        );
        await expect(
            ledger.submit('alice', 'RegisterKeys', 'x'.repeat(20000), args[1], args[2], args[3]),
        ).rejects.toThrow(refused('BAD_PEM', 'encryption key is longer than 16384 characters'));
    });

    it('binds the party id to one certificate subject and issuer', async () => {
        await registerKeys(ledger, 'bob', keysOf('bob', 'sm2'));
        const me = await evaluateJson(ledger, 'bob', 'WhoAmI');
        expect(me.registered).toBe(true);
        await expect(ledger.evaluate('bobTwin', 'WhoAmI')).rejects.toThrow(
            refused('IDENTITY_CONFLICT', 'registered to a certificate with another subject or issuer'),
        );
        await expect(registerKeys(ledger, 'bobTwin', keysOf('spare', 'sm2'))).rejects.toThrow(
            refused('IDENTITY_CONFLICT', 'registered to a certificate with another subject or issuer'),
        );
        await expect(ledger.submit('bobTwin', 'RevokeKeys')).rejects.toThrow(
            refused('IDENTITY_CONFLICT', 'registered to a certificate with another subject or issuer'),
        );
    });

    it('revokes keys; a revoked key cannot be registered again', async () => {
        await expect(ledger.submit('alice', 'RevokeKeys')).rejects.toThrow(
            refused('UNKNOWN_PARTY', `${PARTY.alice} has not registered keys`),
        );
        const keys = keysOf('alice', 'sm2');
        await registerKeys(ledger, 'alice', keys);
        const revoked = await submitJson(ledger, 'alice', 'RevokeKeys');
        expect(revoked).toMatchObject({ encryptionKey: null, signingKey: null });
        expect((await evaluateJson(ledger, 'alice', 'GetParty', PARTY.alice)).keys).toEqual([]);
        const all = await evaluateJson(ledger, 'alice', 'ListKeys', PARTY.alice, '10', '');
        expect(all.items.map((k: { status: string }) => k.status)).toEqual(['revoked']);
        await expect(ledger.submit('alice', 'RevokeKeys')).rejects.toThrow(
            refused('WRONG_STATE', `${PARTY.alice} has no active keys`),
        );
        await expect(registerKeys(ledger, 'alice', keys)).rejects.toThrow(
            refused('WRONG_STATE', 'was revoked and cannot be registered again'),
        );
        await registerKeys(ledger, 'alice', keysOf('spare', 'sm2'));
    });

    it('GetParty refuses unknown and malformed party ids', async () => {
        await expect(ledger.evaluate('alice', 'GetParty', PARTY.bob)).rejects.toThrow(
            refused('UNKNOWN_PARTY', `${PARTY.bob} has not registered keys`),
        );
        await expect(ledger.evaluate('alice', 'GetParty', 'no-slash')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'party id must be "<MSP ID>/<certificate CN>"'),
        );
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
        await expect(ledger.submit('alice', 'RecordVerification', ...args)).rejects.toThrow(
            refused('WRONG_ORG', 'Org1MSP is not an identity-authority organisation'),
        );
        await expect(ledger.submit('org1Admin', 'RecordVerification', ...args)).rejects.toThrow(
            refused('WRONG_ORG', 'Org1MSP is not an identity-authority organisation'),
        );
        await expect(ledger.submit('auditor', 'RecordVerification', ...args)).rejects.toThrow(
            refused('WRONG_ORG', 'AuditorOrgMSP is not an identity-authority organisation'),
        );
        await ledger.submit('verifier', 'RecordVerification', ...args);
        const view = await evaluateJson(ledger, 'bob', 'GetParty', PARTY.bob);
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
            expect((await evaluateJson(ledger, who, 'GetParty', PARTY.bob)).verification?.serial).toBeDefined();
        }
        const seenByAlice = await evaluateJson(ledger, 'alice', 'GetParty', PARTY.bob);
        expect(seenByAlice.verified).toBe(true);
        expect(seenByAlice.verification).not.toHaveProperty('serial');
    });

    it('expires', async () => {
        const expiresAt = new Date(ledger.nextTimestamp().getTime() + 60_000).toISOString();
        await verifyParty(ledger, PARTY.bob, expiresAt);
        expect((await evaluateJson(ledger, 'bob', 'GetParty', PARTY.bob)).verified).toBe(true);
        ledger.advanceClock(60_000);
        expect((await evaluateJson(ledger, 'bob', 'GetParty', PARTY.bob)).verified).toBe(false);
    });

    it('validates its arguments', async () => {
        const record = (...args: string[]) => ledger.submit('verifier', 'RecordVerification', ...args);
        await expect(record('Org2MSP/nobody', 'serial-1234', 'L2', '')).rejects.toThrow(
            refused('UNKNOWN_PARTY', 'Org2MSP/nobody has not registered keys'),
        );
        await expect(record(PARTY.bob, 'serial with spaces', 'L2', '')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'serial must be letters, digits'),
        );
        await expect(record(PARTY.bob, 'x'.repeat(129), 'L2', '')).rejects.toThrow(
            refused('FIELD_TOO_LARGE', 'serial is longer than 128 characters'),
        );
        await expect(record(PARTY.bob, 'serial-1234', 'L2', 'tomorrow')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'expiresAt must be an ISO 8601 UTC time'),
        );
        await expect(record(PARTY.bob, 'serial-1234', 'L2', '2024-02-30T00:00:00Z')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'expiresAt is not a valid date'),
        );
        await expect(record(PARTY.bob, 'serial-1234', 'L2', '2020-01-01T00:00:00Z')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'is not after the transaction time'),
        );
        await expect(ledger.submit('verifier', 'RecordVerification', PARTY.bob, 's', 'L2')).rejects.toThrow(
            /Expected 4 parameters/,
        );
    });

    it('is recorded by client or admin identities of the authority, never by its peers', async () => {
        const args = [PARTY.bob, 'hmac-0123456789', 'L2', ''];
        await expect(ledger.submit('authorityPeer', 'RecordVerification', ...args)).rejects.toThrow(
            refused(
                'ACCESS_DENIED',
                'only client or admin identities (NodeOU) of AuthorityOrgMSP may verify parties, not peer',
            ),
        );
        await expect(ledger.submit('authorityPeer', 'RevokeVerification', PARTY.bob)).rejects.toThrow(
            refused(
                'ACCESS_DENIED',
                'only client or admin identities (NodeOU) of AuthorityOrgMSP may verify parties, not peer',
            ),
        );
        await ledger.submit('authorityAdmin', 'RecordVerification', ...args);
        await ledger.submit('authorityAdmin', 'RevokeVerification', PARTY.bob);
    });

    it('an authority verifies neither itself nor its own members; another authority can', async () => {
        const verifier = 'AuthorityOrgMSP/verifier@authority.example.com';
        await registerKeys(ledger, 'verifier', keysOf('dave', 'sm2'));
        const record = (who: 'verifier' | 'authorityAdmin' | 'bob', partyId: string) =>
            ledger.submit(who, 'RecordVerification', partyId, 'serial-1234', 'L2', '');
        await expect(record('verifier', verifier)).rejects.toThrow(
            'SELF_VERIFICATION: AuthorityOrgMSP may not verify itself; another identity authority must',
        );
        await expect(record('authorityAdmin', verifier)).rejects.toThrow(
            `SELF_VERIFICATION: AuthorityOrgMSP may not verify its own member ${verifier}`,
        );

        // Org2 becomes a second identity authority: it may verify AuthorityOrg's members, not its own.
        const twoAuthorities = { ...GOVERNANCE, authorityMsps: ['AuthorityOrgMSP', 'Org2MSP'] };
        await ledger.submit('org1Admin', 'SetGovernance', JSON.stringify(twoAuthorities));
        await record('bob', verifier);
        expect((await evaluateJson(ledger, 'alice', 'GetParty', verifier)).verified).toBe(true);
        await registerKeys(ledger, 'carol', keysOf('carol', 'rsa'));
        await expect(record('bob', PARTY.carol)).rejects.toThrow(
            `SELF_VERIFICATION: Org2MSP may not verify its own member ${PARTY.carol}`,
        );
        await expect(ledger.submit('verifier', 'RevokeVerification', verifier)).rejects.toThrow(
            refused('SELF_VERIFICATION', 'AuthorityOrgMSP may not verify itself'),
        );
        await ledger.submit('bob', 'RevokeVerification', verifier);
    });

    it('is revoked by authority members only, once', async () => {
        await expect(ledger.submit('verifier', 'RevokeVerification', PARTY.bob)).rejects.toThrow(
            refused('WRONG_STATE', `${PARTY.bob} has no verification to revoke`),
        );
        await verifyParty(ledger, PARTY.bob);
        await expect(ledger.submit('bob', 'RevokeVerification', PARTY.bob)).rejects.toThrow(
            refused('WRONG_ORG', 'Org2MSP is not an identity-authority organisation'),
        );
        await ledger.submit('verifier', 'RevokeVerification', PARTY.bob);
        const view = await evaluateJson(ledger, 'bob', 'GetParty', PARTY.bob);
        expect(view.verified).toBe(false);
        expect(view.verification?.revokedBy).toBe('AuthorityOrgMSP/verifier@authority.example.com');
        await expect(ledger.submit('verifier', 'RevokeVerification', PARTY.bob)).rejects.toThrow(
            refused('WRONG_STATE', `${PARTY.bob} has no verification to revoke`),
        );
    });
});
