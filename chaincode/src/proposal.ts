import { peer } from '@hyperledger/fabric-protos';
import { Context } from 'fabric-contract-api';
import { ChaincodeError } from '@sealpact/protocol';

/**
 * The chaincode name the transaction proposal is addressed to, read from the proposal's channel
 * header extension (ChaincodeHeaderExtension { ChaincodeID chaincode_id = 2 }, ChaincodeID
 * { string name = 2 }) with the protobuf classes fabric-shim itself uses. fabric-shim exposes the
 * channel header as a message object whose typings do not match, hence the narrow structural type.
 */
export function chaincodeName(ctx: Context): string {
    const header = ctx.stub.getSignedProposal()?.proposal?.header?.channelHeader as unknown as
        { getExtension_asU8?: () => Uint8Array } | undefined;
    const extension = header?.getExtension_asU8?.();
    let name: string | undefined;
    try {
        name = extension && peer.ChaincodeHeaderExtension.deserializeBinary(extension).getChaincodeId()?.getName();
    } catch {
        throw new ChaincodeError('BAD_ARGUMENT', 'the proposal header extension is not valid protobuf');
    }
    if (!name) {
        throw new ChaincodeError('BAD_ARGUMENT', 'the proposal does not name its chaincode');
    }
    return name;
}
