import { KeyAlgorithm } from './publickey';
import { CiphertextDigestAlgorithm, Suite } from './suites';

/**
 * The ledger records and transaction results of the Sealpact chaincode: version 1, except signature
 * records (version 3; versions 1 and 2 stay readable). Every record carries its `schema` so readers
 * can tell versions apart; docs/ledger.md describes each field.
 * Times are ISO 8601 UTC with milliseconds, taken from the transaction timestamp.
 */

export interface GovernanceRecord {
    schema: 'sealpact/governance/v1';
    /** MSP IDs whose admins (NodeOU `admin`) may change the governance. */
    governingMsps: string[];
    /** MSP IDs whose members may record and revoke identity verifications. */
    authorityMsps: string[];
    /** MSP IDs whose members may read every record and its history. */
    auditorMsps: string[];
    /** 1 for the first governance, +1 per change. */
    revision: number;
    updatedAt: string;
    updatedBy: string;
    txId: string;
}

export type KeyStatus = 'active' | 'rotated' | 'revoked';
export type KeyRole = 'encryption' | 'signing';

export interface Verification {
    /** Opaque serial chosen by the authority (an HMAC of the real identity document, never personal data). */
    serial: string;
    level: string;
    authorityMsp: string;
    recordedBy: string;
    recordedAt: string;
    /** Null when the verification does not expire. */
    expiresAt: string | null;
    revokedAt: string | null;
    revokedBy: string | null;
    txId: string;
}

/** A party's account: identity binding, current keys and identity verification. */
export interface PartyRecord {
    schema: 'sealpact/party/v1';
    partyId: string;
    mspId: string;
    commonName: string;
    /** Hex SHA-256 of "<mspId>\n<Fabric client id>", binding the party id to one certificate subject and issuer. */
    identityHash: string;
    /** Number of key registrations so far; the next one must prove possession for keySequence + 1. */
    keySequence: number;
    /** Fingerprint of the active encryption key, null when none is active. */
    encryptionKey: string | null;
    /** Fingerprint of the active signing key, null when none is active. */
    signingKey: string | null;
    verification: Verification | null;
    createdAt: string;
    updatedAt: string;
}

export interface KeyRecord {
    schema: 'sealpact/key/v1';
    partyId: string;
    fingerprint: string;
    algorithm: KeyAlgorithm;
    publicKeyPem: string;
    roles: KeyRole[];
    /** The key-set sequence that registered it. */
    sequence: number;
    status: KeyStatus;
    registeredAt: string;
    registeredTxId: string;
    /** When it stopped being active (rotated or revoked). */
    retiredAt: string | null;
    retiredTxId: string | null;
}

export interface FileRecord {
    schema: 'sealpact/file/v1';
    fileId: string;
    owner: string;
    suite: Suite;
    /** How `ciphertextDigest` is computed: the suite's tree digest, or (files shared before it) its plain hash. */
    digestAlgorithm: CiphertextDigestAlgorithm;
    /** Hex digest of the stored ciphertext. */
    ciphertextDigest: string;
    /** Ciphertext size in bytes. */
    size: number;
    /** URI naming the store and object holding the ciphertext. */
    locator: string;
    /** Every party ever granted access other than the owner, sorted. */
    recipients: string[];
    createdAt: string;
    createdTxId: string;
    updatedAt: string;
    updatedTxId: string;
}

/** What a client supplies per recipient in ShareFile and GrantAccess. */
export interface CredentialInput {
    partyId: string;
    keyFingerprint: string;
    algorithm: KeyAlgorithm;
    /** Base64 of the file password sealed to the recipient's encryption key. */
    envelope: string;
}

export interface CredentialRecord extends CredentialInput {
    schema: 'sealpact/credential/v1';
    fileId: string;
    /** 1 at the first grant, +1 at each re-grant. */
    version: number;
    status: 'active' | 'revoked';
    grantedBy: string;
    grantedAt: string;
    grantedTxId: string;
    revokedAt: string | null;
    revokedTxId: string | null;
}

