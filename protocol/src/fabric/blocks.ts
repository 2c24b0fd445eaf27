import { equalBytes } from '../bytes';
import { EvidenceError } from '../errors';
import type { ChannelConfig } from './channel-config';
import { derElement, derUnsigned } from './der';
import { decodeIdentity, describeIdentity, Identity, nodeRole, signerProblem } from './identity';
import { concat, x509 } from './platform';
import { common } from './protos';
import { decode, required } from './protobuf';
import { DecodedTransaction, decodeTransaction, transactionIdOf } from './transactions';

/** An orderer's signature of a block (one entry of the SIGNATURES metadata). */
export interface BlockSignature {
    creator: Identity;
    /** The SignatureHeader as signed. */
    signatureHeader: Uint8Array;
    signature: Uint8Array;
}

export interface DecodedBlock {
    number: number;
    previousHash: Uint8Array;
    dataHash: Uint8Array;
    /** SHA-256 of the header's ASN.1 DER: what the next block's previousHash must be. */
    hash: Uint8Array;
    /** The transaction envelopes; empty in a header-only block (headerOnly). */
    data: Uint8Array[];
    /** Per transaction, its validation code (TxValidationCode; 0 is VALID), as the peer recorded it. */
    validationCodes: number[];
    /** The number of the configuration block in force for this block. */
    lastConfig: number;
    signatures: BlockSignature[];
    /** The SIGNATURES metadata's value (an OrdererBlockMetadata): the first part of what the orderers sign. */
    signatureMetadata: Uint8Array;
    raw: Uint8Array;
}

/** A transaction of a block, with the validation code the block's metadata gives it. */
export interface FoundTransaction {
    index: number;
    transaction: DecodedTransaction;
    validationCode: number;
}

const SIGNATURES = common.BlockMetadataIndex.SIGNATURES;
const TRANSACTIONS_FILTER = common.BlockMetadataIndex.TRANSACTIONS_FILTER;

/** Decode a common.Block (in full, or header-only); BAD_PROTOBUF names what does not decode. */
export function decodeBlock(bytes: Uint8Array): DecodedBlock {
    const block = decode(common.Block, bytes, 'the block');
    const header = required(block.getHeader(), 'the block header');
    const number = header.getNumber();
    const what = `block ${number}'s`;
    const metadata = required(block.getMetadata(), `${what} metadata`).getMetadataList_asU8();
    const signatures = decode(common.Metadata, metadata[SIGNATURES] ?? new Uint8Array(), `${what} signatures`);
    const signatureMetadata = signatures.getValue_asU8();
    const previousHash = header.getPreviousHash_asU8();
    const dataHash = header.getDataHash_asU8();
    return {
        number,
        previousHash,
        dataHash,
        hash: x509().sha256(blockHeaderBytes({ number, previousHash, dataHash })),
        data: block.getData()?.getDataList_asU8() ?? [],
        validationCodes: [...(metadata[TRANSACTIONS_FILTER] ?? [])],
        lastConfig:
            decode(common.OrdererBlockMetadata, signatureMetadata, `${what} orderer metadata`)
                .getLastConfig()
                ?.getIndex() ?? 0,
        signatures: signatures.getSignaturesList().map((signature, i) => {
            const signatureHeader = signature.getSignatureHeader_asU8();
            const creator = decode(common.SignatureHeader, signatureHeader, `${what} signature header ${i}`);
            return {
                creator: decodeIdentity(creator.getCreator_asU8(), `${what} signer ${i}`),
                signatureHeader,
                signature: signature.getSignature_asU8(),
            };
        }),
        signatureMetadata,
        raw: bytes,
    };
}

/** The block's data hash is Fabric 2.x's: SHA-256 over its envelopes, concatenated; else BAD_BLOCK. */
export function verifyDataHash(block: DecodedBlock): void {
    if (block.data.length === 0) {
        throw new EvidenceError('BAD_BLOCK', `block ${block.number} carries no transactions (a header only)`);
    }
    if (!equalBytes(x509().sha256(concat(...block.data)), block.dataHash)) {
        throw new EvidenceError('BAD_BLOCK', `block ${block.number}'s data hash does not cover its transactions`);
    }
}

