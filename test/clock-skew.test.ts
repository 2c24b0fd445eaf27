import * as grpc from '@grpc/grpc-js';
import { connect, Gateway, GatewayError, signers } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, peer } from '@hyperledger/fabric-protos';
import { createHash, createPrivateKey } from 'node:crypto';
import { ledgerError } from '../client/src/sdk/ledger-errors';
import { readPem, resolveIdentity } from '../client/src/sdk/profile';
import { profile } from './support/fabric';
import { defined } from '../protocol/src/test-support/defined';

/**
 * The proposal timestamp is the client's to choose and Fabric 2.5 does not bound it; the Sealpact
 * chaincode on each endorsing peer does (CLOCK_SKEW, 300 s on this network). A proposal is built by
 * @hyperledger/fabric-gateway, its channel header timestamp moved, re-signed offline with the
 * identity's key, and sent through the gateway as it is.
 */

jest.setTimeout(120000);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let gateway: Gateway;
let client: grpc.Client;
let sign: (digest: Uint8Array) => Promise<Uint8Array>;

beforeAll(() => {
    const connection = profile();
    const alice = resolveIdentity(connection, 'Org1MSP/alice@org1.example.com');
    client = new grpc.Client(
        alice.org.peer.endpoint,
        grpc.credentials.createSsl(readPem(alice.org.peer.tlsCACert, 'the peer TLS CA')),
        {
            'grpc.ssl_target_name_override': alice.org.peer.hostnameOverride ?? alice.org.peer.name,
        },
    );
    sign = signers.newPrivateKeySigner(createPrivateKey(alice.privateKey));
    // The signer signs the endorsed transaction and the commit status request; the proposal
    // itself is signed below, after its timestamp changed (a signed proposal is not signed again).
    gateway = connect({ client, identity: { mspId: alice.mspId, credentials: alice.certificate }, signer: sign });
});

afterAll(() => {
    // Either is undefined when beforeAll failed before making it.
    (gateway as Gateway | undefined)?.close();
    (client as grpc.Client | undefined)?.close();
});

/**
 * A WhoAmI proposal whose channel header timestamp is `offsetMs` from now, signed as alice:
 * ProposedTransaction → SignedProposal.proposal_bytes → Proposal.header → Header.channel_header.
 */
async function skewedProposal(offsetMs: number) {
    const contract = gateway.getNetwork(profile().channel).getContract(profile().chaincode);
    const proposed = gatewayProtos.ProposedTransaction.deserializeBinary(contract.newProposal('WhoAmI').getBytes());
    const signedProposal = defined(proposed.getProposal(), 'the signed proposal');
    const proposal = peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8());
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    const timestamp = defined(channelHeader.getTimestamp(), "the channel header's timestamp");
    const millis = Date.now() + offsetMs;
    timestamp.setSeconds(Math.floor(millis / 1000));
    timestamp.setNanos((millis % 1000) * 1e6);
    channelHeader.setTimestamp(timestamp);
    header.setChannelHeader(channelHeader.serializeBinary());
    proposal.setHeader(header.serializeBinary());
    const proposalBytes = proposal.serializeBinary();
    signedProposal.setProposalBytes(proposalBytes);
    const signature = await sign(createHash('sha256').update(proposalBytes).digest());
    return gateway.newSignedProposal(proposed.serializeBinary(), signature);
}

describe('proposal timestamps against the endorsing peers clocks', () => {
    it.each([
        ['back-dated', -2 * HOUR],
        ['forward-dated', 2 * HOUR],
    ])('a proposal %s by 2 hours is refused by every endorser with CLOCK_SKEW', async (_name, offset) => {
        const proposal = await skewedProposal(offset);
        const error = await proposal.endorse().then(
            () => undefined,
            (err: unknown) => err,
        );
        expect(error).toBeInstanceOf(GatewayError);
        const details = (error as GatewayError).details;
        expect(details.length).toBeGreaterThan(0);
        for (const detail of details)
            expect(detail.message).toMatch(/CLOCK_SKEW: the proposal time .* more than 300 s/);
        expect(ledgerError(error, 'endorse', 'WhoAmI', 'peer0.org1').code).toBe('CLOCK_SKEW');
        await expect((await skewedProposal(offset)).evaluate()).rejects.toThrow(/CLOCK_SKEW/);
    });

    it.each([
        ['behind', -MINUTE],
        ['ahead', MINUTE],
    ])('a proposal 1 minute %s is endorsed, submitted and committed', async (_name, offset) => {
        const transaction = await (await skewedProposal(offset)).endorse();
        const status = await (await transaction.submit()).getStatus();
        expect(status.successful).toBe(true);
        const answer = JSON.parse(Buffer.from(transaction.getResult()).toString('utf8')) as { partyId: string };
        expect(answer.partyId).toBe('Org1MSP/alice@org1.example.com');
    });
});
