import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../client/src/crypto/keys';
import { readBundle } from '../client/src/evidence/bundle';
import { Sealpact } from '../client/src/sdk/sealpact';
import { Parties } from './support/parties';
import { profile, PROFILE_PATH, ROOT, runId } from './support/fabric';

/**
 * Evidence on the real network (issue 10, section 3): a file's story — share, grant, revocation,
 * signature, key rotation — exported by a recipient with `sealpact evidence export` and by an
 * auditor with `sealpact audit --verify --evidence`, then checked by `sealpact evidence verify`
 * with the network stopped. Run `npm run build` first (npm test does).
 */

jest.setTimeout(240_000);

const run = runId();
const parties = new Parties();
const dir = mkdtempSync(join(tmpdir(), 'sealpact-evidence-'));
const CLI = join(ROOT, 'client', 'dist', 'cli', 'main.js');
const SCRIPTS = join(ROOT, 'network', 'scripts');
const ANCHORS = join(ROOT, 'network', '.data', 'trust-anchors');
const fileId = `${run}-evidence`;
const contract = join(dir, 'contract.txt');

let alice: Sealpact;
let bob: Sealpact;
let commitmentKey: string;

/** The built CLI in its own process, as a user runs it; no profile or identity unless given. */
function sealpact(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...argv], { cwd: dir }, (error, stdout, stderr) => {
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
        });
    });
}

/** The options that make the CLI act as `who` with its keyring from Parties. */
function as(who: 'bob' | 'auditor', identity: string): string[] {
    return [
        '--identity',
        identity,
        '--profile',
        PROFILE_PATH,
        '--store',
        `fs://${parties.storeDir}`,
        '--keyring',
        join(parties.dir, 'keyrings', who),
    ];
}

/** Whether something accepts TCP connections at `endpoint` (host:port). */
function listening(endpoint: string): Promise<boolean> {
    const [host = '127.0.0.1', port = '0'] = endpoint.split(':');
    return new Promise((resolve) => {
        const socket = tcpConnect({ host, port: Number(port) });
        socket.once('connect', () => {
            socket.destroy();
            resolve(true);
        });
        socket.once('error', () => resolve(false));
    });
}

function pdfText(pdf: Uint8Array): string {
    const path = join(dir, `certificate-${Math.random().toString(36).slice(2)}.pdf`);
    writeFileSync(path, pdf);
    return execFileSync('pdftotext', ['-layout', path, '-']).toString();
}

const squeeze = (text: string) => text.replace(/\s+/g, '');

beforeAll(async () => {
    alice = await parties.as('alice');
    bob = await parties.as('bob');
    const [carol, verifier] = await Promise.all([parties.as('carol'), parties.as('verifier')]);
    await alice.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
    await bob.registerKeys(generateKeyPair('rsa', { bits: 2048 }));
    await carol.registerKeys(generateKeyPair('sm2'));
    for (const party of [bob, carol]) {
        await verifier.recordVerification((await party.whoAmI()).partyId, { serial: `hmac-${run}`, level: 'high' });
    }
    writeFileSync(contract, `The evidence contract ${run}\n`.repeat(200));
    const bobId = (await bob.whoAmI()).partyId;
    await alice.send(contract, { to: [bobId], suite: 'gm', fileId });
    await alice.grant(fileId, [(await carol.whoAmI()).partyId]);
    await alice.revoke(fileId, (await carol.whoAmI()).partyId);
    const received = join(dir, 'received.txt');
    await bob.receive(fileId, received);
    await bob.sign(fileId, received);
    const { key } = await bob.commitmentKey(fileId);
    commitmentKey = key.toString('hex');
    key.fill(0);
});

afterAll(async () => {
    parties.close();
    rmSync(dir, { recursive: true, force: true });
    // Whatever a test did to the network, the later test files find it up.
    if (!(await listening(Object.values(profile().orgs)[0]?.peer.endpoint ?? ''))) {
        spawnSync(process.execPath, [join(SCRIPTS, 'up.mjs')], { stdio: 'inherit' });
    }
});

