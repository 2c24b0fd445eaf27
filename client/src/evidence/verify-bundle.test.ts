import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { common, ledger, peer } from '@hyperledger/fabric-protos';
import { ErrorCode } from '@sealpact/protocol';
import { defined } from '../../../protocol/src/test-support/defined';
import {
    flip,
    forgeConfigBlock,
    replaceRootCa,
    serializedIdentity,
    signLowS,
    STRANGER_CA,
    strangerOrderer,
    strangerPeer,
} from '../test-support/verify-fixtures';
import { decodeBlock, findTransaction, headerOnly } from '../verify/blocks';
import { fingerprint, trustAnchorsFromDir } from '../verify/trust-anchors';
import { readBundle, writeBundle } from './bundle';
import { certificatePdf } from './certificate';
import { StoryStep, storyFacts } from './facts';
import { EvidenceManifest, MANIFEST_MEMBER, StoryTransaction } from './manifest';
import { ContractToCheck, EvidenceReport, STORY_ATTESTATION, verifyEvidence, VerifyOptions } from './verify-bundle';

// Real bundles exported from the network (client/src/test-support/capture-evidence-bundles.ts):
// sm2 (alice shares with bob, bob signs, carol is granted and revoked, bob rotates his keys) and
// rsa (dave shares with carol, carol signs), with headers between their blocks.
const TESTDATA = join(__dirname, 'testdata');
const ANCHORS = trustAnchorsFromDir(join(TESTDATA, 'anchors'));
const STORIES = ['sm2', 'rsa'] as const;

type Unlisted = Omit<EvidenceManifest, 'members'>;

/** The SHA-256 fingerprint of the (first) certificate of a PEM. */
function fingerprintOfPem(pem: string): string {
    return fingerprint(new X509Certificate(pem));
}

function testFile(name: string): Buffer {
    return readFileSync(join(TESTDATA, name));
}

function contractOf(story: string, commitmentKey = commitmentKeyOf(story)): ContractToCheck {
    return { path: join(TESTDATA, `${story}.contract`), commitmentKey };
}

function commitmentKeyOf(story: string): Buffer {
    return Buffer.from(testFile(`${story}.commitment-key`).toString('utf8').trim(), 'hex');
}

const SM2 = testFile('sm2.bundle');
const STRANGER_PEER_CN = defined(
    /CN=([^\n]+)/.exec(new X509Certificate(strangerPeer.certificate).subject)?.[1],
).replaceAll('.', '\\.');
const { manifest, members } = readBundle(SM2);
const MEMBERS = [...members.keys()];
/** What a forger edits: writing the bundle fills its members' digests anew. */
const ORIGINAL: Unlisted = manifest;

/** The transactions of the sm2 story by role (and party). */
function entry(role: StoryTransaction['role'], party?: string): StoryTransaction {
    return defined(
        manifest.transactions.find((tx) => tx.role === role && (party === undefined || tx.party.includes(party))),
        `the ${role} of ${party ?? 'anyone'}`,
    );
}

const SHARE = entry('share', 'bob');
const SIGN = entry('sign');
const BOB_VERIFIED = entry('verification', 'bob');
const BOB_KEYS = entry('register-keys', 'bob');
const HEADERS = MEMBERS.filter((name) => /^headers\/(?!1\.)/.test(name));

async function verify(bundle: Uint8Array, options: VerifyOptions = { anchors: ANCHORS }): Promise<EvidenceReport> {
    return verifyEvidence(bundle, options);
}

function failures(report: EvidenceReport): { code: ErrorCode | undefined; reason: string }[] {
    return report.checks
        .filter((check) => !check.ok)
        .map((check) => ({ code: check.error?.code, reason: check.reason ?? '' }));
}

/** The distinct codes of the failed checks, sorted. */
function codes(report: EvidenceReport): ErrorCode[] {
    return [...new Set(failures(report).map((failure) => defined(failure.code)))].sort();
}

/** The first failed check, which must be there. */
function firstFailure(report: EvidenceReport) {
    return defined(failures(report)[0], 'a failed check');
}

/**
 * A forger's bundle: members and manifest edited, every digest in the manifest fixed, and, when the
 * manifest changed, the certificate rendered again from it.
 */
async function forged(edit: {
    members?: (members: Map<string, Uint8Array>) => void;
    manifest?: (manifest: Unlisted) => void;
}): Promise<Uint8Array> {
    const copy = new Map(members);
    const unlisted = structuredClone(ORIGINAL);
    edit.members?.(copy);
    if (edit.manifest !== undefined) {
        edit.manifest(unlisted);
        copy.set('certificate.pdf', await certificatePdf(unlisted));
    }
    return writeBundle(unlisted, copy);
}

/** The original ZIP with members replaced, manifest.json (and its digests) left as they were. */
function rezipped(replace: Record<string, Uint8Array>): Uint8Array {
    return zipSync({ ...unzipSync(SM2), ...replace });
}

function member(name: string): Uint8Array {
    return defined(members.get(name), name);
}

/** The block member `name` with `edit` applied to its protobuf. */
function editedBlock(name: string, edit: (block: common.Block) => void): Uint8Array {
    const block = common.Block.deserializeBinary(member(name));
    edit(block);
    return block.serializeBinary();
}

/** The story's steps for `transactions`, read from the bundle's blocks as the exporter reads them. */
function stepsOf(transactions: StoryTransaction[]): StoryStep[] {
    return transactions.map(({ txId, role, party, at, block, index }) => {
        const { transaction } = findTransaction(decodeBlock(member(`blocks/${block}.block`)), txId);
        return { entry: { txId, role, party, at }, block, index, tx: transaction };
    });
}

