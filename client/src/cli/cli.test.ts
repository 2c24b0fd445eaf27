import childProcess, { execFileSync } from 'node:child_process';
import {
    chmodSync,
    chownSync,
    existsSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    rmSync,
    statSync,
    writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from '@jest/globals';
import { SealpactError } from '@sealpact/protocol';
import { defined } from '../../../protocol/src/test-support/defined';
import * as atomicFile from '../atomic-file';
import { CliOutcome, sealpact } from '../test-support/cli-in-process';
import { referenceTreeDigest } from '../test-support/tree-digest';
import { commands } from './commands';
import { parseOptions } from './command';

/**
 * The CLI as a user drives it: every command in-process through run(argv), and the files it
 * writes checked with stock `openssl` in both directions.
 */

let dir: string;
const PASSPHRASE = 'correct horse battery staple';

function openssl(...args: string[]): Buffer {
    return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

const at = (name: string) => join(dir, name);

/** In set-up, where no test is running to fail: throw unless the command succeeded. */
function mustSucceed(result: CliOutcome, what: string): void {
    if (result.code !== 0) {
        throw new Error(`set-up: sealpact ${what} exited with ${result.code}: ${result.stderr}`);
    }
}

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sealpact-cli-'));
    writeFileSync(at('pass'), `${PASSPHRASE}\n`);
    for (const [alg, prefix, extra] of [
        ['sm2', 'sm2', []],
        ['rsa', 'rsa', ['--bits', '2048']],
    ] as const) {
        const result = await sealpact(
            'keygen',
            '--alg',
            alg,
            ...extra,
            '--out',
            at(prefix),
            '--passphrase-file',
            at('pass'),
        );
        mustSucceed(result, `keygen --alg ${alg}`);
    }
    writeFileSync(at('contract.txt'), 'The parties agree as follows.\n'.repeat(5000));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keygen', () => {
    it('writes a public PEM and an encrypted private PEM that openssl reads with the passphrase', () => {
        expect(readFileSync(at('sm2.key.pem'), 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
        expect(statSync(at('sm2.key.pem')).mode & 0o777).toBe(0o600);
        const derived = openssl('pkey', '-in', 'sm2.key.pem', '-passin', 'file:pass', '-pubout').toString();
        expect(derived).toBe(readFileSync(at('sm2.pub.pem'), 'utf8'));
        expect(openssl('pkey', '-in', 'rsa.key.pem', '-passin', 'file:pass', '-noout', '-text').toString()).toContain(
            '2048 bit',
        );
    });

    it('never overwrites an existing key', async () => {
        const before = readFileSync(at('sm2.key.pem'));
        const result = await sealpact('keygen', '--alg', 'sm2', '--out', at('sm2'), '--passphrase-file', at('pass'));
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/FILE_EXISTS: .*sm2\.key\.pem already exists/);
        expect(readFileSync(at('sm2.key.pem'))).toEqual(before);
    });

    it('refuses to write an unencrypted private key', async () => {
        const saved = process.env.SEALPACT_PASSPHRASE;
        delete process.env.SEALPACT_PASSPHRASE;
        const result = await sealpact('keygen', '--alg', 'sm2', '--out', at('nopass'));
        process.env.SEALPACT_PASSPHRASE = saved;
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('PASSPHRASE_REQUIRED');
        expect(existsSync(at('nopass.key.pem'))).toBe(false);
    });

    it('refuses weak RSA and unknown algorithms with usage errors', async () => {
        const weak = await sealpact(
            'keygen',
            '--alg',
            'rsa',
            '--bits',
            '1024',
            '--out',
            at('weak'),
            '--passphrase-file',
            at('pass'),
        );
        expect(weak).toMatchObject({
            code: 2,
            stderr: 'sealpact: USAGE: keygen: --bits must be a whole number from 2048 to 16384, not "1024"\n',
        });
        const unknown = await sealpact('keygen', '--alg', 'dsa', '--out', at('x'), '--passphrase-file', at('pass'));
        expect(unknown).toMatchObject({ code: 2, stderr: 'sealpact: USAGE: --alg must be sm2 or rsa, not "dsa"\n' });
    });

    it('checks both paths before writing either: an existing public key means no private key', async () => {
        writeFileSync(at('half.pub.pem'), 'an earlier public key\n');
        const result = await sealpact('keygen', '--alg', 'sm2', '--out', at('half'), '--passphrase-file', at('pass'));
        expect(result).toMatchObject({
            code: 1,
            stderr: `sealpact: FILE_EXISTS: ${at('half.pub.pem')} already exists; refusing to overwrite it\n`,
        });
        expect(readFileSync(at('half.pub.pem'), 'utf8')).toBe('an earlier public key\n');
        expect(existsSync(at('half.key.pem'))).toBe(false);
        expect(readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
    });

    it('removes the public key it wrote when the private key cannot be written', async () => {
        const real = atomicFile.writeBufferAtomically;
        const failing = jest
            .spyOn(atomicFile, 'writeBufferAtomically')
            .mockImplementation((path, data, options) =>
                path.endsWith('.key.pem')
                    ? Promise.reject(new SealpactError('IO_ERROR', `${path}: no space left on device`))
                    : real(path, data, options),
            );
        try {
            const result = await sealpact(
                'keygen',
                '--alg',
                'sm2',
                '--out',
                at('nospace'),
                '--passphrase-file',
                at('pass'),
            );
            expect(result).toMatchObject({ code: 1, stderr: expect.stringMatching(/^sealpact: IO_ERROR: /) });
        } finally {
            failing.mockRestore();
        }
        expect(readdirSync(dir).filter((name) => name.startsWith('nospace'))).toEqual([]);
    });
});

describe('seal and open', () => {
    beforeAll(async () => {
        mustSucceed(await sealpact('password', '--out', at('fp')), 'password');
    });

    it.each(['sm2', 'rsa'])('%s: sealpact seals, openssl opens; openssl seals, sealpact opens', async (alg) => {
        const rsaOpts =
            alg === 'rsa'
                ? [
                      '-pkeyopt',
                      'rsa_padding_mode:oaep',
                      '-pkeyopt',
                      'rsa_oaep_md:sha256',
                      '-pkeyopt',
                      'rsa_mgf1_md:sha256',
                  ]
                : [];
        expect(
            (await sealpact('seal', '--to', at(`${alg}.pub.pem`), '--in', at('fp'), '--out', at(`${alg}.env`))).code,
        ).toBe(0);
        const opened = openssl(
            'pkeyutl',
            '-decrypt',
            '-inkey',
            `${alg}.key.pem`,
            '-passin',
            'file:pass',
            '-in',
            `${alg}.env`,
            ...rsaOpts,
        );
        expect(opened).toEqual(readFileSync(at('fp')));

        openssl(
            'pkeyutl',
            '-encrypt',
            '-pubin',
            '-inkey',
            `${alg}.pub.pem`,
            '-in',
            'fp',
            '-out',
            `${alg}.ossl.env`,
            ...rsaOpts,
        );
        const result = await sealpact(
            'open',
            '--key',
            at(`${alg}.key.pem`),
            '--passphrase-file',
            at('pass'),
            '--in',
            at(`${alg}.ossl.env`),
            '--out',
            at(`${alg}.fp`),
        );
        expect(result.code).toBe(0);
        expect(readFileSync(at(`${alg}.fp`))).toEqual(readFileSync(at('fp')));
        expect(statSync(at(`${alg}.fp`)).mode & 0o777).toBe(0o600);
    });

    it('names the problem when the key is wrong or the passphrase missing', async () => {
        await sealpact('seal', '--to', at('sm2.pub.pem'), '--in', at('fp'), '--out', at('for-sm2.env'));
        const wrongKey = await sealpact(
            'open',
            '--key',
            at('rsa.key.pem'),
            '--passphrase-file',
            at('pass'),
            '--in',
            at('for-sm2.env'),
            '--out',
            at('nope'),
        );
        expect(wrongKey.code).toBe(1);
        expect(wrongKey.stderr).toMatch(/BAD_ENVELOPE: RSA envelope is \d+ bytes, not 256/);
        expect(existsSync(at('nope'))).toBe(false);
        const saved = process.env.SEALPACT_PASSPHRASE;
        delete process.env.SEALPACT_PASSPHRASE;
        const noPass = await sealpact(
            'open',
            '--key',
            at('sm2.key.pem'),
            '--in',
            at('for-sm2.env'),
            '--out',
            at('nope'),
        );
        process.env.SEALPACT_PASSPHRASE = saved;
        expect(noPass.stderr).toContain('PASSPHRASE_REQUIRED');
        const publicAsPrivate = await sealpact(
            'open',
            '--key',
            at('sm2.pub.pem'),
            '--in',
            at('for-sm2.env'),
            '--out',
            at('nope'),
        );
        expect(publicAsPrivate.stderr).toContain('PUBLIC_KEY_GIVEN');
    });
});

describe('encrypt and decrypt', () => {
    /** `sealpact encrypt` of the contract with the test's file password into `output`. */
    const encrypt = (suite: string, output: string, ...more: string[]) =>
        sealpact(
            'encrypt',
            '--suite',
            suite,
            '--key-file',
            at('fp'),
            '--in',
            at('contract.txt'),
            '--out',
            output,
            ...more,
        );
    /** `sealpact decrypt` of `input` with the test's file password and `aad` into `output`. */
    const decrypt = (input: string, output: string, aad: string, ...more: string[]) =>
        sealpact('decrypt', '--key-file', at('fp'), '--aad', aad, '--in', input, '--out', output, ...more);

    it.each(['gm', 'intl'])(
        '%s: round trip, digest printed and equal to openssl dgst of the container',
        async (suite) => {
            const enc = await encrypt(suite, at(`c.${suite}`), '--aad', 'file-42', '--json');
            expect(enc.code).toBe(0);
            const info = JSON.parse(enc.stdout) as { digestAlg: string; digest: string };
            const alg = suite === 'gm' ? 'sm3' : 'sha256';
            expect(info.digestAlg).toBe(`${alg}-tree`);
            expect(info.digest).toBe(referenceTreeDigest(alg, readFileSync(at(`c.${suite}`))).toString('hex'));
            // The version 1 digest, as files shared before the tree digest record it, is openssl dgst's.
            const plain = await decrypt(at(`c.${suite}`), at(`v1.${suite}`), 'file-42', '--digest', alg, '--json');
            const opened = JSON.parse(plain.stdout) as { digestAlg: string; digest: string };
            expect(opened.digestAlg).toBe(alg);
            expect(openssl('dgst', `-${alg}`, '-r', `c.${suite}`).toString().split(' ')[0]).toBe(opened.digest);

            const dec = await decrypt(at(`c.${suite}`), at(`p.${suite}`), 'file-42');
            expect(dec.code).toBe(0);
            expect(readFileSync(at(`p.${suite}`))).toEqual(readFileSync(at('contract.txt')));
        },
    );

    it('writes into /dev/null directly, which stays a character device (also as root)', async () => {
        const enc = await encrypt('intl', '/dev/null');
        expect(enc.code).toBe(0);
        expect(enc.stdout).toMatch(/^sha256-tree:[0-9a-f]{64}\n$/);
        const dec = await decrypt(at('c.gm'), '/dev/null', 'file-42');
        expect(dec.code).toBe(0);
        expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    });

    it('refuses --json with --out -, since the data fills stdout', async () => {
        const result = await encrypt('gm', '-', '--json');
        expect(result).toMatchObject({
            code: 2,
            stderr: 'sealpact: USAGE: --json writes to stdout, which --out - already fills with data\n',
        });
    });

    it('refuses a --digest that is not a ciphertext digest algorithm', async () => {
        const result = await sealpact(
            'decrypt',
            '--key-file',
            at('fp'),
            '--digest',
            'md5',
            '--in',
            at('c.gm'),
            '--out',
            at('x'),
        );
        expect(result).toMatchObject({
            code: 2,
            stderr: 'sealpact: USAGE: --digest must be sha256, sm3, sha256-tree or sm3-tree, not "md5"\n',
        });
        expect(existsSync(at('x'))).toBe(false);
    });

    it('leaves nothing at the output path when the AAD, key or container is wrong', async () => {
        const wrongAad = await decrypt(at('c.gm'), at('leak'), 'file-43');
        expect(wrongAad.code).toBe(1);
        const tampered = Buffer.from(readFileSync(at('c.intl')));
        tampered.writeUInt8(tampered.readUInt8(tampered.length - 5) ^ 1, tampered.length - 5);
        writeFileSync(at('c.tampered'), tampered);
        const bad = await decrypt(at('c.tampered'), at('leak'), 'file-42');
        expect(bad.code).toBe(1);
        expect(bad.stderr).toMatch(/^sealpact: [A-Z_]+: .+\n$/);
        expect(existsSync(at('leak'))).toBe(false);
        expect(readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
    });

    it('refuses a key file that is not 32 bytes', async () => {
        const result = await sealpact(
            'encrypt',
            '--suite',
            'gm',
            '--key-file',
            at('pass'),
            '--in',
            at('contract.txt'),
            '--out',
            at('x'),
        );
        expect(result.stderr).toContain('BAD_FILE_PASSWORD');
    });
});

describe('sign and verify', () => {
    const opensslSignOpts: Record<'sm2' | 'rsa', string[]> = {
        sm2: ['-sm3', '-sigopt', 'distid:1234567812345678'],
        rsa: ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'],
    };

    it.each(['sm2', 'rsa'] as const)(
        '%s: sealpact signs, openssl verifies; openssl signs, sealpact verifies',
        async (alg) => {
            const signed = await sealpact(
                'sign',
                '--key',
                at(`${alg}.key.pem`),
                '--passphrase-file',
                at('pass'),
                '--in',
                at('contract.txt'),
                '--out',
                at(`${alg}.sig`),
            );
            expect(signed.code).toBe(0);
            expect(
                openssl(
                    'dgst',
                    ...opensslSignOpts[alg],
                    '-verify',
                    `${alg}.pub.pem`,
                    '-signature',
                    `${alg}.sig`,
                    'contract.txt',
                ).toString(),
            ).toContain('Verified OK');

            openssl(
                'dgst',
                ...opensslSignOpts[alg],
                '-sign',
                `${alg}.key.pem`,
                '-passin',
                'file:pass',
                '-out',
                `${alg}.ossl.sig`,
                'contract.txt',
            );
            const verified = await sealpact(
                'verify',
                '--pub',
                at(`${alg}.pub.pem`),
                '--in',
                at('contract.txt'),
                '--sig',
                at(`${alg}.ossl.sig`),
            );
            expect(verified).toMatchObject({ code: 0, stdout: 'signature valid\n' });
        },
    );

    it('exits 3 for a signature over another file or by another key', async () => {
        writeFileSync(at('other.txt'), 'The parties agree to nothing.\n');
        const otherFile = await sealpact(
            'verify',
            '--pub',
            at('sm2.pub.pem'),
            '--in',
            at('other.txt'),
            '--sig',
            at('sm2.sig'),
            '--json',
        );
        expect(otherFile.code).toBe(3);
        expect(JSON.parse(otherFile.stdout)).toMatchObject({ ok: false, valid: false });
        const otherKey = await sealpact(
            'verify',
            '--pub',
            at('rsa.pub.pem'),
            '--in',
            at('contract.txt'),
            '--sig',
            at('sm2.sig'),
        );
        expect(otherKey.code).toBe(3);
    });
});

describe('password', () => {
    it('derives from a drawing file and refuses one with too few key points', async () => {
        const zigzag = {
            width: 100,
            height: 100,
            strokes: [[0, 10, 20, 30, 40, 50, 60, 70, 80].map((x, i) => ({ x, y: i % 2 ? 90 : 10 }))],
        };
        writeFileSync(at('drawing.json'), JSON.stringify(zigzag));
        const ok = await sealpact(
            'password',
            '--drawing',
            at('drawing.json'),
            '--hash',
            'sha256',
            '--out',
            at('drawn.fp'),
            '--json',
        );
        expect(ok.code).toBe(0);
        expect(readFileSync(at('drawn.fp'))).toHaveLength(32);

        writeFileSync(
            at('line.json'),
            JSON.stringify({
                width: 10,
                height: 10,
                strokes: [
                    [
                        { x: 0, y: 0 },
                        { x: 9, y: 9 },
                    ],
                ],
            }),
        );
        const few = await sealpact('password', '--drawing', at('line.json'), '--out', at('line.fp'));
        expect(few.stderr).toContain('TOO_FEW_KEY_POINTS');
        expect(existsSync(at('line.fp'))).toBe(false);

        writeFileSync(at('broken.json'), '{"width": 10,');
        expect((await sealpact('password', '--drawing', at('broken.json'), '--out', at('b.fp'))).stderr).toContain(
            'BAD_JSON',
        );
    });
});

describe('usage', () => {
    it('names unknown commands, unknown options and missing options, exit 2', async () => {
        expect(await sealpact('frobnicate')).toMatchObject({ code: 2 });
        const unknown = await sealpact('seal', '--to', 'x', '--in', 'y', '--out', 'z', '--colour');
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).toContain('--colour');
        const missing = await sealpact('encrypt', '--suite', 'gm');
        expect(missing.stderr).toContain('--key-file is required');
        const json = await sealpact('open', '--key', at('missing.pem'), '--in', 'a', '--out', 'b', '--json');
        expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'FILE_NOT_FOUND' } });
    });
});

