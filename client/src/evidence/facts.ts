import { createHash } from 'node:crypto';
import {
    ContractRecord,
    ContractState,
    CredentialRecord,
    EvidenceError,
    FileRecord,
    KeyRecord,
    PartyRecord,
    SignatureRecord,
    StoryEntry,
} from '@sealpact/protocol';
import { DecodedTransaction } from '../verify/transactions';
import { ContractFacts, EventAction, EvidenceFacts } from './manifest';

/** A transaction of the story, decoded, with where it sits in the chain. */
export interface StoryStep {
    entry: StoryEntry;
    block: number;
    index: number;
    tx: DecodedTransaction;
}

type Party = EvidenceFacts['parties'][number];

/**
 * The facts of a file's story, read from what its transactions wrote (their endorsed write sets),
 * never from what a peer answered: the file, each party with its roles, verification in force and
 * keys used, the timeline, each signature, and the contract's plan and outcome. The exporter writes them into the manifest, the
 * certificate states them, and the verifier computes them again from the blocks and compares.
 *
 * @throws CONTENT_MISMATCH when a transaction did not write the record its role needs
 */
export function storyFacts(fileId: string, chaincode: string, channel: string, steps: StoryStep[]): EvidenceFacts {
    const share = steps.find((step) => step.entry.role === 'share');
    if (share === undefined) {
        throw new EvidenceError('CONTENT_MISMATCH', `the story of ${fileId} has no ShareFile transaction`);
    }
    const file = written<FileRecord>(share, chaincode, 'file', fileId);
    const parties = new Map<string, Party>();
    const partyOf = (partyId: string): Party => {
        let party = parties.get(partyId);
        if (party === undefined) {
            party = { partyId, roles: [], verification: null, keys: [] };
            parties.set(partyId, party);
        }
        return party;
    };
    const addRole = (partyId: string, role: Party['roles'][number]) => {
        const party = partyOf(partyId);
        if (!party.roles.includes(role)) party.roles.push(role);
    };
    addRole(file.owner, 'owner');

    const facts: EvidenceFacts = {
        fileId,
        channel,
        chaincode,
        file: {
            owner: file.owner,
            suite: file.suite,
            digestAlgorithm: file.digestAlgorithm,
            ciphertextDigest: file.ciphertextDigest,
            size: file.size,
            sharedAt: file.createdAt,
            txId: share.tx.txId,
            block: share.block,
        },
        parties: [],
        events: [],
        signatures: [],
        contract: null,
    };
    for (const step of steps) {
        const contract = contractWrittenBy(step, chaincode, fileId);
        if (contract !== undefined) {
            facts.contract = contractFacts(contract);
            facts.events.push(...contractEvents(step, contract));
        }
        const { role, party } = step.entry;
        const at = { txId: step.tx.txId, block: step.block };
        if (role === 'share' || role === 'grant' || role === 'revoke') {
            const credential = written<CredentialRecord>(step, chaincode, 'credential', fileId, party);
            if (party !== file.owner) addRole(party, 'recipient');
            facts.events.push(credentialEvent(role, credential, file.owner, at));
        } else if (role === 'sign') {
            const signature = written<SignatureRecord>(step, chaincode, 'signature', fileId, party);
            addRole(party, 'signer');
            facts.signatures.push(signatureFact(signature, at));
            facts.events.push({
                at: signature.signedAt,
                action: 'signed',
                by: party,
                party,
                ...at,
                detail: `${signature.algorithm.toUpperCase()} signature with key ${signature.keyFingerprint}`,
            });
        } else if (role === 'verification') {
            const { verification } = written<PartyRecord>(step, chaincode, 'party', party);
            if (verification === null || verification.txId !== step.tx.txId) {
                throw new EvidenceError(
                    'CONTENT_MISMATCH',
                    `transaction ${step.tx.txId} did not record a verification of ${party}`,
                );
            }
            const { level, authorityMsp, serial, recordedAt } = verification;
            partyOf(party).verification = { level, authorityMsp, serial, recordedAt, ...at };
        } else if (role === 'register-keys') {
            for (const key of keysRegisteredBy(step, chaincode, party)) {
                const { fingerprint, algorithm, roles, registeredAt } = key;
                partyOf(party).keys.push({ fingerprint, algorithm, roles: [...roles], registeredAt, ...at });
            }
        }
    }
    facts.parties = [...parties.values()].sort((a, b) => compare(a.partyId, b.partyId));
    return facts;
}

/** The contract record `step` wrote, if it changed the contract. */
function contractWrittenBy(step: StoryStep, chaincode: string, fileId: string): ContractRecord | undefined {
    const key = compositeKey('contract', fileId);
    const write = step.tx.writes.find((candidate) => candidate.namespace === chaincode && candidate.key === key);
    return write?.value == null ? undefined : written<ContractRecord>(step, chaincode, 'contract', fileId);
}

