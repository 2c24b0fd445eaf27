import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { FileRecord, IndexEntry, parseSigningStatementV2, SignatureRecord } from '@sealpact/protocol';
import { plaintextCommitment } from '../client/src/crypto/commitment';
import { verifyDetached } from '../client/src/crypto/signature';
import { connect } from '../client/src/sdk/connect';
import { Sealpact } from '../client/src/sdk/sealpact';
import { EARLIER_BUILD, prepareEarlierBuild } from './support/earlier-build';
import { FabricLedger, IDENTITIES, memberOrgs, PROFILE_PATH, profile, refusal, ROOT, runId } from './support/fabric';
import { PASSPHRASE } from './support/parties';

/**
 * Chaincode upgrade that keeps the data (issue 13, item 3), on the real network. An earlier build
 * of Sealpact (EARLIER_BUILD: signature records v2, plain sm3/sha256 digests), exported from git and
 * built, serves a fresh chaincode definition from each org's server of its own; its own SDK
 * registers parties and shares, signs, grants and revokes. `npm run network:upgrade -- --name`
 * then commits the next sequence on the current build's servers, and the earlier build's servers
 * are stopped: with the current SDK every old record reads as it was written, every old file
 * decrypts and checks for each of its holders, every old signature verifies, new records are the
 * current versions, and the audit of a file signed before and after the upgrade holds, down to
 * its evidence bundle. Then network:upgrade upgrades the "sealpact" definition itself. Run
 * `npm run build` first (npm test does).
 */

jest.setTimeout(600_000);

const run = runId();
const name = `upgrade-${run}`;
const dir = mkdtempSync(join(tmpdir(), 'sealpact-upgrade-'));
const SCRIPTS = join(ROOT, 'network', 'scripts');
const EARLIER = join(ROOT, 'test', 'support', 'earlier-chaincode.mjs');
const CLI = join(ROOT, 'client', 'dist', 'cli', 'main.js');
const ANCHORS = join(ROOT, 'network', '.data', 'trust-anchors');
/** The network's connection profile naming definition `name`, for the current SDK and CLI. */
const upgradedProfile = join(dir, 'connection.json');

type Who = 'alice' | 'bob' | 'carol' | 'dave' | 'auditor';
type Suite = 'gm' | 'intl';

/** What earlier-writer.js wrote through the earlier build's SDK, and read back with it. */
interface EarlierData {
    ids: Record<'alice' | 'bob' | 'carol' | 'dave', string>;
    files: Record<Suite, { fileId: string; plaintext: string }>;
    records: {
        /** GetParty's answers: the party record, its keys and whether it is verified. */
        parties: Record<string, unknown>;
        inbox: Record<string, IndexEntry[]>;
        files: Record<string, FileRecord>;
        signatures: Record<string, SignatureRecord[]>;
    };
}

let earlier: EarlierData;
let upgraded: string;
const sessions = new Map<Who, Sealpact>();

/** A node script to completion; a failure throws naming it, with the end of what it printed. */
function node(script: string, args: string[]): string {
    try {
        return execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', stdio: 'pipe', timeout: 300_000 });
    } catch (err) {
        const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
        const output = `${stdout}${stderr}`.trim().split('\n').slice(-25).join('\n');
        throw new Error(`${basename(script)} ${args.join(' ')} failed:\n${output}`);
    }
}

/** The built CLI in its own process, as `who`, on definition `name`. */
function sealpact(who: Who, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const [mspId, identity] = IDENTITIES[who];
    const as = [
        '--identity',
        `${mspId}/${identity}`,
        '--profile',
        upgradedProfile,
        '--store',
        `fs://${join(dir, 'blobs')}`,
    ];
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [CLI, ...argv, ...as, '--keyring', join(dir, 'keyrings', who)],
            { cwd: dir },
            (error, stdout, stderr) => {
                resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
            },
        );
    });
}

/** `who`'s current SDK session on definition `name`, with the keyring the earlier SDK made. */
async function as(who: Who): Promise<Sealpact> {
    let session = sessions.get(who);
    if (!session) {
        const [mspId, identity] = IDENTITIES[who];
        session = await connect({
            profile: upgradedProfile,
            identity: `${mspId}/${identity}`,
            store: `fs://${join(dir, 'blobs')}`,
            keyring: { dir: join(dir, 'keyrings', who), passphrase: PASSPHRASE },
        });
        sessions.set(who, session);
    }
    return session;
}

/** Receives `fileId` as `who` and says whether the plaintext is the one shared. */
async function receivesIntact(who: Who, fileId: string, plaintext: string): Promise<boolean> {
    const out = join(dir, `${fileId}.${who}.out`);
    await (await as(who)).receive(fileId, out);
    return readFileSync(out).equals(readFileSync(plaintext));
}

