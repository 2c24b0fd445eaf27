import { bytesToHex } from './bytes';
import { ErrorCode, SealpactError } from './errors';

/** DER tags Sealpact reads. */
export const DER_INTEGER = 0x02;
export const DER_BIT_STRING = 0x03;
export const DER_OCTET_STRING = 0x04;
export const DER_NULL = 0x05;
export const DER_OID = 0x06;
export const DER_SEQUENCE = 0x30;

/**
 * A strict reader for the few fixed DER structures Sealpact parses (SubjectPublicKeyInfo, GM/T 0009
 * SM2 ciphertexts and signatures, PKCS#8 private keys and their PBES2 encryption). It is not a general ASN.1 parser:
 * single-byte tags only, definite lengths of at most two length bytes in their shortest form, and
 * INTEGERs that are non-negative and minimally encoded, so every accepted value has exactly one
 * encoding. Every deviation throws a SealpactError with the code and subject given to the
 * constructor; messages name byte offsets and tags, never content.
 */
export class DerReader {
    private pos = 0;

    constructor(
        private readonly bytes: Uint8Array,
        private readonly code: ErrorCode,
        private readonly subject: string,
        private readonly base = 0,
    ) {}

    /** The contents of the next element, which must carry `tag`. */
    read(tag: number): Uint8Array {
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
            length = this.bytes.subarray(this.pos + 2, this.pos + 2 + count).reduce((n, byte) => n * 256 + byte, 0);
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

    /** The tag of the next element, undefined at the end: for the OPTIONAL and DEFAULT fields of a structure. */
    peek(): number | undefined {
        return this.bytes[this.pos];
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
        const first = value[0];
        const second = value[1];
        if (first === undefined || (first & 0x80) !== 0) {
            this.fail(`INTEGER at byte ${at} is empty or negative`);
        }
        if (first === 0 && second !== undefined && (second & 0x80) === 0) {
            this.fail(`INTEGER at byte ${at} has a superfluous leading zero`);
        }
        return BigInt(`0x${bytesToHex(value)}`);
    }

    /** The next OCTET STRING's contents. */
    octets(): Uint8Array {
        return this.read(DER_OCTET_STRING);
    }

    /** The next BIT STRING's bits, which must fill whole bytes (as keys and signatures do). */
    bits(): Uint8Array {
        const at = this.base + this.pos;
        const value = this.read(DER_BIT_STRING);
        if (value[0] !== 0) {
            this.fail(`BIT STRING at byte ${at} does not hold whole bytes`);
        }
        return value.subarray(1);
    }

    /** The next OBJECT IDENTIFIER in dotted form (arcs of up to 53 bits, minimally encoded). */
    oid(): string {
        const at = this.base + this.pos;
        const value = this.read(DER_OID);
        const arcs: number[] = [];
        let arc = 0;
        for (const [i, byte] of value.entries()) {
            if (arc === 0 && byte === 0x80) {
                this.fail(`OBJECT IDENTIFIER at byte ${at} is not minimally encoded`);
            }
            arc = arc * 128 + (byte & 0x7f);
            if (!Number.isSafeInteger(arc)) {
                this.fail(`OBJECT IDENTIFIER at byte ${at} has an arc too large`);
            }
            if ((byte & 0x80) === 0) {
                arcs.push(arc);
                arc = 0;
            } else if (i === value.length - 1) {
                this.fail(`OBJECT IDENTIFIER at byte ${at} is truncated`);
            }
        }
        const [packed, ...rest] = arcs;
        if (packed === undefined) {
            this.fail(`OBJECT IDENTIFIER at byte ${at} is empty`);
        }
        // The first subidentifier packs the first two arcs: 40 * X + Y, X at most 2.
        const first = Math.min(Math.floor(packed / 40), 2);
        return [first, packed - 40 * first, ...rest].join('.');
    }

    /** The next NULL. */
    null(): void {
        const at = this.base + this.pos;
        if (this.read(DER_NULL).length !== 0) {
            this.fail(`NULL at byte ${at} is not empty`);
        }
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
