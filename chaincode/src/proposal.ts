import { Context } from 'fabric-contract-api';
import { SealpactError } from './lib/errors';

/**
 * The chaincode name the transaction proposal is addressed to, read from the proposal's channel
 * header extension (ChaincodeHeaderExtension { ChaincodeID chaincode_id = 2 }, ChaincodeID
 * { string name = 2 }). fabric-shim exposes the channel header as a protobuf message object whose
 * typings do not match, hence the narrow structural type; the bytes are decoded here to avoid a
 * protobuf dependency for two fields.
 */
export function chaincodeName(ctx: Context): string {
    const header = ctx.stub.getSignedProposal()?.proposal?.header?.channelHeader as unknown as
        { getExtension_asU8?: () => Uint8Array } | undefined;
    const extension = header?.getExtension_asU8?.();
    const chaincodeId = extension && lengthDelimitedField(extension, 2);
    const name = chaincodeId && lengthDelimitedField(chaincodeId, 2);
    if (!name || name.length === 0) {
        throw new SealpactError('BAD_ARGUMENT', 'the proposal does not name its chaincode');
    }
    return Buffer.from(name).toString('utf8');
}

/** The last occurrence of a length-delimited protobuf field, or undefined. */
function lengthDelimitedField(bytes: Uint8Array, fieldNumber: number): Uint8Array | undefined {
    let found: Uint8Array | undefined;
    let offset = 0;
    const varint = (): number => {
        let value = 0;
        for (let shift = 0; shift < 35; shift += 7) {
            if (offset >= bytes.length) {
                throw new SealpactError('BAD_ARGUMENT', 'truncated protobuf in the proposal');
            }
            const byte = bytes[offset++];
            value += (byte & 0x7f) * 2 ** shift;
            if (byte < 0x80) {
                return value;
            }
        }
        throw new SealpactError('BAD_ARGUMENT', 'overlong varint in the proposal');
    };
    while (offset < bytes.length) {
        const tag = varint();
        const wireType = tag & 7;
        if (wireType === 0) {
            varint();
        } else if (wireType === 1 || wireType === 5) {
            offset += wireType === 1 ? 8 : 4;
        } else if (wireType === 2) {
            const length = varint();
            if (Math.floor(tag / 8) === fieldNumber) {
                found = bytes.subarray(offset, offset + length);
            }
            offset += length;
        } else {
            throw new SealpactError('BAD_ARGUMENT', `unexpected protobuf wire type ${wireType} in the proposal`);
        }
    }
    return found;
}
