import { peer } from '@hyperledger/fabric-protos';
import { Context } from 'fabric-contract-api';
import { ChaincodeError } from '@sealpact/protocol';

/**
 * The chaincode name the transaction proposal is addressed to, read from the proposal's channel
 * header extension (ChaincodeHeaderExtension { ChaincodeID chaincode_id = 2 }, ChaincodeID
 * { string name = 2 }) with the protobuf classes fabric-shim itself uses.
 */
export function chaincodeName(ctx: Context): string {
    const signed = ctx.stub.getSignedProposal() as unknown as ShimSignedProposal | undefined;
    const extension = signed?.proposal?.header?.channelHeader?.getExtension_asU8?.();
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

/**
 * What fabric-shim's ChaincodeStub.getSignedProposal really returns, as far as read here; its typings
 * do not match: there is no signed proposal when the stub was made without one, and the channel
 * header is a protobuf message object.
 */
interface ShimSignedProposal {
    proposal?: { header?: { channelHeader?: { getExtension_asU8?: () => Uint8Array } } };
}
