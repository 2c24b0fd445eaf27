import { createPrivateKey } from 'node:crypto';

/**
 * The confidentiality check of the web app's tests (issue 12): find a secret in recorded traffic
 * and logs in any form a leak could take: its raw bytes, hex (either case), base64 or base64url
 * (starting at any byte of a longer encoded run, so at each of the three alignments), and, for a
 * private key, its PKCS#8 DER and its private scalar; line breaks are ignored, so PEM is caught too.
 */

export interface Secret {
    /** What it is, for the report: "bob's SM2 encryption key". */
    name: string;
    bytes: Uint8Array;
}

/** Shorter secrets would match by chance in megabytes of ciphertext. */
const MIN_SECRET_BYTES = 16;

/** The byte strings that betray `secret` when found anywhere in a record. */
export function encodings(secret: Uint8Array): Array<{ encoding: string; text: Buffer }> {
    const bytes = Buffer.from(secret);
    if (bytes.length < MIN_SECRET_BYTES) {
        throw new Error(`a secret of ${bytes.length} bytes is too short to scan for`);
    }
    const hex = bytes.toString('hex');
    const found = [
        { encoding: 'raw', text: bytes },
        { encoding: 'hex', text: Buffer.from(hex) },
        { encoding: 'HEX', text: Buffer.from(hex.toUpperCase()) },
    ];
    for (const alphabet of ['base64', 'base64url'] as const) {
        for (const offset of [0, 1, 2]) {
            // Encoded after `offset` other bytes, the secret starts mid-character: keep only the
            // characters made of its own bits.
            const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(alphabet);
            const first = Math.ceil((offset * 8) / 6);
            const end = Math.floor(((offset + bytes.length) * 8) / 6);
            found.push({ encoding: `${alphabet} at offset ${offset}`, text: Buffer.from(encoded.slice(first, end)) });
        }
    }
    return found;
}

/** A private key's secrets: its PKCS#8 DER and its private scalar (from PEM, as Fabric's keystore holds it). */
export function privateKeySecrets(name: string, pem: string): Secret[] {
    const key = createPrivateKey(pem);
    const d = key.export({ format: 'jwk' }).d;
    if (d === undefined) throw new Error(`${name} is not an EC private key`);
    return [
        { name: `${name} (PKCS#8)`, bytes: key.export({ format: 'der', type: 'pkcs8' }) },
        { name: `${name} (private scalar)`, bytes: Buffer.from(d, 'base64url') },
    ];
}

/** Each record as recorded, and without line breaks (raw or JSON-escaped), which PEM and wrapped base64 insert. */
function views(record: Buffer): Buffer[] {
    return [record, Buffer.from(record.toString('latin1').replace(/\r|\n|\\r|\\n/g, ''), 'latin1')];
}

/** Every place a secret shows: "<name> as <encoding> in <record>"; empty when none leaked. */
export function findLeaks(records: ReadonlyMap<string, Buffer>, secrets: readonly Secret[]): string[] {
    const leaks: string[] = [];
    const forms = secrets.map((secret) => ({ name: secret.name, forms: encodings(secret.bytes) }));
    for (const [where, record] of records) {
        const texts = views(record);
        for (const { name, forms: list } of forms) {
            for (const { encoding, text } of list) {
                if (texts.some((view) => view.includes(text))) leaks.push(`${name} as ${encoding} in ${where}`);
            }
        }
    }
    return leaks;
}
