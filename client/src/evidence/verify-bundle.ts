/**
 * `sealpact evidence verify` (docs/evidence.md): check an evidence bundle offline, as a checklist a
 * person can read, one line per check. Each check states what it established or why it failed
 * (an EvidenceError with its code); the checks go on after a failure wherever what they need is
 * still there, so that the report names everything that broke. The bundle holds only when every
 * check does.
 *
 * The order is the order of trust: the container, the trust anchors, the configuration blocks
 * (believed only when they match the anchors), every block and header (signed by the orderers of
 * the configuration in force, chained), each transaction of the story (in its block, valid,
 * created and endorsed as the configuration demands, doing what its role says), the manifest's
 * facts (computed again from the transactions' write sets), the certificate (rendered again from
 * the verified manifest), the story's consistency, each contract signature and, given the
 * contract and its commitment key, the contract itself.
 */
import { Readable } from 'node:stream';
import {
    CredentialRecord,
    EvidenceError,
    FileStory,
    hashOf,
    isCiphertextDigestAlgorithm,
    isSealpactError,
    KeyRecord,
    parsePublicKey,
    parseSigningStatement,
    parseSigningStatementV2,
    PartyRecord,
    SignatureRecord,
} from '@sealpact/protocol';
import { plaintextCommitment } from '../crypto/commitment';
import { verifyDetached } from '../crypto/signature';
import {
    DecodedBlock,
    decodeBlock,
    findTransaction,
    verifyBlockSignature,
    verifyChain,
    verifyDataHash,
} from '../verify/blocks';
import { ChannelConfig, describeEndorsementPolicy, readChannelConfig } from '../verify/channel-config';
import { describeIdentity } from '../verify/identity';
import { DecodedTransaction, decodeTransaction, verifyCreator, verifyEndorsements } from '../verify/transactions';
import {
    caFingerprintsOfPem,
    TrustAnchors,
    trustAnchorsFromConfig,
    trustAnchorsFromFingerprints,
} from '../verify/trust-anchors';
import { readBundle } from './bundle';
import { certificatePdf } from './certificate';
import { compositeKey, keysRegisteredBy, StoryStep, storyFacts, written } from './facts';
import { EvidenceFacts, EvidenceManifest, StoryRole, StoryTransaction } from './manifest';

/** One line of the checklist: what was checked, and why it failed when it did. */
export interface Check {
    name: string;
    ok: boolean;
    reason?: string;
    error?: EvidenceError;
}

/**
 * The checklist of a bundle. `ok` only when every check holds; the manifest is absent only when
 * the bundle did not even open (its one check, the container, then failed).
 */
export type EvidenceReport =
    | { ok: true; checks: Check[]; manifest: EvidenceManifest }
    | { ok: false; checks: Check[]; manifest?: EvidenceManifest };

/** The contract to check against the signatures, as a file (read as a stream) or bytes, with its commitment key. */
export type ContractToCheck = ({ path: string } | { bytes: Uint8Array }) & { commitmentKey: Buffer };

export interface VerifyOptions {
    /** The channel's trust anchors, pinned by the verifier; default: the bundle's own (and the report says so). */
    anchors?: TrustAnchors;
    contract?: ContractToCheck;
}

/** The chaincode functions that can play each role of a story. */
const FUNCTIONS: Readonly<Record<StoryRole, readonly string[]>> = {
    'register-keys': ['RegisterKeys'],
    'retire-keys': ['RegisterKeys', 'RevokeKeys'],
    verification: ['RecordVerification'],
    share: ['ShareFile', 'ShareContract'],
    grant: ['GrantAccess'],
    revoke: ['RevokeAccess'],
    sign: ['SignContract'],
    decline: ['DeclineContract'],
    void: ['VoidContract'],
    expire: ['ExpireContract'],
};

/** Fabric's TxValidationCode VALID. */
const VALID = 0;
/** shim.OK, the status of a successful chaincode response. */
const OK = 200;

const BLOCK_MEMBER = /^(blocks|headers|config)\/(0|[1-9][0-9]*)\.block$/;

/**
 * Verify an evidence bundle, offline. Throws only when `contract.path` cannot be read (the file
 * system's error); everything wrong with the bundle is a failed check of the report.
 */
export async function verifyEvidence(bundle: Uint8Array, options: VerifyOptions = {}): Promise<EvidenceReport> {
    const list = new Checklist();
    const opened = list.run(
        'the bundle opens: a ZIP whose members are exactly those manifest.json lists, unchanged',
        () => readBundle(bundle),
    );
    if (opened === undefined) {
        return { ok: false, checks: list.checks };
    }
    const { manifest, members } = opened;
    const anchors = checkTrustAnchors(list, manifest, members, options.anchors);
    const configs = checkConfigBlocks(list, manifest, members, anchors);
    const blocks = checkBlocks(list, manifest, members, configs);
    const steps = checkTransactions(list, manifest, blocks, configs);
    checkAttestation(list, manifest, members, configs);
    const facts = checkFacts(list, manifest, steps);
    await checkCertificate(list, manifest, members);
    if (facts !== undefined) {
        const story = new Story(manifest.chaincode, facts, steps);
        checkStory(list, story);
        checkSignatures(list, story);
    }
    if (options.contract !== undefined) {
        await checkContract(list, facts, options.contract);
    }
    const checks = list.checks;
    return checks.every((check) => check.ok) ? { ok: true, checks, manifest } : { ok: false, checks, manifest };
}

