import { createHash, createHmac, KeyObject } from 'node:crypto';
import { IdentityName, KeyLabel, publicPem, signWith, testKey } from './fixtures';
import { Ledger } from './ledger';
import { evaluateJson, submitJson } from './answers';
import {
    ContractRecord,
    CredentialInput,
    FileRecord,
    KeyAlgorithm,
    keyRegistrationStatement,
    parsePublicKey,
    PartyRecord,
    signingStatement,
    Suite,
    SUITE_DIGEST,
} from '@sealpact/protocol';

/**
 * Scenario steps written against `Ledger` ("call a transaction as identity X"), so they run on the
 * in-memory test peer here and on a real Fabric network in the integration tests.
 */

export const GOVERNANCE = {
    governingMsps: ['Org1MSP'],
    authorityMsps: ['AuthorityOrgMSP'],
    auditorMsps: ['AuditorOrgMSP'],
};

/** The party ids of the test identities (MSP ID / CN). */
export const PARTY = {
    alice: 'Org1MSP/alice@org1.example.com',
    dave: 'Org1MSP/dave@org1.example.com',
    bob: 'Org2MSP/bob@org2.example.com',
    carol: 'Org2MSP/carol@org2.example.com',
} as const;

export async function setGovernance(ledger: Ledger): Promise<void> {
    await ledger.submit('org1Admin', 'SetGovernance', JSON.stringify(GOVERNANCE));
}

/** The keys a party registers: an encryption key and a signing key (the same key when `signing` is omitted). */
export interface PartyKeys {
    encryption: KeyObject;
    signing: KeyObject;
}

export function keysOf(label: KeyLabel, algorithm: KeyAlgorithm, signingLabel?: KeyLabel): PartyKeys {
    const encryption = testKey(label, algorithm);
    return { encryption, signing: signingLabel ? testKey(signingLabel, algorithm) : encryption };
}

export function fingerprintOf(key: KeyObject): string {
    return parsePublicKey(publicPem(key)).fingerprint;
}

/** RegisterKeys' arguments: encryption key PEM, its proof, signing key PEM, its proof. */
export type RegistrationArgs = [
    encryptionPem: string,
    encryptionProof: string,
    signingPem: string,
    signingProof: string,
];

/** The RegisterKeys arguments for `who`, proving possession for its next key sequence. */
export async function registrationArgs(ledger: Ledger, who: IdentityName, keys: PartyKeys): Promise<RegistrationArgs> {
    const me = await evaluateJson(ledger, who, 'WhoAmI');
    const statement = keyRegistrationStatement({
        channel: me.channel,
        chaincode: me.chaincode,
        partyId: me.partyId,
        sequence: me.nextKeySequence,
        encryptionKey: fingerprintOf(keys.encryption),
        signingKey: fingerprintOf(keys.signing),
    });
    return [
        publicPem(keys.encryption),
        signWith(keys.encryption, statement).toString('base64'),
        publicPem(keys.signing),
        signWith(keys.signing, statement).toString('base64'),
    ];
}

export async function registerKeys(ledger: Ledger, who: IdentityName, keys: PartyKeys): Promise<PartyRecord> {
    return submitJson(ledger, who, 'RegisterKeys', ...(await registrationArgs(ledger, who, keys)));
}

export async function verifyParty(ledger: Ledger, partyId: string, expiresAt = ''): Promise<void> {
    const serial = createHash('sha256').update(`serial:${partyId}`).digest('hex');
    await ledger.submit('verifier', 'RecordVerification', partyId, serial, 'L2', expiresAt);
}

/** A credential sealed (for these tests: a stand-in envelope) to the party's encryption key. */
export function credentialFor(partyId: string, key: KeyObject, fileId: string): CredentialInput {
    const info = parsePublicKey(publicPem(key));
    const envelope = createHash('sha256').update(`${fileId}:${partyId}`).digest('base64');
    return { partyId, keyFingerprint: info.fingerprint, algorithm: info.algorithm, envelope };
}

export interface ShareOptions {
    suite?: Suite;
    ciphertextDigest?: string;
    size?: string;
    locator?: string;
}

