import { Context } from 'fabric-contract-api';
import { isAuditor } from './governance';
import { Caller } from './identity';
import { activeKey, isVerified, loadParty, requireParty } from './registry';
import {
    AccessEvent,
    canonicalJson,
    ChaincodeError,
    CredentialInput,
    CredentialRecord,
    EVENTS,
    FileRecord,
    IndexEntry,
    Page,
    parseJsonArgument,
    PartyRecord,
    ciphertextDigestsOf,
} from '@sealpact/protocol';
import { readPage } from './paging';
import { KEY_TYPES, readAll, readRecord, recordTime, stateKey, txTime, writeRecord } from './state';
import * as validate from './validate';

/** Files, their credentials (sealed file passwords), and the inbox and sent indexes. */

const CREDENTIAL_MEMBERS = ['algorithm', 'envelope', 'keyFingerprint', 'partyId'] as const;

function fileKey(ctx: Context, fileId: string): string {
    return stateKey(ctx, KEY_TYPES.file, fileId);
}

function credentialKey(ctx: Context, fileId: string, partyId: string): string {
    return stateKey(ctx, KEY_TYPES.credential, fileId, partyId);
}

function inboxKey(ctx: Context, partyId: string, sharedAt: string, fileId: string): string {
    return stateKey(ctx, KEY_TYPES.inbox, partyId, sharedAt, fileId);
}

/** The file record; throws NOT_FOUND. */
export async function loadFile(ctx: Context, fileId: string): Promise<FileRecord> {
    const file = await readRecord<FileRecord>(ctx, fileKey(ctx, validate.fileId(fileId)));
    if (!file) {
        throw new ChaincodeError('NOT_FOUND', `no file ${fileId}`);
    }
    return file;
}

/** The caller's credential for a file, if it has one (active or revoked). */
export async function credentialOf(ctx: Context, fileId: string, partyId: string) {
    return readRecord<CredentialRecord>(ctx, credentialKey(ctx, fileId, partyId));
}

/** Throws ACCESS_DENIED unless `partyId` holds an active credential for the file (to sign or decline it). */
export async function requireActiveCredential(ctx: Context, file: FileRecord, partyId: string): Promise<void> {
    const credential = await credentialOf(ctx, file.fileId, partyId);
    if (credential?.status !== 'active') {
        throw new ChaincodeError('ACCESS_DENIED', `${partyId} holds no active credential for ${file.fileId}`);
    }
}

/** ShareFile's arguments (ShareContract's too, with its plan). */
export interface ShareArgs {
    fileId: string;
    suite: string;
    digestAlgorithm: string;
    ciphertextDigest: string;
    size: string;
    locator: string;
    credentials: string;
}

/** Record a new file shared by the caller (see recordShare) and emit FileShared. */
export async function shareFile(ctx: Context, caller: Caller, args: ShareArgs): Promise<FileRecord> {
    const { file, credentials } = await recordShare(ctx, caller, args);
    emitAccessEvent(ctx, EVENTS.fileShared, accessEvent(ctx, file, credentials, file.createdAt));
    return file;
}

/**
 * ShareFile's rules and writes, without its event (ShareContract adds its contract to it): the
 * caller's own credential and at least one recipient's are required, and every recipient must be
 * registered, verified and hold the active encryption key its credential is sealed to.
 */
