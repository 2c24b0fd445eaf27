import { Context } from 'fabric-contract-api';
import { getGovernance, requireAuthority } from './governance';
import { Caller } from './identity';
import { chaincodeName } from './proposal';
import {
    ChaincodeError,
    KeyRecord,
    keyRegistrationStatement,
    KeyRole,
    Page,
    parsePublicKey,
    PartyRecord,
    PublicKeyInfo,
    Verification,
} from '@sealpact/protocol';
import { verifySignature } from './verify';
import { readPage } from './paging';
import { KEY_TYPES, readRecord, recordTime, stateKey, txTime, writeRecord } from './state';
import * as validate from './validate';

/** Parties, their keys and their identity verifications. */

function partyKey(ctx: Context, partyId: string): string {
    return stateKey(ctx, KEY_TYPES.party, partyId);
}

function keyKey(ctx: Context, partyId: string, fingerprint: string): string {
    return stateKey(ctx, KEY_TYPES.key, partyId, fingerprint);
}

/** The party record of `partyId`; throws UNKNOWN_PARTY when it has never registered keys. */
export async function loadParty(ctx: Context, partyId: string): Promise<PartyRecord> {
    const party = await readRecord<PartyRecord>(ctx, partyKey(ctx, validate.partyId(partyId)));
    if (!party) {
        throw new ChaincodeError('UNKNOWN_PARTY', `${partyId} has not registered keys`);
    }
    return party;
}

/**
 * The caller's own party record, or undefined before its first registration. Throws
 * IDENTITY_CONFLICT when the party id belongs to a certificate with another subject or issuer.
 */
async function ownParty(ctx: Context, caller: Caller): Promise<PartyRecord | undefined> {
    const party = await readRecord<PartyRecord>(ctx, partyKey(ctx, caller.partyId));
    if (party && party.identityHash !== caller.identityHash) {
        throw new ChaincodeError(
            'IDENTITY_CONFLICT',
            `${caller.partyId} is registered to a certificate with another subject or issuer`,
        );
    }
    return party;
}

/** The caller's party record; throws UNKNOWN_PARTY or IDENTITY_CONFLICT. */
export async function requireParty(ctx: Context, caller: Caller): Promise<PartyRecord> {
    const party = await ownParty(ctx, caller);
    if (!party) {
        throw new ChaincodeError('UNKNOWN_PARTY', `${caller.partyId} has not registered keys`);
    }
    return party;
}

/** The active key of `party` for `role`; throws KEY_MISMATCH when it has none. */
export async function activeKey(ctx: Context, party: PartyRecord, role: KeyRole): Promise<KeyRecord> {
    const fingerprint = role === 'encryption' ? party.encryptionKey : party.signingKey;
    const key = fingerprint ? await readRecord<KeyRecord>(ctx, keyKey(ctx, party.partyId, fingerprint)) : undefined;
    if (!key || key.status !== 'active') {
        throw new ChaincodeError('KEY_MISMATCH', `${party.partyId} has no active ${role} key`);
    }
    return key;
}

/**
 * True while the party has a non-revoked verification that has not expired at `now` (a transaction
 * or record time, so within CLOCK_SKEW of the endorsing peers' clocks).
 */
export function isVerified(party: PartyRecord, now: string): boolean {
    const v = party.verification;
    return v !== null && v.revokedAt === null && (v.expiresAt === null || now < v.expiresAt);
}

/** What a caller needs to register keys: its party id and the sequence to prove possession for. */
export async function whoAmI(ctx: Context, caller: Caller) {
    const party = await ownParty(ctx, caller);
    return {
        partyId: caller.partyId,
        mspId: caller.mspId,
        commonName: caller.commonName,
        isAdmin: caller.isAdmin,
        registered: party !== undefined,
        nextKeySequence: (party?.keySequence ?? 0) + 1,
        channel: ctx.stub.getChannelID(),
        chaincode: chaincodeName(ctx),
    };
}

/**
 * Bind an encryption key and a signing key (possibly the same key) to the caller, each proving
 * possession by signing the key-registration statement for the party's next key sequence.
 * Replaces the active keys, which become `rotated`.
 */
