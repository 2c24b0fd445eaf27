import { Contract, Network, Proposal } from '@hyperledger/fabric-gateway';
import { common, gateway } from '@hyperledger/fabric-protos';
import { isSealpactError, LedgerError } from '@sealpact/protocol';
import { DecodedBlock, decodeBlock } from '../verify/blocks';
import { ChannelConfig, readChannelConfig } from '../verify/channel-config';
import { decodeProposedTransaction, decodeTransaction, verifyEndorsements } from '../verify/transactions';
import { TrustAnchors } from '../verify/trust-anchors';
import { ledgerError } from './ledger-errors';

/** The status a chaincode's successful response carries (shim.OK). */
const OK = 200;

/**
 * Blocks of the channel as the gateway peer serves them through the query system chaincode (qscc):
 * what a verified read needs to learn the channel's configuration. Nothing here is believed until
 * it verifies against the trust anchors.
 */
export class ChannelBlocks {
    private readonly qscc: Contract;

    constructor(
        private readonly network: Network,
        private readonly endpoint: string,
    ) {
        this.qscc = network.getContract('qscc');
    }

    async block(number: number): Promise<Uint8Array> {
        return this.call('GetBlockByNumber', String(number));
    }

    async blockOf(txId: string): Promise<Uint8Array> {
        return this.call('GetBlockByTxID', txId);
    }

    /** The number of the newest block (the peer may understate it; every block fetched still has to verify). */
    async newest(): Promise<number> {
        const answer = await this.call('GetChainInfo');
        try {
            return common.BlockchainInfo.deserializeBinary(answer).getHeight() - 1;
        } catch {
            throw new LedgerError(
                'UNVERIFIED_READ',
                `the peer ${this.endpoint} answered GetChainInfo with bytes that do not decode`,
            );
        }
    }

    /** The configuration block in force at the newest block, verified against `anchors`. */
    async config(anchors: TrustAnchors): Promise<ChannelConfig> {
        const newest = decodeBlock(await this.block(await this.newest()));
        const config = decodeBlock(await this.block(newest.lastConfig));
        return readChannelConfig(config, anchors, await this.successorOf(config));
    }

    /**
     * The block after an unsigned genesis block: the orderers never sign the genesis block, so it is
     * believed through block 1, which chains to it and carries their signature (channel-config.ts).
     */
    async successorOf(config: DecodedBlock): Promise<DecodedBlock | undefined> {
        return config.number === 0 && config.signatures.length === 0 ? decodeBlock(await this.block(1)) : undefined;
    }

    private async call(name: string, ...args: string[]): Promise<Uint8Array> {
        try {
            return await this.qscc.evaluateTransaction(name, this.network.getName(), ...args);
        } catch (error) {
            throw ledgerError(error, 'evaluate', `qscc ${name}`, this.endpoint);
        }
    }
}

/**
 * A read the gateway peer cannot forge: the query is endorsed (never submitted) by as many
 * organisations' peers as the chaincode's endorsement policy needs, and its response is taken from
 * the endorsed proposal response only once every endorsement verifies against the channel
 * configuration, the endorsing organisations satisfy the policy, and the response answers this very
 * proposal (its proposal hash). Anything else is UNVERIFIED_READ naming the check that failed.
 */
export function verifiedResult(
    contract: Contract,
    config: ChannelConfig,
    transaction: string,
    proposal: Proposal,
    endorsed: { getBytes(): Uint8Array },
): { payload: string; envelope: Uint8Array } {
    try {
        const envelope = preparedEnvelope(endorsed.getBytes());
        const tx = decodeTransaction(envelope);
        const sent = decodeProposedTransaction(proposal.getBytes());
        if (tx.txId !== sent.txId || !tx.proposalHash.equals(sent.proposalHash)) {
            throw new LedgerError('UNVERIFIED_READ', `${transaction}: the endorsed response answers another proposal`);
        }
        if (tx.chaincode !== contract.getChaincodeName()) {
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
        return { payload: tx.response.payload.toString('utf8'), envelope };
    } catch (error) {
        if (isSealpactError(error) && error.code !== 'UNVERIFIED_READ') {
            throw new LedgerError('UNVERIFIED_READ', `${transaction}: ${error.message}`);
        }
        throw error;
    }
}

/**
 * The envelope inside what @hyperledger/fabric-gateway's Transaction.getBytes() gives for an
 * endorsed, unsubmitted proposal (a gateway.PreparedTransaction): the transaction the endorsers
 * answered, which need not be the one asked about (verifiedResult checks that).
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