/** The checks so far; a check passes when its work returns and fails with the EvidenceError it throws. */
class Checklist {
    readonly checks: Check[] = [];

    run<T>(name: string, work: () => T): T | undefined {
        try {
            const value = work();
            this.checks.push({ name, ok: true });
            return value;
        } catch (error) {
            this.failed(name, error);
            return undefined;
        }
    }

    async runAsync<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
        try {
            const value = await work();
            this.checks.push({ name, ok: true });
            return value;
        } catch (error) {
            this.failed(name, error);
            return undefined;
        }
    }

    /** Anything but an EvidenceError is a fault of the verifier, not of the bundle: it is thrown on. */
    private failed(name: string, error: unknown): void {
        if (!(error instanceof EvidenceError)) {
            throw error;
        }
        this.checks.push({ name, ok: false, reason: error.message, error });
    }
}

// --- trust anchors and configuration ---------------------------------------------------------------

function checkTrustAnchors(
    list: Checklist,
    manifest: EvidenceManifest,
    members: ReadonlyMap<string, Uint8Array>,
    pinned: TrustAnchors | undefined,
): TrustAnchors | undefined {
    list.run("anchors/<MSP id>.pem hold exactly the CA certificates of manifest.json's trustAnchors", () => {
        compareAnchorFiles(manifest.trustAnchors, members);
    });
    if (pinned !== undefined) {
        list.run(`trust anchors pinned by the verifier: ${[...pinned.keys()].sort().join(', ')}`, () => pinned);
        return pinned;
    }
    const listed = Object.entries(manifest.trustAnchors)
        .map(([mspId, fingerprints]) => `${mspId} ${fingerprints.join(' ')}`)
        .join('; ');
    return list.run(
        `trust anchors taken from the bundle itself, not pinned: compare them with the consortium's published fingerprints (SHA-256): ${listed}`,
        () => trustAnchorsFromFingerprints(manifest.trustAnchors),
    );
}

/** The fingerprints of each anchors/<MSP id>.pem are those manifest.json lists for that MSP, and the MSPs the same. */
function compareAnchorFiles(listed: Record<string, string[]>, members: ReadonlyMap<string, Uint8Array>): void {
    const files = new Map<string, string[]>();
    for (const [name, bytes] of members) {
        if (name.startsWith('anchors/')) {
            files.set(
                name.slice('anchors/'.length, -'.pem'.length),
                [...caFingerprintsOfPem(Buffer.from(bytes).toString('utf8'), name)].sort(),
            );
        }
    }
    for (const mspId of new Set([...files.keys(), ...Object.keys(listed)])) {
        const file = files.get(mspId);
        const expected = Object.hasOwn(listed, mspId) ? listed[mspId] : undefined;
        if (file === undefined || expected === undefined) {
            const where =
                file === undefined ? 'manifest.json but has no anchors/ file' : 'anchors/ but not in manifest.json';
            throw new EvidenceError('BAD_TRUST_ANCHORS', `${mspId} has trust anchors in ${where}`);
        }
        if (file.join() !== [...expected].sort().join()) {
            throw new EvidenceError(
                'BAD_TRUST_ANCHORS',
                `anchors/${mspId}.pem holds other CA certificates than manifest.json lists for ${mspId}`,
            );
        }
    }
}

/** Each configuration block of the manifest, believed against the anchors: number → configuration. */
function checkConfigBlocks(
    list: Checklist,
    manifest: EvidenceManifest,
    members: ReadonlyMap<string, Uint8Array>,
    anchors: TrustAnchors | undefined,
): Map<number, ChannelConfig> {
    list.run("config/ holds exactly the configuration blocks manifest.json's configBlocks names", () => {
        sameNumbers(manifest.configBlocks, membersOf(members, 'config'), 'configBlocks', 'config', 'BAD_BUNDLE');
    });
    const configs = new Map<number, ChannelConfig>();
    for (const number of manifest.configBlocks) {
        const name = `configuration block ${number}: its organisations' CAs are the trust anchors and the orderers signed it`;
        const config = list.run(name, () => {
            if (anchors === undefined) {
                throw new EvidenceError(
                    'UNTRUSTED_CONFIG',
                    `configuration block ${number}: no trust anchors to believe it with`,
                );
            }
            const block = memberBlock(members, 'config', number, 'UNTRUSTED_CONFIG');
            // The orderers sign the header; only the data hash binds the configuration it holds to it.
            verifyDataHash(block);
            const config = readChannelConfig(block, anchors, number === 0 ? genesisSuccessor(members) : undefined);
            if (config.channel !== manifest.channel) {
                throw new EvidenceError(
                    'UNTRUSTED_CONFIG',
                    `configuration block ${number} is of channel ${config.channel}, not ${manifest.channel}`,
                );
            }
            return config;
        });
        if (config !== undefined) {
            configs.set(number, config);
        }
    }
    if (configs.size > 0) {
        list.run(
            "manifest.json's trustAnchors are the root CAs of the configuration blocks, which the certificate states",
            () => {
                sameAnchors(manifest.trustAnchors, [...configs.values()].map(trustAnchorsFromConfig));
            },
        );
    }
    return configs;
}