export async function registerKeys(
    ctx: Context,
    caller: Caller,
    encryptionKeyPem: string,
    encryptionProof: string,
    signingKeyPem: string,
    signingProof: string,
): Promise<PartyRecord> {
    const existing = await ownParty(ctx, caller);
    const encryption = parsePublicKey(encryptionKeyPem, 'encryption key');
    const signing = parsePublicKey(signingKeyPem, 'signing key');
    const sequence = (existing?.keySequence ?? 0) + 1;
    const statement = keyRegistrationStatement({
        channel: ctx.stub.getChannelID(),
        chaincode: chaincodeName(ctx),
        partyId: caller.partyId,
        sequence,
        encryptionKey: encryption.fingerprint,
        signingKey: signing.fingerprint,
    });
    checkProof(encryption, statement, encryptionProof, 'encryption key', sequence);
    checkProof(signing, statement, signingProof, 'signing key', sequence);

    const now = recordTime(ctx, existing?.updatedAt);
    const txId = ctx.stub.getTxID();
    const newKeys: { info: PublicKeyInfo; roles: KeyRole[] }[] =
        encryption.fingerprint === signing.fingerprint
            ? [{ info: encryption, roles: ['encryption', 'signing'] }]
            : [
                  { info: encryption, roles: ['encryption'] },
                  { info: signing, roles: ['signing'] },
              ];

    for (const { info, roles } of newKeys) {
        const fingerprint = info.fingerprint;
        const previous = await readRecord<KeyRecord>(ctx, keyKey(ctx, caller.partyId, fingerprint));
        if (previous?.status === 'revoked') {
            throw new ChaincodeError('WRONG_STATE', `key ${fingerprint} was revoked and cannot be registered again`);
        }
        const record: KeyRecord = {
            schema: 'sealpact/key/v1',
            partyId: caller.partyId,
            fingerprint,
            algorithm: info.algorithm,
            publicKeyPem: info.pem,
            roles,
            sequence,
            status: 'active',
            registeredAt: now,
            registeredTxId: txId,
            retiredAt: null,
            retiredTxId: null,
        };
        await writeRecord(ctx, keyKey(ctx, caller.partyId, fingerprint), record);
    }
    await retireKeys(
        ctx,
        existing,
        'rotated',
        newKeys.map((key) => key.info.fingerprint),
        now,
    );

    const party: PartyRecord = {
        schema: 'sealpact/party/v1',
        partyId: caller.partyId,
        mspId: caller.mspId,
        commonName: caller.commonName,
        identityHash: caller.identityHash,
        keySequence: sequence,
        encryptionKey: encryption.fingerprint,
        signingKey: signing.fingerprint,
        verification: existing?.verification ?? null,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
    };
    await writeRecord(ctx, partyKey(ctx, caller.partyId), party);
    return party;
}

function checkProof(key: PublicKeyInfo, statement: string, proof: string, what: string, sequence: number): void {
    const signature = validate.base64(proof, `${what} proof`, validate.LIMITS.signature);
    if (!verifySignature(key, Buffer.from(statement, 'utf8'), signature)) {
        throw new ChaincodeError(
            'BAD_SIGNATURE',
            `the ${what} proof does not sign the key-registration statement for sequence ${sequence}`,
        );
    }
}

/** Mark the party's active keys (except `keep`) as rotated or revoked at `now`. */
async function retireKeys(
    ctx: Context,
    party: PartyRecord | undefined,
    status: 'rotated' | 'revoked',
    keep: string[],
    now: string,
): Promise<void> {
    const active = new Set([party?.encryptionKey, party?.signingKey]);
    for (const fingerprint of [...active].sort()) {
        if (!party || !fingerprint || keep.includes(fingerprint)) {
            continue;
        }
        const key = keyKey(ctx, party.partyId, fingerprint);
        const record = await readRecord<KeyRecord>(ctx, key);
        if (record?.status === 'active') {
            await writeRecord(ctx, key, { ...record, status, retiredAt: now, retiredTxId: ctx.stub.getTxID() });
        }
    }
}

/** Revoke the caller's active keys; no file can be shared with it until it registers new ones. */
export async function revokeKeys(ctx: Context, caller: Caller): Promise<PartyRecord> {
    const party = await requireParty(ctx, caller);
    if (!party.encryptionKey && !party.signingKey) {
        throw new ChaincodeError('WRONG_STATE', `${party.partyId} has no active keys`);
    }
    const now = recordTime(ctx, party.updatedAt);
    await retireKeys(ctx, party, 'revoked', [], now);
    const updated: PartyRecord = { ...party, encryptionKey: null, signingKey: null, updatedAt: now };
    await writeRecord(ctx, partyKey(ctx, party.partyId), updated);
    return updated;
}

/**
 * A party as anyone on the channel may see it: its active keys (at most two, however often it
 * rotated; ListKeys pages through all of them) and whether it is verified now. The verification
 * serial is shown only to the party itself, authorities and auditors.
 */
