import { checkpointers, ChaincodeEvent } from '@hyperledger/fabric-gateway';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as plainConnect, Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, ConnectionOptions, TLSSocket } from 'node:tls';
import { AccessEvent, CredentialInput, FileRecord } from '@sealpact/protocol';
import { defined } from '../protocol/src/test-support/defined';
import {
    GOVERNANCE,
    PARTY,
    credentialFor,
    registerKeys,
    shareArgs,
    shareFile,
    signatureArgs,
    standardParties,
    verifyParty,
} from '../chaincode/src/test-support/scenarios';
import {
    chaincodeServer,
    FabricLedger,
    hostOf,
    memberMspIds,
    profile,
    readTopology,
    ROOT,
    runId,
} from './support/fabric';
import { evaluateJson } from '../chaincode/src/test-support/answers';

/**
 * Sealpact's chaincode on the real Fabric network (network/, started by global-setup.js): every
 * transaction through the Fabric Gateway with the network's own identities, access control
 * enforced by the peers of every organisation, chaincode events, key history, and the stock
 * `peer chaincode query` an auditor uses. The ledger outlives test runs, so ids are unique per run
 * and assertions only look at this run's records.
 */

jest.setTimeout(120000);

const run = runId();
let ledger: FabricLedger;
let keys: Awaited<ReturnType<typeof standardParties>>;
const cred = (fileId: string, name: 'alice' | 'bob' | 'carol'): CredentialInput =>
    credentialFor(PARTY[name], keys[name].encryption, fileId);
const creds = (fileId: string, ...who: ('alice' | 'bob' | 'carol')[]): CredentialInput[] =>
    who.map((name) => cred(fileId, name));

beforeAll(async () => {
    ledger = new FabricLedger();
    // Governance (as Org1's admin; network:up already set the same lists), keys for alice, bob and
    // carol, bob verified by verifier@authority — the chaincode unit tests' starting point.
    keys = await standardParties(ledger);
});

afterAll(() => {
    (ledger as FabricLedger | undefined)?.close(); // undefined when beforeAll failed
});

/** Reads chaincode events from `network` until `match` accepts one (or times out). */
async function nextEvent(
    events: AsyncIterable<ChaincodeEvent> & { close(): void },
    match: (event: ChaincodeEvent) => boolean,
    timeoutMs = 30000,
): Promise<ChaincodeEvent> {
    const timer = setTimeout(() => events.close(), timeoutMs);
    try {
        for await (const event of events) {
            if (match(event)) return event;
        }
        throw new Error(`no matching chaincode event within ${timeoutMs / 1000}s`);
    } finally {
        clearTimeout(timer);
    }
}

describe('the network', () => {
    it('is the one the connection profile describes', () => {
        const connection = profile();
        expect(Object.keys(connection.orgs).sort()).toEqual(memberMspIds());
        expect(connection.channel).toBe('contracts');
        expect(connection.chaincode).toBe('sealpact');
    });

    it('holds the governance set at deployment', async () => {
        const governance = await evaluateJson(ledger, 'auditor', 'GetGovernance');
        expect(governance).toMatchObject(GOVERNANCE);
    });

    it('reads the party from the real client certificate', async () => {
        const me = await evaluateJson(ledger, 'bob', 'WhoAmI');
        expect(me).toMatchObject({ partyId: PARTY.bob, channel: 'contracts', chaincode: 'sealpact' });
        expect((await evaluateJson(ledger, 'org2Admin', 'WhoAmI')).isAdmin).toBe(true);
        await expect(ledger.evaluate('bobTwin', 'WhoAmI')).rejects.toThrow(/^IDENTITY_CONFLICT/);
    });
});

