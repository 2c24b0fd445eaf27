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
