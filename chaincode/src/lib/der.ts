import { SealpactError } from './errors';

/** DER tags Sealpact reads. */
export const DER_INTEGER = 0x02;
export const DER_OCTET_STRING = 0x04;
export const DER_SEQUENCE = 0x30;

/**
 * A strict reader for the few fixed DER structures Sealpact parses (GM/T 0009 SM2 ciphertexts and
 * signatures, the SM2 PKCS#8 private key). It is not a general ASN.1 parser: single-byte tags only,
 * definite lengths of at most two length bytes in their shortest form, and INTEGERs that are
 * non-negative and minimally encoded, so every accepted value has exactly one encoding.
 * Every deviation throws a SealpactError with the code and subject given to the constructor;
 * messages name byte offsets and tags, never content.
 */
export class DerReader {
    private pos = 0;

    constructor(
        private readonly bytes: Buffer,
        private readonly code: string,
        private readonly subject: string,
        private readonly base = 0,
    ) {}

    /** The contents of the next element, which must carry `tag`. */
    read(tag: number): Buffer {
        const at = this.base + this.pos;
        if (this.bytes[this.pos] !== tag) {
            this.fail(`expected tag 0x${tag.toString(16)} at byte ${at}`);
        }
        let length = this.bytes[this.pos + 1];
        let header = 2;
        if (length === undefined) {
            this.fail(`truncated at byte ${at}`);
        }
        if (length >= 0x80) {
            const count = length - 0x80;
            if (count < 1 || count > 2 || this.pos + 2 + count > this.bytes.length) {
                this.fail(`unsupported or truncated length at byte ${at}`);
            }
            length = this.bytes.readUIntBE(this.pos + 2, count);
            // DER: the long form only when needed, with no leading zero byte.
            if (length < 0x80 || (count === 2 && length < 0x100)) {
                this.fail(`non-minimal length at byte ${at}`);
            }
            header += count;
        }
        const start = this.pos + header;
        if (start + length > this.bytes.length) {
            this.fail(`element at byte ${at} runs past the end`);
        }
        this.pos = start + length;
        return this.bytes.subarray(start, this.pos);
    }

    /** A reader over the contents of the next SEQUENCE. */
    sequence(): DerReader {
        const contents = this.read(DER_SEQUENCE);
        return new DerReader(contents, this.code, this.subject, this.base + this.pos - contents.length);
    }

    /** The next INTEGER, which must be non-negative and minimally encoded. */
    integer(): bigint {
        const at = this.base + this.pos;
        const value = this.read(DER_INTEGER);
        if (value.length === 0 || (value[0] & 0x80) !== 0) {
            this.fail(`INTEGER at byte ${at} is empty or negative`);
        }
        if (value.length > 1 && value[0] === 0 && (value[1] & 0x80) === 0) {
            this.fail(`INTEGER at byte ${at} has a superfluous leading zero`);
        }
        return BigInt(`0x${value.toString('hex')}`);
    }

    /** The next OCTET STRING's contents. */
    octets(): Buffer {
        return this.read(DER_OCTET_STRING);
    }

    /** Throw unless every byte has been read. */
    end(): void {
        if (this.pos !== this.bytes.length) {
            this.fail(`unexpected bytes after byte ${this.base + this.pos}`);
        }
    }

    private fail(why: string): never {
        throw new SealpactError(this.code, `${this.subject} is not valid DER: ${why}`);
    }
}
