import { execFileSync } from 'node:child_process';
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sm2 } from 'sm-crypto-v2';
import { KeyAlgorithm, RSA_PSS_SALT_LENGTH, SM2_DEFAULT_USER_ID } from '@sealpact/protocol';

/**
 * Test identities and keys, generated once per machine and cached under the OS temp directory:
 * X.509 certificates for Fabric-style client identities (one ECDSA P-256 CA per organisation,
 * NodeOU `OU=client` or `OU=admin`), made with the `openssl` command line, and SM2 and RSA-2048
 * key pairs for Sealpact registrations, made with node:crypto.
 */

export interface OrgSpec {
    mspId: string;
    domain: string;
}

export const ORGS = {
    org1: { mspId: 'Org1MSP', domain: 'org1.example.com' },
    org2: { mspId: 'Org2MSP', domain: 'org2.example.com' },
    authority: { mspId: 'AuthorityOrgMSP', domain: 'authority.example.com' },
    auditor: { mspId: 'AuditorOrgMSP', domain: 'auditor.example.com' },
} as const satisfies Record<string, OrgSpec>;

interface IdentitySpec {
    org: keyof typeof ORGS;
    user: string;
    /** NodeOUs and any further OUs, in subject order. */
    ous: string[];
}

/** The identities the scenarios use. `bobTwin` has bob's CN under another subject (an extra OU). */
export const IDENTITY_SPECS = {
    alice: { org: 'org1', user: 'alice', ous: ['client'] },
    dave: { org: 'org1', user: 'dave', ous: ['client'] },
    org1Admin: { org: 'org1', user: 'Admin', ous: ['admin'] },
    bob: { org: 'org2', user: 'bob', ous: ['client'] },
    bobTwin: { org: 'org2', user: 'bob', ous: ['client', 'sales'] },
    carol: { org: 'org2', user: 'carol', ous: ['client'] },
    org2Admin: { org: 'org2', user: 'Admin', ous: ['admin'] },
    verifier: { org: 'authority', user: 'verifier', ous: ['client'] },
    auditor: { org: 'auditor', user: 'auditor', ous: ['client'] },
} as const satisfies Record<string, IdentitySpec>;

export type IdentityName = keyof typeof IDENTITY_SPECS;

/** Identities only the test peer has: the real network's profile lists no admin or peer of AuthorityOrg. */
export const STUB_IDENTITY_SPECS = {
    authorityAdmin: { org: 'authority', user: 'Admin', ous: ['admin'] },
    authorityPeer: { org: 'authority', user: 'peer0', ous: ['peer'] },
} as const satisfies Record<string, IdentitySpec>;

export type StubIdentityName = IdentityName | keyof typeof STUB_IDENTITY_SPECS;

const ALL_IDENTITY_SPECS: Record<StubIdentityName, IdentitySpec> = { ...IDENTITY_SPECS, ...STUB_IDENTITY_SPECS };

export interface TestIdentity {
    mspId: string;
    /** The client certificate, PEM. */
    certificate: string;
}

/** The cache folder; bump the version when the specs change. */
const FIXTURE_DIR = join(tmpdir(), 'sealpact-chaincode-fixtures-v2');

let identities: Record<StubIdentityName, TestIdentity> | undefined;

/** All test identities (generated on first use, then read from the cache). */
export function testIdentities(): Record<StubIdentityName, TestIdentity> {
    identities ??= Object.fromEntries(
        Object.entries(ALL_IDENTITY_SPECS).map(([name, spec]) => [
            name,
            {
                mspId: ORGS[spec.org].mspId,
                certificate: readFileSync(join(cachedDir('identities', generateIdentities), `${name}.pem`), 'utf8'),
            },
        ]),
    ) as Record<StubIdentityName, TestIdentity>;
    return identities;
}