describe('evidence bundles on the real network', () => {
    const recipientBundle = join(dir, 'bob.zip');
    const auditorBundle = join(dir, 'auditor.zip');

    it('a recipient exports the story: every transaction, the blocks and a certificate stating the facts', async () => {
        const exported = await sealpact(
            'evidence',
            'export',
            '--file-id',
            fileId,
            '--out',
            recipientBundle,
            '--json',
            ...as('bob', 'Org2MSP/bob@org2.example.com'),
        );
        expect(exported.stderr).toBe('');
        expect(exported.code).toBe(0);
        const { manifest, members } = readBundle(readFileSync(recipientBundle));
        expect(manifest.transactions.map((tx) => `${tx.role} ${tx.function}`)).toEqual(
            expect.arrayContaining([
                'register-keys RegisterKeys',
                'verification RecordVerification',
                'share ShareFile',
                'grant GrantAccess',
                'revoke RevokeAccess',
                'sign SignContract',
            ]),
        );
        expect(manifest.facts.events.map((event) => event.action)).toEqual([
            'shared',
            'shared',
            'granted',
            'revoked',
            'signed',
        ]);
        // The certificate states the manifest's facts: every transaction with its block, the digest, the signature.
        const text = squeeze(pdfText(members.get('certificate.pdf') ?? new Uint8Array()));
        for (const tx of manifest.transactions) {
            expect(text).toContain(tx.txId);
            expect(text).toContain(String(tx.block));
        }
        expect(text).toContain(manifest.facts.file.ciphertextDigest);
        for (const signature of manifest.facts.signatures) {
            expect(text).toContain(signature.signature);
        }
        const rendered = spawnSync('pdftoppm', ['-png', '-r', '40', '-', join(dir, 'page')], {
            input: members.get('certificate.pdf'),
        });
        expect(rendered.status).toBe(0);
    });

    it('an auditor checks every step of the trail against its endorsed transaction and writes the bundle', async () => {
        const audited = await sealpact(
            'audit',
            '--file-id',
            fileId,
            '--verify',
            '--evidence',
            auditorBundle,
            ...as('auditor', 'AuditorOrgMSP/auditor@auditor.example.com'),
        );
        expect(audited.code).toBe(0);
        const steps = audited.stdout.split('\n').filter((line) => / (shared|granted|revoked|signed) /.test(line));
        expect(steps).toHaveLength(5);
        for (const step of steps) expect(step).toMatch(/\[verified\]$/);
        expect(audited.stdout).toContain('every step verified against its endorsed transaction');
    });

    it('verifies both bundles with the network stopped, and names what breaks in a tampered one', async () => {
        const peer = Object.values(profile().orgs)[0]?.peer.endpoint ?? '';
        expect(spawnSync(process.execPath, [join(SCRIPTS, 'down.mjs')]).status).toBe(0);
        expect(await listening(peer)).toBe(false);

        for (const bundle of [recipientBundle, auditorBundle]) {
            const verified = await sealpact(
                'evidence',
                'verify',
                '--in',
                bundle,
                '--trust-anchors',
                ANCHORS,
                '--contract',
                contract,
                '--commitment-key',
                commitmentKey,
            );
            expect(verified.stdout).not.toContain('FAIL');
            expect(verified.stdout).toMatch(/evidence holds: all \d+ checks passed\n$/);
            expect(verified.code).toBe(0);
        }

        const other = join(dir, 'other.txt');
        writeFileSync(other, 'not the contract');
        const wrongContract = await sealpact(
            'evidence',
            'verify',
            '--in',
            recipientBundle,
            '--contract',
            other,
            '--commitment-key',
            commitmentKey,
            '--json',
        );
        expect(wrongContract.code).toBe(1);
        const report = JSON.parse(wrongContract.stdout) as { ok: boolean; checks: { ok: boolean; code?: string }[] };
        expect(report.ok).toBe(false);
        expect(report.checks.filter((check) => !check.ok).map((check) => check.code)).toEqual(['CONTRACT_MISMATCH']);

        const bytes = readFileSync(recipientBundle);
        const middle = Math.floor(bytes.length / 2);
        bytes.writeUInt8(bytes.readUInt8(middle) ^ 0x01, middle);
        const tampered = join(dir, 'tampered.zip');
        writeFileSync(tampered, bytes);
        const refused = await sealpact('evidence', 'verify', '--in', tampered, '--trust-anchors', ANCHORS);
        expect(refused.code).toBe(1);
        expect(refused.stdout).toMatch(/FAIL .*BAD_BUNDLE/);

        const usage = await sealpact('evidence', 'verify', '--in', recipientBundle, '--contract', contract);
        expect(usage.code).toBe(2);
        expect(usage.stderr).toMatch(/^sealpact: USAGE: --contract needs --commitment-key/);

        expect(spawnSync(process.execPath, [join(SCRIPTS, 'up.mjs')]).status).toBe(0);
        expect(await listening(peer)).toBe(true);
    });
});
