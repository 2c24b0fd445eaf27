import { common, orderer } from '@hyperledger/fabric-protos';
import { decodeBlock } from '../verify/blocks';
import { ChannelBlocks } from '../sdk/verified-read';
import { decode, protoMap, required } from '../verify/protobuf';

/**
 * The orderers' batch settings in force on the channel, read from its newest configuration block:
 * what the benchmark ran with, which need not be topology.json's (the genesis block took those
 * when the network was made; a network made earlier keeps its own until a channel update).
 */
export interface BatchSettings {
    timeout: string;
    maxMessageCount: number;
    preferredMaxBytes: number;
    absoluteMaxBytes: number;
}

export async function channelBatchSettings(blocks: ChannelBlocks): Promise<BatchSettings> {
    const newest = decodeBlock(await blocks.block(await blocks.newest()));
    const block = decodeBlock(await blocks.block(newest.lastConfig));
    const [data] = block.data;
    if (data === undefined) throw new Error(`configuration block ${block.number} is empty`);
    const what = `configuration block ${block.number}`;
    const payload = decode(common.Payload, decode(common.Envelope, data, what).getPayload_asU8(), what);
    const config = required(decode(common.ConfigEnvelope, payload.getData_asU8(), what).getConfig(), what);
    const channel = required(config.getChannelGroup(), `${what}'s channel group`);
    const ordererGroup = required(
        protoMap<common.ConfigGroup>(channel.getGroupsMap()).get('Orderer'),
        `${what}'s Orderer`,
    );
    const values = protoMap<common.ConfigValue>(ordererGroup.getValuesMap());
    const value = (name: string) => required(values.get(name), `${what}'s Orderer ${name}`).getValue_asU8();
    const size = orderer.BatchSize.deserializeBinary(value('BatchSize'));
    return {
        timeout: orderer.BatchTimeout.deserializeBinary(value('BatchTimeout')).getTimeout(),
        maxMessageCount: size.getMaxMessageCount(),
        preferredMaxBytes: size.getPreferredMaxBytes(),
        absoluteMaxBytes: size.getAbsoluteMaxBytes(),
    };
}

/** "batch timeout 250ms, blocks of up to 500 transactions or 2 MiB" */
export function describeBatch(batch: BatchSettings): string {
    const kib = batch.preferredMaxBytes / 1024;
    const size = kib >= 1024 ? `${(kib / 1024).toFixed(kib % 1024 === 0 ? 0 : 1)} MiB` : `${kib.toFixed(0)} KiB`;
    return `batch timeout ${batch.timeout}, blocks of up to ${batch.maxMessageCount} transactions or ${size}`;
}