export async function recordShare(
    ctx: Context,
    caller: Caller,
    args: ShareArgs,
): Promise<{ file: FileRecord; credentials: CredentialInput[] }> {
    const owner = await requireParty(ctx, caller);
    const fileId = validate.fileId(args.fileId);
    if (await readRecord<FileRecord>(ctx, fileKey(ctx, fileId))) {
        throw new ChaincodeError('DUPLICATE_ID', `file ${fileId} already exists`);
    }
    const suite = validate.suite(args.suite);
    // The suite's tree digest (docs/format.md), or its plain hash as files shared before it recorded.
    const digestAlgorithm = ciphertextDigestsOf(suite).find((algorithm) => algorithm === args.digestAlgorithm);
    if (digestAlgorithm === undefined) {
        const allowed = ciphertextDigestsOf(suite).join(' or ');
        throw new ChaincodeError('BAD_ARGUMENT', `suite ${suite} uses digest algorithm ${allowed}`);
    }
    const credentials = parseCredentials(args.credentials);
    if (!credentials.some((c) => c.partyId === owner.partyId)) {
        throw new ChaincodeError('BAD_ARGUMENT', "the owner's own credential is required");
    }
    if (credentials.length < 2) {
        throw new ChaincodeError('BAD_ARGUMENT', 'a file is shared with at least one recipient besides the owner');
    }
    const now = txTime(ctx);
    const txId = ctx.stub.getTxID();
    const file: FileRecord = {
        schema: 'sealpact/file/v1',
        fileId,
        owner: owner.partyId,
        suite,
        digestAlgorithm,
        ciphertextDigest: validate.hex32(args.ciphertextDigest, 'ciphertext digest'),
        size: validate.size(args.size),
        locator: validate.locator(args.locator),
        recipients: recipientsOf(fileId, owner, credentials, []),
        createdAt: now,
        createdTxId: txId,
        updatedAt: now,
        updatedTxId: txId,
    };
    await grant(ctx, { file, owner, isNew: true }, credentials, now);
    await writeRecord(ctx, fileKey(ctx, fileId), file);
    await writeRecord(ctx, stateKey(ctx, KEY_TYPES.sent, owner.partyId, now, fileId), indexEntry(file, now, txId));
    return { file, credentials };
}

/**
 * Give more parties (or the same parties, re-sealed) access to a file; owner only. A file has at
 * most LIMITS.recipients recipients over its life.
 */
export async function grantAccess(
    ctx: Context,
    caller: Caller,
    fileId: string,
    credentialsJson: string,
): Promise<FileRecord> {
    const { owner, file } = await requireOwner(ctx, caller, fileId);
    const credentials = parseCredentials(credentialsJson);
    const now = recordTime(ctx, file.updatedAt);
    const updated: FileRecord = {
        ...file,
        recipients: recipientsOf(file.fileId, owner, credentials, file.recipients),
        updatedAt: now,
        updatedTxId: ctx.stub.getTxID(),
    };
    await grant(ctx, { file: updated, owner, isNew: false }, credentials, now);
    await writeRecord(ctx, fileKey(ctx, file.fileId), updated);
    emitAccessEvent(ctx, EVENTS.accessGranted, accessEvent(ctx, updated, credentials, now));
    return updated;
}

/**
 * Mark a recipient's credential revoked; owner only. This cannot take back a file password the
 * recipient has already fetched with GetCredential.
 */
export async function revokeAccess(
    ctx: Context,
    caller: Caller,
    fileId: string,
    partyId: string,
): Promise<CredentialRecord> {
    const { owner, file } = await requireOwner(ctx, caller, fileId);
    if (validate.partyId(partyId) === owner.partyId) {
        throw new ChaincodeError('BAD_ARGUMENT', "the owner's own access cannot be revoked");
    }
    const credential = await credentialOf(ctx, file.fileId, partyId);
    if (!credential || credential.status !== 'active') {
        throw new ChaincodeError('WRONG_STATE', `${partyId} has no active access to ${file.fileId}`);
    }
    const now = recordTime(ctx, file.updatedAt);
    const txId = ctx.stub.getTxID();
    const revoked: CredentialRecord = { ...credential, status: 'revoked', revokedAt: now, revokedTxId: txId };
    await writeRecord(ctx, credentialKey(ctx, file.fileId, partyId), revoked);
    await ctx.stub.deleteState(inboxKey(ctx, partyId, credential.grantedAt, file.fileId));
    await writeRecord(ctx, fileKey(ctx, file.fileId), { ...file, updatedAt: now, updatedTxId: txId });
    const event = { schema: 'sealpact/event/access-revoked/v1', fileId: file.fileId, partyId, txId, at: now };
    ctx.stub.setEvent(EVENTS.accessRevoked, Buffer.from(canonicalJson(event)));
    return revoked;
}