/** A folder generated once: built in a fresh temporary folder, then renamed into place atomically. */
function cachedDir(name: string, generate: (dir: string) => void): string {
    const target = join(FIXTURE_DIR, name);
    if (!existsSync(target)) {
        mkdirSync(FIXTURE_DIR, { recursive: true });
        const work = mkdtempSync(join(FIXTURE_DIR, `.${name}-`));
        generate(work);
        try {
            renameSync(work, target);
        } catch {
            rmSync(work, { recursive: true, force: true }); // another process won the race
        }
    }
    return target;
}

function openssl(cwd: string, ...args: string[]): void {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function generateIdentities(dir: string): void {
    for (const [org, { domain }] of Object.entries(ORGS)) {
        openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `ca-${org}.key`);
        openssl(
            dir,
            'req',
            '-x509',
            '-new',
            '-key',
            `ca-${org}.key`,
            '-days',
            '3650',
            '-out',
            `ca-${org}.pem`,
            '-subj',
            `/C=US/O=${domain}/CN=ca.${domain}`,
        );
    }
    for (const [name, spec] of Object.entries(ALL_IDENTITY_SPECS)) {
        const { domain } = ORGS[spec.org];
        const ous = spec.ous.map((ou) => `/OU=${ou}`).join('');
        openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
        openssl(
            dir,
            'req',
            '-new',
            '-key',
            `${name}.key`,
            '-out',
            `${name}.csr`,
            '-subj',
            `/C=US/O=${domain}${ous}/CN=${spec.user}@${domain}`,
        );
        openssl(
            dir,
            'x509',
            '-req',
            '-in',
            `${name}.csr`,
            '-CA',
            `ca-${spec.org}.pem`,
            '-CAkey',
            `ca-${spec.org}.key`,
            '-CAcreateserial',
            '-days',
            '3650',
            '-out',
            `${name}.pem`,
        );
    }
}

/** Named key pairs: `<name>` is any label (e.g. "alice-enc"); generated on first use per process run. */
const KEY_LABELS = ['alice', 'alice-sign', 'bob', 'bob-sign', 'carol', 'dave', 'spare'] as const;
export type KeyLabel = (typeof KEY_LABELS)[number];

let keyPairs: Record<string, KeyObject> | undefined;

/** A cached private key (SM2 or RSA-2048) for a label. */
export function testKey(label: KeyLabel, algorithm: KeyAlgorithm): KeyObject {
    keyPairs ??= {};
    const name = `${label}-${algorithm}`;
    keyPairs[name] ??= createPrivateKey(readFileSync(join(cachedDir('keys', generateKeys), `${name}.pem`), 'utf8'));
    return keyPairs[name];
}

function generateKeys(dir: string): void {
    for (const label of KEY_LABELS) {
        const pairs = {
            sm2: generateKeyPairSync('ec', { namedCurve: 'SM2' }),
            rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
        };
        for (const [algorithm, { privateKey }] of Object.entries(pairs)) {
            writeFileSync(join(dir, `${label}-${algorithm}.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
        }
    }
}

/** The SPKI PEM of a private key. */
export function publicPem(key: KeyObject): string {
    return createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
}

/** Sign as Sealpact verifies: SM2-SM3 with the default user id (DER r,s) or RSA-PSS SHA-256 salt 32. */
export function signWith(key: KeyObject, message: string | Buffer): Buffer {
    const bytes = Buffer.from(message);
    if (key.asymmetricKeyType === 'rsa') {
        return sign('sha256', bytes, {
            key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: RSA_PSS_SALT_LENGTH,
        });
    }
    // PKCS#8 wraps the SEC1 ECPrivateKey: ... 02 01 01 04 20 <32-byte private scalar> ...
    const der = key.export({ type: 'pkcs8', format: 'der' });
    const at = der.indexOf(Buffer.from('0201010420', 'hex')) + 5;
    const scalar = der.subarray(at, at + 32).toString('hex');
    return Buffer.from(sm2.doSignature(bytes, scalar, { der: true, hash: true, userId: SM2_DEFAULT_USER_ID }), 'hex');
}
