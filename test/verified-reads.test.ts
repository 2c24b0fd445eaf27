import { common, gateway, peer } from '@hyperledger/fabric-protos';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialRecord, FileRecord, PartyView, SignatureRecord } from '@sealpact/protocol';
import { generateKeyPair } from '../client/src/crypto/keys';
import { checkedKey } from '../client/src/sdk/check-recipients';
import { connect } from '../client/src/sdk/connect';
import { LedgerConnection } from '../client/src/sdk/ledger';
import { Sealpact } from '../client/src/sdk/sealpact';
import { expectRejection } from '../protocol/src/test-support/expect-error';
import { defined } from '../protocol/src/test-support/defined';
import { majorityOfMembers, memberMspIds, profile, runId } from './support/fabric';
import { GatewayProxy, peerIdentity } from './support/gateway-proxy';
import { Parties, PASSPHRASE } from './support/parties';
import {
    dropEndorsements,
    JsonEdit,
    resignEndorsementsAs,
    rewriteEvaluateResultJson,
    rewriteResultJson,
    transactionFunction,
} from './support/tamper';

/**
 * Verified reads (issue 10 section 2) against a real tampering hop: alice's SDK talks to the
 * network only through a gRPC proxy that is Org1's own gateway peer (its TLS key, its endorsement
 * key), the model of a malicious or compromised peer of her own organisation. Passing through, the
 * reads verify; rewriting, re-signing, dropping or replaying an endorsed answer, each read that
 * decides where a secret goes or what alice trusts is refused with UNVERIFIED_READ before anything
 * is sealed, uploaded, endorsed or written.
 */

jest.setTimeout(60_000);

const ALICE = 'Org1MSP/alice@org1.example.com';
const parties = new Parties();
const run = runId();
/** The key a malicious peer wants the file password sealed to. */
const mallory = generateKeyPair('sm2').publicKey;
const outDir = join(parties.dir, 'received');
let proxy: GatewayProxy;
/** alice through the proxy. */
let alice: Sealpact;
/** alice straight to the real peer: the ledger as it is. */
let direct: LedgerConnection;
let aliceId: string;
let bobId: string;
/** Files bob shared with alice: the one she receives and a decoy whose records a forger can borrow. */
let contract: { fileId: string; path: string };
let decoy: { file: FileRecord; credential: CredentialRecord };

/** A party's record with mallory's key as its active encryption key, consistent enough to pass the SDK's own checks. */
function swapEncryptionKey(party: PartyView): PartyView {
    return {
        ...party,
        encryptionKey: mallory.fingerprint,
        keys: party.keys.map((key) =>
            key.fingerprint === party.encryptionKey
                ? { ...key, publicKeyPem: mallory.pem, fingerprint: mallory.fingerprint }
                : key,
        ),
    };
}

/**
 * From now on the proxy answers the endorsement of `name(arg)` with `edit` of the real answer;
 * every other call passes. Returns the functions endorsed through the proxy, in order.
 */
function tamper(
    name: string,
    arg: string,
    edit: (response: gateway.EndorseResponse, request: gateway.EndorseRequest) => gateway.EndorseResponse,
): string[] {
    const endorsed: string[] = [];
    proxy.onEndorse((request, response) => {
        const called = transactionFunction(request);
        endorsed.push(called.name);
        return called.name === name && called.args[0] === arg ? edit(response, request) : response;
    });
    return endorsed;
}

/** tamper() with an edit of the JSON result, the endorsements left as they were. */
function rewrite(name: string, arg: string, edit: JsonEdit): string[] {
    return tamper(name, arg, (response) => rewriteResultJson(response, edit));
}

/** The refusal of an endorsed result edited after the endorsers signed it: the first signature fails. */
function badSignature(name: string): RegExp {
    return new RegExp(
        `^UNVERIFIED_READ: ${name}: BAD_ENDORSEMENT: transaction [0-9a-f]{64}, endorsement \\d+ by \\w+MSP CN=peer0\\.\\S+: the signature does not verify$`,
    );
}

/** The refusal of an endorsed result from Org1 alone: valid, but one organisation of four (or five). */
const ORG1_ONLY = new RegExp(
    '^UNVERIFIED_READ: GetParty: POLICY_NOT_SATISFIED: transaction [0-9a-f]{64} is endorsed by Org1MSP; ' +
        `the policy needs ${majorityOfMembers().replace(/[()]/g, '\\$&')} of the Endorsement policies of ${memberMspIds().join(', ')}$`,
);