/** What every version of a signature record holds. */
interface SignatureRecordBase {
    fileId: string;
    signer: string;
    /** The signing statement exactly as signed. */
    statement: string;
    /** Base64 of the signature (DER r,s for SM2; the PSS block for RSA). */
    signature: string;
    algorithm: KeyAlgorithm;
    keyFingerprint: string;
    /** The file's digest algorithm, as in the statement. */
    digestAlgorithm: CiphertextDigestAlgorithm;
    signedAt: string;
    txId: string;
}

/** A signature recorded over a `sealpact-signing-statement/v3`: what SignContract writes. */
export interface SignatureRecordV3 extends SignatureRecordBase {
    schema: 'sealpact/signature/v3';
    /** Hex HMAC of the contract plaintext under the file's commitment key, as in the statement. */
    plaintextCommitment: string;
    /** The contract's planHash the statement names; null for a file shared without a signing plan. */
    planHash: string | null;
    /** The signer's step of the plan, 1-based as in the statement; null without a plan. */
    step: number | null;
}

/** A signature recorded over a `sealpact-signing-statement/v2` (no longer accepted; still on ledgers). */
export interface SignatureRecordV2 extends SignatureRecordBase {
    schema: 'sealpact/signature/v2';
    /** Hex HMAC of the contract plaintext under the file's commitment key, as in the statement. */
    plaintextCommitment: string;
}

/** A signature recorded over a `sealpact-signing-statement/v1` (no longer accepted; still on ledgers). */
export interface SignatureRecordV1 extends SignatureRecordBase {
    schema: 'sealpact/signature/v1';
    /** Plain hex digest of the contract plaintext, as in the statement. */
    plaintextDigest: string;
}

/**
 * A signature record of any version, as GetSignatures and GetHistory return it (SignContract writes
 * v3; older ledgers hold v2 and v1): tell the versions apart by `schema`.
 */
export type SignatureRecord = SignatureRecordV3 | SignatureRecordV2 | SignatureRecordV1;

/** A contract's lifecycle: `open` until its last signature, a decline, a void or its expiry. */
export type ContractState = 'open' | 'completed' | 'declined' | 'voided' | 'expired';

/** A plan signer: `waiting` until its step opens, then `awaiting` its signature, then `signed` or `declined`. */
export type SignerState = 'waiting' | 'awaiting' | 'signed' | 'declined';

export interface PlanSigner {
    partyId: string;
    /** Frozen when the contract closes: the `awaiting` ones show whose turn it was. */
    state: SignerState;
    /** When and by which transaction the signer entered its state; null while `waiting`. */
    at: string | null;
    txId: string | null;
}

/**
 * A file's signing plan and its state, created with the file by ShareContract: ordered steps, each
 * a set of parties who sign in parallel; all of a step sign before the next opens.
 */
export interface ContractRecord {
    schema: 'sealpact/contract/v1';
    fileId: string;
    owner: string;
    /** Hex SHA-256 of the plan document (planHash in plan.ts), named by every signing statement of the contract. */
    planHash: string;
    /** In order; each step's signers in the order the plan gave them. */
    steps: { signers: PlanSigner[] }[];
    /** ISO 8601 UTC with milliseconds, or null for no deadline. */
    deadline: string | null;
    /** The recorded state (see ContractView for the state in force). */
    state: ContractState;
    /** 0-based index of the open step; null once the contract is closed. */
    currentStep: number | null;
    createdAt: string;
    createdTxId: string;
    /** When, by which transaction and by whom the contract left `open`; null while open. */
    closedAt: string | null;
    closedTxId: string | null;
    closedBy: string | null;
    /** The decline or void reason; null otherwise. */
    reason: string | null;
    updatedAt: string;
    updatedTxId: string;
}

/**
 * What GetContract returns: the record with `state` in force at the query's transaction time. An
 * open contract past its deadline reads `expired`, with `expiredUnrecorded` true, until
 * ExpireContract records it.
 */
export interface ContractView extends ContractRecord {
    expiredUnrecorded: boolean;
}

