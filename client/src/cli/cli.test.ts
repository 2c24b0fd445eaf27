import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './main';

/**
 * The CLI as a user drives it: every command in-process through run(argv), and the files it
 * writes checked with stock `openssl` in both directions.
 */

let dir: string;
const PASSPHRASE = 'correct horse battery staple';

interface Outcome {
    code: number;
    stdout: string;
    stderr: string;
}

async function sealpact(...argv: string[]): Promise<Outcome> {
    let stdout = '';
    let stderr = '';
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
        const code = await run(argv);
        return { code, stdout, stderr };
    } finally {
        out.mockRestore();
        err.mockRestore();
    }
}

function openssl(...args: string[]): Buffer {
    return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

const at = (name: string) => join(dir, name);

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
        expect(result.code).toBe(0);
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
        expect(weak.stderr).toContain('WEAK_KEY');
        const unknown = await sealpact('keygen', '--alg', 'dsa', '--out', at('x'), '--passphrase-file', at('pass'));
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).toContain('--alg must be sm2 or rsa');
    });
});

describe('seal and open', () => {
    beforeAll(async () => {
        expect((await sealpact('password', '--out', at('fp'))).code).toBe(0);
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
        expect(wrongKey.stderr).toMatch(/BAD_ENVELOPE|ENVELOPE_OPEN_FAILED/);
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
    it.each(['gm', 'intl'])(
        '%s: round trip, digest printed and equal to openssl dgst of the container',
        async (suite) => {
            const enc = await sealpact(
                'encrypt',
                '--suite',
                suite,
                '--key-file',
                at('fp'),
                '--aad',
                'file-42',
                '--in',
                at('contract.txt'),
                '--out',
                at(`c.${suite}`),
                '--json',
            );
            expect(enc.code).toBe(0);
            const info = JSON.parse(enc.stdout);
            const alg = suite === 'gm' ? 'sm3' : 'sha256';
            expect(info.digestAlg).toBe(alg);
            expect(openssl('dgst', `-${alg}`, '-r', `c.${suite}`).toString().split(' ')[0]).toBe(info.digest);

            const dec = await sealpact(
                'decrypt',
                '--key-file',
                at('fp'),
                '--aad',
                'file-42',
                '--in',
                at(`c.${suite}`),
                '--out',
                at(`p.${suite}`),
            );
            expect(dec.code).toBe(0);
            expect(readFileSync(at(`p.${suite}`))).toEqual(readFileSync(at('contract.txt')));
        },
    );

    it('leaves nothing at the output path when the AAD, key or container is wrong', async () => {
        const wrongAad = await sealpact(
            'decrypt',
            '--key-file',
            at('fp'),
            '--aad',
            'file-43',
            '--in',
            at('c.gm'),
            '--out',
            at('leak'),
        );
        expect(wrongAad.code).toBe(1);
        const tampered = Buffer.from(readFileSync(at('c.intl')));
        tampered[tampered.length - 5] ^= 1;
        writeFileSync(at('c.tampered'), tampered);
        const bad = await sealpact(
            'decrypt',
            '--key-file',
            at('fp'),
            '--aad',
            'file-42',
            '--in',
            at('c.tampered'),
            '--out',
            at('leak'),
        );
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
    const opensslSignOpts: Record<string, string[]> = {
        sm2: ['-sm3', '-sigopt', 'distid:1234567812345678'],
        rsa: ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'],
    };

    it.each(['sm2', 'rsa'])('%s: sealpact signs, openssl verifies; openssl signs, sealpact verifies', async (alg) => {
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
        const verifyOpts =
            alg === 'sm2'
                ? opensslSignOpts.sm2
                : ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'];
        expect(
            openssl(
                'dgst',
                ...verifyOpts,
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
    });

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