/** A connection that believes its gateway peer alone, as the SDK did before verified reads. */
class BelievingOnePeer extends LedgerConnection {
    override read<T>(transaction: string, ...args: string[]): Promise<T> {
        return this.query<T>(transaction, ...args);
    }
}

/** Every file under `dir` (blobs and half-written temporaries alike), sorted. */
function filesUnder(dir: string): string[] {
    return existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort() : [];
}

/** What a send leaves behind: the store's files and alice's upload journal. */
async function leftovers(): Promise<{ store: string[]; uploads: unknown }> {
    return { store: filesUnder(parties.storeDir), uploads: await defined(alice.uploads).pending() };
}

/**
 * A replay dressed as the answer to `request`: the captured endorsed response, its envelope and
 * action headers and proposal payload taken from the proposal being answered, so that only the
 * proposal hash the endorsers signed still names the proposal they really answered.
 */
function relabel(captured: gateway.EndorseResponse, request: gateway.EndorseRequest): gateway.EndorseResponse {
    const proposal = peer.Proposal.deserializeBinary(
        defined(request.getProposedTransaction(), 'the signed proposal').getProposalBytes_asU8(),
    );
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    const payload = common.Payload.deserializeBinary(
        defined(captured.getPreparedTransaction(), 'the captured envelope').getPayload_asU8(),
    );
    const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const action = defined(transaction.getActionsList()[0], 'the captured action');
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    actionPayload.setChaincodeProposalPayload(proposal.getPayload_asU8());
    action.setHeader(header.getSignatureHeader_asU8());
    action.setPayload(actionPayload.serializeBinary());
    payload.setHeader(header);
    payload.setData(transaction.serializeBinary());
    const envelope = new common.Envelope();
    envelope.setPayload(payload.serializeBinary());
    const response = new gateway.EndorseResponse();
    response.setPreparedTransaction(envelope);
    return response;
}

function writeContract(name: string): string {
    const path = join(parties.dir, name);
    writeFileSync(
        path,
        `${name}: the Supplier shall deliver the Goods on the Delivery Date (run ${run}).\n`.repeat(200),
    );
    return path;
}

beforeAll(async () => {
    proxy = await GatewayProxy.start(profile(), 'Org1MSP');
    alice = await connect({
        profile: proxy.profileFor(profile()),
        identity: ALICE,
        store: `fs://${parties.storeDir}`,
        keyring: { dir: join(parties.dir, 'keyrings', 'alice-via-proxy'), passphrase: PASSPHRASE },
    });
    direct = new LedgerConnection(profile(), ALICE);
    mkdirSync(outDir);
    const [bob, verifier] = await Promise.all([parties.as('bob'), parties.as('verifier')]);
    await Promise.all([alice.registerKeys(generateKeyPair('sm2')), bob.registerKeys(generateKeyPair('sm2'))]);
    [aliceId, bobId] = await Promise.all([
        alice.whoAmI().then((me) => me.partyId),
        bob.whoAmI().then((me) => me.partyId),
    ]);
    await Promise.all(
        [aliceId, bobId].map((id, i) => verifier.recordVerification(id, { serial: `hmac-${run}-${i}`, level: 'high' })),
    );
    contract = { fileId: `${run}-contract`, path: writeContract('contract.txt') };
    const [, decoySent] = await Promise.all([
        bob.send(contract.path, { to: [aliceId], suite: 'gm', fileId: contract.fileId }),
        bob.send(writeContract('decoy.txt'), { to: [aliceId], suite: 'gm', fileId: `${run}-decoy` }),
    ]);
    decoy = {
        file: await direct.query<FileRecord>('GetFile', decoySent.fileId),
        credential: await direct.query<CredentialRecord>('GetCredential', decoySent.fileId),
    };
});

afterEach(() => {
    // Either is undefined when beforeAll failed before making it.
    (proxy as GatewayProxy | undefined)?.onEndorse(undefined);
    (proxy as GatewayProxy | undefined)?.onEvaluate(undefined);
    jest.restoreAllMocks();
});

afterAll(() => {
    (proxy as GatewayProxy | undefined)?.close();
    (alice as Sealpact | undefined)?.close();
    (direct as LedgerConnection | undefined)?.close();
    parties.close();
});