/** `listed` holds, per MSP, exactly the root CAs the configurations give it; else BAD_TRUST_ANCHORS. */
function sameAnchors(listed: Record<string, string[]>, configs: TrustAnchors[]): void {
    const roots = new Map<string, Set<string>>();
    for (const [mspId, fingerprints] of configs.flatMap((anchors) => [...anchors])) {
        roots.set(mspId, new Set([...(roots.get(mspId) ?? []), ...fingerprints]));
    }
    for (const mspId of new Set([...roots.keys(), ...Object.keys(listed)])) {
        const expected = [...(roots.get(mspId) ?? [])].sort().join();
        if ((Object.hasOwn(listed, mspId) ? [...(listed[mspId] ?? [])].sort().join() : undefined) !== expected) {
            throw new EvidenceError(
                'BAD_TRUST_ANCHORS',
                `manifest.json's trust anchors of ${mspId} are not the root CAs the configuration gives it`,
            );
        }
    }
}

/**
 * Block 1, which vouches for the genesis block: the orderers sign no genesis block, so the bundle
 * carries block 1 (a header is enough) when the genesis block is a configuration in force.
 */
function genesisSuccessor(members: ReadonlyMap<string, Uint8Array>): DecodedBlock | undefined {
    const bytes = members.get('headers/1.block') ?? members.get('blocks/1.block');
    return bytes === undefined ? undefined : decodeBlock(bytes);
}

// --- blocks -----------------------------------------------------------------------------------------

/** The full blocks of a bundle that decoded, by number, and which of them verified (orderer signature, data hash). */
interface Blocks {
    full: Map<number, DecodedBlock>;
    verified: Set<number>;
}

/**
 * Every block and header: decoded, signed by an orderer of the configuration in force, a full
 * block's data hash over its transactions; together, the range manifest.headers without a gap or
 * a fork.
 */
function checkBlocks(
    list: Checklist,
    manifest: EvidenceManifest,
    members: ReadonlyMap<string, Uint8Array>,
    configs: ReadonlyMap<number, ChannelConfig>,
): Blocks {
    const full = new Map<number, DecodedBlock>();
    const verified = new Set<number>();
    const chained: DecodedBlock[] = [];
    const { from, to } = manifest.headers;
    const entries = [
        ...membersOf(members, 'blocks').map((n) => ['blocks', n] as const),
        ...membersOf(members, 'headers').map((n) => ['headers', n] as const),
    ];
    for (const [kind, number] of entries.sort(([, a], [, b]) => a - b)) {
        const what =
            kind === 'blocks' ? 'its data hash covers its transactions' : 'a header only, without transactions';
        list.run(`block ${number}: signed by an orderer of the configuration in force; ${what}`, () => {
            const block = memberBlock(members, kind, number, 'BROKEN_CHAIN');
            if (kind === 'blocks') {
                full.set(number, block);
            }
            // Block 1 outside the range is the genesis block's witness, checked with it.
            if (number >= from && number <= to) {
                chained.push(block);
            }
            verifyBlockSignature(block, configInForce(block, configs, manifest.configBlocks));
            if (kind === 'blocks') {
                verifyDataHash(block);
                verified.add(number);
            } else if (block.data.length > 0) {
                throw new EvidenceError('BAD_BLOCK', `headers/${number}.block carries transactions`);
            }
        });
    }
    list.run(`blocks ${from} to ${to} are all there, each once, and chain by previous hash`, () => {
        const numbers = entries
            .map(([, number]) => number)
            .filter((number) => !(number === 1 && from > 1 && manifest.configBlocks.includes(0)));
        const expected = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
        sameNumbers(expected, numbers, `the range ${from}..${to}`, 'blocks/ and headers/', 'BROKEN_CHAIN');
        verifyChain(chained);
    });
    list.run("blocks/ holds exactly the blocks manifest.json's blocks names", () => {
        sameNumbers(manifest.blocks, membersOf(members, 'blocks'), 'blocks', 'blocks', 'BAD_BUNDLE');
    });
    return { full, verified };
}

/** The configuration in force for `block`, which must be one the bundle holds and that was believed. */
function configInForce(
    block: DecodedBlock,
    configs: ReadonlyMap<number, ChannelConfig>,
    listed: number[],
): ChannelConfig {
    const config = configs.get(block.lastConfig);
    if (config === undefined) {
        throw new EvidenceError(
            'UNTRUSTED_CONFIG',
            listed.includes(block.lastConfig)
                ? `block ${block.number}: the configuration in force, block ${block.lastConfig}, was not believed`
                : `block ${block.number}: the configuration in force, block ${block.lastConfig}, is not one of the bundle's configuration blocks`,
        );
    }
    return config;
}

