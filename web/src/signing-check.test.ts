import * as grpc from '@grpc/grpc-js';
import { connect, Gateway, hash } from '@hyperledger/fabric-gateway';
import { expectError } from '../../protocol/src/test-support/expect-error';
import { checkEventsRequest, checkProposal } from './signing-check';

// What the browser checks before it signs, on the bytes fabric-gateway itself builds for the
// gateway (offline signing, hash.none: the digest is the message). Nothing is sent: the gRPC
// client never connects.

const expected = {
    channel: 'contracts',
    chaincode: 'sealpact',
    mspId: 'Org1MSP',
    certificate: '-----BEGIN CERTIFICATE-----\nalice\n-----END CERTIFICATE-----\n',
};

function gatewayFor(mspId: string, certificate: string): Gateway {
    const client = new grpc.Client('127.0.0.1:1', grpc.credentials.createInsecure());
    return connect({ client, identity: { mspId, credentials: Buffer.from(certificate) }, hash: hash.none });
}

function proposalBytes(gateway: Gateway, transaction: string, args: string[], channel = 'contracts'): Uint8Array {
    return gateway
        .getNetwork(channel)
        .getContract('sealpact')
        .newProposal(transaction, { arguments: args })
        .getDigest();
}

describe('the checks before signing', () => {
    const gateway = gatewayFor(expected.mspId, expected.certificate);
    afterAll(() => gateway.close());

    it('pass the proposal asked for, and give its transaction id', () => {
        const checked = checkProposal(proposalBytes(gateway, 'GetFile', ['f-1']), expected, 'GetFile', ['f-1']);
        expect(checked.txId).toMatch(/^[0-9a-f]{64}$/);
    });

    it('refuse another transaction, other arguments, channel or identity: PROPOSAL_MISMATCH', () => {
        const asked = ['GrantAccess', ['f-1', '[]']] as const;
        const check = (bytes: Uint8Array) => () => checkProposal(bytes, expected, asked[0], [...asked[1]]);
        expectError(
            check(proposalBytes(gateway, 'RevokeAccess', ['f-1', '[]'])),
            'PROPOSAL_MISMATCH',
            'another transaction',
        );
        expectError(
            check(proposalBytes(gateway, 'GrantAccess', ['f-1', '[{}]'])),
            'PROPOSAL_MISMATCH',
            'another transaction',
        );
        expectError(check(proposalBytes(gateway, 'GrantAccess', ['f-1'])), 'PROPOSAL_MISMATCH', 'another transaction');
        expectError(
            check(proposalBytes(gateway, 'GrantAccess', ['f-1', '[]'], 'other')),
            'PROPOSAL_MISMATCH',
            'another channel',
        );
        const mallory = gatewayFor('Org1MSP', expected.certificate.replace('alice', 'mallory'));
        expectError(
            check(proposalBytes(mallory, 'GrantAccess', ['f-1', '[]'])),
            'PROPOSAL_MISMATCH',
            'another identity',
        );
        mallory.close();
        expectError(check(Uint8Array.of(0x0a, 0x05, 0x01)), 'PROPOSAL_MISMATCH', 'truncated');
    });

    it('pass the user’s events request and refuse another identity’s', () => {
        const request = (g: Gateway) => g.getNetwork('contracts').newChaincodeEventsRequest('sealpact').getDigest();
        expect(() => checkEventsRequest(request(gateway), expected)).not.toThrow();
        const other = gatewayFor('Org2MSP', expected.certificate);
        expectError(() => checkEventsRequest(request(other), expected), 'PROPOSAL_MISMATCH', 'another');
        other.close();
    });
});