describe('through an honest hop', () => {
    it('reads verify: getParty is the real record, send and receive work', async () => {
        expect(alice.ledger.endpoint).toBe(proxy.endpoint);
        const endorsements = proxy.calls('Endorse');
        expect(await alice.getParty(bobId)).toEqual(await direct.query<PartyView>('GetParty', bobId));
        expect(proxy.calls('Endorse')).toBeGreaterThan(endorsements); // endorsed, not evaluated
        const sent = await alice.send(writeContract('to-bob.txt'), { to: [bobId], suite: 'gm' });
        expect(sent.alreadySent).toBe(false);
        const out = join(outDir, 'honest.txt');
        await alice.receive(contract.fileId, out);
        expect(readFileSync(out).equals(readFileSync(contract.path))).toBe(true);
        expect(await alice.signatures(contract.fileId)).toEqual([]);
    });
});

describe('send refuses a recipient key it cannot verify, before any secret exists', () => {
    const org1Peer = () => peerIdentity(profile(), 'Org1MSP');
    it.each([
        [
            "bob's key swapped for mallory's, the endorsers' signatures left as they were",
            (response: gateway.EndorseResponse) => rewriteResultJson(response, swapEncryptionKey),
            badSignature('GetParty'),
        ],
        [
            "the same swap re-signed with Org1's own peer key",
            (response: gateway.EndorseResponse) =>
                resignEndorsementsAs(rewriteResultJson(response, swapEncryptionKey), org1Peer()),
            ORG1_ONLY,
        ],
    ])('%s', async (_, edit, message) => {
        const before = await leftovers();
        const submits = proxy.calls('Submit');
        const put = jest.spyOn(alice.store, 'put');
        const endorsed = tamper('GetParty', bobId, edit);
        await expectRejection(
            alice.send(writeContract('swapped.txt'), { to: [bobId], suite: 'gm' }),
            'UNVERIFIED_READ',
            message,
        );
        expect(endorsed).toContain('GetParty');
        expect(endorsed).not.toContain('ShareFile');
        expect(proxy.calls('Submit')).toBe(submits);
        expect(put).not.toHaveBeenCalled();
        expect(await leftovers()).toEqual(before);
    });
});

describe("the sender's own key is pinned by its keyring, so one peer's answer is enough", () => {
    it('a gateway showing alice another key as her own gets the send refused before any secret exists', async () => {
        const before = await leftovers();
        const submits = proxy.calls('Submit');
        const put = jest.spyOn(alice.store, 'put');
        const evaluated: string[] = [];
        proxy.onEvaluate((request, response) => {
            const { name, args } = transactionFunction(request);
            evaluated.push(name);
            return name === 'GetParty' && args[0] === aliceId
                ? rewriteEvaluateResultJson(response, swapEncryptionKey)
                : response;
        });
        const pinned = defined(alice.keyring).activeFingerprint('encryption') as string;
        await expectRejection(
            alice.send(writeContract('own-key.txt'), { to: [bobId], suite: 'gm' }),
            'KEY_MISMATCH',
            `KEY_MISMATCH: ${aliceId}'s active encryption key on the ledger is ${mallory.fingerprint}, not the keyring's ${pinned}`,
        );
        expect(evaluated).toContain('GetParty');
        expect(proxy.calls('Submit')).toBe(submits);
        expect(put).not.toHaveBeenCalled();
        expect(await leftovers()).toEqual(before);
    });
});

describe('reads a peer cannot forge', () => {
    it('under-endorsed: only Org1 endorsement kept', async () => {
        tamper('GetParty', bobId, (response) => dropEndorsements(response, (mspId) => mspId === 'Org1MSP'));
        await expectRejection(alice.getParty(bobId), 'UNVERIFIED_READ', ORG1_ONLY);
    });

    it('a replay of genuinely endorsed answers to other proposals', async () => {
        const captured = new Map<string, gateway.EndorseResponse>();
        proxy.onEndorse((request, response) => {
            captured.set(defined(transactionFunction(request).args[0]), response);
            return response;
        });
        // Both answers verify: genuinely endorsed, valid signatures.
        await Promise.all([alice.getParty(aliceId), alice.getParty(bobId)]);

        // bob's own record, endorsed a moment ago: true, but not the answer to this proposal.
        tamper('GetParty', bobId, () => defined(captured.get(bobId)));
        await expectRejection(
            alice.getParty(bobId),
            'UNVERIFIED_READ',
            /^UNVERIFIED_READ: GetParty: the endorsed response answers another proposal$/,
        );
        // alice's record relabelled as this proposal's transaction: only the signed proposal hash differs.
        tamper('GetParty', bobId, (_, request) => relabel(defined(captured.get(aliceId)), request));
        await expectRejection(
            alice.getParty(bobId),
            'UNVERIFIED_READ',
            /^UNVERIFIED_READ: GetParty: the endorsed response answers another proposal$/,
        );
    });

    it('signatures and file records shown to the user', async () => {
        const forged: SignatureRecord = {
            schema: 'sealpact/signature/v2',
            fileId: contract.fileId,
            signer: bobId,
            statement: 'a signature bob never made',
            signature: Buffer.from('forged').toString('base64'),
            algorithm: 'sm2',
            keyFingerprint: mallory.fingerprint,
            digestAlgorithm: 'sm3',
            signedAt: new Date().toISOString(),
            txId: '0'.repeat(64),
            plaintextCommitment: '0'.repeat(64),
        };
        rewrite('GetSignatures', contract.fileId, (records: SignatureRecord[]) => [...records, forged]);
        await expectRejection(alice.signatures(contract.fileId), 'UNVERIFIED_READ', badSignature('GetSignatures'));
        rewrite('GetFile', contract.fileId, (file: FileRecord) => ({ ...file, owner: aliceId }));
        await expectRejection(alice.getFile(contract.fileId), 'UNVERIFIED_READ', badSignature('GetFile'));
    });
});