describe('choices', () => {
    it('an option with a fixed set of values names them all when given another', async () => {
        const refusals = [
            await sealpact('encrypt', '--suite', 'des', '--key-file', 'k', '--in', 'a', '--out', 'b'),
            await sealpact('password', '--hash', 'md5', '--out', at('md5.key')),
            await sealpact('network', 'restart'),
        ];
        expect(refusals.map(({ code, stderr }) => [code, stderr])).toEqual([
            [2, 'sealpact: USAGE: --suite must be gm or intl, not "des"\n'],
            [2, 'sealpact: USAGE: --hash must be sm3 or sha256, not "md5"\n'],
            [2, 'sealpact: USAGE: --action must be up, down or status, not "restart"\n'],
        ]);
        expect(existsSync(at('md5.key'))).toBe(false);
    });
});

describe('network', () => {
    it('passes --purge to the down script only, and refuses it with up and status before running anything', async () => {
        const scripts = jest.spyOn(childProcess, 'spawnSync').mockReturnValue({ status: 0 } as never);
        try {
            for (const action of ['up', 'status']) {
                expect(await sealpact('network', action, '--purge')).toMatchObject({
                    code: 2,
                    stderr: `sealpact: USAGE: --purge applies to network down only, not ${action}\n`,
                });
            }
            expect(scripts).not.toHaveBeenCalled();
            expect((await sealpact('network', 'down', '--purge')).code).toBe(0);
            expect((await sealpact('network', 'up')).code).toBe(0);
            const run = scripts.mock.calls.map(([, args]) => (args ?? []).map((arg) => basename(arg)));
            expect(run).toEqual([['down.mjs', '--purge'], ['up.mjs']]);
        } finally {
            scripts.mockRestore();
        }
    });
});