/** The block member `<folder>/<number>.block`, decoded; `code` when it is absent or holds another block. */
function memberBlock(
    members: ReadonlyMap<string, Uint8Array>,
    folder: 'blocks' | 'headers' | 'config',
    number: number,
    code: 'UNTRUSTED_CONFIG' | 'BROKEN_CHAIN',
): DecodedBlock {
    const name = `${folder}/${number}.block`;
    const bytes = members.get(name);
    if (bytes === undefined) {
        throw new EvidenceError(code, `the bundle has no ${name}`);
    }
    const block = decodeBlock(bytes);
    if (block.number !== number) {
        throw new EvidenceError(code, `${name} holds block ${block.number}`);
    }
    return block;
}

/** The numbers of the members `<folder>/<n>.block`, ascending. */
function membersOf(members: ReadonlyMap<string, Uint8Array>, folder: 'blocks' | 'headers' | 'config'): number[] {
    return [...members.keys()]
        .map((name) => BLOCK_MEMBER.exec(name))
        .filter((match) => match?.[1] === folder)
        .map((match) => Number(match?.[2]))
        .sort((a, b) => a - b);
}

/** `expected` and `actual` hold the same numbers, each once; else `code` naming the first that differs. */
function sameNumbers(
    expected: number[],
    actual: number[],
    expectedWhat: string,
    actualWhat: string,
    code: 'BAD_BUNDLE' | 'BROKEN_CHAIN',
): void {
    const twice = actual.find((number, i) => actual.indexOf(number) !== i);
    if (twice !== undefined) {
        throw new EvidenceError(code, `block ${twice} is given twice in ${actualWhat}`);
    }
    const missing = expected.find((number) => !actual.includes(number));
    if (missing !== undefined) {
        throw new EvidenceError(code, `block ${missing} of ${expectedWhat} is not in ${actualWhat}`);
    }
    const extra = actual.find((number) => !expected.includes(number));
    if (extra !== undefined) {
        throw new EvidenceError(code, `block ${extra} in ${actualWhat} is not in ${expectedWhat}`);
    }
}

// --- transactions -------------------------------------------------------------------------------------

/**
 * Each transaction of the manifest: in its block at its index, VALID, its creator and endorsements
 * verified against the configuration in force (once per transaction), and, per story entry, the
 * chaincode, channel, function and time the manifest says. Returns the steps of the entries that
 * hold in a block that verified: the facts and the story rest on verified transactions alone.
 */
function checkTransactions(
    list: Checklist,
    manifest: EvidenceManifest,
    blocks: Blocks,
    configs: ReadonlyMap<number, ChannelConfig>,
): StoryStep[] {
    list.run('manifest.json lists the transactions in story order (time, role, party, id), each entry once', () => {
        checkStoryOrder(manifest.transactions);
    });
    const signed = new Map<string, boolean>();
    const steps: StoryStep[] = [];
    for (const entry of manifest.transactions) {
        const step = checkTransaction(list, manifest, entry, blocks, configs, signed);
        if (step !== undefined) {
            steps.push(step);
        }
    }
    return steps;
}

/** The member holding the endorsed, unsubmitted GetFileStory answer of export time. */
export const STORY_ATTESTATION = 'story.endorsed';

/**
 * The story as a majority of organisations attested it when the bundle was made: the endorsed
 * (never submitted) answer to GetFileStory must list exactly the manifest's transactions, and its
 * endorsements satisfy the policy of the newest configuration in the bundle (the one in force at
 * export). The chaincode builds that answer from the peers' history, which holds valid transactions
 * only: this is what says each transaction was valid, since a block's validation codes are written
 * by the peer that serves it and signed by no one.
 */
function checkAttestation(
    list: Checklist,
    manifest: EvidenceManifest,
    members: ReadonlyMap<string, Uint8Array>,
    configs: ReadonlyMap<number, ChannelConfig>,
): void {
    list.run(
        `${STORY_ATTESTATION}: a majority's endorsed answer to GetFileStory at export lists exactly these transactions`,
        () => {
            const bytes = members.get(STORY_ATTESTATION);
            if (bytes === undefined) {
                throw new EvidenceError('BAD_BUNDLE', `the bundle has no ${STORY_ATTESTATION}`);
            }
            const newest = Math.max(...configs.keys());
            const config = configs.get(newest);
            if (config === undefined) {
                throw new EvidenceError('UNTRUSTED_CONFIG', `${STORY_ATTESTATION}: no configuration to check it with`);
            }
            const tx = decodeTransaction(bytes);
            const asked = `${tx.chaincode} ${tx.function} ${tx.args.map((arg) => Buffer.from(arg).toString('utf8')).join(' ')}`;
            if (tx.channel !== manifest.channel || asked !== `${manifest.chaincode} GetFileStory ${manifest.fileId}`) {
                throw new EvidenceError(
                    'CONTENT_MISMATCH',
                    `${STORY_ATTESTATION} is not GetFileStory of ${manifest.fileId}`,
                );
            }
            if (tx.response.status !== OK) {
                throw new EvidenceError(
                    'CONTENT_MISMATCH',
                    `${STORY_ATTESTATION} answered status ${tx.response.status}`,
                );
            }
            verifyEndorsements(tx, config);
            let attested: FileStory;
            try {
                attested = JSON.parse(Buffer.from(tx.response.payload).toString('utf8')) as FileStory;
            } catch {
                throw new EvidenceError('CONTENT_MISMATCH', `${STORY_ATTESTATION} does not answer with JSON`);
            }
            const line = (entry: { txId: string; role: string; party: string; at: string }) =>
                `${entry.txId} ${entry.role} ${entry.party} ${entry.at}`;
            const expected = manifest.transactions.map(line);
            const given = attested.transactions.map(line);
            const differs = given.findIndex((entry, i) => entry !== expected[i]);
            if (given.length !== expected.length || differs >= 0) {
                throw new EvidenceError(
                    'CONTENT_MISMATCH',
                    `the attested story lists ${given.length} transactions, manifest.json ${expected.length}` +
                        (differs >= 0 ? `; they first differ at entry ${differs + 1}` : ''),
                );
            }
        },
    );
}

