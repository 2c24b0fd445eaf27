import { Context } from 'fabric-contract-api';
import { loadFile, requireActiveCredential, requireVisible } from './files';
import { awaitingSigner, contractOf, contractTime, recordContractSignature } from './lifecycle';
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
 * Record the caller's signature of a file. The statement (v3 only) must name this file, its digest
 * algorithm and ciphertext digest on record, the contract's plan and the caller's step (`none` for
 * a file without a plan), the caller and its active signing key, and the signature must verify
 * with that key. The plaintext commitment is keyed by a secret the ledger never sees, so only its
 * form is checked. One signature per party and file. On a contract, the caller must be a signer
 * whose turn it is, before the deadline (lifecycle.ts), and the signature moves the contract on.
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
    await requireActiveCredential(ctx, file, party.partyId);
    const contract = await contractOf(ctx, file.fileId);
    // Never stamped before the file's last change (its share or latest grant) or the contract's.
    const now = contract ? contractTime(ctx, file, contract) : recordTime(ctx, file.updatedAt);
    const position = contract && awaitingSigner(contract, party.partyId, now, 'sign');
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
        contractPlan: contract?.planHash ?? null,
        step: position ? position.step + 1 : null,
        signer: party.partyId,
        signingKey: key.fingerprint,
    };
    for (const name of Object.keys(expected) as (keyof SigningStatementFields)[]) {
        if (fields[name] !== expected[name]) {
            throw new ChaincodeError(
                'STATEMENT_MISMATCH',
                `the statement's ${name} must be ${expected[name] ?? 'none'}`,
            );
        }
    }
    const signature = validate.base64(signatureArg, 'signature', validate.LIMITS.signature);
    if (!verifySignature(parsePublicKey(key.publicKeyPem), Buffer.from(signingStatement(expected)), signature)) {
        throw new ChaincodeError('BAD_SIGNATURE', `the signature does not verify with signing key ${key.fingerprint}`);
    }
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
        planHash: expected.contractPlan,
        step: expected.step,
        signedAt: now,
        txId: ctx.stub.getTxID(),
    };
    await writeRecord(ctx, signatureKey(ctx, file.fileId, party.partyId), record);
    if (contract && position) {
        await recordContractSignature(ctx, contract, position, party.partyId, now);
    } else {
        const event = {
            schema: 'sealpact/event/contract-signed/v1',
            fileId: file.fileId,
            signer: party.partyId,
            txId: record.txId,
            at: now,
        };
        ctx.stub.setEvent(EVENTS.contractSigned, Buffer.from(canonicalJson(event)));
    }
    return record;
}

/** The signatures of a file with each signer's public key, to whoever may see the file. */
export async function getSignatures(ctx: Context, caller: Caller, fileId: string) {
    const file = await loadFile(ctx, fileId);
    await requireVisible(ctx, caller, file);
    const signatures = await readAll<SignatureRecord>(ctx, KEY_TYPES.signature, file.fileId);
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
