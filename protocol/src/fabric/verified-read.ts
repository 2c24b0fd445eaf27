import { equalBytes } from '../bytes';
import { isSealpactError, LedgerError } from '../errors';
import { DecodedBlock, decodeBlock } from './blocks';
import { ChannelConfig, readChannelConfig } from './channel-config';
import { common, gateway, peer } from './protos';
import { decode } from './protobuf';
import { decodeTransaction, proposalHashOf, verifyEndorsements } from './transactions';
import { TrustAnchors } from './trust-anchors';

/**
 * A verified read, the same on every platform: the query is endorsed (never submitted) by the
 * peers the chaincode's endorsement policy needs, and its answer is believed only once every
 * endorsement verifies against the channel configuration, itself believed only against trust
 * anchors held outside the network. The SDK (client/src/sdk/verified-read.ts) and the browser
 * (web/src/verified-read.ts) only fetch the bytes.
 */

/** The status a chaincode's successful response carries (shim.OK). */
const OK = 200;

/** Where the channel's blocks come from (qscc on a peer); nothing it gives is believed unchecked. */
export interface BlockSource {
    /** The number of the newest block (a peer may understate it; every block fetched must still verify). */
    newest(): Promise<number>;
    block(number: number): Promise<Uint8Array>;
}

/**
 * The configuration block in force at the newest block, verified against `anchors`; an unsigned
 * genesis block is believed through block 1, which chains to it and carries the orderers' signature.
 */
export async function channelConfigOf(source: BlockSource, anchors: TrustAnchors): Promise<ChannelConfig> {
    const newest = decodeBlock(await source.block(await source.newest()));
    const config = decodeBlock(await source.block(newest.lastConfig));
    return readChannelConfig(config, anchors, await successorOf(source, config));
}

/** Block 1 when `config` is the unsigned genesis block (orderers never sign it). */
export async function successorOf(source: BlockSource, config: DecodedBlock): Promise<DecodedBlock | undefined> {
    return config.number === 0 && config.signatures.length === 0 ? decodeBlock(await source.block(1)) : undefined;
}

/** The newest block's number from qscc GetChainInfo's answer (a common.BlockchainInfo). */
export function newestOfChainInfo(answer: Uint8Array, peerName: string): number {
    try {
        return common.BlockchainInfo.deserializeBinary(answer).getHeight() - 1;
    } catch {
        throw new LedgerError(
            'UNVERIFIED_READ',
            `the peer ${peerName} answered GetChainInfo with bytes that do not decode`,
        );
    }
}

/** The transaction id and proposal hash of the peer.Proposal bytes a client signed. */
export function proposalIdOf(proposal: Uint8Array): { txId: string; proposalHash: Uint8Array } {
    const header = decode(
        common.Header,
        decode(peer.Proposal, proposal, 'the proposal').getHeader_asU8(),
        'the proposal header',
    );
    const txId = decode(common.ChannelHeader, header.getChannelHeader_asU8(), 'the channel header').getTxId();
    return { txId, proposalHash: proposalHashOf(proposal) };
}

/**
 * The chaincode's answer to `transaction` from `prepared` (what an endorsement gives before it is
 * submitted: a gateway.PreparedTransaction), once it answers the proposal `sent` (its id and hash),
 * comes from `chaincode` with status OK, and its endorsements verify and satisfy the channel's
 * endorsement policy. Anything else is UNVERIFIED_READ naming the check that failed.
 */
export function verifiedAnswer(
    config: ChannelConfig,
    chaincode: string,
    transaction: string,
    sent: { txId: string; proposalHash: Uint8Array },
    prepared: Uint8Array,
): { payload: Uint8Array; envelope: Uint8Array } {
    try {
        const envelope = preparedEnvelope(prepared);
        const tx = decodeTransaction(envelope);
        if (tx.txId !== sent.txId || !equalBytes(tx.proposalHash, sent.proposalHash)) {
            throw new LedgerError('UNVERIFIED_READ', `${transaction}: the endorsed response answers another proposal`);
        }
        if (tx.chaincode !== chaincode) {
            throw new LedgerError(
                'UNVERIFIED_READ',
                `${transaction}: the response comes from chaincode ${tx.chaincode}`,
            );
        }
        if (tx.response.status !== OK) {
            throw new LedgerError(
                'UNVERIFIED_READ',
                `${transaction}: the endorsed response has status ${tx.response.status}`,
            );
        }
        verifyEndorsements(tx, config);
        return { payload: tx.response.payload, envelope };
    } catch (error) {
        if (isSealpactError(error) && error.code !== 'UNVERIFIED_READ') {
            throw new LedgerError('UNVERIFIED_READ', `${transaction}: ${error.message}`);
        }
        throw error;
    }
}

/**
 * The envelope inside a gateway.PreparedTransaction: the transaction the endorsers answered, which
 * need not be the one asked about (verifiedAnswer checks that).
 */
function preparedEnvelope(bytes: Uint8Array): Uint8Array {
    let envelope: common.Envelope | undefined;
    try {
        envelope = gateway.PreparedTransaction.deserializeBinary(bytes).getEnvelope();
    } catch {
        envelope = undefined;
    }
    if (envelope === undefined) {
        throw new LedgerError('UNVERIFIED_READ', 'the endorsed response is not a prepared transaction');
    }
    return envelope.serializeBinary();
}