/** One story entry's checks; its step when they all hold. `signed`: whether each transaction's signers verified. */
function checkTransaction(
    list: Checklist,
    manifest: EvidenceManifest,
    entry: StoryTransaction,
    blocks: Blocks,
    configs: ReadonlyMap<number, ChannelConfig>,
    signed: Map<string, boolean>,
): StoryStep | undefined {
    const tx = `transaction ${short(entry.txId)}`;
    const found = list.run(`${tx}: in block ${entry.block} at index ${entry.index}, marked VALID`, () => {
        const block = blocks.full.get(entry.block);
        if (block === undefined) {
            throw new EvidenceError('BAD_BLOCK', `${tx}: the bundle has no blocks/${entry.block}.block`);
        }
        const found = findTransaction(block, entry.txId);
        if (found.index !== entry.index) {
            throw new EvidenceError(
                'BAD_BLOCK',
                `${tx} is at index ${found.index} of block ${block.number}, not ${entry.index}`,
            );
        }
        if (found.validationCode !== VALID) {
            throw new EvidenceError(
                'TX_NOT_VALID',
                `${tx}: block ${block.number} marks it invalid (code ${found.validationCode})`,
            );
        }
        return { block, transaction: found.transaction };
    });
    if (found === undefined) {
        return undefined;
    }
    const { block, transaction } = found;
    const { txId, role, party, at } = entry;
    let signersHold = signed.get(txId);
    if (signersHold === undefined) {
        signersHold = checkSigners(list, tx, transaction, block, configs, manifest.configBlocks);
        signed.set(txId, signersHold);
    }
    const contentHolds = list.run(
        `${tx}: ${entry.function} of ${manifest.chaincode} on ${manifest.channel} at ${at}, the ${role} of ${party}`,
        () => checkContent(manifest, entry, transaction),
    );
    return signersHold && contentHolds === true && blocks.verified.has(block.number)
        ? { entry: { txId, role, party, at }, block: block.number, index: entry.index, tx: transaction }
        : undefined;
}

/** The creator's and the endorsers' signatures, against the configuration in force for `block`; whether both hold. */
function checkSigners(
    list: Checklist,
    tx: string,
    transaction: DecodedTransaction,
    block: DecodedBlock,
    configs: ReadonlyMap<number, ChannelConfig>,
    listed: number[],
): boolean {
    const created = list.run(
        `${tx}: created by ${describeIdentity(transaction.creator)}, whose signature verifies`,
        () => {
            verifyCreator(transaction, configInForce(block, configs, listed));
            return true;
        },
    );
    const orgs = [...new Set(transaction.endorsements.map((e) => e.endorser.mspId))].sort().join(', ');
    const config = configs.get(block.lastConfig);
    const policy = config === undefined ? "the channel's endorsement policy" : describeEndorsementPolicy(config);
    const endorsed = list.run(`${tx}: endorsed by ${orgs || 'nobody'}, satisfying ${policy}`, () => {
        verifyEndorsements(transaction, configInForce(block, configs, listed));
        return true;
    });
    return created === true && endorsed === true;
}

/** What the transaction does is what its manifest entry says (true); else CONTENT_MISMATCH. */
function checkContent(manifest: EvidenceManifest, entry: StoryTransaction, tx: DecodedTransaction): true {
    const mismatch = (what: string) =>
        new EvidenceError('CONTENT_MISMATCH', `transaction ${short(entry.txId)} ${what}`);
    if (tx.chaincode !== manifest.chaincode || tx.channel !== manifest.channel) {
        throw mismatch(
            `is of chaincode ${tx.chaincode} on ${tx.channel}, not ${manifest.chaincode} on ${manifest.channel}`,
        );
    }
    if (tx.function !== entry.function || !FUNCTIONS[entry.role].includes(tx.function)) {
        throw mismatch(
            `calls ${tx.function}, which cannot be the ${entry.role} manifest.json says (${entry.function})`,
        );
    }
    if (tx.response.status !== OK) {
        throw mismatch(`was answered with status ${tx.response.status}`);
    }
    // Every record time is the transaction's timestamp (chaincode txTime), as GetFileStory's `at`.
    if (tx.timestamp !== entry.at) {
        throw mismatch(`has the timestamp ${tx.timestamp}, not ${entry.at} as manifest.json says`);
    }
    return true;
}