/**
 * At least one of the block's signatures is an orderer's of the channel (an identity of an orderer
 * organisation of `config`, with the orderer role when its MSP enables NodeOUs) over what Fabric's
 * orderers sign: the SIGNATURES metadata value ‖ the signature header ‖ the header's DER (as
 * orderer/common/cluster's VerifyBlockSignature checks it). Else BAD_BLOCK_SIGNATURE naming the
 * block and why each signature failed. The signature covers neither the data (the header's data
 * hash does) nor the validation codes, which the committing peer writes.
 */
export function verifyBlockSignature(block: DecodedBlock, config: ChannelConfig): void {
    const header = blockHeaderBytes(block);
    const problems = block.signatures.map((signature, i) => {
        const { creator } = signature;
        const signed = concat(block.signatureMetadata, signature.signatureHeader, header);
        const problem = config.ordererOrgs.includes(creator.mspId)
            ? signerProblem(config, creator, nodeRole(config, creator.mspId, 'orderer'), signed, signature.signature)
            : `${creator.mspId} is not an orderer organisation of channel ${config.channel}`;
        return problem && `signature ${i} by ${describeIdentity(creator)}: ${problem}`;
    });
    if (!problems.includes(undefined)) {
        const why = problems.length > 0 ? problems.join('; ') : 'it carries none';
        throw new EvidenceError(
            'BAD_BLOCK_SIGNATURE',
            `block ${block.number} has no orderer signature that verifies (${why})`,
        );
    }
}

/**
 * The blocks, in number order, are consecutive and each one's previousHash is the hash of the one
 * before; else BROKEN_CHAIN naming the block.
 */
export function verifyChain(blocks: DecodedBlock[]): void {
    const sorted = [...blocks].sort((a, b) => a.number - b.number);
    for (const [i, block] of sorted.entries()) {
        const before = sorted[i - 1];
        if (before === undefined) {
            continue;
        }
        if (block.number === before.number) {
            throw new EvidenceError('BROKEN_CHAIN', `block ${block.number} is given twice`);
        }
        if (block.number !== before.number + 1) {
            throw new EvidenceError(
                'BROKEN_CHAIN',
                `block ${before.number + 1} is missing before block ${block.number}`,
            );
        }
        if (!equalBytes(block.previousHash, before.hash)) {
            throw new EvidenceError(
                'BROKEN_CHAIN',
                `block ${block.number}'s previous hash is not the hash of block ${before.number}`,
            );
        }
    }
}

/**
 * The block without its transactions, header and metadata kept: enough to chain blocks and check
 * the orderer's signature, for the blocks between those that matter.
 */
export function headerOnly(block: DecodedBlock): Uint8Array {
    const full = decode(common.Block, block.raw, `block ${block.number}`);
    full.setData(new common.BlockData());
    return full.serializeBinary();
}

/** The transaction `txId` of the block, its index and validation code; BAD_BLOCK if it is not there. */
export function findTransaction(block: DecodedBlock, txId: string): FoundTransaction {
    const index = block.data.findIndex((envelope) => transactionIdOf(envelope) === txId);
    const envelope = block.data[index];
    if (envelope === undefined) {
        throw new EvidenceError('BAD_BLOCK', `transaction ${txId} is not in block ${block.number}`);
    }
    const validationCode = block.validationCodes[index];
    if (validationCode === undefined) {
        throw new EvidenceError(
            'BAD_BLOCK',
            `block ${block.number} records no validation code for transaction ${txId}`,
        );
    }
    return { index, transaction: decodeTransaction(envelope), validationCode };
}

/**
 * Fabric's protoutil.BlockHeaderBytes, what the block hash is taken over and the orderers sign: the
 * ASN.1 DER of SEQUENCE { INTEGER number, OCTET STRING previous_hash, OCTET STRING data_hash }.
 */
export function blockHeaderBytes(header: Pick<DecodedBlock, 'number' | 'previousHash' | 'dataHash'>): Uint8Array {
    return derElement(
        0x30,
        concat(
            derUnsigned(BigInt(header.number)),
            derElement(0x04, header.previousHash),
            derElement(0x04, header.dataHash),
        ),
    );
}