/**
 * Entry of the `awaiting` and `started` indexes, as ListAwaiting and ListStarted return it, with
 * `state` in force at the query's transaction time (an open contract past its deadline: `expired`).
 */
export interface ContractIndexEntry {
    fileId: string;
    owner: string;
    state: ContractState;
    /** 0-based index of the open step when the entry was written; null once closed. */
    step: number | null;
    deadline: string | null;
    /** When the entry was written: the caller's turn began (awaiting), the contract last changed (started). */
    since: string;
    txId: string;
}

/**
 * Payload of ContractSigned, ContractDeclined, ContractVoided and ContractExpired, and the
 * `contract` member of ShareContract's FileShared event.
 */
export interface ContractEvent {
    schema: 'sealpact/event/contract/v1';
    fileId: string;
    owner: string;
    /** `completed` for the signature that completes the contract. */
    action: 'created' | 'signed' | 'completed' | 'declined' | 'voided' | 'expired';
    /** Who made the transaction. */
    by: string;
    /** The recorded state after the transaction. */
    state: ContractState;
    /** 0-based index of the open step after the transaction; null once closed. */
    step: number | null;
    /** Parties whose turn it now is (`awaiting`), sorted; [] once closed. */
    turn: string[];
    /** Everyone concerned: the owner and every plan signer, sorted. */
    concerned: string[];
    reason: string | null;
    txId: string;
    at: string;
}

/** Entry of the inbox and sent indexes, as ListInbox and ListSent return it. */
export interface IndexEntry {
    fileId: string;
    owner: string;
    sharedAt: string;
    txId: string;
}

/** A page of ListInbox / ListSent; pass `bookmark` back for the next page, empty when there is none. */
export interface Page<T> {
    items: T[];
    bookmark: string;
}

/**
 * Payload of the chaincode events FileShared and AccessGranted (one event per transaction);
 * ShareContract's FileShared adds `contract`.
 */
export interface AccessEvent {
    schema: 'sealpact/event/access/v1';
    fileId: string;
    owner: string;
    /** Every party given a credential by the transaction (the owner included in ShareFile), with the key it is sealed to. */
    recipients: { partyId: string; keyFingerprint: string }[];
    txId: string;
    at: string;
    /** ShareContract only: the contract created with the file. */
    contract?: ContractEvent;
}

/** The chaincode event names. */
export const EVENTS = {
    fileShared: 'FileShared',
    accessGranted: 'AccessGranted',
    accessRevoked: 'AccessRevoked',
    contractSigned: 'ContractSigned',
    contractDeclined: 'ContractDeclined',
    contractVoided: 'ContractVoided',
    contractExpired: 'ContractExpired',
} as const;

/**
 * What a contract's lifecycle transactions do in a file's story (party: who declined, voided or
 * recorded the expiry).
 */
export type ContractStoryRole = 'decline' | 'void' | 'expire';

/** What a transaction does in a file's story, as GetFileStory names it. */
export type StoryRole =
    'register-keys' | 'retire-keys' | 'verification' | 'share' | 'grant' | 'revoke' | 'sign' | ContractStoryRole;

/** One transaction of a file's story: what it did, for which party, at what record time. */
export interface StoryEntry {
    txId: string;
    role: StoryRole;
    party: string;
    at: string;
}

/**
 * GetFileStory's result: every transaction a file's story rests on (its share, each grant and
 * revocation, each signature, the decline, void or expiry of its contract, the registration and
 * retirement of each key used, and each recipient's verification in force when it was given
 * access), oldest first. Evidence bundles are built from it (docs/evidence.md).
 */
export interface FileStory {
    schema: 'sealpact/story/v1';
    fileId: string;
    transactions: StoryEntry[];
}

/** GetParty's answer: the party record, its keys, and whether it is verified now. */
export type PartyView = PartyRecord & { verified: boolean; keys: KeyRecord[] };

/** WhoAmI's answer. */
export interface WhoAmI {
    partyId: string;
    mspId: string;
    commonName: string;
    isAdmin: boolean;
    registered: boolean;
    nextKeySequence: number;
    channel: string;
    chaincode: string;
}
