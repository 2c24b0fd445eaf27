import { Context } from 'fabric-contract-api';
import {
    ChaincodeError,
    ContractRecord,
    ContractState,
    ContractStoryRole,
    CredentialRecord,
    FileRecord,
    FileStory,
    KeyRecord,
    PartyRecord,
    SignatureRecord,
    StoryEntry,
} from '@sealpact/protocol';
import { loadFile, requireVisible } from './files';
import { contractOf } from './lifecycle';
import { Caller } from './identity';
import { KEY_TYPES, readAll, readRecord, stateKey } from './state';

/**
 * How many committed versions of one record GetFileStory reads: a credential granted and revoked
 * fifty times, or a party whose verification in force lies more than a hundred versions back, is
 * refused rather than read unbounded.
 */
export const STORY_HISTORY_LIMIT = 100;

const CLOSING_ROLES: Readonly<Partial<Record<ContractState, ContractStoryRole>>> = {
    declined: 'decline',
    voided: 'void',
    expired: 'expire',
};

/**
 * Every transaction a file's story rests on, oldest first, for the owner, a party with an active
 * credential, or an auditor: the share (ShareFile or ShareContract), each grant and revocation of a
 * credential, each signature, the decline, void or recorded expiry of its contract, the
 * registration (and retirement) of each key a credential was sealed to or a signature made with,
 * and each recipient's identity verification in force when it was given access.
 *
 * @throws NOT_FOUND, ACCESS_DENIED, FIELD_TOO_LARGE past STORY_HISTORY_LIMIT versions of a record
 */
export async function getFileStory(ctx: Context, caller: Caller, fileId: string): Promise<FileStory> {
    const file = await loadFile(ctx, fileId);
    await requireVisible(ctx, caller, file);
    const entries: StoryEntry[] = [];
    const keysUsed = new Map<string, { partyId: string; fingerprint: string }>();
    const useKey = (partyId: string, fingerprint: string) =>
        keysUsed.set(`${partyId}\n${fingerprint}`, { partyId, fingerprint });

    for (const party of [file.owner, ...file.recipients]) {
        for (const { keyFingerprint, ...entry } of await credentialStory(ctx, file, party)) {
            entries.push(entry);
            if (entry.role === 'share' || entry.role === 'grant') {
                useKey(party, keyFingerprint);
                if (party !== file.owner) {
                    entries.push(await verificationAt(ctx, party, entry.at));
                }
            }
        }
    }
    for (const signature of await readAll<SignatureRecord>(ctx, KEY_TYPES.signature, file.fileId)) {
        entries.push({ txId: signature.txId, role: 'sign', party: signature.signer, at: signature.signedAt });
        useKey(signature.signer, signature.keyFingerprint);
    }
    entries.push(...closingOf(await contractOf(ctx, file.fileId)));
    for (const { partyId, fingerprint } of keysUsed.values()) {
        const key = await readRecord<KeyRecord>(ctx, stateKey(ctx, KEY_TYPES.key, partyId, fingerprint));
        if (key === undefined) {
            throw new ChaincodeError('NOT_FOUND', `no key ${fingerprint} of ${partyId}`);
        }
        entries.push({ txId: key.registeredTxId, role: 'register-keys', party: partyId, at: key.registeredAt });
        if (key.retiredTxId !== null && key.retiredAt !== null) {
            entries.push({ txId: key.retiredTxId, role: 'retire-keys', party: partyId, at: key.retiredAt });
        }
    }
    return { schema: 'sealpact/story/v1', fileId: file.fileId, transactions: sortedUnique(entries) };
}

/**
 * The decline, void or recorded expiry of a contract: it closes once, and a completion is its last
 * signature, already in the story.
 */
function closingOf(contract: ContractRecord | undefined): StoryEntry[] {
    const role = contract && CLOSING_ROLES[contract.state];
    if (!role || contract.closedTxId === null || contract.closedBy === null || contract.closedAt === null) {
        return [];
    }
    return [{ txId: contract.closedTxId, role, party: contract.closedBy, at: contract.closedAt }];
}

/**
 * The steps of one party's credential: each version that turned revoked, and each new active version
 * (the share when the file's creating transaction wrote it, else a grant) with the key it is sealed to.
 */
async function credentialStory(
    ctx: Context,
    file: FileRecord,
    party: string,
): Promise<(StoryEntry & { keyFingerprint: string })[]> {
    const steps: (StoryEntry & { keyFingerprint: string })[] = [];
    let previous: CredentialRecord | undefined;
    const versions: { txId: string; value: unknown }[] = [];
    for await (const version of newestFirst(ctx, KEY_TYPES.credential, file.fileId, party)) {
        versions.unshift(version);
    }
    for (const { txId, value } of versions) {
        const credential = value as CredentialRecord;
        const { keyFingerprint } = credential;
        if (credential.status === 'revoked' && previous?.status !== 'revoked') {
            steps.push({
                txId,
                role: 'revoke',
                party,
                at: credential.revokedAt ?? credential.grantedAt,
                keyFingerprint,
            });
        } else if (credential.status === 'active' && credential.version !== previous?.version) {
            const role = txId === file.createdTxId ? 'share' : 'grant';
            steps.push({ txId, role, party, at: credential.grantedAt, keyFingerprint });
        }
        previous = credential;
    }
    return steps;
}

/**
 * The RecordVerification in force for `partyId` at `at`: the newest recorded no later than it,
 * found walking the party's versions back from the newest (usually the first one read).
 */
async function verificationAt(ctx: Context, partyId: string, at: string): Promise<StoryEntry> {
    for await (const { value } of newestFirst(ctx, KEY_TYPES.party, partyId)) {
        const { verification } = value as PartyRecord;
        if (verification !== null && verification.recordedAt <= at) {
            return { txId: verification.txId, role: 'verification', party: partyId, at: verification.recordedAt };
        }
    }
    throw new ChaincodeError('NOT_FOUND', `no verification of ${partyId} recorded by ${at}`);
}

/**
 * A record's committed versions, newest first (deletions left out); reading more than
 * STORY_HISTORY_LIMIT of them is FIELD_TOO_LARGE. A caller that stops early reads no further.
 */
async function* newestFirst(
    ctx: Context,
    type: (typeof KEY_TYPES)[keyof typeof KEY_TYPES],
    ...attributes: string[]
): AsyncGenerator<{ txId: string; value: unknown }> {
    let read = 0;
    for await (const modification of ctx.stub.getHistoryForKey(stateKey(ctx, type, ...attributes))) {
        if (read === STORY_HISTORY_LIMIT) {
            throw new ChaincodeError(
                'FIELD_TOO_LARGE',
                `the ${type} record ${attributes.join('/')} has more than ${STORY_HISTORY_LIMIT} versions`,
            );
        }
        read++;
        if (!modification.isDelete) {
            const value: unknown = JSON.parse(Buffer.from(modification.value).toString('utf8'));
            yield { txId: modification.txId, value };
        }
    }
}

/** Oldest first (ties by role, party, tx id), each (transaction, role, party) once. */
function sortedUnique(entries: StoryEntry[]): StoryEntry[] {
    const unique = new Map(entries.map((entry) => [`${entry.txId} ${entry.role} ${entry.party}`, entry]));
    const order = (entry: StoryEntry) => [entry.at, entry.role, entry.party, entry.txId].join('\n');
    // Code-unit order, not localeCompare: every endorser must return the same bytes.
    return [...unique.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}
