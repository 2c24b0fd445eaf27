import { status } from '@grpc/grpc-js';
import { GatewayError, StatusCode, Transaction } from '@hyperledger/fabric-gateway';
import { common, gateway } from '@hyperledger/fabric-protos';
import { verify, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENTS, PartyView } from '@sealpact/protocol';
import { generateKeyPair } from '../client/src/crypto/keys';
import { connect } from '../client/src/sdk/connect';
import { LedgerConnection } from '../client/src/sdk/ledger';
import { Sealpact } from '../client/src/sdk/sealpact';
import { defined } from '../protocol/src/test-support/defined';
import { profile, refusal, runId } from './support/fabric';
import { GatewayProxy, peerIdentity } from './support/gateway-proxy';
import { Parties, PASSPHRASE } from './support/parties';
import {
    DecodedEndorsement,
    dropEndorsements,
    endorsementsOf,
    isLowS,
    resignEndorsementsAs,
    rewriteEvaluateResultJson,
    rewriteResult,
    rewriteResultJson,
    transactionFunction,
} from './support/tamper';

/**
 * The tampering hop for verified reads (issue 10): a gRPC proxy that is Org1's own peer (its TLS
 * key, its endorsement key) between alice's SDK and the real gateway peer. Passing through, it is
 * invisible; rewriting, it changes what today's SDK believes, and what it breaks in the endorsed
 * responses is exactly what a verifying client can see.
 */

jest.setTimeout(60_000);

const ALICE = 'Org1MSP/alice@org1.example.com';
const parties = new Parties();
const run = runId();
const mallory = generateKeyPair('sm2').publicKey;
let proxy: GatewayProxy;
/** alice through the proxy; `ledger` is its LedgerConnection. */
let alice: Sealpact;
let ledger: LedgerConnection;
/** alice straight to the real peer, to compare with. */
let direct: LedgerConnection;
let bobId: string;

/** A party record whose every key is mallory's: what a peer swapping a recipient's key returns. */
function swapKeys(party: PartyView): PartyView {
    return {
        ...party,
        encryptionKey: mallory.fingerprint,
        signingKey: mallory.fingerprint,
        keys: party.keys.map((key) => ({ ...key, publicKeyPem: mallory.pem, fingerprint: mallory.fingerprint })),
    };
}

/** Whether an endorsement's signature over proposal response payload ‖ endorser verifies with its certificate. */
function verifies(proposalResponsePayload: Buffer, endorsement: DecodedEndorsement): boolean {
    const key = new X509Certificate(endorsement.certPem).publicKey;
    return verify('sha256', Buffer.concat([proposalResponsePayload, endorsement.endorser]), key, endorsement.signature);
}

/** What alice holds after endorse(): the prepared transaction's endorsements. */
function endorsementsHeld(transaction: Transaction) {
    const prepared = gateway.PreparedTransaction.deserializeBinary(transaction.getBytes());
    return endorsementsOf(defined(prepared.getEnvelope(), 'the prepared envelope'));
}

/** The channel's height now (qscc GetChainInfo, through the proxy): the next transaction's block is at least this. */
async function height(): Promise<bigint> {
    const info = await ledger.network.getContract('qscc').evaluateTransaction('GetChainInfo', ledger.network.getName());
    return BigInt(common.BlockchainInfo.deserializeBinary(info).getHeight());
}

function endorseGetParty(partyId: string): Promise<Transaction> {
    return ledger.contract.newProposal('GetParty', { arguments: [partyId] }).endorse();
}

/** What a call rejected with, for comparing two; a call that succeeds fails the test. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
        () => {
            throw new Error('expected a rejection');
        },
        (err: unknown) => err,
    );
}

/** A gateway error's status as a client sees it: code, message, and each endorser's detail. */
function statusOf(error: unknown) {
    expect(error).toBeInstanceOf(GatewayError);
    const { code, message, details } = error as GatewayError;
    return { code, message, details: [...details].sort((a, b) => a.address.localeCompare(b.address)) };
}