beforeAll(() => {
    const build = prepareEarlierBuild();
    node(EARLIER, ['--build', build, '--name', name, '--version', `earlier-${EARLIER_BUILD.commit.slice(0, 12)}`]);
    earlier = JSON.parse(
        node(join(ROOT, 'test', 'support', 'earlier-writer.js'), [build, PROFILE_PATH, name, dir, run]),
    ) as EarlierData;
    upgraded = node(join(SCRIPTS, 'upgrade.mjs'), ['--name', name]);
    // From here on only the current build can answer for `name`.
    node(EARLIER, ['--stop']);
    const raw = JSON.parse(readFileSync(PROFILE_PATH, 'utf8')) as Record<string, unknown>;
    writeFileSync(upgradedProfile, JSON.stringify({ ...raw, chaincode: name }));
});

afterAll(() => {
    for (const session of sessions.values()) session.close();
    node(EARLIER, ['--stop']);
    rmSync(dir, { recursive: true, force: true });
});

describe(`an upgrade from the earlier build ${EARLIER_BUILD.commit.slice(0, 12)} (${EARLIER_BUILD.writes})`, () => {
    const gm = () => earlier.files.gm;
    const intl = () => earlier.files.intl;

    it("commits the next sequence on each org's current build, and again changes nothing", () => {
        const summary = new RegExp(
            `"${name}" upgraded: version earlier-${EARLIER_BUILD.commit.slice(0, 12)} sequence 1 -> version \\S+ sequence 2, ` +
                `approved by ${memberOrgs()
                    .map((org) => org.mspId)
                    .join(', ')}, served by sealpact-ccaas\\.org1\\.example\\.com`,
        );
        expect(upgraded).toMatch(summary);
        expect(node(join(SCRIPTS, 'upgrade.mjs'), ['--name', name])).toMatch(
            new RegExp(`upgrade: "${name}" is at version \\S+ sequence 2 already; nothing to do`),
        );
    });

    it('reads every record the earlier build wrote as it was written', async () => {
        const auditor = await as('auditor');
        for (const [who, id] of Object.entries(earlier.ids)) {
            expect(await auditor.getParty(id)).toEqual(earlier.records.parties[who]);
        }
        for (const who of ['bob', 'carol', 'dave'] as const) {
            expect(await (await as(who)).inbox()).toEqual(earlier.records.inbox[who]);
        }
        for (const { fileId } of [gm(), intl()]) {
            expect(await auditor.getFile(fileId)).toEqual(earlier.records.files[fileId]);
            expect(await auditor.signatures(fileId)).toEqual(earlier.records.signatures[fileId]);
        }
        expect(earlier.records.files[gm().fileId]?.digestAlgorithm).toBe('sm3');
        expect(earlier.records.files[intl().fileId]?.digestAlgorithm).toBe('sha256');
    });

    it('opens every old credential: each holder decrypts and checks each old file; a revoked one stays refused', async () => {
        const holders: [Who, { fileId: string; plaintext: string }][] = [
            ['alice', gm()],
            ['bob', gm()],
            ['carol', gm()],
            ['alice', intl()],
            ['bob', intl()],
            ['dave', intl()],
        ];
        for (const [who, file] of holders) {
            expect([who, file.fileId, await receivesIntact(who, file.fileId, file.plaintext)]).toEqual([
                who,
                file.fileId,
                true,
            ]);
        }
        expect(await refusal((await as('carol')).receive(intl().fileId, join(dir, 'refused.out')))).toBe(
            'ACCESS_DENIED',
        );
    });

    it("verifies every old signature: statement v2, the signer's key, the commitment to the contract", async () => {
        const signed: [Who, { fileId: string; plaintext: string }][] = [
            ['bob', gm()],
            ['dave', intl()],
        ];
        for (const [who, { fileId, plaintext }] of signed) {
            const [signature, ...others] = await (await as('auditor')).signatures(fileId);
            expect(others).toEqual([]);
            if (signature?.schema !== 'sealpact/signature/v2') throw new Error(`${fileId}: not a v2 signature record`);
            const file = earlier.records.files[fileId];
            expect(parseSigningStatementV2(signature.statement)).toEqual({
                fileId,
                digestAlgorithm: file?.digestAlgorithm,
                plaintextCommitment: signature.plaintextCommitment,
                ciphertextDigest: file?.ciphertextDigest,
                signer: earlier.ids[who as 'bob' | 'dave'],
                signingKey: signature.keyFingerprint,
            });
            const { publicKeyPem } = signature as SignatureRecord & { publicKeyPem: string };
            const bytes = Buffer.from(signature.statement, 'utf8');
            expect(verifyDetached(publicKeyPem, bytes, Buffer.from(signature.signature, 'base64'))).toBe(true);
            const { key, digestAlgorithm } = await (await as(who)).commitmentKey(fileId);
            expect(await plaintextCommitment(key, plaintext, digestAlgorithm)).toBe(signature.plaintextCommitment);
            key.fill(0);
        }
    });

    it('writes new records in the current versions beside the old ones', async () => {
        const carolSigned = await (await as('carol')).sign(gm().fileId, gm().plaintext);
        expect(carolSigned).toMatchObject({
            schema: 'sealpact/signature/v3',
            planHash: null,
            step: null,
            digestAlgorithm: 'sm3',
        });
        await (await as('alice')).grant(gm().fileId, [earlier.ids.dave]);
        expect(await receivesIntact('dave', gm().fileId, gm().plaintext)).toBe(true);
        expect(await refusal((await as('bob')).sign(gm().fileId, gm().plaintext))).toBe('DUPLICATE_ID');

        const fileId = `${run}-after-upgrade`;
        const plaintext = join(dir, `${fileId}.txt`);
        writeFileSync(plaintext, 'A contract shared after the upgrade.\n'.repeat(100));
        const sent = await (
            await as('alice')
        ).send(plaintext, { to: [earlier.ids.bob], suite: 'intl', fileId, signers: [[earlier.ids.bob]] });
        expect(sent.digestAlgorithm).toBe('sha256-tree');
        expect(await receivesIntact('bob', fileId, plaintext)).toBe(true);
        expect(await (await as('bob')).sign(fileId, plaintext)).toMatchObject({
            schema: 'sealpact/signature/v3',
            step: 1,
        });
        expect(await (await as('alice')).contract(fileId)).toMatchObject({
            schema: 'sealpact/contract/v1',
            state: 'completed',
        });
    });

    it('audits the file signed before and after the upgrade: its trail, each step against its transaction, its evidence', async () => {
        const { fileId, plaintext } = gm();
        const { trail } = await (await as('auditor')).audit(fileId);
        const [bobSignature] = earlier.records.signatures[fileId] ?? [];
        const carolSignature = (await (await as('auditor')).signatures(fileId)).find(
            (s) => s.schema === 'sealpact/signature/v3',
        );
        if (bobSignature?.schema !== 'sealpact/signature/v2' || carolSignature?.schema !== 'sealpact/signature/v3') {
            throw new Error('expected a v2 and a v3 signature');
        }
        const { alice, bob, carol, dave } = earlier.ids;
        expect(trail.map((step) => [step.action, step.party, step.detail])).toEqual([
            ['shared', alice, expect.stringMatching(/^SM2 credential v1 for key/)],
            ['shared', bob, expect.stringMatching(/^RSA credential v1 for key/)],
            ['shared', carol, expect.stringMatching(/^SM2 credential v1 for key/)],
            ['signed', bob, `RSA signature over hmac-sm3:${bobSignature.plaintextCommitment}`],
            ['signed', carol, `SM2 signature over hmac-sm3:${carolSignature.plaintextCommitment}`],
            ['granted', dave, expect.stringMatching(/^RSA credential v1 for key/)],
        ]);

        const bundle = join(dir, 'evidence.zip');
        const audited = await sealpact('auditor', 'audit', '--file-id', fileId, '--verify', '--evidence', bundle);
        expect(audited.stderr).toBe('');
        expect(audited.code).toBe(0);
        const steps = audited.stdout.split('\n').filter((line) => / (shared|granted|signed) /.test(line));
        expect(steps).toHaveLength(6);
        for (const step of steps) expect(step).toMatch(/\[verified\]$/);

        const { key } = await (await as('bob')).commitmentKey(fileId);
        const against = ['--trust-anchors', ANCHORS, '--contract', plaintext, '--commitment-key', key.toString('hex')];
        const verified = await sealpact('auditor', 'evidence', 'verify', '--in', bundle, ...against);
        key.fill(0);
        expect(verified.stdout).not.toContain('FAIL');
        expect(verified.stdout).toMatch(/evidence holds: all \d+ checks passed\n$/);
        expect(verified.code).toBe(0);
    });
});

describe('npm run network:upgrade on the "sealpact" definition', () => {
    it('commits its next sequence on the running servers once, and the ledger answers on', async () => {
        const version = `upgrade-test-${run}`;
        const first = node(join(SCRIPTS, 'upgrade.mjs'), ['--version', version]);
        const [, from] =
            /"sealpact" upgraded: version \S+ sequence (\d+) -> version \S+ sequence (\d+)/.exec(first) ?? [];
        expect(first).toMatch(
            new RegExp(
                `"sealpact" upgraded: version \\S+ sequence ${from} -> version ${version} sequence ${Number(from) + 1},`,
            ),
        );
        expect(node(join(SCRIPTS, 'upgrade.mjs'), ['--version', version])).toContain(
            `upgrade: "sealpact" is at version ${version} sequence ${Number(from) + 1} already; nothing to do`,
        );
        const ledger = new FabricLedger(profile());
        try {
            expect(JSON.parse(await ledger.evaluate('auditor', 'GetGovernance'))).toMatchObject({
                schema: 'sealpact/governance/v1',
            });
        } finally {
            ledger.close();
        }
    });
});