function contractFacts(contract: ContractRecord): ContractFacts {
    const { planHash, deadline, state, closedAt, closedBy, reason } = contract;
    const steps = contract.steps.map((step) => step.signers.map((signer) => signer.partyId));
    return { planHash, steps, deadline, state, closedAt, closedBy, reason };
}

/** The lifecycle events a contract record written by `step` adds: its completion, decline, void or expiry. */
function contractEvents(step: StoryStep, contract: ContractRecord): EvidenceFacts['events'] {
    const action = CLOSING_ACTIONS[contract.state];
    if (action === undefined || contract.closedTxId !== step.tx.txId) {
        return [];
    }
    const by = contract.closedBy ?? contract.owner;
    const detail =
        contract.reason === null ? `contract ${contract.state}` : `contract ${contract.state}: ${contract.reason}`;
    return [
        {
            at: contract.closedAt ?? contract.updatedAt,
            action,
            by,
            party: by,
            txId: step.tx.txId,
            block: step.block,
            detail,
        },
    ];
}

const CLOSING_ACTIONS: Partial<Record<ContractState, EventAction>> = {
    completed: 'completed',
    declined: 'declined',
    voided: 'voided',
    expired: 'expired',
};

function credentialEvent(
    role: 'share' | 'grant' | 'revoke',
    credential: CredentialRecord,
    owner: string,
    at: { txId: string; block: number },
): EvidenceFacts['events'][number] {
    if (role === 'revoke') {
        const when = credential.revokedAt ?? credential.grantedAt;
        return {
            at: when,
            action: 'revoked',
            by: owner,
            party: credential.partyId,
            ...at,
            detail: 'credential revoked',
        };
    }
    return {
        at: credential.grantedAt,
        action: role === 'share' ? 'shared' : 'granted',
        by: credential.grantedBy,
        party: credential.partyId,
        ...at,
        detail: `${credential.algorithm.toUpperCase()} credential v${credential.version} for key ${credential.keyFingerprint}`,
    };
}

function signatureFact(signature: SignatureRecord, at: { txId: string; block: number }) {
    return {
        signer: signature.signer,
        signedAt: signature.signedAt,
        algorithm: signature.algorithm,
        keyFingerprint: signature.keyFingerprint,
        digestAlgorithm: signature.digestAlgorithm,
        // v2 and later commit with a keyed HMAC; v1 stated a plain digest.
        plaintextCommitment:
            signature.schema === 'sealpact/signature/v1' ? signature.plaintextDigest : signature.plaintextCommitment,
        signature: signature.signature,
        statementSha256: createHash('sha256').update(signature.statement, 'utf8').digest('hex'),
        ...at,
    };
}

/** Every key record `step` wrote for `party` as a new registration (status active, registered by it). */
export function keysRegisteredBy(step: StoryStep, chaincode: string, party: string): KeyRecord[] {
    const prefix = compositeKey('key', party);
    const keys = step.tx.writes
        .filter((write) => write.namespace === chaincode && write.value !== null && write.key.startsWith(prefix))
        .map((write) => JSON.parse(Buffer.from(write.value as Uint8Array).toString('utf8')) as KeyRecord)
        .filter((key) => key.registeredTxId === step.tx.txId);
    if (keys.length === 0) {
        throw new EvidenceError('CONTENT_MISMATCH', `transaction ${step.tx.txId} registered no key of ${party}`);
    }
    return keys;
}

/**
 * The record `step`'s transaction wrote under the composite key (type, ...attributes) in the
 * chaincode's namespace.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the record type it expects
export function written<T>(step: StoryStep, chaincode: string, type: string, ...attributes: string[]): T {
    const key = compositeKey(type, ...attributes);
    const write = step.tx.writes.find((candidate) => candidate.namespace === chaincode && candidate.key === key);
    if (write?.value == null) {
        throw new EvidenceError(
            'CONTENT_MISMATCH',
            `transaction ${step.tx.txId} (${step.entry.role}) wrote no ${type} record ${attributes.join('/')}`,
        );
    }
    try {
        return JSON.parse(Buffer.from(write.value).toString('utf8')) as T;
    } catch {
        throw new EvidenceError(
            'CONTENT_MISMATCH',
            `transaction ${step.tx.txId} wrote a ${type} record that is not JSON`,
        );
    }
}

/** Fabric's composite key: U+0000, the type, then each attribute followed by U+0000. */
export function compositeKey(type: string, ...attributes: string[]): string {
    return `\u0000${[type, ...attributes].join('\u0000')}\u0000`;
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