describe('transactions on the real network', () => {
    let file: FileRecord;

    it('ShareFile, GetFile, GetCredential, ListInbox, ListSent', async () => {
        file = await shareFile(ledger, 'alice', `${run}-f1`, creds(`${run}-f1`, 'alice', 'bob'));
        expect(file).toMatchObject({ fileId: `${run}-f1`, owner: PARTY.alice, recipients: [PARTY.bob] });
        for (const who of ['alice', 'bob', 'auditor'] as const) {
            expect((await evaluateJson(ledger, who, 'GetFile', file.fileId)).owner).toBe(PARTY.alice);
        }
        const credential = await evaluateJson(ledger, 'bob', 'GetCredential', file.fileId);
        expect(credential).toMatchObject({ ...cred(file.fileId, 'bob'), status: 'active' });
        expect((await evaluateJson(ledger, 'alice', 'GetCredential', file.fileId)).partyId).toBe(PARTY.alice);

        const all = async (who: 'alice' | 'bob', transaction: 'ListInbox' | 'ListSent') => {
            const ids: string[] = [];
            let bookmark = '';
            do {
                const page = await evaluateJson(ledger, who, transaction, '50', bookmark);
                ids.push(...page.items.map((item) => item.fileId));
                bookmark = page.bookmark;
            } while (bookmark !== '');
            return ids;
        };
        expect(await all('bob', 'ListInbox')).toContain(file.fileId);
        expect(await all('alice', 'ListSent')).toContain(file.fileId);
        // Past the last entry of bob's inbox the peer finds nothing and fabric-shim gives no
        // pagination metadata: still an empty last page, not a chaincode failure.
        const beyond = Buffer.from(`\u0000inbox\u0000${PARTY.bob}\u0000\u{10FFFF}`, 'utf8').toString('base64url');
        expect(await evaluateJson(ledger, 'bob', 'ListInbox', '10', beyond)).toEqual({ items: [], bookmark: '' });
    });

    it('SignContract and GetSignatures', async () => {
        const bob = signatureArgs(file, PARTY.bob, keys.bob.signing);
        await ledger.submit('bob', 'SignContract', file.fileId, bob.statement, bob.signature);
        const signatures = await evaluateJson(ledger, 'alice', 'GetSignatures', file.fileId);
        expect(signatures).toHaveLength(1);
        expect(signatures[0]).toMatchObject({ statement: bob.statement, algorithm: 'sm2' });
    });

    it('GrantAccess and RevokeAccess by the owner; RevokeVerification and RevokeKeys', async () => {
        // dave: registered, verified, granted, then his access, verification and keys revoked. A
        // revoked key can never be registered again, so dave gets a fresh RSA key on every run.
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const dave = { encryption: privateKey, signing: privateKey };
        await registerKeys(ledger, 'dave', dave);
        await verifyParty(ledger, PARTY.dave);
        const grant = [credentialFor(PARTY.dave, dave.encryption, file.fileId)];
        await expect(ledger.submit('bob', 'GrantAccess', file.fileId, JSON.stringify(grant))).rejects.toThrow(
            /^ACCESS_DENIED/,
        );
        await ledger.submit('alice', 'GrantAccess', file.fileId, JSON.stringify(grant));
        expect((await evaluateJson(ledger, 'dave', 'GetCredential', file.fileId)).status).toBe('active');
        const revoked = await ledger.submit('alice', 'RevokeAccess', file.fileId, PARTY.dave);
        expect(JSON.parse(revoked.payload)).toMatchObject({ status: 'revoked', revokedTxId: revoked.txId });
        await expect(ledger.evaluate('dave', 'GetCredential', file.fileId)).rejects.toThrow(/^ACCESS_DENIED/);

        await ledger.submit('verifier', 'RevokeVerification', PARTY.dave);
        expect((await evaluateJson(ledger, 'alice', 'GetParty', PARTY.dave)).verified).toBe(false);
        await ledger.submit('dave', 'RevokeKeys');
        expect((await evaluateJson(ledger, 'dave', 'GetParty', PARTY.dave)).keys).toEqual([]);
        const keys = (await evaluateJson(ledger, 'dave', 'ListKeys', PARTY.dave, '100', '')).items;
        expect(keys.every((key: { status: string }) => key.status !== 'active')).toBe(true);
    });
});

