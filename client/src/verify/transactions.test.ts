import { createHash } from 'node:crypto';
import { gateway } from '@hyperledger/fabric-protos';
import { expectError } from '../../../protocol/src/test-support/expect-error';
import {
    channelConfig,
    flip,
    genesis,
    highSTwin,
    manifest,
    networkFile,
    registerKeys,
    rewriteArguments,
    rewriteTransaction,
    serializedIdentity,
    signLowS,
    strangerPeer,
} from '../test-support/verify-fixtures';
import {
    DecodedTransaction,
    decodePreparedTransaction,
    decodeProposedTransaction,
    decodeTransaction,
    Endorsement,
    proposalHashOf,
    verifyCreator,
    verifyEndorsements,
} from './transactions';

const config = channelConfig();
const { block, index, transaction: tx } = registerKeys();
const envelope = block.data[index] as Buffer;
const prepared = decodePreparedTransaction(networkFile('whoami.prepared'));
const proposed = decodeProposedTransaction(networkFile('whoami.proposed'));
const POLICY = 'MAJORITY \\(3 of 4\\) of the Endorsement policies of AuditorOrgMSP, AuthorityOrgMSP, Org1MSP, Org2MSP';

function withEndorsements(endorsements: Endorsement[]): DecodedTransaction {
    return { ...tx, endorsements };
}

/** Endorsement `i` replaced by the stranger CA's peer claiming `mspId`, validly signed. */
function strangerEndorsement(mspId: string): Endorsement {
    const endorserBytes = serializedIdentity(mspId, strangerPeer.certificate);
    return {
        endorser: { mspId, certificate: strangerPeer.certificate },
        endorserBytes,
        signature: signLowS(strangerPeer, Buffer.concat([tx.proposalResponsePayload, endorserBytes])),
    };
}