describe('numeric options', () => {
    const usage = (text: string) => ({ code: 2, stdout: '', stderr: `sealpact: USAGE: ${text}\n` });

    it.each(['abc', '-5', '0', '1.5', '1e3', '525601'])(
        'gc --grace-minutes %j is refused: the grace period cannot be switched off',
        async (value) => {
            expect(await sealpact('gc', `--grace-minutes=${value}`)).toEqual(
                usage(`gc: --grace-minutes must be a whole number from 1 to 525600, not "${value}"`),
            );
        },
    );

    it.each(['abc', '0', '-1', ' 2', '0x10'])('watch --count %j is refused: watch must stop', async (value) => {
        expect(await sealpact('watch', `--count=${value}`)).toEqual(
            usage(`watch: --count must be a whole number from 1 to 1000000, not ${JSON.stringify(value)}`),
        );
    });

    it.each(['keygen', 'register'])('%s refuses --bits with sm2 and out-of-range sizes', async (name) => {
        const common = name === 'keygen' ? ['--out', at('never'), '--passphrase-file', at('pass')] : [];
        expect(await sealpact(name, '--alg', 'sm2', '--bits', '3072', ...common)).toEqual(
            usage('--bits applies to RSA keys only, not sm2'),
        );
        for (const bits of ['abc', '2047', '16385', '3072.0']) {
            expect(await sealpact(name, '--alg', 'rsa', '--bits', bits, ...common)).toEqual(
                usage(`${name}: --bits must be a whole number from 2048 to 16384, not "${bits}"`),
            );
        }
        expect(existsSync(at('never.key.pem'))).toBe(false);
    });

    it('hands a valid value to the command as a number, and leaves an absent one undefined', () => {
        const byName = (name: string) =>
            defined(
                commands.find((c) => c.name === name),
                `the ${name} command`,
            );
        expect(parseOptions(byName('gc'), ['--grace-minutes', '5'])['grace-minutes']).toBe(5);
        expect(parseOptions(byName('watch'), ['--count', '1000000']).count).toBe(1_000_000);
        expect(parseOptions(byName('watch'), []).count).toBeUndefined();
    });
});

