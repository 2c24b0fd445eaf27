import { Contract, Proposal } from '@hyperledger/fabric-gateway';
import { common, gateway } from '@hyperledger/fabric-protos';
import { expectError } from '../../../protocol/src/test-support/expect-error';
import { channelConfig, flip, manifest, networkFile } from '../test-support/verify-fixtures';
import { verifiedResult } from './verified-read';

/**
 * verifiedResult on a real endorsed, unsubmitted WhoAmI captured from the network
 * (client/src/verify/testdata/network): what LedgerConnection.read believes, and what it refuses.
 * The real-network tampering tests are test/verified-reads.test.ts.
 */

const contract = { getChaincodeName: () => manifest.chaincode } as unknown as Contract;
const proposal = { getBytes: () => networkFile('whoami.proposed') } as unknown as Proposal;
const endorsed = (bytes: Uint8Array = networkFile('whoami.prepared')) => ({ getBytes: () => bytes });

/** The prepared transaction with its envelope's payload passed through `edit`. */
function withEnvelope(edit: (envelope: common.Envelope) => void): Uint8Array {
    const prepared = gateway.PreparedTransaction.deserializeBinary(networkFile('whoami.prepared'));
    const envelope = prepared.getEnvelope() as common.Envelope;
    edit(envelope);
    prepared.setEnvelope(envelope);
    return prepared.serializeBinary();
}

describe('verifiedResult', () => {
    it('returns the payload inside the endorsed response, with its envelope', () => {
        const { payload, envelope } = verifiedResult(contract, channelConfig(), 'WhoAmI', proposal, endorsed());
        expect(JSON.parse(payload)).toMatchObject({ channel: manifest.channel, chaincode: manifest.chaincode });
        expect(Buffer.from(envelope)).toEqual(
            Buffer.from(
                (
                    gateway.PreparedTransaction.deserializeBinary(
                        networkFile('whoami.prepared'),
                    ).getEnvelope() as common.Envelope
                ).serializeBinary(),
            ),
        );
    });

    it('refuses a response whose endorsements do not verify: UNVERIFIED_READ naming the check', () => {
        const tampered = withEnvelope((envelope) => envelope.setPayload(flip(envelope.getPayload_asU8(), 300)));
        expectError(
            () => verifiedResult(contract, channelConfig(), 'WhoAmI', proposal, endorsed(tampered)),
            'UNVERIFIED_READ',
            /^UNVERIFIED_READ: WhoAmI: /,
        );
    });

    it('refuses a response from another chaincode', () => {
        const other = { getChaincodeName: () => 'other' } as unknown as Contract;
        expectError(
            () => verifiedResult(other, channelConfig(), 'WhoAmI', proposal, endorsed()),
            'UNVERIFIED_READ',
            `WhoAmI: the response comes from chaincode ${manifest.chaincode}`,
        );
    });

    it('refuses an answer to another proposal, and bytes that are not a prepared transaction', () => {
        // The same endorsed answer, held against a proposal with another transaction id.
        const proposed = gateway.ProposedTransaction.deserializeBinary(networkFile('whoami.proposed'));
        proposed.setTransactionId('0'.repeat(64));
        const another = { getBytes: () => proposed.serializeBinary() } as unknown as Proposal;
        expectError(
            () => verifiedResult(contract, channelConfig(), 'WhoAmI', another, endorsed()),
            'UNVERIFIED_READ',
            'WhoAmI: the endorsed response answers another proposal',
        );
        expectError(
            () => verifiedResult(contract, channelConfig(), 'WhoAmI', proposal, endorsed(Buffer.from('not protobuf'))),
            'UNVERIFIED_READ',
            /^UNVERIFIED_READ: (WhoAmI: )?.*(prepared transaction|BAD_PROTOBUF)/,
        );
    });
});