describe('receive refuses a forged credential, locator or digest and writes nothing', () => {
    it.each([
        [
            'GetFile',
            'the digest of another blob in the store',
            (file: FileRecord) => ({ ...file, ciphertextDigest: decoy.file.ciphertextDigest }),
        ],
        [
            'GetFile',
            'the locator (and digest) of another blob in the store',
            (file: FileRecord) => ({
                ...file,
                locator: decoy.file.locator,
                ciphertextDigest: decoy.file.ciphertextDigest,
            }),
        ],
        [
            'GetCredential',
            "the envelope of alice's credential for another file",
            (credential: CredentialRecord) => ({
                ...credential,
                envelope: decoy.credential.envelope,
            }),
        ],
    ] as const)('%s answering with %s', async (name, _, edit) => {
        rewrite(name, contract.fileId, edit);
        const out = join(outDir, `${name}.txt`);
        const before = filesUnder(outDir);
        const get = jest.spyOn(alice.store, 'get');
        await expectRejection(alice.receive(contract.fileId, out), 'UNVERIFIED_READ', badSignature(name));
        expect(get).not.toHaveBeenCalled(); // refused before the store was asked for any blob
        expect(existsSync(out)).toBe(false);
        expect(filesUnder(outDir)).toEqual(before); // no partial or temporary file either
    });
});

describe('what verification buys', () => {
    it("one peer's unverified answer is believed: send would seal to mallory", async () => {
        proxy.onEvaluate((request, response) => {
            const { name, args } = transactionFunction(request);
            return name === 'GetParty' && args[0] === bobId
                ? rewriteEvaluateResultJson(response, swapEncryptionKey)
                : response;
        });
        const onePeer = new BelievingOnePeer(proxy.profileFor(profile()), ALICE);
        try {
            expect((await onePeer.query<PartyView>('GetParty', bobId)).encryptionKey).toBe(mallory.fingerprint);
            // The SDK's own checks pass on the rewrite: verified, active, PEM matching its fingerprint.
            const key = await checkedKey(onePeer, bobId, { mustBeVerified: true });
            expect(key.publicKey.pem).toBe(mallory.pem);
        } finally {
            onePeer.close();
        }
        // The verified read, under the same hook, is the real record.
        expect((await alice.getParty(bobId)).encryptionKey).toBe(
            (await direct.query<PartyView>('GetParty', bobId)).encryptionKey,
        );
    });
});

describe('trust anchors that are not the channel', () => {
    it('a profile pinning the wrong CAs reads nothing: UNVERIFIED_READ naming the organisation not pinned', async () => {
        const anchors = join(parties.dir, 'anchors-without-orderers');
        mkdirSync(anchors);
        const published = defined(profile().trustAnchors) as string;
        for (const name of readdirSync(published).filter((file) => file !== 'OrdererMSP.pem')) {
            writeFileSync(join(anchors, name), readFileSync(join(published, name)));
        }
        const wary = await connect({
            profile: profile(),
            identity: ALICE,
            store: `fs://${parties.storeDir}`,
            trustAnchors: anchors,
        });
        try {
            await expectRejection(
                wary.getParty(ALICE),
                'UNVERIFIED_READ',
                /^UNVERIFIED_READ: the channel configuration: UNTRUSTED_CONFIG: .*OrdererMSP/,
            );
        } finally {
            wary.close();
        }
    });
});