describe('errors never quote an input file', () => {
    const SECRET = 'hunter2-the-file-password';

    beforeAll(() => {
        writeFileSync(at('secret.txt'), `${SECRET}\nsecond line of the secret\n`);
        // A binary password, with a line break inside, as `password` writes them.
        writeFileSync(at('secret.bin'), Buffer.concat([Buffer.from(SECRET), Buffer.from([10, 0, 255, 13, 10])]));
    });

    it.each(['secret.txt', 'secret.bin'])('password --drawing %s: BAD_JSON, one line, no content', async (name) => {
        const result = await sealpact('password', '--drawing', at(name), '--out', at('never.fp'));
        expect(result).toEqual({
            code: 1,
            stdout: '',
            stderr: `sealpact: BAD_JSON: --drawing ${at(name)} is not valid JSON\n`,
        });
    });

    it('send --drawing a secret: refused the same way before any network', async () => {
        const result = await sealpact(
            'send',
            '--to',
            'Org2MSP/bob@org2.example.com',
            '--in',
            at('contract.txt'),
            '--suite',
            'gm',
            '--drawing',
            at('secret.bin'),
            '--json',
        );
        expect(result.code).toBe(1);
        expect(result.stderr).toBe(`sealpact: BAD_JSON: --drawing ${at('secret.bin')} is not valid JSON\n`);
        expect(result.stdout).not.toContain(SECRET);
    });

    it('--config a secret: BAD_CONFIG, one line, no content', async () => {
        const result = await sealpact('inbox', '--config', at('secret.txt'));
        expect(result).toEqual({
            code: 1,
            stdout: '',
            stderr: `sealpact: BAD_CONFIG: the config file ${at('secret.txt')} is not valid JSON\n`,
        });
    });

    it.each([
        ['seal', '--to', 'BAD_PEM'],
        ['verify', '--pub', 'BAD_PEM'],
        ['open', '--key', 'BAD_PEM'],
    ] as const)('%s %s a secret: %s, one line, no content', async (name, option, code) => {
        const others: Record<typeof name, string[]> = {
            seal: ['--in', at('fp'), '--out', at('never.env')],
            verify: ['--in', at('contract.txt'), '--sig', at('fp')],
            open: ['--in', at('fp'), '--out', at('never.fp')],
        };
        const result = await sealpact(name, option, at('secret.bin'), ...others[name]);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(new RegExp(`^sealpact: ${code}: [^\n]+\n$`));
        expect(result.stderr).not.toContain('hunter2');
    });

    it('the last defence: any message is printed on one line, and a stray SyntaxError without its text', async () => {
        const inbox = defined(
            commands.find((c) => c.name === 'inbox'),
            'the inbox command',
        );
        const failing = jest
            .spyOn(inbox, 'run')
            .mockRejectedValueOnce(new SealpactError('BAD_ARGUMENT', `quoted ${SECRET}\nacross\r\nlines\u001b[2J`))
            .mockRejectedValueOnce(new SyntaxError(`Unexpected token 'h', "${SECRET}" is not valid JSON`));
        try {
            expect((await sealpact('inbox')).stderr).toBe(
                `sealpact: BAD_ARGUMENT: quoted ${SECRET} across lines [2J\n`,
            );
            expect(await sealpact('inbox', '--json')).toEqual({
                code: 1,
                stdout: '{"ok":false,"error":{"code":"UNEXPECTED","message":"UNEXPECTED: an input is not valid JSON"}}\n',
                stderr: 'sealpact: UNEXPECTED: an input is not valid JSON\n',
            });
        } finally {
            failing.mockRestore();
        }
    });
});

