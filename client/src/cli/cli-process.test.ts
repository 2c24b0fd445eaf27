import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
    chmodSync,
    chownSync,
    createWriteStream,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    rmSync,
    writeFileSync,
} from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { encryptFile } from '../crypto/filecipher';
import { CLI_FROM_SOURCES, runCli, signalMidWrite, startCli } from '../test-support/cli-process';
import { referenceTreeDigest } from '../test-support/tree-digest';

/**
 * The CLI as a real process, for what only a process shows: how it ends on a signal, and what it
 * finds in its working folder.
 */

let dir: string;
const at = (name: string) => join(dir, name);
const MIB = 1024 * 1024;
/** Large enough that decrypting it takes seconds, so a signal lands mid-way. */
const CONTAINER_MIB = 300;

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sealpact-process-'));
    const password = randomBytes(32);
    writeFileSync(at('fp'), password);
    await pipeline(
        function* () {
            for (let i = 0; i < CONTAINER_MIB; i++) {
                yield randomBytes(MIB);
            }
        },
        createWriteStream(at('plain')),
    );
    await encryptFile(at('plain'), at('big.sp'), { suite: 'intl', password });
    rmSync(at('plain'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a signal during decrypt', () => {
    it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
        '%s: exits 128 + the signal number and leaves no plaintext, partial or whole',
        async (signal) => {
            const out = at(`out-${signal}`);
            mkdirSync(out);
            const { child, exit } = startCli(CLI_FROM_SOURCES, [
                'decrypt',
                '--key-file',
                at('fp'),
                '--in',
                at('big.sp'),
                '--out',
                join(out, 'contract.pdf'),
            ]);
            // A whole chunk of plaintext on disk: the state the issue found left behind.
            const bytesOnDisk = await signalMidWrite(child, out, signal, MIB);
            const ended = await exit;
            expect(bytesOnDisk).toBeLessThan(CONTAINER_MIB * MIB);
            expect(ended).toEqual({
                code: 128 + constants.signals[signal],
                signal: null,
                stdout: '',
                stderr: `sealpact: INTERRUPTED: stopped by ${signal}; unfinished output removed\n`,
            });
            expect(readdirSync(out)).toEqual([]);
        },
        60_000,
    );
});

/** Run the CLI with `input` on its stdin; its stdout as bytes. */
function runWithInput(argv: string[], input: Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
    const child = spawn(process.execPath, [...CLI_FROM_SOURCES, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => stdout.push(data));
    child.stderr.on('data', (data: Buffer) => {
        stderr += data.toString();
    });
    child.stdin.end(input);
    return new Promise((resolve) => {
        child.on('close', (code) => {
            resolve({ code, stdout: Buffer.concat(stdout), stderr });
        });
    });
}

describe('standard input and output (--in -, --out -)', () => {
    it.each([
        ['intl', 'sha256'],
        ['gm', 'sm3'],
    ] as const)(
        '%s: encrypts stdin to stdout and back; stdout carries the data alone, the summary goes to stderr',
        async (suite, hash) => {
            const plaintext = randomBytes(2 * MIB + 123);
            const keyFile = ['--key-file', at('fp'), '--aad', 'file-7'];
            const sealed = await runWithInput(
                ['encrypt', '--suite', suite, ...keyFile, '--in', '-', '--out', '-'],
                plaintext,
            );
            const digest = referenceTreeDigest(hash, sealed.stdout).toString('hex');
            expect({ code: sealed.code, stderr: sealed.stderr }).toEqual({
                code: 0,
                stderr: `${hash}-tree:${digest}\n`,
            });
            expect(sealed.stdout.subarray(0, 8).toString()).toBe('SEALPACT');

            const opened = await runWithInput(['decrypt', ...keyFile, '--in', '-', '--out', '-'], sealed.stdout);
            expect({ code: opened.code, stderr: opened.stderr }).toEqual({
                code: 0,
                stderr: `decrypted to standard output (${suite}, ${hash}-tree:${digest})\n`,
            });
            expect(opened.stdout.equals(plaintext)).toBe(true);
            expect(readdirSync(dir).filter((name) => name.endsWith('.partial'))).toEqual([]);
        },
        60_000,
    );

    it('reports a container cut short on stdin, and exits 1', async () => {
        const sealed = await runWithInput(
            ['encrypt', '--suite', 'intl', '--key-file', at('fp'), '--in', '-', '--out', '-'],
            randomBytes(3000),
        );
        const cut = await runWithInput(
            ['decrypt', '--key-file', at('fp'), '--in', '-', '--out', '-'],
            sealed.stdout.subarray(0, 1000),
        );
        expect({ code: cut.code, stdout: cut.stdout.length, stderr: cut.stderr }).toEqual({
            code: 1,
            stdout: 0,
            stderr: 'sealpact: CHUNK_AUTH_FAILED: chunk 0 failed authentication: the ciphertext was altered, reordered or cut short\n',
        });
    }, 30_000);
});

describe('./sealpact.json in the working folder', () => {
    // A profile path nobody has: the command stops there, after reading the config, without a network.
    const config = () => JSON.stringify({ identity: 'alice@org1.example.com', profile: at('no-profile.json') });
    const inbox = (cwd: string) => runCli(CLI_FROM_SOURCES, ['inbox'], { cwd });

    it('is used when it is yours and only you may write it, and stderr says so', async () => {
        const cwd = at('safe');
        mkdirSync(cwd);
        writeFileSync(join(cwd, 'sealpact.json'), config(), { mode: 0o644 });
        const result = await inbox(cwd);
        expect(result.code).toBe(1);
        expect(result.stderr.split('\n')).toEqual([
            'sealpact: using config ./sealpact.json',
            expect.stringMatching(/^sealpact: NO_PROFILE: cannot read the connection profile .*no-profile\.json/),
            '',
        ]);
    }, 30_000);

    it.each([
        ['owned by another user', (path: string) => chownSync(path, 65534, 65534), /belongs to uid 65534/],
        ['writable by its group', (path: string) => chmodSync(path, 0o664), /writable by other users \(mode 0664\)/],
        ['writable by everyone', (path: string) => chmodSync(path, 0o646), /writable by other users \(mode 0646\)/],
    ])(
        'is refused when %s',
        async (name, spoil, reason) => {
            const cwd = at(name.replace(/ /g, '-'));
            mkdirSync(cwd);
            writeFileSync(join(cwd, 'sealpact.json'), config(), { mode: 0o644 });
            spoil(join(cwd, 'sealpact.json'));
            const result = await inbox(cwd);
            expect(result.code).toBe(1);
            expect(result.stderr).toMatch(
                /^sealpact: UNSAFE_PERMISSIONS: the config file \.\/sealpact\.json .*; refusing to use it.*\n$/,
            );
            expect(result.stderr).toMatch(reason);
        },
        30_000,
    );
});