/** File metadata and its access list (without envelopes): to the owner, active recipients and auditors. */
export async function getFile(ctx: Context, caller: Caller, fileId: string) {
    const file = await loadFile(ctx, fileId);
    await requireVisible(ctx, caller, file);
    const credentials = await readAll<CredentialRecord>(ctx, KEY_TYPES.credential, file.fileId);
    const access = credentials.map((c) => ({
        partyId: c.partyId,
        status: c.status,
        keyFingerprint: c.keyFingerprint,
        algorithm: c.algorithm,
        version: c.version,
        grantedAt: c.grantedAt,
        revokedAt: c.revokedAt,
    }));
    return { ...file, access };
}

/** Throws ACCESS_DENIED unless the caller is the file's owner, holds an active credential, or is an auditor. */
export async function requireVisible(ctx: Context, caller: Caller, file: FileRecord): Promise<void> {
    if (await isAuditor(ctx, caller)) {
        return;
    }
    const party = await requireParty(ctx, caller);
    const credential = await credentialOf(ctx, file.fileId, party.partyId);
    if (party.partyId !== file.owner && credential?.status !== 'active') {
        throw new ChaincodeError('ACCESS_DENIED', `${party.partyId} may not see file ${file.fileId}`);
    }
}

/** The caller's own active credential for a file; nobody reads another party's credential. */
export async function getCredential(ctx: Context, caller: Caller, fileId: string): Promise<CredentialRecord> {
    const party = await requireParty(ctx, caller);
    const file = await loadFile(ctx, fileId);
    const credential = await credentialOf(ctx, file.fileId, party.partyId);
    if (!credential || credential.status !== 'active') {
        throw new ChaincodeError('ACCESS_DENIED', `${party.partyId} has no active credential for ${file.fileId}`);
    }
    return credential;
}

/** A page of the caller's inbox (files shared with it, oldest first) or sent list. */
export async function listIndex(
    ctx: Context,
    caller: Caller,
    type: typeof KEY_TYPES.inbox | typeof KEY_TYPES.sent,
    pageSize: string,
    bookmark: string,
): Promise<Page<IndexEntry>> {
    const party = await requireParty(ctx, caller);
    return readPage<IndexEntry>(ctx, type, [party.partyId], pageSize, bookmark);
}

async function requireOwner(ctx: Context, caller: Caller, fileId: string) {
    const owner = await requireParty(ctx, caller);
    const file = await loadFile(ctx, fileId);
    if (file.owner !== owner.partyId) {
        throw new ChaincodeError('ACCESS_DENIED', `only the owner of ${file.fileId} may change its access`);
    }
    return { owner, file };
}

function parseCredentials(json: string): CredentialInput[] {
    const list = validate.array(
        parseJsonArgument(json, 'credentials', validate.LIMITS.credentialsJson),
        'credentials',
        validate.LIMITS.credentials,
    );
    if (list.length === 0) {
        throw new ChaincodeError('BAD_ARGUMENT', 'credentials must not be empty');
    }
    const seen = new Set<string>();
    return list.map((entry, i) => {
        const c = validate.stringObject(entry, `credentials[${i}]`, CREDENTIAL_MEMBERS);
        const partyId = validate.partyId(c.partyId);
        if (seen.has(partyId)) {
            throw new ChaincodeError('DUPLICATE_ID', `credentials name ${partyId} twice`);
        }
        seen.add(partyId);
        if (c.algorithm !== 'sm2' && c.algorithm !== 'rsa') {
            throw new ChaincodeError('BAD_ARGUMENT', `credentials[${i}].algorithm must be "sm2" or "rsa"`);
        }
        validate.base64(c.envelope, `credentials[${i}].envelope`, validate.LIMITS.envelope);
        return {
            partyId,
            keyFingerprint: validate.hex32(c.keyFingerprint, `credentials[${i}].keyFingerprint`),
            algorithm: c.algorithm,
            envelope: c.envelope,
        };
    });
}

