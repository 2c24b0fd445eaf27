import { expect } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionProfile, loadProfile, resolveIdentity } from './profile';

const dir = mkdtempSync(join(tmpdir(), 'sealpact-profile-'));
const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
};
const CERT = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n';

const profile: ConnectionProfile = {
    channel: 'contracts',
    chaincode: 'sealpact',
    orgs: {
        Org1MSP: {
            name: 'Org1',
            mspId: 'Org1MSP',
            peer: { name: 'peer0', endpoint: '127.0.0.1:7051', tlsCACert: '/nowhere' },
            identities: {
                'alice@org1.example.com': { role: 'client', cert: file('a.crt', CERT), key: file('a.key', KEY) },
            },
        },
        Org2MSP: {
            name: 'Org2',
            mspId: 'Org2MSP',
            peer: { name: 'peer0', endpoint: '127.0.0.1:8051', tlsCACert: '/nowhere' },
            identities: {
                'alice@org1.example.com': { role: 'client', cert: file('b.crt', CERT), key: file('b.key', KEY) },
            },
        },
    },
};

const code = (c: string) => expect.objectContaining({ code: c });

describe('resolveIdentity', () => {
    it('finds a name qualified by MSP, and refuses an ambiguous or unknown one naming the known ones', () => {
        const alice = resolveIdentity(profile, 'Org1MSP/alice@org1.example.com');
        expect(alice).toMatchObject({ mspId: 'Org1MSP', name: 'alice@org1.example.com' });
        expect(alice.org.peer.endpoint).toBe('127.0.0.1:7051');
        expect(alice.certificate.toString()).toBe(CERT);
        expect(() => resolveIdentity(profile, 'alice@org1.example.com')).toThrow(code('AMBIGUOUS_IDENTITY'));
        expect(() => resolveIdentity(profile, 'mallory')).toThrow(
            /UNKNOWN_IDENTITY: .*Org1MSP\/alice@org1.example.com/,
        );
    });

    it('reads an MSP folder, and its organisation from the profile', () => {
        const msp = join(dir, 'msp');
        mkdirSync(join(msp, 'signcerts'), { recursive: true });
        mkdirSync(join(msp, 'keystore'), { recursive: true });
        writeFileSync(join(msp, 'signcerts', 'cert.pem'), CERT);
        writeFileSync(join(msp, 'keystore', 'priv_sk'), KEY);
        const resolved = resolveIdentity(profile, { mspId: 'Org2MSP', mspDir: msp });
        expect(resolved.org.peer.endpoint).toBe('127.0.0.1:8051');
        expect(resolved.privateKey.toString()).toBe(KEY);
        writeFileSync(join(msp, 'keystore', 'other_sk'), KEY);
        expect(() => resolveIdentity(profile, { mspId: 'Org2MSP', mspDir: msp })).toThrow(code('BAD_IDENTITY'));
        expect(() => resolveIdentity(profile, { mspId: 'Org9MSP', mspDir: msp })).toThrow(code('UNKNOWN_IDENTITY'));
    });

    it('reads a wallet identity (Fabric Node SDK format) and refuses a malformed one', () => {
        const wallet = join(dir, 'wallet');
        mkdirSync(wallet);
        writeFileSync(
            join(wallet, 'alice.id'),
            JSON.stringify({
                type: 'X.509',
                mspId: 'Org1MSP',
                version: 1,
                credentials: { certificate: CERT, privateKey: KEY },
            }),
        );
        expect(resolveIdentity(profile, { walletDir: wallet, label: 'alice' })).toMatchObject({
            mspId: 'Org1MSP',
            name: 'alice',
        });
        writeFileSync(join(wallet, 'bad.id'), JSON.stringify({ type: 'X.509', mspId: 'Org1MSP' }));
        expect(() => resolveIdentity(profile, { walletDir: wallet, label: 'bad' })).toThrow(code('BAD_IDENTITY'));
        expect(() => resolveIdentity(profile, { walletDir: wallet, label: 'missing' })).toThrow(code('BAD_IDENTITY'));
    });
});

describe('loadProfile and its trust anchors', () => {
    const base = { channel: 'contracts', chaincode: 'sealpact', orgs: {} };

    it('resolves a trust anchor folder against the profile folder, and keeps fingerprints as they are', () => {
        expect(
            loadProfile(file('relative.json', JSON.stringify({ ...base, trustAnchors: 'anchors' }))).trustAnchors,
        ).toBe(join(dir, 'anchors'));
        const pinned = { Org1MSP: ['ab'.repeat(32)] };
        expect(
            loadProfile(file('pinned.json', JSON.stringify({ ...base, trustAnchors: pinned }))).trustAnchors,
        ).toEqual(pinned);
    });

    it('refuses trust anchors that are neither a folder nor fingerprints per MSP ID, naming the field', () => {
        const path = file('bad-anchors.json', JSON.stringify({ ...base, trustAnchors: 42 }));
        expect(() => loadProfile(path)).toThrow(
            new RegExp(`^BAD_PROFILE: ${path}: "trustAnchors" must be a folder or fingerprints per MSP ID$`),
        );
    });
});