/** Leave the story's transactions that `drop` selects out of the manifest, its facts computed again. */
function withoutTransactions(drop: (tx: StoryTransaction) => boolean): (manifest: Unlisted) => void {
    return (unlisted) => {
        unlisted.transactions = unlisted.transactions.filter((tx) => !drop(tx));
        unlisted.facts = storyFacts(
            unlisted.fileId,
            unlisted.chaincode,
            unlisted.channel,
            stepsOf(unlisted.transactions),
        );
    };
}

/** The envelope at `index` of the block `name` rewritten by `edit` (the block's header left as it was). */
function withEnvelope(name: string, index: number, edit: (envelope: Uint8Array) => Uint8Array): Uint8Array {
    return editedBlock(name, (block) => {
        const data = defined(block.getData());
        const envelopes = data.getDataList_asU8();
        envelopes[index] = edit(defined(envelopes[index]));
        data.setDataList(envelopes);
    });
}

/** The chaincode action payload of an envelope rewritten by `edit`. */
function withActionPayload(
    envelopeBytes: Uint8Array,
    edit: (payload: peer.ChaincodeActionPayload) => void,
): Uint8Array {
    const envelope = common.Envelope.deserializeBinary(envelopeBytes);
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const action = defined(transaction.getActionsList()[0]);
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    edit(actionPayload);
    action.setPayload(actionPayload.serializeBinary());
    payload.setData(transaction.serializeBinary());
    envelope.setPayload(payload.serializeBinary());
    return envelope.serializeBinary();
}

/** Endorsement 0 replaced by the stranger CA's peer claiming to be of `mspId`, validly signed. */
function strangerEndorsed(envelope: Uint8Array, mspId: string): Uint8Array {
    return withActionPayload(envelope, (payload) => {
        const action = defined(payload.getAction());
        const endorser = serializedIdentity(mspId, strangerPeer.certificate);
        const endorsement = new peer.Endorsement();
        endorsement.setEndorser(endorser);
        endorsement.setSignature(
            signLowS(strangerPeer, Buffer.concat([action.getProposalResponsePayload_asU8(), endorser])),
        );
        action.setEndorsementsList([endorsement, ...action.getEndorsementsList().slice(1)]);
    });
}

/**
 * The manifest's transactions edited (left out, attributed to another party): before anything else,
 * the story the majority attested at export (story.endorsed) no longer matches.
 */
const ATTESTATION_MISMATCH = {
    code: 'CONTENT_MISMATCH',
    reason: expect.stringMatching(
        /^CONTENT_MISMATCH: the attested story lists \d+ transactions, manifest\.json \d+/,
    ) as string,
};

describe('verifyEvidence on bundles exported from the network', () => {
    it.each(STORIES)('%s: every check holds against the pinned trust anchors', async (story) => {
        const bundle = testFile(`${story}.bundle`);
        const report = await verify(bundle);
        expect(failures(report)).toEqual([]);
        expect(report.ok).toBe(true);
        expect(report.manifest).toEqual(readBundle(bundle).manifest);
        const names = report.checks.map((check) => check.name);
        expect(names[0]).toMatch(/^the bundle opens/);
        expect(names).toContain(
            'trust anchors pinned by the verifier: AuditorOrgMSP, AuthorityOrgMSP, OrdererMSP, Org1MSP, Org2MSP',
        );
        expect(names).toContain(
            "configuration block 0: its organisations' CAs are the trust anchors and the orderers signed it",
        );
        expect(names.filter((name) => /^block \d+: signed by an orderer/.test(name)).length).toBe(
            readBundle(bundle).manifest.headers.to - readBundle(bundle).manifest.headers.from + 2,
        );
        expect(names).toContainEqual(
            expect.stringMatching(/: endorsed by .+, satisfying MAJORITY \(3 of 4\) of the Endorsement policies/),
        );
        expect(names).toContainEqual(expect.stringMatching(/^the signature of .+ verifies with the key .+ registered/));
        expect(names).toContainEqual(expect.stringMatching(/identity verification was in force$/));
    });

    it('names each step of the story: every transaction is in its block, valid, created, endorsed and what its role says', async () => {
        const report = await verify(SM2);
        for (const tx of manifest.transactions) {
            const lines = report.checks.filter((check) =>
                check.name.startsWith(`transaction ${tx.txId.slice(0, 16)}…`),
            );
            expect(lines.map((check) => check.ok)).not.toContain(false);
            expect(lines.map((check) => check.name)).toContain(
                `transaction ${tx.txId.slice(0, 16)}…: ${tx.function} of sealpact on contracts at ${tx.at}, the ${tx.role} of ${tx.party}`,
            );
        }
        expect(manifest.transactions.map((tx) => tx.role)).toEqual([
            'register-keys',
            'register-keys',
            'verification',
            'share',
            'share',
            'sign',
            'register-keys',
            'verification',
            'grant',
            'revoke',
            'retire-keys',
        ]);
    });

    it.each(STORIES)("%s: holds with the bundle's own trust anchors, and says they must be compared", async (story) => {
        const bundle = testFile(`${story}.bundle`);
        const report = await verify(bundle, {});
        expect(failures(report)).toEqual([]);
        const line = defined(
            report.checks.find((check) => check.name.startsWith('trust anchors taken from the bundle itself')),
        );
        const org1 = fingerprintOfPem(testFile('anchors/Org1MSP.pem').toString('utf8'));
        expect(line.name).toContain(`compare them with the consortium's published fingerprints (SHA-256): `);
        expect(line.name).toContain(`Org1MSP ${org1}`);
    });

    it.each(STORIES)(
        '%s: the contract, as a file or as bytes, with its commitment key, is the one signed',
        async (story) => {
            const bundle = testFile(`${story}.bundle`);
            const asFile = await verify(bundle, { anchors: ANCHORS, contract: contractOf(story) });
            expect(failures(asFile)).toEqual([]);
            expect(asFile.checks.at(-1)?.name).toMatch(
                story === 'sm2' ? /^the contract given is the one signed: its HMAC-SM3/ : /its HMAC-SHA256/,
            );
            const bytes = { bytes: testFile(`${story}.contract`), commitmentKey: commitmentKeyOf(story) };
            expect((await verify(bundle, { anchors: ANCHORS, contract: bytes })).ok).toBe(true);
        },
    );

    it('refuses another contract, or the right one with another commitment key (CONTRACT_MISMATCH)', async () => {
        const changed = Buffer.from(testFile('sm2.contract'));
        changed[0] = (changed[0] ?? 0) ^ 0x20;
        const otherKey = flip(commitmentKeyOf('sm2'), 0);
        for (const contract of [
            { bytes: changed, commitmentKey: commitmentKeyOf('sm2') },
            contractOf('sm2', otherKey),
            contractOf('sm2', commitmentKeyOf('rsa')),
        ]) {
            const report = await verify(SM2, { anchors: ANCHORS, contract });
            expect(failures(report)).toEqual([
                {
                    code: 'CONTRACT_MISMATCH',
                    reason: expect.stringMatching(
                        /the contract given is not the one Org2MSP\/bob@org2.example.com signed/,
                    ) as string,
                },
            ]);
            expect(report.ok).toBe(false);
        }
    });

    it('refuses to check a contract against a story without a signature (CONTRACT_MISMATCH)', async () => {
        const unsigned = await forged({ manifest: withoutTransactions((tx) => tx.role === 'sign') });
        const report = await verify(unsigned, { anchors: ANCHORS, contract: contractOf('sm2') });
        expect(failures(report)).toEqual([
            ATTESTATION_MISMATCH,
            {
                code: 'CONTRACT_MISMATCH',
                reason: 'CONTRACT_MISMATCH: no signature commits to a contract, so the contract cannot be checked',
            },
        ]);
    });

    it('rejects when the contract file cannot be read', async () => {
        await expect(
            verify(SM2, {
                anchors: ANCHORS,
                contract: { path: join(TESTDATA, 'absent'), commitmentKey: commitmentKeyOf('sm2') },
            }),
        ).rejects.toThrow(/ENOENT/);
    });
});