/** The file's recipients after a grant; throws FIELD_TOO_LARGE beyond LIMITS.recipients. */
function recipientsOf(
    fileId: string,
    owner: PartyRecord,
    credentials: CredentialInput[],
    existing: string[],
): string[] {
    const recipients = new Set(existing);
    credentials.filter((c) => c.partyId !== owner.partyId).forEach((c) => recipients.add(c.partyId));
    if (recipients.size > validate.LIMITS.recipients) {
        throw new ChaincodeError(
            'FIELD_TOO_LARGE',
            `file ${fileId} would have ${recipients.size} recipients; at most ${validate.LIMITS.recipients}`,
        );
    }
    return [...recipients].sort();
}

/**
 * Check every credential against its party (registered, verified at the record time `now` unless
 * it is the owner, active encryption key with the credential's fingerprint and algorithm), then
 * write the credentials and the recipients' inbox entries, stamped `now`. The owner's record is the
 * one the caller already read, and a file just created has no credentials yet (a credential is
 * only ever written with or after its file): neither is read again.
 */
async function grant(
    ctx: Context,
    target: { file: FileRecord; owner: PartyRecord; isNew: boolean },
    credentials: CredentialInput[],
    now: string,
): Promise<void> {
    const { file, owner, isNew } = target;
    const txId = ctx.stub.getTxID();
    for (const input of credentials) {
        const party = input.partyId === owner.partyId ? owner : await loadParty(ctx, input.partyId);
        const key = await activeKey(ctx, party, 'encryption');
        if (key.fingerprint !== input.keyFingerprint || key.algorithm !== input.algorithm) {
            throw new ChaincodeError(
                'KEY_MISMATCH',
                `the credential for ${party.partyId} is not sealed to its active encryption key ${key.fingerprint} (${key.algorithm})`,
            );
        }
        const isOwner = party.partyId === file.owner;
        if (!isOwner && !isVerified(party, now)) {
            throw new ChaincodeError('NOT_VERIFIED', `${party.partyId} has no valid identity verification`);
        }
        const previous = isNew ? undefined : await credentialOf(ctx, file.fileId, party.partyId);
        const credential: CredentialRecord = {
            schema: 'sealpact/credential/v1',
            fileId: file.fileId,
            ...input,
            version: (previous?.version ?? 0) + 1,
            status: 'active',
            grantedBy: file.owner,
            grantedAt: now,
            grantedTxId: txId,
            revokedAt: null,
            revokedTxId: null,
        };
        await writeRecord(ctx, credentialKey(ctx, file.fileId, party.partyId), credential);
        if (!isOwner) {
            if (previous?.status === 'active') {
                await ctx.stub.deleteState(inboxKey(ctx, party.partyId, previous.grantedAt, file.fileId));
            }
            await writeRecord(ctx, inboxKey(ctx, party.partyId, now, file.fileId), indexEntry(file, now, txId));
        }
    }
}

function indexEntry(file: FileRecord, sharedAt: string, txId: string): IndexEntry {
    return { fileId: file.fileId, owner: file.owner, sharedAt, txId };
}

/** The payload of FileShared and AccessGranted: the parties given a credential by this transaction. */
export function accessEvent(ctx: Context, file: FileRecord, credentials: CredentialInput[], at: string): AccessEvent {
    return {
        schema: 'sealpact/event/access/v1',
        fileId: file.fileId,
        owner: file.owner,
        recipients: credentials.map((c) => ({ partyId: c.partyId, keyFingerprint: c.keyFingerprint })),
        txId: ctx.stub.getTxID(),
        at,
    };
}

/** The transaction's single chaincode event (Fabric keeps only the last SetEvent of a transaction). */
export function emitAccessEvent(ctx: Context, name: string, event: AccessEvent): void {
    ctx.stub.setEvent(name, Buffer.from(canonicalJson(event)));
}