describe('config file and keyring folder permissions', () => {
    // A profile nobody has: a command that got past the checks stops there, without a network.
    const session = (...argv: string[]) =>
        sealpact('inbox', '--identity', 'alice@org1.example.com', '--profile', at('no-profile.json'), ...argv);

    it('refuses a named config file another user owns or others may write', async () => {
        writeFileSync(at('theirs.json'), '{}', { mode: 0o600 });
        chownSync(at('theirs.json'), 65534, 65534);
        expect(await sealpact('inbox', '--config', at('theirs.json'))).toEqual({
            code: 1,
            stdout: '',
            stderr: `sealpact: UNSAFE_PERMISSIONS: the config file ${at('theirs.json')} belongs to uid 65534, not to you (uid ${process.getuid?.()}); refusing to use it\n`,
        });
        writeFileSync(at('shared.json'), '{}', { mode: 0o600 });
        chmodSync(at('shared.json'), 0o620);
        process.env.SEALPACT_CONFIG = at('shared.json');
        try {
            expect((await sealpact('inbox')).stderr).toBe(
                `sealpact: UNSAFE_PERMISSIONS: the config file ${at('shared.json')} is writable by other users (mode 0620); refusing to use it (chmod go-w ${at('shared.json')})\n`,
            );
        } finally {
            delete process.env.SEALPACT_CONFIG;
        }
    });

    it('refuses a keyring folder others may write or another user owns, for every ledger command', async () => {
        mkdirSync(at('open-keyring'), { mode: 0o700 });
        chmodSync(at('open-keyring'), 0o777);
        expect(await session('--keyring', at('open-keyring'))).toMatchObject({
            code: 1,
            stderr: `sealpact: UNSAFE_PERMISSIONS: the keyring folder ${at('open-keyring')} is writable by other users (mode 0777); refusing to use it (chmod go-w ${at('open-keyring')})\n`,
        });
        mkdirSync(at('their-keyring'), { mode: 0o700 });
        chownSync(at('their-keyring'), 65534, 65534);
        expect((await session('--keyring', at('their-keyring'))).stderr).toMatch(
            /^sealpact: UNSAFE_PERMISSIONS: the keyring folder .*their-keyring belongs to uid 65534/,
        );
        mkdirSync(at('my-keyring'), { mode: 0o700 });
        expect((await session('--keyring', at('my-keyring'))).stderr).toMatch(/^sealpact: NO_PROFILE: /);
    });
});