describe('a bundle that does not open', () => {
    it('is one failed check, BAD_BUNDLE, and no manifest', async () => {
        const report = await verify(Buffer.from('not a zip'));
        expect(report).toEqual({
            ok: false,
            checks: [
                {
                    name: 'the bundle opens: a ZIP whose members are exactly those manifest.json lists, unchanged',
                    ok: false,
                    reason: 'BAD_BUNDLE: the bundle is not a readable ZIP archive',
                    error: expect.objectContaining({ code: 'BAD_BUNDLE' }) as unknown,
                },
            ],
        });
    });

    it.each(MEMBERS)('%s modified without its digest fixed: BAD_BUNDLE naming it', async (name) => {
        const report = await verify(rezipped({ [name]: flip(member(name)) }));
        expect(failures(report)).toEqual([
            { code: 'BAD_BUNDLE', reason: `BAD_BUNDLE: member ${name} does not match its SHA-256 in manifest.json` },
        ]);
        expect(report.manifest).toBeUndefined();
    });

    it.each(MEMBERS)('%s dropped, its manifest entry kept: BAD_BUNDLE naming it', async (name) => {
        const rest = Object.entries(unzipSync(SM2)).filter(([other]) => other !== name);
        const report = await verify(zipSync(Object.fromEntries(rest)));
        expect(failures(report)).toEqual([
            { code: 'BAD_BUNDLE', reason: `BAD_BUNDLE: member ${name} is listed in manifest.json but absent` },
        ]);
    });
});

/**
 * What each kind of member breaks when modified (a bit flipped in its middle) or dropped, with the
 * manifest's digests fixed: the first failed check's code and what it names, and every code the
 * report may fail with besides (the checks that rest on the member).
 */
interface Breakage {
    code: ErrorCode;
    names: (n: string) => RegExp;
    also: ErrorCode[];
}

/** A story block broken: its transactions fail, and the facts and the story, which rest on verified ones alone. */
const STORY_BLOCK: ErrorCode[] = [
    'BAD_BLOCK',
    'BAD_CREATOR',
    'BAD_ENDORSEMENT',
    'CONTENT_MISMATCH',
    'STORY_INCONSISTENT',
];
/** The configuration not believed: no signature can be checked, no transaction verifies, no facts hold. */
const NO_CONFIG: ErrorCode[] = ['UNTRUSTED_CONFIG', 'CONTENT_MISMATCH'];

