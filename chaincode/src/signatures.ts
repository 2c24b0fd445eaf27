import { Context } from 'fabric-contract-api';
import { credentialOf, loadFile, requireVisible } from './files';
import { Caller } from './identity';
import { activeKey, requireParty } from './registry';
import {
    canonicalJson,
    ChaincodeError,
    EVENTS,
    KeyRecord,
    parsePublicKey,
    parseSigningStatement,
    SignatureRecord,
    SignatureRecordV3,
    signingStatement,
    SigningStatementFields,
} from '@sealpact/protocol';
import { verifySignature } from './verify';
import { KEY_TYPES, readAll, readRecord, recordTime, stateKey, writeRecord } from './state';
import * as validate from './validate';

/** Contract signatures over the canonical signing statement. */

function signatureKey(ctx: Context, fileId: string, partyId: string): string {
    return stateKey(ctx, KEY_TYPES.signature, fileId, partyId);
}

/**
 * Record the caller's signature of a file. The statement (v2 only) must name this file, its digest
 * algorithm and ciphertext digest on record, the caller and its active signing key, and the
 * signature must verify with that key. The plaintext commitment is keyed by a secret the ledger
 * never sees, so only its form is checked. One signature per party and file.
 */
export async function signContract(
    ctx: Context,
    caller: Caller,
    fileId: string,
    statement: string,
    signatureArg: string,
): Promise<SignatureRecordV3> {
    const party = await requireParty(ctx, caller);
    const file = await loadFile(ctx, fileId);
    const credential = await credentialOf(ctx, file.fileId, party.partyId);
    if (credential?.status !== 'active') {
        throw new ChaincodeError('ACCESS_DENIED', `${party.partyId} holds no active credential for ${file.fileId}`);
    }
    if (await readRecord<SignatureRecord>(ctx, signatureKey(ctx, file.fileId, party.partyId))) {
        throw new ChaincodeError('DUPLICATE_ID', `${party.partyId} has already signed ${file.fileId}`);
    }
    const fields = parseSigningStatement(validate.bounded(statement, 'statement', validate.LIMITS.statement));
    const key = await activeKey(ctx, party, 'signing');
    const expected: SigningStatementFields = {
        fileId: file.fileId,
        digestAlgorithm: file.digestAlgorithm,
        plaintextCommitment: validate.hex32(fields.plaintextCommitment, 'plaintext commitment'),
        ciphertextDigest: file.ciphertextDigest,
        contractPlan: null,
        step: null,
        signer: party.partyId,
        signingKey: key.fingerprint,
    };
    for (const name of Object.keys(expected) as (keyof SigningStatementFields)[]) {
        if (fields[name] !== expected[name]) {
            throw new ChaincodeError('STATEMENT_MISMATCH', `the statement's ${name} must be ${expected[name]}`);
        }
    }
    const signature = validate.base64(signatureArg, 'signature', validate.LIMITS.signature);
    if (!verifySignature(parsePublicKey(key.publicKeyPem), Buffer.from(signingStatement(expected)), signature)) {
        throw new ChaincodeError('BAD_SIGNATURE', `the signature does not verify with signing key ${key.fingerprint}`);
    }
    // Never stamped before the file's last change (its share or latest grant) that it follows.
    const now = recordTime(ctx, file.updatedAt);
    const record: SignatureRecordV3 = {
        schema: 'sealpact/signature/v3',
        fileId: file.fileId,
        signer: party.partyId,
        statement,
        signature: signatureArg,
        algorithm: key.algorithm,
        keyFingerprint: key.fingerprint,
        digestAlgorithm: file.digestAlgorithm,
        plaintextCommitment: expected.plaintextCommitment,
        planHash: null,
        step: null,
        signedAt: now,
        txId: ctx.stub.getTxID(),
    };
    await writeRecord(ctx, signatureKey(ctx, file.fileId, party.partyId), record);
    const event = {
        schema: 'sealpact/event/contract-signed/v1',
        fileId: file.fileId,
        signer: party.partyId,
        txId: record.txId,
        at: now,
    };
    ctx.stub.setEvent(EVENTS.contractSigned, Buffer.from(canonicalJson(event)));
    return record;
}

/** The signatures of a file with each signer's public key, to whoever may see the file. */
export async function getSignatures(ctx: Context, caller: Caller, fileId: string) {
    const file = await loadFile(ctx, fileId);
    await requireVisible(ctx, caller, file);
    const signatures = await readAll<SignatureRecordV3 | SignatureRecord>(ctx, KEY_TYPES.signature, file.fileId);
    const result = [];
    for (const signature of signatures) {
        const key = await readRecord<KeyRecord>(
            ctx,
            stateKey(ctx, KEY_TYPES.key, signature.signer, signature.keyFingerprint),
        );
        result.push({ ...signature, publicKeyPem: key?.publicKeyPem ?? null });
    }
    return result;
}
