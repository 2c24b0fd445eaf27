import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerConnection } from '../client/src/sdk/ledger';
import { registerKeys } from '../chaincode/src/test-support/scenarios';
import { Ledger } from '../chaincode/src/test-support/ledger';
import { evaluateJson } from '../chaincode/src/test-support/answers';
import { FabricLedger, memberOrgs, profile, readTopology, ROOT, runId } from './support/fabric';

/**
 * Identities from each organisation's Fabric CA (network/scripts/ca.mjs, identity.mjs): every
 * certificate network:up or network:add-org enrolled carries its NodeOU and comes from the right
 * CA, and a user added with `network:identity -- register` / `enroll` transacts until `revoke` puts
 * it on the CRL in its organisation's channel MSP, after which the peers refuse it and everyone
 * else carries on.
 */

jest.setTimeout(180000);

const topology = readTopology();
const CRYPTO = join(ROOT, 'network', '.data', 'crypto');
const org2 = topology.orgs.find((org) => org.name === 'Org2');

function certificate(file: string): X509Certificate {
    return new X509Certificate(readFileSync(file));
}

/** The OUs of a certificate's subject, multi-valued RDNs ("OU=sales + OU=client") included. */
function ousOf(cert: X509Certificate): string[] {
    return cert.subject
        .split('\n')
        .flatMap((rdn) => rdn.split(' + '))
        .filter((part) => part.startsWith('OU='))
        .map((part) => part.slice(3))
        .sort();
}

function identityScript(...args: string[]): string {
    return execFileSync(process.execPath, [join(ROOT, 'network', 'scripts', 'identity.mjs'), ...args], {
        encoding: 'utf8',
        timeout: 120000,
        stdio: ['ignore', 'pipe', 'pipe'], // a refusal's one line goes into the error, not the test output
    });
}

describe('certificates from the organisations’ CAs', () => {
    interface Expected {
        domain: string;
        kind: 'nodes' | 'users';
        name: string;
        cn: string;
        ous: string[];
        tls: 'server' | 'client';
    }
    const expected: Expected[] = [
        ...topology.ordererOrg.orderers.map((node) => ({
            domain: topology.ordererOrg.domain,
            kind: 'nodes' as const,
            name: node.name,
            cn: node.name,
            ous: ['orderer'],
            tls: 'server' as const,
        })),
        ...[topology.ordererOrg, ...memberOrgs(topology)].map((org) => ({
            domain: org.domain,
            kind: 'users' as const,
            name: org.admin,
            cn: org.admin,
            ous: ['admin'],
            tls: 'client' as const,
        })),
        ...memberOrgs(topology).flatMap((org) => [
            {
                domain: org.domain,
                kind: 'nodes' as const,
                name: org.peer.name,
                cn: org.peer.name,
                ous: ['peer'],
                tls: 'server' as const,
            },
            ...org.users.map((user) => ({
                domain: org.domain,
                kind: 'users' as const,
                name: user.name,
                cn: user.cn ?? user.name,
                ous: ['client', ...(user.extraOUs ?? [])].sort(),
                tls: 'client' as const,
            })),
        ]),
    ];

    it.each(expected.map((entry) => [entry.name, entry]))(
        '%s: its NodeOU and CN, from its identity CA; its TLS certificate from its TLS CA',
        (_name, entry) => {
            const dir = join(CRYPTO, entry.domain, entry.kind, entry.name);
            const ca = certificate(join(CRYPTO, entry.domain, 'ca', 'ca.pem'));
            const tlsCa = certificate(join(CRYPTO, entry.domain, 'tlsca', 'tlsca.pem'));
            const signing = certificate(join(dir, 'msp', 'signcerts', 'cert.pem'));
            expect(ousOf(signing)).toEqual(entry.ous);
            expect(signing.subject.split('\n')).toContain(`CN=${entry.cn}`);
            expect(signing.checkIssued(ca) && signing.verify(ca.publicKey)).toBe(true);
            const tls = certificate(join(dir, 'tls', `${entry.tls}.crt`));
            expect(tls.checkIssued(tlsCa) && tls.verify(tlsCa.publicKey)).toBe(true);
            expect(signing.checkIssued(tlsCa)).toBe(false);
        },
    );
});