/** GetFileStory's order: oldest first, ties by role, party and transaction id, each entry once. */
function checkStoryOrder(transactions: StoryTransaction[]): void {
    const order = (entry: StoryTransaction) => [entry.at, entry.role, entry.party, entry.txId].join('\n');
    for (const [i, entry] of transactions.entries()) {
        const before = transactions[i - 1];
        if (before !== undefined && order(before) >= order(entry)) {
            throw new EvidenceError(
                'CONTENT_MISMATCH',
                `manifest.json's transaction ${i} (${short(entry.txId)}, ${entry.role}) is out of story order or repeated`,
            );
        }
    }
}

// --- facts and certificate ----------------------------------------------------------------------------

/**
 * The manifest's facts are those the transactions' write sets establish. Returns the facts the
 * transactions establish, even when the manifest states others: the later checks judge the story
 * the transactions tell.
 */
function checkFacts(list: Checklist, manifest: EvidenceManifest, steps: StoryStep[]): EvidenceFacts | undefined {
    const computed: { facts?: EvidenceFacts } = {};
    list.run("manifest.json's facts are those the transactions wrote", () => {
        computed.facts = storyFacts(manifest.fileId, manifest.chaincode, manifest.channel, steps);
        const difference = firstDifference(computed.facts, manifest.facts, 'facts');
        if (difference !== undefined) {
            throw new EvidenceError(
                'CONTENT_MISMATCH',
                `manifest.json's ${difference} is not what the transactions wrote`,
            );
        }
    });
    return computed.facts;
}

/** The path of the first place where `a` and `b` (JSON values) differ, or undefined when they are equal. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
    if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
        return a === b ? undefined : path;
    }
    if (Array.isArray(a) !== Array.isArray(b)) {
        return path;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        return a.length !== b.length
            ? `${path}.length`
            : a.map((item, i) => firstDifference(item, b[i], `${path}[${i}]`)).find(Boolean);
    }
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    return keys.map((key) => firstDifference(left[key], right[key], `${path}.${key}`)).find(Boolean);
}

/**
 * certificate.pdf is the certificate rendered from this manifest: the renderer is deterministic,
 * so the PDF states exactly the verified facts, or it is not the bundle's certificate.
 */
async function checkCertificate(list: Checklist, manifest: EvidenceManifest, members: ReadonlyMap<string, Uint8Array>) {
    await list.runAsync('certificate.pdf is the certificate of completion of these facts, byte for byte', async () => {
        const pdf = members.get('certificate.pdf');
        if (pdf === undefined) {
            throw new EvidenceError('BAD_BUNDLE', 'the bundle has no certificate.pdf');
        }
        if (!Buffer.from(await certificatePdf(manifest)).equals(pdf)) {
            throw new EvidenceError(
                'CONTENT_MISMATCH',
                'certificate.pdf is not the certificate of the facts in manifest.json',
            );
        }
    });
}

// --- the story ----------------------------------------------------------------------------------------

/** A key of the story: its record as registered, where it was registered, and where retired if it was. */
interface StoryKey {
    record: KeyRecord;
    registered: StoryStep;
    retired?: StoryStep;
}

/** The story's steps indexed for the consistency checks; positions in the chain are (block, index). */
class Story {
    readonly keys = new Map<string, StoryKey>();

    constructor(
        readonly chaincode: string,
        readonly facts: EvidenceFacts,
        readonly steps: StoryStep[],
    ) {
        for (const step of steps) {
            if (step.entry.role === 'register-keys') {
                for (const record of keysRegisteredBy(step, chaincode, step.entry.party)) {
                    this.keys.set(keyId(record.partyId, record.fingerprint), { record, registered: step });
                }
            }
        }
        for (const step of steps) {
            if (step.entry.role === 'retire-keys') {
                for (const record of keyRecordsWritten(step, chaincode)) {
                    const key = this.keys.get(keyId(record.partyId, record.fingerprint));
                    if (key !== undefined && record.retiredTxId === step.tx.txId && key.retired === undefined) {
                        key.retired = step;
                    }
                }
            }
        }
    }

    /** The last step of `roles` for `party` before `step` in the chain. */
    lastBefore(step: StoryStep, party: string, roles: StoryRole[]): StoryStep | undefined {
        return this.steps
            .filter((s) => s.entry.party === party && roles.includes(s.entry.role) && before(s, step))
            .at(-1);
    }

    /** Why `party`'s key `fingerprint` could not be used at `step` (for `role`), or undefined. */
    keyProblem(party: string, fingerprint: string, step: StoryStep, role?: 'signing'): string | undefined {
        const key = this.keys.get(keyId(party, fingerprint));
        if (key === undefined) {
            return `key ${short(fingerprint)} of ${party} has no RegisterKeys in the bundle`;
        }
        if (!before(key.registered, step)) {
            return `key ${short(fingerprint)} of ${party} is registered (${where(key.registered)}) only after its use`;
        }
        if (key.retired !== undefined && before(key.retired, step)) {
            return `key ${short(fingerprint)} of ${party} was retired (${where(key.retired)}) before its use`;
        }
        if (role !== undefined && !key.record.roles.includes(role)) {
            return `key ${short(fingerprint)} of ${party} is not a ${role} key`;
        }
        return undefined;
    }
}

/**
 * The story holds together: every key sealed to was registered before and not retired; every
 * recipient was verified when given access; every signature comes after the share, by a party
 * holding a credential, with a signing key of its own registered before. (And each retirement the
 * manifest names retires a key of its party: the facts do not tell.)
 */