export async function getParty(ctx: Context, caller: Caller, partyId: string) {
    const party = await loadParty(ctx, partyId);
    const keys: KeyRecord[] = [];
    for (const fingerprint of [...new Set([party.encryptionKey, party.signingKey])].sort()) {
        const key = fingerprint ? await readRecord<KeyRecord>(ctx, keyKey(ctx, party.partyId, fingerprint)) : undefined;
        if (key) {
            keys.push(key);
        }
    }
    let verification: Partial<Verification> | null = party.verification;
    if (verification && !(await mayReadSerial(ctx, caller, party))) {
        verification = { ...verification, serial: undefined };
    }
    return { ...party, verification, verified: isVerified(party, txTime(ctx)), keys };
}

/** A page of every key the party ever registered (active, rotated, revoked), in fingerprint order. */
export async function listKeys(
    ctx: Context,
    partyId: string,
    pageSize: string,
    bookmark: string,
): Promise<Page<KeyRecord>> {
    const party = await loadParty(ctx, partyId);
    return readPage<KeyRecord>(ctx, KEY_TYPES.key, [party.partyId], pageSize, bookmark);
}

async function mayReadSerial(ctx: Context, caller: Caller, party: PartyRecord): Promise<boolean> {
    if (caller.partyId === party.partyId && caller.identityHash === party.identityHash) {
        return true;
    }
    // One read of the governance record for both lists (isAuditor would read it again).
    const governance = await getGovernance(ctx);
    return governance.authorityMsps.includes(caller.mspId) || governance.auditorMsps.includes(caller.mspId);
}

/**
 * The party an authority member may verify or unverify. The caller must be a client or admin
 * identity (NodeOU) of an identity-authority organisation, not a peer or orderer, and the party
 * must belong to another organisation: an authority vouches neither for itself nor for its own
 * members (another authority organisation can).
 */
async function partyToVerify(ctx: Context, caller: Caller, partyId: string): Promise<PartyRecord> {
    await requireAuthority(ctx, caller);
    if (caller.nodeOu !== 'client' && caller.nodeOu !== 'admin') {
        throw new ChaincodeError(
            'ACCESS_DENIED',
            `only client or admin identities (NodeOU) of ${caller.mspId} may verify parties, not ${caller.nodeOu ?? 'an identity without a NodeOU'}`,
        );
    }
    const party = await loadParty(ctx, partyId);
    if (party.mspId === caller.mspId) {
        const whom = party.partyId === caller.partyId ? 'itself' : `its own member ${party.partyId}`;
        throw new ChaincodeError(
            'SELF_VERIFICATION',
            `${caller.mspId} may not verify ${whom}; another identity authority must`,
        );
    }
    return party;
}

/** Record (or replace) the identity verification of a party; authority organisations only. */
export async function recordVerification(
    ctx: Context,
    caller: Caller,
    partyId: string,
    serial: string,
    level: string,
    expiresAt: string,
): Promise<PartyRecord> {
    const party = await partyToVerify(ctx, caller, partyId);
    const now = recordTime(ctx, party.updatedAt);
    const expiry = expiresAt === '' ? null : validate.isoTime(expiresAt, 'expiresAt');
    if (expiry !== null && expiry <= now) {
        throw new ChaincodeError('BAD_ARGUMENT', `expiresAt ${expiry} is not after the transaction time ${now}`);
    }
    const verification: Verification = {
        serial: validate.token(serial, 'serial', validate.LIMITS.serial),
        level: validate.token(level, 'level', validate.LIMITS.level),
        authorityMsp: caller.mspId,
        recordedBy: caller.partyId,
        recordedAt: now,
        expiresAt: expiry,
        revokedAt: null,
        revokedBy: null,
        txId: ctx.stub.getTxID(),
    };
    const updated: PartyRecord = { ...party, verification, updatedAt: now };
    await writeRecord(ctx, partyKey(ctx, party.partyId), updated);
    return updated;
}

/** Revoke a party's current verification; authority organisations only. */
export async function revokeVerification(ctx: Context, caller: Caller, partyId: string): Promise<PartyRecord> {
    const party = await partyToVerify(ctx, caller, partyId);
    if (!party.verification || party.verification.revokedAt !== null) {
        throw new ChaincodeError('WRONG_STATE', `${party.partyId} has no verification to revoke`);
    }
    const now = recordTime(ctx, party.updatedAt);
    const verification: Verification = { ...party.verification, revokedAt: now, revokedBy: caller.partyId };
    const updated: PartyRecord = { ...party, verification, updatedAt: now };
    await writeRecord(ctx, partyKey(ctx, party.partyId), updated);
    return updated;
}