describe('access control enforced by the peers', () => {
    it('only an identity-authority member records a verification', async () => {
        await expect(ledger.submit('alice', 'RecordVerification', PARTY.bob, 'a'.repeat(64), 'L2', '')).rejects.toThrow(
            /^WRONG_ORG/,
        );
        await expect(
            ledger.submit('auditor', 'RecordVerification', PARTY.bob, 'a'.repeat(64), 'L2', ''),
        ).rejects.toThrow(/^WRONG_ORG/);
        await verifyParty(ledger, PARTY.bob); // verifier@authority.example.com
        expect((await evaluateJson(ledger, 'alice', 'GetParty', PARTY.bob)).verified).toBe(true);
    });

    it('refuses a share to an unverified party (carol, her verification revoked if another run made one)', async () => {
        const fileId = `${run}-to-carol`;
        // The ledger outlives runs, and the demo and other suites verify carol: revoke that first.
        if ((await evaluateJson(ledger, 'alice', 'GetParty', PARTY.carol)).verified) {
            await ledger.submit('verifier', 'RevokeVerification', PARTY.carol);
        }
        await expect(
            ledger.submit('alice', 'ShareFile', ...shareArgs(fileId, creds(fileId, 'alice', 'carol'))),
        ).rejects.toThrow(/^NOT_VERIFIED/);
    });

    it("keeps one party from reading another's credential or file", async () => {
        const fileId = `${run}-private`;
        await shareFile(ledger, 'alice', fileId, creds(fileId, 'alice', 'bob'));
        await expect(ledger.evaluate('carol', 'GetCredential', fileId)).rejects.toThrow(/^ACCESS_DENIED/);
        await expect(ledger.evaluate('carol', 'GetFile', fileId)).rejects.toThrow(/^ACCESS_DENIED/);
        await expect(ledger.evaluate('auditor', 'GetCredential', fileId)).rejects.toThrow(/^UNKNOWN_PARTY/);
        await expect(ledger.evaluate('alice', 'GetHistory', 'file', fileId, '', '10', '')).rejects.toThrow(
            /^WRONG_ORG/,
        );
    });

    it('lets only a governing admin change the governance', async () => {
        await expect(ledger.submit('org2Admin', 'SetGovernance', JSON.stringify(GOVERNANCE))).rejects.toThrow(
            /^ACCESS_DENIED/,
        );
        await expect(ledger.submit('alice', 'SetGovernance', JSON.stringify(GOVERNANCE))).rejects.toThrow(
            /^ACCESS_DENIED/,
        );
    });

    it('needs a majority of organisations to endorse: one org alone is not enough', () => {
        // The stock peer CLI with a single endorsing peer: the transaction is ordered but
        // invalidated at commit by every peer because the policy wants a MAJORITY of the orgs.
        const bin = join(ROOT, 'network', '.bin', 'peer');
        const connection = profile();
        const org1 = defined(connection.orgs.Org1MSP, 'Org1MSP in the connection profile');
        const alice = defined(org1.identities['alice@org1.example.com'], "alice's identity in the connection profile");
        const data = join(ROOT, 'network', '.data');
        const env = {
            ...process.env,
            FABRIC_CFG_PATH: readFileSync(join(data, 'sampleconfig.path'), 'utf8').trim(),
            FABRIC_LOGGING_SPEC: 'warn',
            CORE_PEER_LOCALMSPID: 'Org1MSP',
            CORE_PEER_MSPCONFIGPATH: alice.msp,
            CORE_PEER_ADDRESS: org1.peer.endpoint,
            CORE_PEER_TLS_ENABLED: 'true',
            CORE_PEER_TLS_ROOTCERT_FILE: org1.peer.tlsCACert,
        };
        const { orderers } = JSON.parse(readFileSync(join(data, 'connection.json'), 'utf8')) as {
            orderers: { endpoint: string; tlsCACert: string }[];
        };
        const orderer = defined(orderers[0], 'an orderer in connection.json');
        const fileId = `${run}-one-org`;
        let output = '';
        try {
            execFileSync(
                bin,
                [
                    'chaincode',
                    'invoke',
                    '-o',
                    orderer.endpoint,
                    '--tls',
                    '--cafile',
                    orderer.tlsCACert,
                    '-C',
                    'contracts',
                    '-n',
                    'sealpact',
                    '--peerAddresses',
                    org1.peer.endpoint,
                    '--tlsRootCertFiles',
                    org1.peer.tlsCACert,
                    '-c',
                    JSON.stringify({ function: 'ShareFile', Args: shareArgs(fileId, creds(fileId, 'alice', 'bob')) }),
                    '--waitForEvent',
                ],
                { env, encoding: 'utf8', stdio: 'pipe' },
            );
        } catch (error) {
            output = String((error as { stderr?: string }).stderr);
        }
        expect(output).toMatch(/ENDORSEMENT_POLICY_FAILURE/);
    });
});

