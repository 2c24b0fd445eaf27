import { Contract, Network, Proposal } from '@hyperledger/fabric-gateway';
import {
    channelConfigOf,
    ChannelConfig,
    DecodedBlock,
    decodeProposedTransaction,
    newestOfChainInfo,
    successorOf,
    TrustAnchors,
    verifiedAnswer,
} from '@sealpact/protocol/fabric';
import '../verify/node-x509';
import { ledgerError } from './ledger-errors';

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
        return newestOfChainInfo(await this.call('GetChainInfo'), this.endpoint);
    }

    /** The configuration block in force at the newest block, verified against `anchors`. */
    config(anchors: TrustAnchors): Promise<ChannelConfig> {
        return channelConfigOf(this, anchors);
    }

    /** The block after an unsigned genesis block, which it is believed through (channel-config.ts). */
    successorOf(config: DecodedBlock): Promise<DecodedBlock | undefined> {
        return successorOf(this, config);
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
 * A read the gateway peer cannot forge: the query endorsed (never submitted) by as many
 * organisations' peers as the chaincode's endorsement policy needs, its response believed only as
 * @sealpact/protocol/fabric's verifiedAnswer decides (UNVERIFIED_READ naming the failed check).
 */
export function verifiedResult(
    contract: Contract,
    config: ChannelConfig,
    transaction: string,
    proposal: Proposal,
    endorsed: { getBytes(): Uint8Array },
): { payload: string; envelope: Uint8Array } {
    const answer = verifiedAnswer(
        config,
        contract.getChaincodeName(),
        transaction,
        decodeProposedTransaction(proposal.getBytes()),
        endorsed.getBytes(),
    );
    return { payload: Buffer.from(answer.payload).toString('utf8'), envelope: answer.envelope };
}