describe('network:identity register, enroll and revoke', () => {
    if (!org2) throw new Error('topology.json has no Org2');
    const name = `erin-${runId()}@${org2.domain}`;
    let ledger: FabricLedger;
    let erin: LedgerConnection;

    beforeAll(() => {
        ledger = new FabricLedger();
    });

    afterAll(() => {
        (erin as LedgerConnection | undefined)?.close();
        (ledger as FabricLedger | undefined)?.close();
    });

    /** The chaincode scenarios' Ledger as erin, whoever a scenario names ('alice' below stands for her). */
    const asErin = (): Ledger => ({
        channel: ledger.channel,
        chaincode: ledger.chaincode,
        submit: (_who, transaction, ...args) => erin.submit(transaction, ...args),
        evaluate: (_who, transaction, ...args) => erin.evaluate(transaction, ...args),
    });

    it('registers and enrolls a new user of Org2, who transacts with the MSP folder it writes', async () => {
        expect(identityScript('register', '--org', 'Org2', '--name', name)).toMatch(/registered .* \(client\)/);
        expect(identityScript('enroll', '--org', 'Org2', '--name', name)).toContain(`--identity msp:Org2MSP:`);
        const msp = join(CRYPTO, org2.domain, 'users', name, 'msp');
        expect(ousOf(certificate(join(msp, 'signcerts', 'cert.pem')))).toEqual(['client']);
        expect(() => identityScript('register', '--org', 'Org2', '--name', name)).toThrow(
            `fabric-ca-client register at ca.org2.example.com failed: Response from server: Error Code: 74 - Identity '${name}' is already registered`,
        );
        // The one-time secrets are spent and gone.
        expect(existsSync(join(ROOT, 'network', '.data', 'ca', org2.domain, 'secrets', `${name}.json`))).toBe(false);

        erin = new LedgerConnection(profile(), { mspId: 'Org2MSP', mspDir: msp });
        const me = await evaluateJson(asErin(), 'alice', 'WhoAmI');
        expect(me).toMatchObject({ mspId: 'Org2MSP', commonName: name, registered: false });
        const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
        const party = await registerKeys(asErin(), 'alice', { encryption: rsa, signing: rsa });
        expect(party.partyId).toBe(`Org2MSP/${name}`);
    });

    it('revokes the user: the CRL goes into Org2MSP in the channel, the peers refuse it, others carry on', async () => {
        expect(identityScript('revoke', '--org', 'Org2', '--name', name, '--reason', 'keycompromise')).toMatch(
            /is revoked: config block \d+ carries Org2MSP's new revocation list/,
        );
        // The peer's log says why: "could not validate identity against certification chain: The
        // certificate has been revoked"; the gateway only says access denied.
        const denied = 'error validating proposal: access denied: channel [contracts] creator org [Org2MSP]';
        await expect(erin.evaluate('WhoAmI')).rejects.toThrow(
            `LEDGER_ERROR: WhoAmI failed at the evaluate stage: 9 FAILED_PRECONDITION: evaluate call to endorser returned error: ${denied} (Org2MSP@${profile().orgs.Org2MSP?.peer.endpoint}: ${denied})`,
        );
        await expect(erin.submit('RevokeKeys')).rejects.toThrow(
            /^LEDGER_ERROR: RevokeKeys failed at the endorse stage: .*access denied: channel \[contracts\] creator org \[Org2MSP\]/,
        );
        await expect(ledger.evaluate('bob', 'WhoAmI')).resolves.toContain('"commonName":"bob@org2.example.com"');
    });
});