function checkStory(list: Checklist, story: Story): void {
    const { fileId, file } = story.facts;
    for (const step of story.steps) {
        const { role, party } = step.entry;
        const at = `the ${role} of ${party} (${where(step)})`;
        if (role === 'share' || role === 'grant') {
            list.run(`${at}: the credential's key was registered before and was not retired`, () => {
                const credential = written<CredentialRecord>(step, story.chaincode, 'credential', fileId, party);
                inconsistent(story.keyProblem(party, credential.keyFingerprint, step));
            });
            if (party !== file.owner) {
                list.run(`${at}: ${party}'s identity verification was in force`, () => {
                    inconsistent(verificationProblem(story, step));
                });
            }
        } else if (role === 'retire-keys') {
            list.run(`${at}: the transaction retires a key of ${party}`, () => {
                if (!keyRecordsWritten(step, story.chaincode).some((key) => key.retiredTxId === step.tx.txId)) {
                    throw new EvidenceError('CONTENT_MISMATCH', `${where(step)} retires no key of ${party}`);
                }
            });
        } else if (role === 'sign') {
            list.run(
                `${at}: after the share, by a holder of a credential, with a signing key registered before`,
                () => {
                    inconsistent(signingProblem(story, step));
                },
            );
        }
    }
}

/** Why `step` (a share or grant to a recipient) had no verification of the recipient in force, or undefined. */
function verificationProblem(story: Story, step: StoryStep): string | undefined {
    const { party, at } = step.entry;
    const recorded = story.lastBefore(step, party, ['verification']);
    if (recorded === undefined) {
        return `${party} has no identity verification recorded before ${where(step)}`;
    }
    const { verification } = written<PartyRecord>(recorded, story.chaincode, 'party', party);
    if (verification === null || verification.txId !== recorded.tx.txId || verification.recordedAt > at) {
        return `${where(recorded)} recorded no verification of ${party} before ${at}`;
    }
    if (verification.expiresAt !== null && verification.expiresAt <= at) {
        return `the verification of ${party} (${where(recorded)}) expired at ${verification.expiresAt}, before ${at}`;
    }
    if (verification.revokedAt !== null && verification.revokedAt <= at) {
        return `the verification of ${party} (${where(recorded)}) was revoked at ${verification.revokedAt}, before ${at}`;
    }
    return undefined;
}

/** Why the signature of `step` does not fit the story, or undefined. */
function signingProblem(story: Story, step: StoryStep): string | undefined {
    const { party } = step.entry;
    const share = story.steps.find((s) => s.entry.role === 'share');
    if (share === undefined || !before(share, step)) {
        return `the signature of ${party} (${where(step)}) does not come after the share`;
    }
    const credential = story.lastBefore(step, party, ['share', 'grant', 'revoke']);
    if (credential === undefined || credential.entry.role === 'revoke') {
        return `${party} held no credential for the file when signing (${where(step)})`;
    }
    const signature = written<SignatureRecord>(step, story.chaincode, 'signature', story.facts.fileId, party);
    return story.keyProblem(party, signature.keyFingerprint, step, 'signing');
}

/**
 * Each signature verifies with the key its signer registered, over a signing statement naming
 * this file, its digest algorithm and ciphertext digest, the signer, the key and the commitment
 * recorded; else CONTENT_MISMATCH (STORY_INCONSISTENT when the bundle has no such key).
 */
function checkSignatures(list: Checklist, story: Story): void {
    for (const step of story.steps.filter((s) => s.entry.role === 'sign')) {
        const { party } = step.entry;
        list.run(
            `the signature of ${party} (${where(step)}) verifies with the key ${party} registered, over a statement of this file`,
            () => {
                const signature = written<SignatureRecord>(
                    step,
                    story.chaincode,
                    'signature',
                    story.facts.fileId,
                    party,
                );
                const key = story.keys.get(keyId(party, signature.keyFingerprint));
                if (key === undefined) {
                    throw new EvidenceError(
                        'STORY_INCONSISTENT',
                        `key ${short(signature.keyFingerprint)} of ${party} has no RegisterKeys in the bundle`,
                    );
                }
                checkStatement(story.facts, signature);
                const mismatch = (what: string) =>
                    new EvidenceError('CONTENT_MISMATCH', `the signature of ${party} (${where(step)}) ${what}`);
                const publicKey = parsed(() => parsePublicKey(key.record.publicKeyPem));
                if (
                    publicKey?.fingerprint !== signature.keyFingerprint ||
                    publicKey.algorithm !== signature.algorithm
                ) {
                    throw mismatch(
                        `names key ${short(signature.keyFingerprint)} (${signature.algorithm}), which is not the key registered`,
                    );
                }
                if (
                    !verifyDetached(
                        publicKey,
                        Buffer.from(signature.statement, 'utf8'),
                        Buffer.from(signature.signature, 'base64'),
                    )
                ) {
                    throw mismatch('does not verify with the key registered');
                }
            },
        );
    }
}