describe('chaincode events', () => {
    it('reach a listener, and a listener resumes from its checkpoint', async () => {
        const network = ledger.network('bob');
        const checkpointer = checkpointers.inMemory();
        const fileId = `${run}-events`;

        const events = await network.getChaincodeEvents('sealpact', { checkpoint: checkpointer });
        const shared = await ledger.submit('alice', 'ShareFile', ...shareArgs(fileId, creds(fileId, 'alice', 'bob')));
        const event = await nextEvent(events, (e) => e.transactionId === shared.txId);
        events.close();
        expect(event.eventName).toBe('FileShared');
        const payload = JSON.parse(Buffer.from(event.payload).toString('utf8')) as AccessEvent;
        expect(payload).toMatchObject({ fileId, owner: PARTY.alice, txId: shared.txId });
        expect(payload.recipients.map((r) => r.partyId)).toContain(PARTY.bob);
        await checkpointer.checkpointChaincodeEvent(event);

        // While nobody listens, alice revokes bob; a new listener from the checkpoint still gets it.
        const revoked = await ledger.submit('alice', 'RevokeAccess', fileId, PARTY.bob);
        const resumed = await network.getChaincodeEvents('sealpact', { checkpoint: checkpointer });
        const next = await nextEvent(resumed, (e) => e.transactionId === revoked.txId);
        resumed.close();
        expect(next.eventName).toBe('AccessRevoked');
    });
});

describe('audit', () => {
    it('gives the auditor the key history with transaction ids, newest first', async () => {
        const fileId = `${run}-history`;
        const shared = await ledger.submit('alice', 'ShareFile', ...shareArgs(fileId, creds(fileId, 'alice', 'bob')));
        const revoked = await ledger.submit('alice', 'RevokeAccess', fileId, PARTY.bob);
        const history = await evaluateJson(ledger, 'auditor', 'GetHistory', 'file', fileId, '', '1', '');
        expect(history.items.map((h: { txId: string }) => h.txId)).toEqual([revoked.txId]);
        const older = await evaluateJson(ledger, 'auditor', 'GetHistory', 'file', fileId, '', '1', history.bookmark);
        expect(older).toEqual({ items: [expect.objectContaining({ txId: shared.txId })], bookmark: '' });
        const credential = (
            await evaluateJson(ledger, 'auditor', 'GetHistory', 'credential', fileId, PARTY.bob, '10', '')
        ).items;
        expect(credential.map((h) => defined(h.value).status)).toEqual(['revoked', 'active']);
        expect(JSON.stringify(credential)).not.toContain('envelope');
    });

    it('reads a record with the stock peer chaincode query, as docs/operations.md shows', () => {
        const fileId = `${run}-f1`;
        const data = join(ROOT, 'network', '.data');
        const auditorMsp = join(data, 'crypto', 'auditor.example.com', 'users', 'auditor@auditor.example.com', 'msp');
        const auditorOrg = defined(
            readTopology().orgs.find((org) => org.mspId === 'AuditorOrgMSP'),
            'the auditor organisation',
        );
        // The environment docs/operations.md gives, variable for variable (its address: in the multi-host layout, the org's own).
        const env = {
            ...process.env,
            FABRIC_CFG_PATH: readFileSync(join(data, 'sampleconfig.path'), 'utf8').trim(),
            CORE_PEER_LOCALMSPID: 'AuditorOrgMSP',
            CORE_PEER_MSPCONFIGPATH: auditorMsp,
            CORE_PEER_ADDRESS: `${hostOf(auditorOrg)}:10051`,
            CORE_PEER_TLS_ENABLED: 'true',
            CORE_PEER_TLS_ROOTCERT_FILE: join(data, 'crypto', 'auditor.example.com', 'tlsca', 'tlsca.pem'),
        };
        const peer = join(ROOT, 'network', '.bin', 'peer');
        const query = (args: string[]) =>
            execFileSync(
                peer,
                ['chaincode', 'query', '-C', 'contracts', '-n', 'sealpact', '-c', JSON.stringify({ Args: args })],
                {
                    env,
                    encoding: 'utf8',
                },
            );
        expect((JSON.parse(query(['GetFile', fileId])) as FileRecord).owner).toBe(PARTY.alice);
        const history = JSON.parse(query(['GetHistory', 'file', fileId, '', '100', ''])) as { items: unknown[] };
        expect(history.items.length).toBeGreaterThanOrEqual(1);
    });
});

/** What one connection to the chaincode server got: the TLS handshake, the first bytes, how it ended. */
interface Dialled {
    handshake?: { authorized: boolean; alpn: string | false | null; protocol: string | null };
    received: Buffer;
    error?: string;
}

