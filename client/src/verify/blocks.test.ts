import { createHash } from 'node:crypto';
import { common } from '@hyperledger/fabric-protos';
import { DerReader } from '@sealpact/protocol';
import { expectError } from '../../../protocol/src/test-support/expect-error';
import {
    blockOne,
    chain,
    channelConfig,
    flip,
    genesis,
    manifest,
    networkFile,
    signBlock,
    strangerOrderer,
} from '../test-support/verify-fixtures';
import {
    blockHeaderBytes,
    DecodedBlock,
    decodeBlock,
    findTransaction,
    headerOnly,
    verifyBlockSignature,
    verifyChain,
    verifyDataHash,
} from './blocks';

const config = channelConfig();
const blocks = chain();
const last = blocks[blocks.length - 1] as DecodedBlock;

/** A block as a stranger orderer signs it, claiming `mspId`. */
function signedByStranger(block: DecodedBlock, mspId: string): DecodedBlock {
    const proto = common.Block.deserializeBinary(block.raw);
    signBlock(proto, strangerOrderer, mspId);
    return decodeBlock(proto.serializeBinary());
}

describe('decodeBlock on blocks captured from the network', () => {
    it('reads the header, the envelopes, the validation codes, the last config and the orderer signature', () => {
        expect(blocks.map((block) => block.number)).toEqual(manifest.blocks);
        for (const block of blocks) {
            expect(block.data.length).toBeGreaterThan(0);
            expect(block.validationCodes).toHaveLength(block.data.length);
            expect(block.lastConfig).toBe(0);
            expect(block.signatures.map((signature) => signature.creator.mspId)).toEqual(['OrdererMSP']);
            expect(block.signatures[0]?.creator.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
            expect(Buffer.from(block.raw).equals(networkFile(`block-${block.number}.block`))).toBe(true);
        }
        // The hash is SHA-256 of the header's DER, as the next block's previous hash proves.
        const [first, second] = blocks as [DecodedBlock, DecodedBlock];
        expect(second.previousHash).toEqual(first.hash);
        expect(Buffer.from(first.hash).equals(createHash('sha256').update(blockHeaderBytes(first)).digest())).toBe(
            true,
        );
    });

    it('encodes the header as Fabric does: SEQUENCE { INTEGER, OCTET STRING, OCTET STRING }', () => {
        const empty = Buffer.alloc(0);
        expect(Buffer.from(blockHeaderBytes({ number: 0, previousHash: empty, dataHash: empty })).toString('hex')).toBe(
            '300702010004000400',
        );
        expect(
            Buffer.from(blockHeaderBytes({ number: 128, previousHash: empty, dataHash: Buffer.alloc(32, 7) })).toString(
                'hex',
            ),
        ).toBe(`30280202008004000420${'07'.repeat(32)}`);
        // Long lengths, read back with the strict DER reader.
        const long = { number: 2 ** 40 + 1, previousHash: Buffer.alloc(200, 1), dataHash: Buffer.alloc(300, 2) };
        const sequence = new DerReader(blockHeaderBytes(long), 'BAD_BLOCK', 'the header').sequence();
        expect(sequence.integer()).toBe(BigInt(long.number));
        expect(Buffer.from(sequence.octets()).equals(long.previousHash)).toBe(true);
        expect(Buffer.from(sequence.octets()).equals(long.dataHash)).toBe(true);
        expect(() => sequence.end()).not.toThrow();
    });

    it('reads the unsigned genesis block and the header-only block 1 chained to it', () => {
        const zero = genesis();
        const one = blockOne();
        expect(zero.signatures).toHaveLength(0);
        expect(zero.previousHash).toHaveLength(0);
        expect(one.data).toHaveLength(0);
        expect(() => verifyChain([one, zero])).not.toThrow();
        expect(() => verifyBlockSignature(one, config)).not.toThrow();
    });

    it('refuses bytes that are not a block with BAD_PROTOBUF', () => {
        expectError(() => decodeBlock(Buffer.from('not a block at all')), 'BAD_PROTOBUF', /the block/);
        expectError(
            () => decodeBlock(new common.Block().serializeBinary()),
            'BAD_PROTOBUF',
            /the block header is missing/,
        );
    });
});

describe('verifyDataHash', () => {
    it('accepts the captured blocks', () => {
        for (const block of blocks) {
            expect(() => verifyDataHash(block)).not.toThrow();
        }
    });

    it('refuses a block whose envelope changed by one bit with BAD_BLOCK', () => {
        const [envelope, ...rest] = last.data as [Buffer, ...Buffer[]];
        expectError(
            () => verifyDataHash({ ...last, data: [flip(envelope), ...rest] }),
            'BAD_BLOCK',
            `block ${last.number}'s data hash does not cover its transactions`,
        );
    });

    it('refuses a block with an envelope dropped or added with BAD_BLOCK', () => {
        const withTwo = blocks.find((block) => block.data.length > 1) as DecodedBlock;
        expectError(() => verifyDataHash({ ...withTwo, data: withTwo.data.slice(1) }), 'BAD_BLOCK', /data hash/);
        expectError(() => verifyDataHash({ ...last, data: [...last.data, ...last.data] }), 'BAD_BLOCK', /data hash/);
    });

    it('refuses a header-only block with BAD_BLOCK', () => {
        expectError(() => verifyDataHash(blockOne()), 'BAD_BLOCK', 'block 1 carries no transactions (a header only)');
    });
});

describe('verifyBlockSignature', () => {
    it('accepts the orderer signature of each captured block', () => {
        for (const block of blocks) {
            expect(() => verifyBlockSignature(block, config)).not.toThrow();
        }
    });

    it('refuses a signature with one bit flipped with BAD_BLOCK_SIGNATURE naming the block and the signer', () => {
        const [signature] = last.signatures as [DecodedBlock['signatures'][number]];
        const broken = { ...last, signatures: [{ ...signature, signature: flip(signature.signature, 20) }] };
        expectError(
            () => verifyBlockSignature(broken, config),
            'BAD_BLOCK_SIGNATURE',
            new RegExp(
                `block ${last.number} has no orderer signature that verifies .*OrdererMSP CN=orderer\\d\\.example\\.com`,
            ),
        );
    });

    it('refuses a header changed under the signature (previous hash, data hash, number)', () => {
        for (const changed of [
            { previousHash: flip(last.previousHash) },
            { dataHash: flip(last.dataHash) },
            { number: last.number + 1 },
        ]) {
            expectError(
                () => verifyBlockSignature({ ...last, ...changed }, config),
                'BAD_BLOCK_SIGNATURE',
                /does not verify/,
            );
        }
        expectError(
            () => verifyBlockSignature({ ...last, signatureMetadata: flip(last.signatureMetadata) }, config),
            'BAD_BLOCK_SIGNATURE',
            /does not verify/,
        );
    });

    it("refuses a block signed by a stranger CA's orderer claiming OrdererMSP", () => {
        expectError(
            () => verifyBlockSignature(signedByStranger(last, 'OrdererMSP'), config),
            'BAD_BLOCK_SIGNATURE',
            /OrdererMSP CN=orderer\.stranger\.example\.com: the certificate does not chain to a CA of OrdererMSP/,
        );
    });

    it('refuses a block signed as an organisation that is not an orderer organisation', () => {
        expectError(
            () => verifyBlockSignature(signedByStranger(last, 'Org1MSP'), config),
            'BAD_BLOCK_SIGNATURE',
            /Org1MSP is not an orderer organisation of channel contracts/,
        );
    });

    it('refuses a block without signatures', () => {
        expectError(
            () => verifyBlockSignature(genesis(), config),
            'BAD_BLOCK_SIGNATURE',
            'block 0 has no orderer signature that verifies (it carries none)',
        );
    });
});

describe('verifyChain', () => {
    it('accepts the captured blocks in any order', () => {
        expect(() => verifyChain([...blocks].reverse())).not.toThrow();
    });

    it('refuses a range with a block missing with BROKEN_CHAIN naming it', () => {
        const [first, , ...rest] = blocks as [DecodedBlock, DecodedBlock, ...DecodedBlock[]];
        expectError(() => verifyChain([first, ...rest]), 'BROKEN_CHAIN', `block ${first.number + 1} is missing`);
    });

    it('refuses a block out of the chain (another previous hash) with BROKEN_CHAIN naming it', () => {
        const forged = blocks.map((block) =>
            block === last ? { ...last, previousHash: flip(last.previousHash) } : block,
        );
        expectError(
            () => verifyChain(forged),
            'BROKEN_CHAIN',
            `block ${last.number}'s previous hash is not the hash of block ${last.number - 1}`,
        );
    });

    it('refuses a block whose header changed, since its successor no longer chains to it', () => {
        const [first, ...rest] = blocks as [DecodedBlock, ...DecodedBlock[]];
        const proto = common.Block.deserializeBinary(first.raw);
        proto.getHeader()?.setDataHash(flip(first.dataHash));
        const forged = decodeBlock(proto.serializeBinary());
        expectError(() => verifyChain([forged, ...rest]), 'BROKEN_CHAIN', `block ${first.number + 1}'s previous hash`);
    });

    it('refuses a block given twice', () => {
        expectError(() => verifyChain([last, last]), 'BROKEN_CHAIN', `block ${last.number} is given twice`);
    });
});

describe('headerOnly', () => {
    it('drops the transactions and keeps what chains and is signed', () => {
        const header = decodeBlock(headerOnly(last));
        expect(header.data).toHaveLength(0);
        expect(header.hash).toEqual(last.hash);
        expect(header.validationCodes).toEqual(last.validationCodes);
        expect(header.raw.length).toBeLessThan(last.raw.length);
        expect(() => verifyBlockSignature(header, config)).not.toThrow();
        expect(() => verifyChain([...blocks.slice(0, -1), header])).not.toThrow();
    });
});

describe('findTransaction', () => {
    it('finds the RegisterKeys in its block with its validation code', () => {
        const found = findTransaction(last, manifest.registerKeys.txId);
        expect(found.transaction.txId).toBe(manifest.registerKeys.txId);
        expect(found.transaction.function).toBe('RegisterKeys');
        expect(found.validationCode).toBe(0);
    });

    it('exposes a validation code other than VALID for the caller to refuse (TX_NOT_VALID)', () => {
        const { index } = findTransaction(last, manifest.registerKeys.txId);
        const codes = [...last.validationCodes];
        codes[index] = 11; // MVCC_READ_CONFLICT
        expect(findTransaction({ ...last, validationCodes: codes }, manifest.registerKeys.txId).validationCode).toBe(
            11,
        );
    });

    it('refuses a transaction that is not in the block with BAD_BLOCK', () => {
        const [first] = blocks as [DecodedBlock];
        expectError(
            () => findTransaction(first, manifest.registerKeys.txId),
            'BAD_BLOCK',
            `transaction ${manifest.registerKeys.txId} is not in block ${first.number}`,
        );
    });

    it('refuses a block without a validation code for the transaction with BAD_BLOCK', () => {
        expectError(
            () => findTransaction({ ...last, validationCodes: [] }, manifest.registerKeys.txId),
            'BAD_BLOCK',
            /records no validation code/,
        );
    });
});