export function shareArgs(fileId: string, credentials: CredentialInput[], options: ShareOptions = {}): string[] {
    const suite = options.suite ?? 'gm';
    return [
        fileId,
        suite,
        SUITE_DIGEST[suite],
        options.ciphertextDigest ?? createHash('sha256').update(`ciphertext:${fileId}`).digest('hex'),
        options.size ?? '1048576',
        options.locator ?? `fs://store/${fileId}`,
        JSON.stringify(credentials),
    ];
}

export async function shareFile(
    ledger: Ledger,
    who: IdentityName,
    fileId: string,
    credentials: CredentialInput[],
    options: ShareOptions = {},
): Promise<FileRecord> {
    return submitJson(ledger, who, 'ShareFile', ...shareArgs(fileId, credentials, options));
}

/** ShareContract's arguments: ShareFile's, then the plan (party ids per step, and a deadline or null). */
export function contractArgs(
    fileId: string,
    credentials: CredentialInput[],
    steps: string[][],
    deadline: string | null = null,
    options: ShareOptions = {},
): string[] {
    return [...shareArgs(fileId, credentials, options), JSON.stringify({ steps, deadline })];
}

export async function shareContract(
    ledger: Ledger,
    who: IdentityName,
    fileId: string,
    credentials: CredentialInput[],
    steps: string[][],
    deadline: string | null = null,
): Promise<{ file: FileRecord; contract: ContractRecord }> {
    return submitJson(ledger, who, 'ShareContract', ...contractArgs(fileId, credentials, steps, deadline));
}

/** What a signing statement names of a contract: its plan hash and the signer's (1-based) step. */
export interface PlanReference {
    planHash: string;
    step: number;
}

/** The plan reference `partyId` signs under in `contract` (step 1 when it is not in the plan). */
export function planReference(contract: ContractRecord, partyId: string): PlanReference {
    const step = contract.steps.findIndex((s) => s.signers.some((signer) => signer.partyId === partyId));
    return { planHash: contract.planHash, step: Math.max(step, 0) + 1 };
}

/**
 * A stand-in for a file's commitment key (the client derives the real one from the file password,
 * which the ledger never sees): any 32 bytes will do for the chaincode.
 */
export function testCommitmentKey(fileId: string): Buffer {
    return createHash('sha256').update(`commitment key:${fileId}`).digest();
}

/**
 * The statement `signer` signs for `file` with its signing key, and its base64 signature: under a
 * contract's plan when `plan` is given (a ContractRecord: the signer's own step), else plan-less.
 */
export function signatureArgs(
    file: FileRecord,
    signer: string,
    signingKey: KeyObject,
    plan: ContractRecord | PlanReference | null = null,
    plaintext = 'contract',
) {
    const reference = plan && 'schema' in plan ? planReference(plan, signer) : plan;
    const statement = signingStatement({
        fileId: file.fileId,
        digestAlgorithm: file.digestAlgorithm,
        plaintextCommitment: createHmac(file.digestAlgorithm, testCommitmentKey(file.fileId))
            .update(plaintext)
            .digest('hex'),
        ciphertextDigest: file.ciphertextDigest,
        contractPlan: reference?.planHash ?? null,
        step: reference?.step ?? null,
        signer,
        signingKey: fingerprintOf(signingKey),
    });
    return { statement, signature: signWith(signingKey, statement).toString('base64') };
}

/**
 * The common starting point with four parties who may all receive files: standardParties, carol
 * verified, and dave (Org1) with SM2 keys, verified.
 */
export async function contractParties(ledger: Ledger) {
    const keys = { ...(await standardParties(ledger)), dave: keysOf('dave', 'sm2') };
    await verifyParty(ledger, PARTY.carol);
    await registerKeys(ledger, 'dave', keys.dave);
    await verifyParty(ledger, PARTY.dave);
    return keys;
}

/**
 * The common starting point: governance set; alice (Org1) with SM2 encryption and signing keys;
 * bob (Org2) with SM2 keys, verified; carol (Org2) registered with RSA but not verified.
 */
export async function standardParties(ledger: Ledger) {
    const keys = {
        alice: keysOf('alice', 'sm2', 'alice-sign'),
        bob: keysOf('bob', 'sm2', 'bob-sign'),
        carol: keysOf('carol', 'rsa'),
    };
    await setGovernance(ledger);
    await registerKeys(ledger, 'alice', keys.alice);
    await registerKeys(ledger, 'bob', keys.bob);
    await registerKeys(ledger, 'carol', keys.carol);
    await verifyParty(ledger, PARTY.bob);
    return keys;
}