/** HTTP/2's client connection preface and an empty SETTINGS frame, as a gRPC client (the peer) opens. */
const HTTP2_PREFACE = Buffer.concat([
    Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
    Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
]);

/** Open a connection, send the HTTP/2 preface, and wait for a first frame header (9 bytes) or the end. */
function dial(open: () => Socket | TLSSocket): Promise<Dialled> {
    return new Promise((resolve) => {
        const result: Dialled = { received: Buffer.alloc(0) };
        const socket = open();
        const finish = () => {
            clearTimeout(timer);
            socket.destroy();
            resolve(result);
        };
        const timer = setTimeout(finish, 10_000);
        socket.on(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
            if (socket instanceof TLSSocket) {
                const protocol = socket.getProtocol();
                result.handshake = { authorized: socket.authorized, alpn: socket.alpnProtocol, protocol };
            }
            socket.write(HTTP2_PREFACE);
        });
        socket.on('data', (data: Buffer) => {
            result.received = Buffer.concat([result.received, data]);
            if (result.received.length >= 9) finish();
        });
        socket.on('error', (err: NodeJS.ErrnoException) => (result.error = err.code));
        socket.on('close', finish);
    });
}

describe("each organisation's chaincode server (chaincode-as-a-service, TLS with client authentication)", () => {
    const topology = readTopology();
    const crypto = join(ROOT, 'network', '.data', 'crypto');
    const tlsFiles = (domain: string, node: string) => {
        const dir = join(crypto, domain, 'nodes', node, 'tls');
        return { cert: readFileSync(join(dir, 'server.crt')), key: readFileSync(join(dir, 'server.key')) };
    };
    /** As its org's peer dials it: the org's TLS CA as the root, the server's name, gRPC's ALPN. */
    const servers = topology.orgs.map((org) => {
        const { name, port } = chaincodeServer(org, topology.chaincode);
        const host = hostOf(org);
        const tls: ConnectionOptions = {
            host,
            port,
            servername: name,
            ca: readFileSync(join(crypto, org.domain, 'tlsca', 'tlsca.pem')),
            ALPNProtocols: ['h2'],
        };
        return { org, name, host, port, tls };
    });

    it.each(servers)('$name refuses a plaintext connection', async ({ host, port }) => {
        const plain = await dial(() => plainConnect(port, host));
        expect(plain.handshake).toBeUndefined();
        expect(plain.received).toHaveLength(0); // closed without a byte: no HTTP/2 without TLS
    });

    it.each(servers)(
        "$name refuses a TLS client without a certificate, or with one from another organisation's TLS CA",
        async ({ org, tls }) => {
            const anonymous = await dial(() => tlsConnect(tls));
            // TLS 1.3: the client's side of the handshake completes, then the server's alert ends it.
            expect(anonymous.handshake).toMatchObject({ authorized: true, protocol: 'TLSv1.3' });
            expect(anonymous.error).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
            expect(anonymous.received).toHaveLength(0);

            // Neither the orderer organisation's TLS CA nor another application organisation's.
            const orderer = defined(topology.ordererOrg.orderers[0], 'an orderer').name;
            const other = defined(
                topology.orgs.find((candidate) => candidate !== org),
                'another organisation',
            );
            for (const [domain, node] of [
                [topology.ordererOrg.domain, orderer],
                [other.domain, other.peer.name],
            ] as const) {
                const stranger = await dial(() => tlsConnect({ ...tls, ...tlsFiles(domain, node) }));
                expect([node, stranger.handshake?.authorized, stranger.received.length]).toEqual([node, true, 0]);
            }
        },
    );

    it.each(servers)(
        "$name accepts its own organisation's peer's TLS certificate and answers HTTP/2 (gRPC) with a SETTINGS frame",
        async ({ org, tls }) => {
            const peer = await dial(() => tlsConnect({ ...tls, ...tlsFiles(org.domain, org.peer.name) }));
            expect(peer.handshake).toEqual({ authorized: true, alpn: 'h2', protocol: 'TLSv1.3' });
            expect(peer.error).toBeUndefined();
            // A frame header: 24-bit length, type 0x4 (SETTINGS), flags, stream 0.
            expect(peer.received[3]).toBe(0x04);
            expect(peer.received.readUInt32BE(5)).toBe(0);
        },
    );
});