describe('decodeTransaction on the captured RegisterKeys', () => {
    it('reads the header, the creator, the invocation, the response, the writes and the endorsements', () => {
        expect(tx.txId).toBe(manifest.registerKeys.txId);
        expect(tx.channel).toBe(manifest.channel);
        expect(tx.type).toBe(3);
        expect(tx.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(tx.creator.mspId).toBe('AuditorOrgMSP');
        expect(tx.creator.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
        expect(tx.chaincode).toBe(manifest.chaincode);
        expect(tx.function).toBe('RegisterKeys');
        // encryption key, its proof, signing key, its proof: one SM2 key for both roles.
        expect(tx.args).toHaveLength(4);
        expect(Buffer.from(tx.args[0] ?? []).toString()).toBe(manifest.registerKeys.publicKey);
        expect(Buffer.from(tx.args[2] ?? []).toString()).toBe(manifest.registerKeys.publicKey);
        expect(tx.response.status).toBe(200);
        const party = JSON.parse(Buffer.from(tx.response.payload).toString()) as { partyId: string };
        expect(party.partyId).toBe(manifest.registerKeys.identity);
        expect(tx.writes.every((write) => write.namespace === manifest.chaincode && write.value !== null)).toBe(true);
        expect(tx.writes.map((write) => write.key)).toContain(
            `\u0000party\u0000${manifest.registerKeys.identity}\u0000`,
        );
        expect(tx.endorsements.map((e) => e.endorser.mspId).sort()).toEqual([
            'AuditorOrgMSP',
            'AuthorityOrgMSP',
            'Org1MSP',
        ]);
        expect(tx.proposalHash).toEqual(tx.computedProposalHash);
        expect(tx.signature.length).toBeGreaterThan(0);
    });

    it('refuses a transaction with two actions, or an action under another signature header, with BAD_PROTOBUF', () => {
        const twice = rewriteTransaction(envelope, (transaction) => {
            transaction.setActionsList([...transaction.getActionsList(), ...transaction.getActionsList()]);
        });
        expectError(() => decodeTransaction(twice), 'BAD_PROTOBUF', `transaction ${tx.txId} has 2 actions, not one`);
        const otherHeader = rewriteTransaction(envelope, (transaction) => {
            transaction.getActionsList()[0]?.setHeader(Buffer.from('another header'));
        });
        expectError(
            () => decodeTransaction(otherHeader),
            'BAD_PROTOBUF',
            `transaction ${tx.txId}'s action has another signature header than the transaction`,
        );
    });

    it('refuses a configuration envelope and bytes that are not an envelope with BAD_PROTOBUF', () => {
        expectError(
            () => decodeTransaction(genesis().data[0] as Buffer),
            'BAD_PROTOBUF',
            /is not an endorser transaction/,
        );
        expectError(() => decodeTransaction(Buffer.from('\xff\xff\xff', 'latin1')), 'BAD_PROTOBUF', /does not decode/);
    });
});

describe('an endorsed, unsubmitted read (the gateway proposal and prepared transaction)', () => {
    it('binds the endorsed response to the proposal sent: its proposal hash is GetProposalHash1 of it', () => {
        expect(prepared.txId).toBe(manifest.whoAmI.txId);
        expect(proposed.txId).toBe(manifest.whoAmI.txId);
        expect(prepared.proposalHash).toEqual(proposed.proposalHash);
        expect(proposalHashOf(proposed.proposal)).toEqual(prepared.proposalHash);
        expect(prepared.function).toBe('WhoAmI');
        expect(prepared.signature).toHaveLength(0);
        expect(JSON.parse(Buffer.from(prepared.response.payload).toString())).toMatchObject({
            partyId: manifest.registerKeys.identity,
        });
        expect(prepared.writes).toEqual([]);
    });

    it('verifies its endorsements', () => {
        expect(verifyEndorsements(prepared, config).orgs).toHaveLength(3);
    });

    it('has no creator signature yet (BAD_CREATOR)', () => {
        expectError(() => verifyCreator(prepared, config), 'BAD_CREATOR', /the signature is not a DER ECDSA signature/);
    });

    it('refuses other messages than a peer.Proposal in proposalHashOf with BAD_PROTOBUF', () => {
        const signedProposal = gateway.ProposedTransaction.deserializeBinary(networkFile('whoami.proposed'))
            .getProposal()
            ?.serializeBinary();
        for (const bytes of [networkFile('whoami.proposed'), signedProposal, networkFile('whoami.prepared')]) {
            expectError(() => proposalHashOf(bytes ?? new Uint8Array()), 'BAD_PROTOBUF', /^BAD_PROTOBUF: the proposal/);
        }
    });

    it('refuses a proposed transaction without its signed proposal with BAD_PROTOBUF', () => {
        const empty = new gateway.ProposedTransaction();
        empty.setTransactionId(proposed.txId);
        expectError(
            () => decodeProposedTransaction(empty.serializeBinary()),
            'BAD_PROTOBUF',
            'the signed proposal is missing',
        );
    });

    it('refuses bytes that are not a prepared transaction with BAD_PROTOBUF', () => {
        expectError(
            () => decodePreparedTransaction(Buffer.of(0xff)),
            'BAD_PROTOBUF',
            'the prepared transaction does not decode',
        );
        const empty = new gateway.PreparedTransaction();
        empty.setTransactionId(prepared.txId);
        expectError(
            () => decodePreparedTransaction(empty.serializeBinary()),
            'BAD_PROTOBUF',
            'the prepared transaction envelope is missing',
        );
    });

    it('refuses a prepared transaction holding another transaction than it names with BAD_PROTOBUF', () => {
        const renamed = gateway.PreparedTransaction.deserializeBinary(networkFile('whoami.prepared'));
        renamed.setTransactionId(tx.txId);
        expectError(
            () => decodePreparedTransaction(renamed.serializeBinary()),
            'BAD_PROTOBUF',
            `the prepared transaction ${tx.txId} holds transaction ${prepared.txId}`,
        );
    });
});

describe('verifyCreator', () => {
    it("accepts the RegisterKeys creator's certificate and signature", () => {
        expect(() => verifyCreator(tx, config)).not.toThrow();
    });

    it('refuses a signature with one bit flipped with BAD_CREATOR naming the transaction and creator', () => {
        expectError(
            () => verifyCreator({ ...tx, signature: flip(tx.signature, 30) }, config),
            'BAD_CREATOR',
            `transaction ${tx.txId}, creator AuditorOrgMSP CN=Admin@auditor.example.com: the signature does not verify`,
        );
    });

    it('refuses a payload changed under the signature', () => {
        const changed = decodeTransaction(
            rewriteArguments(envelope, (args) => [...args.slice(0, 3), Buffer.from('x')]),
        );
        expectError(() => verifyCreator(changed, config), 'BAD_CREATOR', /the signature does not verify/);
    });

    it('refuses the high-S twin of the creator signature', () => {
        expectError(
            () => verifyCreator({ ...tx, signature: highSTwin(tx.signature) }, config),
            'BAD_CREATOR',
            /high-S/,
        );
    });

    it("refuses a creator of a stranger CA claiming the creator's MSP", () => {
        const creatorBytes = serializedIdentity('AuditorOrgMSP', strangerPeer.certificate);
        const forged = {
            ...tx,
            creator: { mspId: 'AuditorOrgMSP', certificate: strangerPeer.certificate },
            creatorBytes,
            txId: createHash('sha256').update(tx.nonce).update(creatorBytes).digest('hex'),
            signature: signLowS(strangerPeer, tx.payload),
        };
        expectError(() => verifyCreator(forged, config), 'BAD_CREATOR', /does not chain to a CA of AuditorOrgMSP/);
    });

    it('refuses a transaction id that is not SHA-256 of nonce and creator', () => {
        expectError(
            () => verifyCreator({ ...tx, txId: prepared.txId }, config),
            'BAD_CREATOR',
            /transaction id is not SHA-256/,
        );
    });
});

describe('verifyEndorsements', () => {
    it('accepts the RegisterKeys endorsements and names the endorsing organisations', () => {
        expect(verifyEndorsements(tx, config)).toEqual({ orgs: ['AuditorOrgMSP', 'AuthorityOrgMSP', 'Org1MSP'] });
    });

    it('refuses an endorsement signature with one bit flipped with BAD_ENDORSEMENT naming it', () => {
        const [first, ...rest] = tx.endorsements as [Endorsement, ...Endorsement[]];
        expectError(
            () =>
                verifyEndorsements(
                    withEndorsements([...rest, { ...first, signature: flip(first.signature, 30) }]),
                    config,
                ),
            'BAD_ENDORSEMENT',
            new RegExp(`endorsement 2 by ${first.endorser.mspId} CN=peer0\\.[a-z0-9.]+: the signature does not verify`),
        );
    });

    it('refuses the high-S twin (r, n − s) of a valid endorsement signature', () => {
        const [first, ...rest] = tx.endorsements as [Endorsement, ...Endorsement[]];
        expectError(
            () =>
                verifyEndorsements(
                    withEndorsements([{ ...first, signature: highSTwin(first.signature) }, ...rest]),
                    config,
                ),
            'BAD_ENDORSEMENT',
            /endorsement 0 .*high-S/,
        );
    });

    it("refuses an endorsement re-signed by a stranger CA's peer claiming a channel MSP", () => {
        const [, ...rest] = tx.endorsements;
        expectError(
            () => verifyEndorsements(withEndorsements([strangerEndorsement('Org2MSP'), ...rest]), config),
            'BAD_ENDORSEMENT',
            'endorsement 0 by Org2MSP CN=peer.stranger.example.com: the certificate does not chain to a CA of Org2MSP',
        );
    });

    it("refuses an endorsement by a non-member's peer", () => {
        expectError(
            () =>
                verifyEndorsements(withEndorsements([...tx.endorsements, strangerEndorsement('StrangerMSP')]), config),
            'BAD_ENDORSEMENT',
            'endorsement 3 by StrangerMSP CN=peer.stranger.example.com: StrangerMSP is not an organisation of channel contracts',
        );
    });

    it('refuses an endorser that is not a peer (a client of the channel) with BAD_ENDORSEMENT', () => {
        // The creator signs the payload, not (response payload ‖ endorser), but the role is checked first.
        const client = { endorser: tx.creator, endorserBytes: tx.creatorBytes, signature: tx.signature };
        expectError(
            () => verifyEndorsements(withEndorsements([client, ...tx.endorsements]), config),
            'BAD_ENDORSEMENT',
            'endorsement 0 by AuditorOrgMSP CN=Admin@auditor.example.com: the certificate is a admin of AuditorOrgMSP, not a peer',
        );
    });

    it('refuses endorsements reduced below the policy with POLICY_NOT_SATISFIED naming the orgs and the rule', () => {
        const two = tx.endorsements.filter((e) => e.endorser.mspId !== 'Org1MSP');
        expectError(
            () => verifyEndorsements(withEndorsements(two), config),
            'POLICY_NOT_SATISFIED',
            new RegExp(`is endorsed by AuditorOrgMSP, AuthorityOrgMSP; the policy needs ${POLICY}`),
        );
        expectError(
            () => verifyEndorsements(withEndorsements([]), config),
            'POLICY_NOT_SATISFIED',
            /endorsed by no organisation/,
        );
    });

    it('counts an endorser once, however often its endorsement is repeated', () => {
        const [first, second] = tx.endorsements as [Endorsement, Endorsement];
        expectError(
            () => verifyEndorsements(withEndorsements([first, second, first, second]), config),
            'POLICY_NOT_SATISFIED',
            /the policy needs MAJORITY/,
        );
    });

    it('refuses endorsements of another proposal (arguments changed) with BAD_ENDORSEMENT', () => {
        const changed = decodeTransaction(
            rewriteArguments(envelope, (args) => [...args.slice(0, 3), Buffer.from('x')]),
        );
        expect(changed.proposalHash).toEqual(tx.proposalHash);
        expectError(
            () => verifyEndorsements(changed, config),
            'BAD_ENDORSEMENT',
            /endorsements are for another proposal/,
        );
    });

    it('refuses a transaction of another channel with BAD_ENDORSEMENT', () => {
        expectError(
            () => verifyEndorsements({ ...tx, channel: 'elsewhere' }, config),
            'BAD_ENDORSEMENT',
            /is on channel elsewhere, not contracts/,
        );
    });
});
