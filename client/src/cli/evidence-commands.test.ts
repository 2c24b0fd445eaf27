import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './main';

/**
 * `sealpact evidence verify`, offline, on a bundle exported from the network
 * (client/src/evidence/testdata): the checklist, its exit codes and its usage errors. Export needs
 * the network: test/evidence.test.ts.
 */

const TESTDATA = join(__dirname, '..', 'evidence', 'testdata');
const BUNDLE = join(TESTDATA, 'sm2.bundle');
const ANCHORS = join(TESTDATA, 'anchors');
const CONTRACT = join(TESTDATA, 'sm2.contract');
const KEY = readFileSync(join(TESTDATA, 'sm2.commitment-key'), 'utf8').trim();
let dir: string;

beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sealpact-evidence-cli-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sealpact(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
        return { code: await run(argv), stdout, stderr };
    } finally {
        out.mockRestore();
        err.mockRestore();
    }
}

describe('sealpact evidence verify', () => {
    it('prints every check and exits 0 when the evidence holds, with the contract', async () => {
        const verified = await sealpact(
            'evidence',
            'verify',
            '--in',
            BUNDLE,
            '--trust-anchors',
            ANCHORS,
            '--contract',
            CONTRACT,
            '--commitment-key',
            KEY,
        );
        expect(verified.stderr).toBe('');
        expect(verified.code).toBe(0);
        expect(verified.stdout).toMatch(/^ {2}ok {4}the bundle opens/);
        expect(verified.stdout).toMatch(/ok {4}trust anchors pinned by the verifier: /);
        expect(verified.stdout).toMatch(/evidence holds: all \d+ checks passed\n$/);
        expect(verified.stdout).not.toContain('FAIL');
    });

    it('exits 1 naming what broke, in text and in --json', async () => {
        const other = join(dir, 'other.txt');
        writeFileSync(other, 'another contract');
        const text = await sealpact('evidence', 'verify', '--in', BUNDLE, '--contract', other, '--commitment-key', KEY);
        expect(text.code).toBe(1);
        expect(text.stdout).toMatch(/ {2}FAIL {2}.*: CONTRACT_MISMATCH: /);
        expect(text.stdout).toMatch(/evidence does NOT hold: 1 of \d+ checks failed\n$/);

        const json = await sealpact(
            'evidence',
            'verify',
            '--in',
            BUNDLE,
            '--contract',
            other,
            '--commitment-key',
            KEY,
            '--json',
        );
        const report = JSON.parse(json.stdout) as { ok: boolean; checks: { ok: boolean; code?: string }[] };
        expect(json.code).toBe(1);
        expect(report.ok).toBe(false);
        expect(report.checks.filter((check) => !check.ok).map((check) => check.code)).toEqual(['CONTRACT_MISMATCH']);
    });

    it('exits 1 on a bundle that does not open', async () => {
        const broken = join(dir, 'broken.zip');
        const bytes = readFileSync(BUNDLE);
        writeFileSync(broken, bytes.subarray(0, bytes.length - 100));
        const refused = await sealpact('evidence', 'verify', '--in', broken);
        expect(refused.code).toBe(1);
        expect(refused.stdout).toMatch(/FAIL {2}the bundle opens.*: BAD_BUNDLE: /);
    });

    it.each([
        [['--commitment-key', KEY], /^sealpact: USAGE: --commitment-key goes with --contract\n$/],
        [['--contract', CONTRACT], /^sealpact: USAGE: --contract needs --commitment-key/],
        [['--contract', CONTRACT, '--commitment-key', 'abc'], /^sealpact: USAGE: --contract needs --commitment-key/],
    ])('exits 2 on bad usage: %j', async (extra, message) => {
        const refused = await sealpact('evidence', 'verify', '--in', BUNDLE, ...extra);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toMatch(message);
    });

    it('names a missing input file, and an unknown action', async () => {
        const missing = await sealpact('evidence', 'verify', '--in', join(dir, 'absent.zip'));
        expect(missing.code).not.toBe(0);
        expect(missing.stderr).toMatch(/absent\.zip/);
        const unknown = await sealpact('evidence', 'publish', '--in', BUNDLE);
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).toMatch(/^sealpact: USAGE: --action must be export or verify, not "publish"/);
    });

    it('export needs --file-id', async () => {
        const usage = await sealpact('evidence', 'export', '--out', join(dir, 'new.zip'));
        expect(usage.code).toBe(2);
        expect(usage.stderr).toMatch(/^sealpact: USAGE: .*--file-id/);
    });
});
