import { EvidenceError, LedgerError } from '@sealpact/protocol';
import {
    caFingerprintsOfPem,
    channelConfigOf,
    ChannelConfig,
    newestOfChainInfo,
    proposalIdOf,
    text,
    TrustAnchors,
    verifiedAnswer,
} from '@sealpact/protocol/fabric';
import './x509';

/**
 * Verified reads in the browser, with the SDK's checks (@sealpact/protocol/fabric): a query is
 * endorsed by the peers the chaincode's policy needs and its answer believed only once the
 * endorsements verify against the channel configuration, itself believed only against the trust
 * anchors the user imported. The gateway relays the bytes; a lie in them is UNVERIFIED_READ.
 */

/** What a verified read asks of the gateway session (gateway-client.ts). */
export interface ReadRelay {
    readonly channel: string;
    readonly chaincode: string;
    /** The proposal this page signed, and the endorsed, unsubmitted transaction that answers it. */
    endorsedQuery(transaction: string, args: string[]): Promise<{ proposal: Uint8Array; prepared: Uint8Array }>;
    /** A query of qscc (blocks), answered in bytes. */
    systemQuery(transaction: string, args: string[]): Promise<Uint8Array>;
}

export class VerifiedReads {
    private config: Promise<ChannelConfig> | undefined;

    constructor(
        private readonly relay: ReadRelay,
        private readonly anchors: TrustAnchors,
    ) {}

    /** The chaincode's answer to `transaction`, parsed as JSON, once it verified. */
    async read<T>(transaction: string, args: string[]): Promise<T> {
        const config = await this.channelConfig();
        const { proposal, prepared } = await this.relay.endorsedQuery(transaction, args);
        const answer = verifiedAnswer(config, this.relay.chaincode, transaction, proposalIdOf(proposal), prepared);
        return JSON.parse(text(answer.payload)) as T;
    }

    /** The channel configuration in force, fetched once and believed only against the trust anchors. */
    channelConfig(): Promise<ChannelConfig> {
        const { channel } = this.relay;
        const source = {
            newest: async () =>
                newestOfChainInfo(await this.relay.systemQuery('GetChainInfo', [channel]), 'the gateway'),
            block: (number: number) => this.relay.systemQuery('GetBlockByNumber', [channel, String(number)]),
        };
        this.config ??= channelConfigOf(source, this.anchors).catch((error: unknown) => {
            this.config = undefined; // the next read tries again
            throw error instanceof EvidenceError
                ? new LedgerError('UNVERIFIED_READ', `the channel configuration: ${error.message}`)
                : error;
        });
        return this.config;
    }
}

/**
 * Trust anchors from `<MSPID>.pem` files, as the SDK's trust anchor folder holds them (each the CA
 * certificates of one organisation); other files are ignored. BAD_TRUST_ANCHORS when none is such
 * a file or one holds anything but CA certificates.
 */
export function trustAnchorsFromFiles(files: { name: string; text: string }[]): TrustAnchors {
    const pems = files.filter((file) => file.name.endsWith('.pem'));
    if (pems.length === 0) {
        throw new EvidenceError('BAD_TRUST_ANCHORS', 'the trust anchors hold no <MSPID>.pem file');
    }
    return new Map(pems.map((file) => [file.name.slice(0, -'.pem'.length), caFingerprintsOfPem(file.text, file.name)]));
}