function modified(name: string): Breakage {
    if (name.startsWith('anchors/')) {
        return { code: 'BAD_TRUST_ANCHORS', names: (msp) => new RegExp(`anchors/${msp}\\.pem holds`), also: [] };
    }
    if (name.startsWith('blocks/')) {
        return {
            code: 'BAD_BLOCK',
            names: (n) => new RegExp(`block ${n}'s data hash does not cover`),
            also: STORY_BLOCK,
        };
    }
    if (name === 'config/0.block') {
        return { code: 'BAD_BLOCK', names: () => /block 0's data hash does not cover/, also: NO_CONFIG };
    }
    if (name === 'headers/1.block') {
        return {
            code: 'BAD_BLOCK_SIGNATURE',
            names: () => /block 1 has no orderer signature/,
            also: NO_CONFIG,
        };
    }
    if (name.startsWith('headers/')) {
        return {
            code: 'BAD_BLOCK_SIGNATURE',
            names: (n) => new RegExp(`block ${n} has no orderer signature`),
            also: [],
        };
    }
    if (name === STORY_ATTESTATION) {
        // A bit flipped inside the endorsed answer: the endorsers' signatures no longer cover it.
        return { code: 'BAD_ENDORSEMENT', names: () => /does not verify/, also: ['BAD_PROTOBUF', 'CONTENT_MISMATCH'] };
    }
    return { code: 'CONTENT_MISMATCH', names: () => /certificate\.pdf is not the certificate of the facts/, also: [] };
}

function dropped(name: string): Breakage {
    if (name.startsWith('anchors/')) {
        return {
            code: 'BAD_TRUST_ANCHORS',
            names: (msp) => new RegExp(`${msp} has trust anchors in manifest.json but has no anchors/ file`),
            also: [],
        };
    }
    if (name.startsWith('blocks/')) {
        return {
            code: 'BROKEN_CHAIN',
            names: (n) => new RegExp(`block ${n} of the range \\d+\\.\\.\\d+ is not in blocks/`),
            also: ['BAD_BUNDLE', ...STORY_BLOCK],
        };
    }
    if (name === 'config/0.block') {
        return {
            code: 'BAD_BUNDLE',
            names: () => /block 0 of configBlocks is not in config/,
            also: NO_CONFIG,
        };
    }
    if (name === 'headers/1.block') {
        return {
            code: 'UNTRUSTED_CONFIG',
            names: () => /the genesis block carries no orderer signature/,
            also: NO_CONFIG,
        };
    }
    if (name.startsWith('headers/')) {
        return {
            code: 'BROKEN_CHAIN',
            names: (n) => new RegExp(`block ${n} of the range \\d+\\.\\.\\d+ is not in blocks/`),
            also: [],
        };
    }
    if (name === STORY_ATTESTATION) {
        return { code: 'BAD_BUNDLE', names: () => /the bundle has no story\.endorsed/, also: [] };
    }
    return { code: 'BAD_BUNDLE', names: () => /the bundle has no certificate\.pdf/, also: [] };
}

/** The MSP id or block number a member name holds. */
function subject(name: string): string {
    return defined(
        /^(?:anchors|blocks|headers|config)\/(.+)\.(?:pem|block)$/.exec(name)?.[1] ??
            (name === 'certificate.pdf' || name === STORY_ATTESTATION ? '' : undefined),
    );
}

function expectBreakage(report: EvidenceReport, expected: Breakage, name: string): void {
    expect(report.ok).toBe(false);
    expect(firstFailure(report)).toEqual({
        code: expected.code,
        reason: expect.stringMatching(expected.names(subject(name))) as string,
    });
    for (const code of codes(report)) {
        expect([expected.code, ...expected.also]).toContain(code);
    }
}

describe('the tamper corpus: every member modified or dropped, the manifest fixed to match', () => {
    it.each(MEMBERS)('%s modified', async (name) => {
        const bundle = await forged({ members: (copy) => copy.set(name, flip(member(name))) });
        expectBreakage(await verify(bundle), modified(name), name);
    });

    it.each(MEMBERS)('%s dropped, and its manifest entry', async (name) => {
        const bundle = await forged({ members: (copy) => copy.delete(name) });
        expectBreakage(await verify(bundle), dropped(name), name);
    });

    it('manifest.json modified (a bit of a fact flipped): the facts and the certificate no longer match', async () => {
        const files = unzipSync(SM2);
        const report = await verify(zipSync({ ...files, [MANIFEST_MEMBER]: flip(defined(files[MANIFEST_MEMBER])) }));
        expect(codes(report)).toEqual(['CONTENT_MISMATCH']);
        expect(failures(report).map((failure) => failure.reason)).toEqual([
            expect.stringMatching(/^CONTENT_MISMATCH: manifest.json's facts\.\S+ is not what the transactions wrote$/),
            'CONTENT_MISMATCH: certificate.pdf is not the certificate of the facts in manifest.json',
        ]);
    });

    it('reordered inside the ZIP, the members mean the same: the bundle still holds', async () => {
        const files = unzipSync(SM2);
        const reversed = Object.fromEntries(Object.entries(files).reverse());
        expect(Object.keys(reversed)[0]).not.toBe(Object.keys(files)[0]);
        expect((await verify(zipSync(reversed))).ok).toBe(true);
    });

    it('two headers swapped: BROKEN_CHAIN', async () => {
        const [first, second] = HEADERS.map((name) => defined(name));
        const report = await verify(
            await forged({
                members: (copy) => {
                    copy.set(defined(first), member(defined(second)));
                    copy.set(defined(second), member(defined(first)));
                },
            }),
        );
        expect(codes(report)).toEqual(['BROKEN_CHAIN']);
        expect(firstFailure(report).reason).toMatch(
            new RegExp(`^BROKEN_CHAIN: ${first} holds block ${subject(defined(second))}$`),
        );
    });

    it('a header renumbered into the place of another: its signature and the chain break', async () => {
        const [first, second] = HEADERS.map((name) => defined(name));
        const moved = editedBlock(defined(second), (block) =>
            defined(block.getHeader()).setNumber(Number(subject(defined(first)))),
        );
        const report = await verify(await forged({ members: (copy) => copy.set(defined(first), moved) }));
        expect(codes(report)).toEqual(['BAD_BLOCK_SIGNATURE', 'BROKEN_CHAIN']);
        expect(failures(report).map((failure) => failure.reason)).toEqual([
            expect.stringMatching(
                new RegExp(
                    `^BAD_BLOCK_SIGNATURE: block ${subject(defined(first))} has no orderer signature that verifies`,
                ),
            ),
            expect.stringMatching(/^BROKEN_CHAIN: block \d+'s previous hash is not the hash of block \d+$/),
        ]);
    });

    it('a block whose previous hash points elsewhere: out of the chain', async () => {
        const name = `blocks/${SIGN.block}.block`;
        const report = await verify(
            await forged({
                members: (copy) =>
                    copy.set(
                        name,
                        editedBlock(name, (block) => defined(block.getHeader()).setPreviousHash(Buffer.alloc(32))),
                    ),
            }),
        );
        // The block is no longer the orderers': its signature is not counted on, and the facts lose it.
        expect(codes(report)).toEqual(['BAD_BLOCK_SIGNATURE', 'BROKEN_CHAIN', 'CONTENT_MISMATCH']);
        expect(failures(report)[1]?.reason).toBe(
            `BROKEN_CHAIN: block ${SIGN.block}'s previous hash is not the hash of block ${SIGN.block - 1}`,
        );
    });

    it('a block given both whole and as a header: BROKEN_CHAIN', async () => {
        const name = `blocks/${SIGN.block}.block`;
        const report = await verify(
            await forged({
                members: (copy) => copy.set(`headers/${SIGN.block}.block`, headerOnly(decodeBlock(member(name)))),
            }),
        );
        expect(failures(report)).toEqual([
            {
                code: 'BROKEN_CHAIN',
                reason: `BROKEN_CHAIN: block ${SIGN.block} is given twice in blocks/ and headers/`,
            },
        ]);
    });

    it('a header carrying transactions: BAD_BLOCK', async () => {
        const [header] = HEADERS;
        const name = defined(header);
        const stuffed = editedBlock(name, (block) => {
            const data = new common.BlockData();
            data.setDataList([defined(decodeBlock(member(`blocks/${SIGN.block}.block`)).data[0])]);
            block.setData(data);
        });
        const report = await verify(await forged({ members: (copy) => copy.set(name, stuffed) }));
        expect(failures(report)).toEqual([{ code: 'BAD_BLOCK', reason: `BAD_BLOCK: ${name} carries transactions` }]);
    });

    it("a story transaction's validation code turned invalid (the peer writes it, unsigned): TX_NOT_VALID", async () => {
        const name = `blocks/${SHARE.block}.block`;
        const invalid = editedBlock(name, (block) => {
            const metadata = defined(block.getMetadata());
            const list = metadata.getMetadataList_asU8();
            const filter = Buffer.from(defined(list[common.BlockMetadataIndex.TRANSACTIONS_FILTER]));
            filter[SHARE.index] = 11; // MVCC_READ_CONFLICT
            list[common.BlockMetadataIndex.TRANSACTIONS_FILTER] = filter;
            metadata.setMetadataList(list);
        });
        const report = await verify(await forged({ members: (copy) => copy.set(name, invalid) }));
        const invalidShare = {
            code: 'TX_NOT_VALID',
            reason: `TX_NOT_VALID: transaction ${SHARE.txId.slice(0, 16)}…: block ${SHARE.block} marks it invalid (code 11)`,
        };
        // Once for the owner's credential, once for bob's; an invalid transaction establishes nothing.
        expect(failures(report)).toEqual([
            invalidShare,
            invalidShare,
            {
                code: 'CONTENT_MISMATCH',
                reason: `CONTENT_MISMATCH: the story of ${manifest.fileId} has no ShareFile transaction`,
            },
        ]);
    });
});

describe('manifest edits, the certificate rendered again', () => {
    it('a fact changed: CONTENT_MISMATCH naming the field', async () => {
        const report = await verify(await forged({ manifest: (m) => (m.facts.file.size += 1) }));
        expect(failures(report)).toEqual([
            {
                code: 'CONTENT_MISMATCH',
                reason: "CONTENT_MISMATCH: manifest.json's facts.file.size is not what the transactions wrote",
            },
        ]);
    });

    it("a party's verification level raised: CONTENT_MISMATCH naming it", async () => {
        const report = await verify(
            await forged({
                manifest: (m) => {
                    const bob = defined(m.facts.parties.find((party) => party.partyId.includes('bob'))?.verification);
                    bob.level = 'qualified';
                },
            }),
        );
        expect(failures(report)).toEqual([
            {
                code: 'CONTENT_MISMATCH',
                reason: expect.stringMatching(
                    /^CONTENT_MISMATCH: manifest.json's facts.parties\[\d\].verification.level is not what/,
                ) as string,
            },
        ]);
    });

    it("a transaction's block or index changed: BAD_BLOCK", async () => {
        const first = defined(manifest.transactions[0]);
        // Its step left out, the facts computed again lack alice's key, and her share rests on no key.
        const consequences = [
            {
                code: 'CONTENT_MISMATCH',
                reason: "CONTENT_MISMATCH: manifest.json's facts.parties[0].keys.length is not what the transactions wrote",
            },
            {
                code: 'STORY_INCONSISTENT',
                reason: expect.stringMatching(
                    /^STORY_INCONSISTENT: key [0-9a-f]{16}… of Org1MSP\/alice@org1.example.com has no RegisterKeys in the bundle$/,
                ) as string,
            },
        ];
        const moved = await verify(await forged({ manifest: (m) => (defined(m.transactions[0]).block += 1) }));
        expect(failures(moved)).toEqual([
            { code: 'BAD_BLOCK', reason: `BAD_BLOCK: transaction ${first.txId} is not in block ${first.block + 1}` },
            ...consequences,
        ]);
        const shifted = await verify(await forged({ manifest: (m) => (defined(m.transactions[0]).index = 1) }));
        expect(failures(shifted)).toEqual([
            {
                code: 'BAD_BLOCK',
                reason: `BAD_BLOCK: transaction ${first.txId.slice(0, 16)}… is at index 0 of block ${first.block}, not 1`,
            },
            ...consequences,
        ]);
    });

    it('two transactions reordered: CONTENT_MISMATCH', async () => {
        const report = await verify(
            await forged({
                manifest: (m) => {
                    const [a, b] = m.transactions;
                    m.transactions.splice(0, 2, defined(b), defined(a));
                },
            }),
        );
        expect(codes(report)).toEqual(['CONTENT_MISMATCH']);
        expect(firstFailure(report).reason).toMatch(
            /^CONTENT_MISMATCH: manifest.json's transaction 1 \(\S+, register-keys\) is out of story order or repeated$/,
        );
    });

    it.each([
        [
            'role',
            (tx: StoryTransaction) => (tx.role = 'grant'),
            /calls ShareFile, which cannot be the grant manifest.json says \(ShareFile\)/,
        ],
        [
            'function',
            (tx: StoryTransaction) => (tx.function = 'GrantAccess'),
            /calls ShareFile, which cannot be the share manifest.json says \(GrantAccess\)/,
        ],
        [
            'time',
            (tx: StoryTransaction) => (tx.at = '2020-01-01T00:00:00.000Z'),
            /has the timestamp \S+, not 2020-01-01T00:00:00.000Z as manifest.json says/,
        ],
    ])("the share's %s changed: CONTENT_MISMATCH", async (_field, edit, message) => {
        const report = await verify(
            await forged({
                manifest: (m) =>
                    edit(defined(m.transactions.find((tx) => tx.txId === SHARE.txId && tx.party === SHARE.party))),
            }),
        );
        expect(codes(report)).toContain('CONTENT_MISMATCH');
        expect(failures(report).map((failure) => failure.reason)).toContainEqual(expect.stringMatching(message));
    });

    it("the retirement of bob's key attributed to alice: CONTENT_MISMATCH", async () => {
        const retire = entry('retire-keys');
        const report = await verify(
            await forged({
                manifest: (m) => {
                    defined(m.transactions.find((tx) => tx.role === 'retire-keys')).party =
                        'Org1MSP/alice@org1.example.com';
                },
            }),
        );
        expect(failures(report)).toEqual([
            ATTESTATION_MISMATCH,
            {
                code: 'CONTENT_MISMATCH',
                reason: `CONTENT_MISMATCH: transaction ${retire.txId.slice(0, 16)}…, block ${retire.block} retires no key of Org1MSP/alice@org1.example.com`,
            },
        ]);
    });

    it('another channel claimed: the configuration is not of it', async () => {
        const report = await verify(await forged({ manifest: (m) => (m.channel = 'elsewhere') }));
        expect(firstFailure(report)).toEqual({
            code: 'UNTRUSTED_CONFIG',
            reason: 'UNTRUSTED_CONFIG: configuration block 0 is of channel contracts, not elsewhere',
        });
    });

    it('a configuration block named that the bundle lacks: BAD_BUNDLE', async () => {
        const report = await verify(await forged({ manifest: (m) => m.configBlocks.push(5) }));
        expect(failures(report)).toEqual([
            { code: 'BAD_BUNDLE', reason: 'BAD_BUNDLE: block 5 of configBlocks is not in config' },
            { code: 'UNTRUSTED_CONFIG', reason: 'UNTRUSTED_CONFIG: the bundle has no config/5.block' },
        ]);
    });

    it('the configuration block left out, and from configBlocks: no block has its configuration in force', async () => {
        const report = await verify(
            await forged({
                members: (copy) => copy.delete('config/0.block'),
                manifest: (m) => (m.configBlocks = []),
            }),
        );
        expect(codes(report)).toEqual(['BROKEN_CHAIN', 'CONTENT_MISMATCH', 'UNTRUSTED_CONFIG']);
        expect(firstFailure(report)).toEqual({
            code: 'UNTRUSTED_CONFIG',
            reason: "UNTRUSTED_CONFIG: block 1: the configuration in force, block 0, is not one of the bundle's configuration blocks",
        });
    });

    it('a block listed that the bundle lacks, or the range widened: BAD_BUNDLE, BROKEN_CHAIN', async () => {
        const listed = await verify(await forged({ manifest: (m) => m.blocks.push(manifest.headers.to + 1) }));
        expect(failures(listed)).toEqual([
            { code: 'BAD_BUNDLE', reason: `BAD_BUNDLE: block ${manifest.headers.to + 1} of blocks is not in blocks` },
        ]);
        const widened = await verify(await forged({ manifest: (m) => (m.headers.to += 1) }));
        expect(failures(widened)).toEqual([
            {
                code: 'BROKEN_CHAIN',
                reason: `BROKEN_CHAIN: block ${manifest.headers.to + 1} of the range ${manifest.headers.from}..${manifest.headers.to + 1} is not in blocks/ and headers/`,
            },
        ]);
    });

    it("the manifest's trust anchors of Org1MSP replaced by a stranger's", async () => {
        const stranger = fingerprintOfPem(STRANGER_CA);
        const bundle = await forged({ manifest: (m) => (m.trustAnchors.Org1MSP = [stranger]) });
        const pinned = await verify(bundle);
        expect(failures(pinned)).toEqual([
            {
                code: 'BAD_TRUST_ANCHORS',
                reason: 'BAD_TRUST_ANCHORS: anchors/Org1MSP.pem holds other CA certificates than manifest.json lists for Org1MSP',
            },
            {
                code: 'BAD_TRUST_ANCHORS',
                reason: "BAD_TRUST_ANCHORS: manifest.json's trust anchors of Org1MSP are not the root CAs the configuration gives it",
            },
        ]);
        const own = await verify(bundle, {});
        expect(codes(own)).toEqual(['BAD_TRUST_ANCHORS', 'CONTENT_MISMATCH', 'UNTRUSTED_CONFIG']);
        expect(failures(own)[1]?.reason).toMatch(
            /^UNTRUSTED_CONFIG: a root CA of Org1MSP in the channel configuration \(SHA-256 [0-9a-f]{64}\) is not among its trust anchors$/,
        );
    });
    it('a stranger CA added to Org1MSP in the manifest and its anchors file: the certificate would state it, so it fails', async () => {
        const stranger = fingerprintOfPem(STRANGER_CA);
        const bundle = await forged({
            members: (copy) =>
                copy.set(
                    'anchors/Org1MSP.pem',
                    Buffer.concat([member('anchors/Org1MSP.pem'), Buffer.from(STRANGER_CA)]),
                ),
            manifest: (m) => m.trustAnchors.Org1MSP?.push(stranger),
        });
        const expected = [
            {
                code: 'BAD_TRUST_ANCHORS',
                reason: "BAD_TRUST_ANCHORS: manifest.json's trust anchors of Org1MSP are not the root CAs the configuration gives it",
            },
        ];
        expect(failures(await verify(bundle))).toEqual(expected);
        expect(failures(await verify(bundle, {}))).toEqual(expected);
    });
});

describe('forgeries', () => {
    it("another file's genuinely endorsed story passed off as this one's: CONTENT_MISMATCH", async () => {
        const other = defined(readBundle(testFile('rsa.bundle')).members.get(STORY_ATTESTATION));
        const report = await verify(await forged({ members: (copy) => copy.set(STORY_ATTESTATION, other) }));
        expect(failures(report)).toEqual([
            {
                code: 'CONTENT_MISMATCH',
                reason: `CONTENT_MISMATCH: ${STORY_ATTESTATION} is not GetFileStory of ${manifest.fileId}`,
            },
        ]);
    });

    /** The genesis configuration with the orderers' CA replaced by the stranger's, signed by the stranger's orderer. */
    const forgedConfig = forgeConfigBlock((group) => replaceRootCa(group, 'Orderer', 'OrdererOrg', STRANGER_CA), {
        node: strangerOrderer,
        mspId: 'OrdererMSP',
    });

    it('a configuration block signed by a stranger CA: UNTRUSTED_CONFIG against the pinned anchors', async () => {
        const report = await verify(await forged({ members: (copy) => copy.set('config/0.block', forgedConfig) }));
        expect(codes(report)).toEqual(['CONTENT_MISMATCH', 'UNTRUSTED_CONFIG']);
        expect(firstFailure(report).reason).toMatch(
            /^UNTRUSTED_CONFIG: a root CA of OrdererMSP in the channel configuration \(SHA-256 [0-9a-f]{64}\) is not among its trust anchors$/,
        );
    });

    it("the same forgery with the bundle's anchors rewritten to match: believed only by the bundle, refused by the blocks", async () => {
        const stranger = fingerprintOfPem(STRANGER_CA);
        const bundle = await forged({
            members: (copy) => {
                copy.set('config/0.block', forgedConfig);
                copy.set('anchors/OrdererMSP.pem', Buffer.from(STRANGER_CA));
            },
            manifest: (m) => (m.trustAnchors.OrdererMSP = [stranger]),
        });
        const own = await verify(bundle, {});
        expect(
            own.checks.find((check) => check.name.startsWith('trust anchors taken from the bundle itself'))?.name,
        ).toContain(`OrdererMSP ${stranger}`);
        // Every block: the real orderer's certificate does not chain to the stranger CA; so no
        // transaction is known to be ordered, and no facts hold.
        expect(codes(own)).toEqual(['BAD_BLOCK_SIGNATURE', 'CONTENT_MISMATCH']);
        expect(failures(own).filter((failure) => failure.code === 'BAD_BLOCK_SIGNATURE')).toHaveLength(
            manifest.headers.to - manifest.headers.from + 2,
        );
        expect(failures(own)[0]?.reason).toMatch(
            /^BAD_BLOCK_SIGNATURE: block 1 has no orderer signature that verifies \(signature 0 by OrdererMSP CN=orderer0\.example\.com: the certificate does not chain to a CA of OrdererMSP\)$/,
        );
        expect(codes(await verify(bundle))).toEqual(['CONTENT_MISMATCH', 'UNTRUSTED_CONFIG']);
    });

    it.each([
        ['a non-member claiming to be of Org1MSP', 'Org1MSP', /the certificate does not chain to a CA of Org1MSP/],
        [
            'an organisation outside the channel',
            'StrangerMSP',
            /StrangerMSP is not an organisation of channel contracts/,
        ],
    ])("the share's endorsement replaced by one from %s: BAD_ENDORSEMENT", async (_who, mspId, why) => {
        const name = `blocks/${SHARE.block}.block`;
        const block = withEnvelope(name, SHARE.index, (envelope) => strangerEndorsed(envelope, mspId));
        const report = await verify(await forged({ members: (copy) => copy.set(name, block) }));
        // The envelope changed: the block's data hash and the creator's signature over it break too, and
        // without a verified share there are no facts.
        expect(codes(report)).toEqual(['BAD_BLOCK', 'BAD_CREATOR', 'BAD_ENDORSEMENT', 'CONTENT_MISMATCH']);
        const endorsement = defined(failures(report).find((failure) => failure.code === 'BAD_ENDORSEMENT'));
        expect(endorsement.reason).toMatch(
            new RegExp(
                `^BAD_ENDORSEMENT: transaction ${SHARE.txId}, endorsement 0 by ${mspId} CN=${STRANGER_PEER_CN}: `,
            ),
        );
        expect(endorsement.reason).toMatch(why);
    });

    it("bob's signature altered in the SignContract write set: the transaction fails, and the facts lose the signature", async () => {
        const name = `blocks/${SIGN.block}.block`;
        const block = withEnvelope(name, SIGN.index, (envelope) => alteredSignatureWrite(envelope));
        const report = await verify(await forged({ members: (copy) => copy.set(name, block) }));
        expect(codes(report)).toEqual(['BAD_BLOCK', 'BAD_CREATOR', 'BAD_ENDORSEMENT', 'CONTENT_MISMATCH']);
        expect(failures(report).map((failure) => failure.reason)).toEqual([
            `BAD_BLOCK: block ${SIGN.block}'s data hash does not cover its transactions`,
            expect.stringMatching(
                new RegExp(
                    `^BAD_CREATOR: transaction ${SIGN.txId}, creator Org2MSP CN=bob@org2.example.com: the signature does not verify$`,
                ),
            ),
            expect.stringMatching(
                new RegExp(
                    `^BAD_ENDORSEMENT: transaction ${SIGN.txId}, endorsement 0 by \\S+ CN=\\S+: the signature does not verify$`,
                ),
            ),
            expect.stringMatching(/^CONTENT_MISMATCH: manifest.json's facts\.\S+ is not what the transactions wrote$/),
        ]);
        // Judged on unverified content, the story would have been told from forged records: it is not.
        expect(report.checks.map((check) => check.name)).not.toContainEqual(expect.stringMatching(/^the signature of/));
    });
});

/** The SignContract envelope with the signature in its written record changed (its last base64 characters). */
function alteredSignatureWrite(envelopeBytes: Uint8Array): Uint8Array {
    return withActionPayload(envelopeBytes, (payload) => {
        const action = defined(payload.getAction());
        const responsePayload = peer.ProposalResponsePayload.deserializeBinary(
            action.getProposalResponsePayload_asU8(),
        );
        const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
        const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
        for (const ns of rwset.getNsRwsetList()) {
            const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
            for (const write of kv.getWritesList()) {
                if (write.getKey().startsWith('\u0000signature\u0000')) {
                    const record = JSON.parse(Buffer.from(write.getValue_asU8()).toString('utf8')) as {
                        signature: string;
                    };
                    const bytes = Buffer.from(record.signature, 'base64');
                    bytes[bytes.length - 8] = (bytes[bytes.length - 8] ?? 0) ^ 0x01;
                    record.signature = bytes.toString('base64');
                    write.setValue(Buffer.from(JSON.stringify(record)));
                }
            }
            ns.setRwset(kv.serializeBinary());
        }
        chaincodeAction.setResults(rwset.serializeBinary());
        responsePayload.setExtension$(chaincodeAction.serializeBinary());
        action.setProposalResponsePayload(responsePayload.serializeBinary());
    });
}

describe('story consistency', () => {
    it("bob's verification left out of the story: STORY_INCONSISTENT", async () => {
        const report = await verify(
            await forged({ manifest: withoutTransactions((tx) => tx.txId === BOB_VERIFIED.txId) }),
        );
        expect(failures(report)).toEqual([
            ATTESTATION_MISMATCH,
            {
                code: 'STORY_INCONSISTENT',
                reason: `STORY_INCONSISTENT: Org2MSP/bob@org2.example.com has no identity verification recorded before transaction ${SHARE.txId.slice(0, 16)}…, block ${SHARE.block}`,
            },
        ]);
    });

    it("the registration of bob's keys left out: his credential and his signature rest on no key (STORY_INCONSISTENT)", async () => {
        const report = await verify(await forged({ manifest: withoutTransactions((tx) => tx.txId === BOB_KEYS.txId) }));
        const [attestation, ...story] = failures(report);
        expect(attestation).toEqual(ATTESTATION_MISMATCH);
        expect(story).toHaveLength(3);
        for (const { reason } of story) {
            expect(reason).toMatch(
                /^STORY_INCONSISTENT: key [0-9a-f]{16}… of Org2MSP\/bob@org2.example.com has no RegisterKeys in the bundle$/,
            );
        }
    });

    it('the share left out: the facts cannot be computed (CONTENT_MISMATCH), nor the contract checked', async () => {
        const bundle = await forged({
            manifest: (m) => (m.transactions = m.transactions.filter((tx) => tx.role !== 'share')),
        });
        const report = await verify(bundle, { anchors: ANCHORS, contract: contractOf('sm2') });
        expect(failures(report)).toEqual([
            ATTESTATION_MISMATCH,
            {
                code: 'CONTENT_MISMATCH',
                reason: `CONTENT_MISMATCH: the story of ${manifest.fileId} has no ShareFile transaction`,
            },
            {
                code: 'CONTRACT_MISMATCH',
                reason: 'CONTRACT_MISMATCH: the story could not be read, so the contract cannot be checked',
            },
        ]);
    });
});