/**
 * The statement signed is a signing statement (v3, or v2 as older records hold) of these facts and
 * this signature record: the file, its digest algorithm and ciphertext digest, the commitment, the
 * signer, its key and, in v3, the contract's plan and the signer's step in it; else CONTENT_MISMATCH.
 */
function checkStatement(facts: EvidenceFacts, signature: SignatureRecord): void {
    const mismatch = (what: string) =>
        new EvidenceError('CONTENT_MISMATCH', `the statement signed by ${signature.signer} ${what}`);
    if (signature.schema === 'sealpact/signature/v1') {
        throw mismatch('is a sealpact-signing-statement/v1 (a plain digest), which is no longer accepted');
    }
    const text = signature.statement;
    const statement =
        signature.schema === 'sealpact/signature/v3'
            ? parsed(() => parseSigningStatement(text))
            : parsed(() => parseSigningStatementV2(text));
    if (statement === undefined) {
        throw mismatch(`is not the signing statement a ${signature.schema} record holds`);
    }
    const expected = {
        fileId: facts.fileId,
        digestAlgorithm: facts.file.digestAlgorithm,
        plaintextCommitment: signature.plaintextCommitment,
        ciphertextDigest: facts.file.ciphertextDigest,
        signer: signature.signer,
        signingKey: signature.keyFingerprint,
        // v3 names the file's contract (its plan hash) and the signer's step in it, or none.
        ...(signature.schema === 'sealpact/signature/v3' ? planAndStep(facts, signature.signer) : {}),
    };
    const field = firstDifference(statement, expected, 'statement');
    if (field !== undefined) {
        throw mismatch(`has another ${field.slice('statement.'.length)} than the file and its signature record`);
    }
}

/** The plan hash and the 1-based step of `signer` in the file's contract, or null for both without one. */
function planAndStep(facts: EvidenceFacts, signer: string): { contractPlan: string | null; step: number | null } {
    if (facts.contract === null) {
        return { contractPlan: null, step: null };
    }
    const step = facts.contract.steps.findIndex((signers) => signers.includes(signer)) + 1;
    return { contractPlan: facts.contract.planHash, step: step === 0 ? null : step };
}

/**
 * The contract is the one signed: its HMAC under the commitment key, with the file's digest
 * algorithm, is the plaintext commitment of every signature (and there must be one).
 */
async function checkContract(
    list: Checklist,
    facts: EvidenceFacts | undefined,
    contract: ContractToCheck,
): Promise<void> {
    // The HMAC's hash: the one the file's digest algorithm is built on (sha256-tree: SHA256).
    const digest = facts?.file.digestAlgorithm ?? '';
    const algorithm = (isCiphertextDigestAlgorithm(digest) ? hashOf(digest) : digest).toUpperCase();
    await list.runAsync(
        `the contract given is the one signed: its HMAC-${algorithm} is each signature's commitment`,
        async () => {
            if (facts === undefined || facts.signatures.length === 0) {
                const why = facts === undefined ? 'the story could not be read' : 'no signature commits to a contract';
                throw new EvidenceError('CONTRACT_MISMATCH', `${why}, so the contract cannot be checked`);
            }
            const input = 'path' in contract ? contract.path : Readable.from([Buffer.from(contract.bytes)]);
            const commitment = await plaintextCommitment(contract.commitmentKey, input, facts.file.digestAlgorithm);
            const other = facts.signatures.find((signature) => signature.plaintextCommitment !== commitment);
            if (other !== undefined) {
                throw new EvidenceError(
                    'CONTRACT_MISMATCH',
                    `the contract given is not the one ${other.signer} signed (transaction ${short(other.txId)}), or the commitment key is not the file's`,
                );
            }
        },
    );
}

// --- helpers ------------------------------------------------------------------------------------------

/** Whether step `a` comes before step `b` in the chain. */
function before(a: StoryStep, b: StoryStep): boolean {
    return a.block < b.block || (a.block === b.block && a.index < b.index);
}

function where(step: StoryStep): string {
    return `transaction ${short(step.tx.txId)}, block ${step.block}`;
}

function keyId(party: string, fingerprint: string): string {
    return `${party}\n${fingerprint}`;
}

/** Every key record `step` wrote for its party (registered, rotated or revoked). */
function keyRecordsWritten(step: StoryStep, chaincode: string): KeyRecord[] {
    const prefix = compositeKey('key', step.entry.party);
    return step.tx.writes
        .filter((write) => write.namespace === chaincode && write.value !== null && write.key.startsWith(prefix))
        .map((write) => JSON.parse(Buffer.from(write.value as Uint8Array).toString('utf8')) as KeyRecord);
}

/** STORY_INCONSISTENT when there is a problem. */
function inconsistent(problem: string | undefined): void {
    if (problem !== undefined) {
        throw new EvidenceError('STORY_INCONSISTENT', problem);
    }
}

/** The value of `work`, or undefined when it throws a SealpactError (a key or statement that does not parse). */
function parsed<T>(work: () => T): T | undefined {
    try {
        return work();
    } catch (error) {
        if (isSealpactError(error)) {
            return undefined;
        }
        throw error;
    }
}

/** The first 16 hex digits of a transaction id or fingerprint, for a line a person reads. */
function short(hex: string): string {
    return hex.length > 16 ? `${hex.slice(0, 16)}…` : hex;
}