beforeAll(async () => {
    proxy = await GatewayProxy.start(profile(), 'Org1MSP');
    alice = await connect({
        profile: proxy.profileFor(profile()),
        identity: ALICE,
        store: `fs://${parties.storeDir}`,
        keyring: { dir: join(parties.dir, 'keyrings', 'alice-via-proxy'), passphrase: PASSPHRASE },
    });
    ledger = alice.ledger;
    direct = new LedgerConnection(profile(), ALICE);
    const [bob, verifier] = await Promise.all([parties.as('bob'), parties.as('verifier')]);
    // alice registers through the proxy: Endorse, Submit and CommitStatus pass through.
    await Promise.all([alice.registerKeys(generateKeyPair('sm2')), bob.registerKeys(generateKeyPair('sm2'))]);
    bobId = (await bob.whoAmI()).partyId;
    await verifier.recordVerification(bobId, { serial: `hmac-${run}-bob`, level: 'high' });
});

afterEach(() => {
    // Either is undefined when beforeAll failed before making it.
    (proxy as GatewayProxy | undefined)?.onEndorse(undefined);
    (proxy as GatewayProxy | undefined)?.onEvaluate(undefined);
});

afterAll(() => {
    (proxy as GatewayProxy | undefined)?.close();
    (alice as Sealpact | undefined)?.close();
    (direct as LedgerConnection | undefined)?.close();
    parties.close();
});

describe('passing through, the proxy is invisible', () => {
    it('relays queries, endorsements, submits, commit statuses and chaincode events', async () => {
        expect(ledger.endpoint).toBe(proxy.endpoint);
        expect(await ledger.query('WhoAmI')).toEqual(await direct.query('WhoAmI'));
        const path = join(parties.dir, 'through-the-proxy.txt');
        writeFileSync(path, `sent through Org1's malicious peer, run ${run}\n`);
        const from = await height();
        const sent = await alice.send(path, { to: [bobId], suite: 'gm', fileId: `${run}-proxied` });
        expect(sent.alreadySent).toBe(false);
        // Opened after the send from the block before it, and read at once: a stream left unread
        // fails the run when it is closed.
        const events = await ledger.network.getChaincodeEvents(profile().chaincode, { startBlock: from });
        let shared: { eventName: string; fileId: unknown } | undefined;
        try {
            for await (const event of events) {
                if (event.transactionId === sent.txId) {
                    const payload = JSON.parse(Buffer.from(event.payload).toString('utf8')) as { fileId: unknown };
                    shared = { eventName: event.eventName, fileId: payload.fileId };
                    break;
                }
            }
        } finally {
            events.close();
        }
        expect(shared).toEqual({ eventName: EVENTS.fileShared, fileId: sent.fileId });
        expect(await ledger.query('GetFile', sent.fileId)).toEqual(await direct.query('GetFile', sent.fileId));
        for (const name of ['Evaluate', 'Endorse', 'Submit', 'CommitStatus', 'ChaincodeEvents'] as const) {
            expect(proxy.calls(name)).toBeGreaterThan(0);
        }
    });

    it('an upstream refusal keeps its status code, message and per-endorser details', async () => {
        const missing = `${run}-missing`;
        const evaluated = await rejection(ledger.contract.evaluateTransaction('GetFile', missing));
        expect(statusOf(evaluated)).toEqual(
            statusOf(await rejection(direct.contract.evaluateTransaction('GetFile', missing))),
        );
        const endorsed = statusOf(await rejection(endorseGetParty(`Org1MSP/nobody-${run}`)));
        expect(endorsed.details.length).toBeGreaterThan(0); // the ErrorDetails travel in the trailers
        expect(endorsed).toEqual(
            statusOf(
                await rejection(
                    direct.contract.newProposal('GetParty', { arguments: [`Org1MSP/nobody-${run}`] }).endorse(),
                ),
            ),
        );
        expect(await refusal(ledger.query('GetFile', missing))).toBe('NOT_FOUND');
    });
});

