import { hexToBytes } from '@noble/hashes/utils';
import { kdf, sm2, sm3 } from 'sm-crypto-v2';
import { constantTimeEqual } from './bytes';
import { DerReader } from './der';
import { CryptoError } from './errors';
import { isSm2Point, PublicKeyInfo, sm2PointHex } from './publickey';

/*
 * SM2 envelopes, shared by the Node SDK and the browser: sm-crypto-v2 (on the audited
 * @noble/curves) does the curve arithmetic on both, so an envelope is sealed and opened by the
 * same code everywhere.
 */

/** sm-crypto-v2's cipherMode for the C1||C3||C2 order of GM/T 0003.4-2012 and GB/T 32918.4-2016. */
const C1C3C2 = 1;
const SM3_LENGTH = 32;

/**
 * SM2 public-key encryption (GM/T 0003.4) with k from the CSPRNG, returned as the GM/T 0009 DER
 * SEQUENCE { INTEGER x1, INTEGER y1, OCTET STRING C3, OCTET STRING C2 } that OpenSSL reads.
 */
export function sm2Seal(recipient: PublicKeyInfo, plaintext: Uint8Array): Uint8Array {
    return hexToBytes(sm2.doEncrypt(plaintext, recipientPoint(recipient), C1C3C2, { asn1: true }));
}

/**
 * Senders seal to the same few signers again and again. A window table for a recipient's point
 * costs about 13 seals' worth of time once and makes each later k·P about four times faster, so
 * it is built on the second seal to a key and kept for the most recent recipients.
 */
const PRECOMPUTED_RECIPIENTS = 64;
const recipients = new Map<string, ReturnType<typeof sm2.precomputePublicKey> | 'seen'>();

function recipientPoint(recipient: PublicKeyInfo): string | ReturnType<typeof sm2.precomputePublicKey> {
    const pointHex = sm2PointHex(recipient.spki);
    const known = recipients.get(recipient.fingerprint);
    recipients.delete(recipient.fingerprint); // re-inserted last: the Map's order is recency
    const entry = known === undefined ? 'seen' : known === 'seen' ? sm2.precomputePublicKey(pointHex) : known;
    recipients.set(recipient.fingerprint, entry);
    if (recipients.size > PRECOMPUTED_RECIPIENTS) {
        recipients.delete(recipients.keys().next().value as string);
    }
    return entry === 'seen' ? pointHex : entry;
}

/**
 * Open a GM/T 0009 DER SM2 ciphertext. Throws BAD_ENVELOPE when the DER is not canonical or C1
 * is not a point on the curve, ENVELOPE_OPEN_FAILED when C3 does not match (wrong key, tampering).
 */
export function sm2Open(scalarHex: string, envelope: Uint8Array): Uint8Array {
    const reader = new DerReader(envelope, 'BAD_ENVELOPE', 'SM2 envelope');
    const fields = reader.sequence();
    reader.end();
    const x = fields.integer();
    const y = fields.integer();
    const c3 = fields.octets();
    const c2 = fields.octets();
    fields.end();
    if (c3.length !== SM3_LENGTH) {
        throw new CryptoError('BAD_ENVELOPE', `SM2 envelope: C3 is ${c3.length} bytes, not ${SM3_LENGTH}`);
    }
    if (c2.length === 0) {
        throw new CryptoError('BAD_ENVELOPE', 'SM2 envelope: C2 is empty; an envelope always holds a password');
    }
    // An off-curve C1 invites invalid-curve attacks on d: refuse it before any multiplication.
    const c1 = coordinateHex(x) + coordinateHex(y);
    if (!isSm2Point(`04${c1}`)) {
        throw new CryptoError('BAD_ENVELOPE', 'SM2 envelope: C1 is not a point on the SM2 curve');
    }
    const plaintext = decryptWithSharedPoint(scalarHex, c1, c2, c3);
    if (plaintext === undefined) {
        throw new CryptoError(
            'ENVELOPE_OPEN_FAILED',
            'SM2 envelope does not open with this key (wrong key or altered)',
        );
    }
    return plaintext;
}

/**
 * GM/T 0003.4 decryption, steps B3–B7: (x2, y2) = d·C1 by @noble/curves' constant-time
 * multiplication (through sm-crypto-v2), t = KDF(x2 ‖ y2), M = C2 ⊕ t, and C3 = SM3(x2 ‖ M ‖ y2)
 * compared in constant time. y2 is computed, never guessed from x2: an x-only ECDH would leave
 * two candidates, and accepting either made −C1 open too, which OpenSSL refuses.
 */
function decryptWithSharedPoint(
    scalarHex: string,
    c1Hex: string,
    c2: Uint8Array,
    c3: Uint8Array,
): Uint8Array | undefined {
    const shared = sm2.ecdh(scalarHex, `04${c1Hex}`, false).subarray(1); // x2 ‖ y2
    const t = kdf(shared, c2.length);
    if (t.every((byte) => byte === 0)) {
        return undefined; // B4: an all-zero key stream is an error, not a key
    }
    const message = c2.map((byte, i) => byte ^ (t[i] ?? 0)); // t is as long as c2
    const input = new Uint8Array(shared.length + message.length);
    input.set(shared.subarray(0, 32));
    input.set(message, 32);
    input.set(shared.subarray(32), 32 + message.length);
    const u = hexToBytes(sm3(input));
    shared.fill(0);
    t.fill(0);
    input.fill(0);
    return constantTimeEqual(u, c3) ? message : undefined;
}

/** A field element as 64 hex digits; larger values cannot be coordinates. */
function coordinateHex(value: bigint): string {
    const hex = value.toString(16).padStart(64, '0');
    if (hex.length !== 64) {
        throw new CryptoError('BAD_ENVELOPE', 'SM2 envelope: C1 coordinate is longer than 256 bits');
    }
    return hex;
}