describe('rewriting, the proxy changes what the SDK believes', () => {
    it('an unverified query returns whatever the one peer says: a recipient key swapped for mallory', async () => {
        const seen: ReturnType<typeof transactionFunction>[] = [];
        proxy.onEvaluate((request, response) => {
            const called = transactionFunction(request);
            seen.push(called);
            return called.name === 'GetParty' ? rewriteEvaluateResultJson(response, swapKeys) : response;
        });
        const believed = await ledger.query<PartyView>('GetParty', bobId);
        expect(seen).toContainEqual({ chaincode: profile().chaincode, name: 'GetParty', args: [bobId] });
        expect(believed.keys.map((key) => key.publicKeyPem)).toEqual([mallory.pem]);
        const real = await direct.query<PartyView>('GetParty', bobId);
        expect(real.keys.map((key) => key.publicKeyPem)).not.toContain(mallory.pem);
        expect({
            ...believed,
            keys: real.keys,
            encryptionKey: real.encryptionKey,
            signingKey: real.signingKey,
        }).toEqual(real);
    });

    it("an endorsed result rewritten: getResult() changes and no endorser's signature verifies any more", async () => {
        const honest = endorsementsHeld(await endorseGetParty(bobId));
        expect(new Set(honest.endorsements.map((e) => e.mspId)).size).toBeGreaterThanOrEqual(3); // MAJORITY of 4 or 5
        for (const endorsement of honest.endorsements) {
            expect(verifies(honest.proposalResponsePayload, endorsement)).toBe(true);
            expect(isLowS(endorsement.signature)).toBe(true);
        }

        let original: gateway.EndorseResponse | undefined;
        proxy.onEndorse((request, response) => {
            original = response;
            return transactionFunction(request).name === 'GetParty' ? rewriteResultJson(response, swapKeys) : response;
        });
        const transaction = await endorseGetParty(bobId);
        const believed = JSON.parse(Buffer.from(transaction.getResult()).toString('utf8')) as PartyView;
        expect(believed.keys.map((key) => key.publicKeyPem)).toEqual([mallory.pem]);
        const tampered = endorsementsHeld(transaction);
        expect(tampered.endorsements.length).toBeGreaterThanOrEqual(3);
        for (const endorsement of tampered.endorsements) {
            expect(verifies(tampered.proposalResponsePayload, endorsement)).toBe(false);
        }
        // Decoding and encoding back alone changes no byte: only the edit breaks the signatures.
        const envelope = defined(defined(original, 'the relayed response').getPreparedTransaction(), 'its envelope');
        const unchanged = rewriteResult(defined(original), (payload) => payload).getPreparedTransaction();
        expect(Buffer.from(defined(unchanged).serializeBinary())).toEqual(Buffer.from(envelope.serializeBinary()));
    });

    it("re-signed by Org1's own peer: valid low-S signatures by one org, which the committing peers refuse", async () => {
        const org1Peer = peerIdentity(profile(), 'Org1MSP');
        let original: gateway.EndorseResponse | undefined;
        proxy.onEndorse((request, response) => {
            original = response;
            return transactionFunction(request).name === 'GetParty'
                ? resignEndorsementsAs(rewriteResultJson(response, swapKeys), org1Peer)
                : response;
        });
        const transaction = await endorseGetParty(bobId);
        const held = endorsementsHeld(transaction);
        expect(held.endorsements.map(({ mspId, certPem }) => ({ mspId, certPem }))).toEqual([
            { mspId: 'Org1MSP', certPem: org1Peer.certPem },
        ]);
        const [endorsement] = held.endorsements;
        expect(verifies(held.proposalResponsePayload, defined(endorsement))).toBe(true);
        // ECDSA's s is above n/2 half the time: 16 signings all low-S show it is normalised.
        for (let i = 0; i < 16; i++) {
            const resigned = endorsementsOf(
                defined(resignEndorsementsAs(defined(original), org1Peer).getPreparedTransaction()),
            );
            const [again] = resigned.endorsements;
            expect(verifies(resigned.proposalResponsePayload, defined(again))).toBe(true);
            expect(isLowS(defined(again).signature)).toBe(true);
        }
        // Submitted anyway, through the proxy: ordered, then invalid at every committing peer.
        const status = await (await transaction.submit()).getStatus();
        expect(status.code).toBe(StatusCode.ENDORSEMENT_POLICY_FAILURE);
    });

    it('a rewrite hook that throws fails the call with INTERNAL naming it, instead of hanging', async () => {
        proxy.onEvaluate(() => {
            throw new Error('no such field');
        });
        const { code, message } = statusOf(await rejection(ledger.contract.evaluateTransaction('WhoAmI')));
        expect({ code, message }).toEqual({
            code: status.INTERNAL,
            message: "13 INTERNAL: the proxy's Evaluate rewrite failed: no such field",
        });
    });

    it('endorsements dropped: an under-endorsed response whose remaining signature still verifies', async () => {
        proxy.onEndorse((_request, response) => dropEndorsements(response, (mspId) => mspId === 'Org1MSP'));
        const held = endorsementsHeld(await endorseGetParty(bobId));
        expect(held.endorsements.map((e) => e.mspId)).toEqual(['Org1MSP']);
        expect(verifies(held.proposalResponsePayload, defined(held.endorsements[0]))).toBe(true);
    });
});
