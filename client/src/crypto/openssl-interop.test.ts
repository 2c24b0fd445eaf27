import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SM2_DEFAULT_USER_ID } from '@sealpact/protocol';
import { exportPrivateKeyPem, generateKeyPair, loadPrivateKey, PrivateKeyInfo } from './keys';
import { openEnvelope, sealEnvelope } from './envelope';
import { signStream, signDetached, verifyDetached, verifyStream } from './signature';
import { outcomeOf } from '../../../protocol/src/test-support/expect-error';

// Both directions against the OpenSSL 3 command line, with exactly the commands docs/crypto.md
// gives. Keys: one pair made by Sealpact (stored encrypted), one made by `openssl genpkey`.
const PASS = 'interop passphrase';
const OAEP = ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256'];
const DISTID = ['-sigopt', `distid:${SM2_DEFAULT_USER_ID}`];
const PSS = ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'];

let dir: string;
const path = (name: string) => join(dir, name);

function openssl(...args: string[]): Buffer {
    return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}
/** True when openssl exits 0 (for `dgst -verify`, which exits 1 on a bad signature). */
function opensslSucceeds(...args: string[]): boolean {
    return spawnSync('openssl', args, { cwd: dir, stdio: 'ignore' }).status === 0;
}

interface Party {
    ours: PrivateKeyInfo;
    theirs: PrivateKeyInfo;
}
const parties: Record<'sm2' | 'rsa', Party> = {} as Record<'sm2' | 'rsa', Party>;

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sealpact-openssl-'));
    for (const alg of ['sm2', 'rsa'] as const) {
        const ours = generateKeyPair(alg, { bits: 2048 });
        writeFileSync(path(`${alg}-ours.key.pem`), exportPrivateKeyPem(ours, PASS));
        writeFileSync(path(`${alg}-ours.pub.pem`), ours.publicKey.pem);
        openssl(
            'genpkey',
            '-algorithm',
            alg.toUpperCase(),
            ...(alg === 'rsa' ? ['-pkeyopt', 'rsa_keygen_bits:2048'] : []),
            '-out',
            `${alg}-theirs.key.pem`,
        );
        openssl('pkey', '-in', `${alg}-theirs.key.pem`, '-pubout', '-out', `${alg}-theirs.pub.pem`);
        parties[alg] = { ours, theirs: loadPrivateKey(readFileSync(path(`${alg}-theirs.key.pem`), 'utf8')) };
    }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
    ['sm2', [] as string[]],
    ['rsa', OAEP],
] as const)('%s envelopes', (alg, options) => {
    // Three seals to one key: the first plain, the later ones with the cached SM2 window table.
    test.each([1, 2, 3])('Sealpact seals (seal %i to the key), `openssl pkeyutl -decrypt` opens', () => {
        const password = randomBytes(32);
        writeFileSync(path('env.bin'), sealEnvelope(readFileSync(path(`${alg}-ours.pub.pem`), 'utf8'), password));
        const opened = openssl(
            'pkeyutl',
            '-decrypt',
            '-inkey',
            `${alg}-ours.key.pem`,
            '-passin',
            `pass:${PASS}`,
            ...options,
            '-in',
            'env.bin',
        );
        expect(opened).toEqual(password);
    });

    test('`openssl pkeyutl -encrypt -pubin` seals, Sealpact opens', () => {
        const password = randomBytes(32);
        writeFileSync(path('password.bin'), password);
        openssl(
            'pkeyutl',
            '-encrypt',
            '-pubin',
            '-inkey',
            `${alg}-theirs.pub.pem`,
            ...options,
            '-in',
            'password.bin',
            '-out',
            'env.bin',
        );
        expect(openEnvelope(parties[alg].theirs, readFileSync(path('env.bin')))).toEqual(password);
    });
});

test.each([
    ['MGF1-SHA-1', OAEP.slice(0, 4).concat('-pkeyopt', 'rsa_mgf1_md:sha1'), false],
    ['the OpenSSL defaults (SHA-1)', OAEP.slice(0, 2), false],
    ['rsa_oaep_md:sha256 alone (MGF1 follows the OAEP digest)', OAEP.slice(0, 4), true],
])('RSA: OpenSSL OAEP with %s', (_name, options, opens) => {
    const password = randomBytes(32);
    writeFileSync(path('password.bin'), password);
    openssl(
        'pkeyutl',
        '-encrypt',
        '-pubin',
        '-inkey',
        'rsa-theirs.pub.pem',
        ...options,
        '-in',
        'password.bin',
        '-out',
        'env.bin',
    );
    const opened = outcomeOf(() => openEnvelope(parties.rsa.theirs, readFileSync(path('env.bin'))));
    expect(opened).toEqual(opens ? { returned: password } : { code: 'ENVELOPE_OPEN_FAILED' });
});

describe.each([
    ['sm2', '-sm3', DISTID],
    ['rsa', '-sha256', PSS],
] as const)('%s signatures', (alg, digest, options) => {
    const message = 'message.bin';
    beforeAll(() => writeFileSync(path(message), randomBytes(100_000)));

    test('Sealpact signs a file as a stream, `openssl dgst -verify` accepts', async () => {
        writeFileSync(path('sig.bin'), await signStream(parties[alg].ours, createReadStream(path(message))));
        expect(
            opensslSucceeds(
                'dgst',
                digest,
                '-verify',
                `${alg}-ours.pub.pem`,
                ...options,
                '-signature',
                'sig.bin',
                message,
            ),
        ).toBe(true);
        writeFileSync(path('other.bin'), 'another message');
        expect(
            opensslSucceeds(
                'dgst',
                digest,
                '-verify',
                `${alg}-ours.pub.pem`,
                ...options,
                '-signature',
                'sig.bin',
                'other.bin',
            ),
        ).toBe(false);
    });

    test('`openssl dgst -sign` signs, Sealpact verifies', async () => {
        openssl('dgst', digest, '-sign', `${alg}-theirs.key.pem`, ...options, '-out', 'sig.bin', message);
        const signature = readFileSync(path('sig.bin'));
        const pub = readFileSync(path(`${alg}-theirs.pub.pem`), 'utf8');
        expect(verifyDetached(pub, readFileSync(path(message)), signature)).toBe(true);
        expect(await verifyStream(pub, createReadStream(path(message)), signature)).toBe(true);
    });
});

test('SM2: OpenSSL signatures with its default (empty) user id do not verify', () => {
    writeFileSync(path('m.txt'), 'contract');
    openssl('dgst', '-sm3', '-sign', 'sm2-theirs.key.pem', '-out', 'sig.bin', 'm.txt');
    const pub = readFileSync(path('sm2-theirs.pub.pem'), 'utf8');
    expect(verifyDetached(pub, Buffer.from('contract'), readFileSync(path('sig.bin')))).toBe(false);
    writeFileSync(path('sig.bin'), signDetached(parties.sm2.theirs, Buffer.from('contract')));
    expect(opensslSucceeds('dgst', '-sm3', '-verify', 'sm2-theirs.pub.pem', '-signature', 'sig.bin', 'm.txt')).toBe(
        false,
    );
});

test('RSA-PSS: OpenSSL signatures with its default salt length (the maximum) do not verify', () => {
    writeFileSync(path('m.txt'), 'contract');
    openssl(
        'dgst',
        '-sha256',
        '-sign',
        'rsa-theirs.key.pem',
        '-sigopt',
        'rsa_padding_mode:pss',
        '-out',
        'sig.bin',
        'm.txt',
    );
    const pub = readFileSync(path('rsa-theirs.pub.pem'), 'utf8');
    expect(verifyDetached(pub, Buffer.from('contract'), readFileSync(path('sig.bin')))).toBe(false);
});

test.each([
    ['sm3', '-sm3'],
    ['sha256', '-sha256'],
])('%s digests of a file agree with `openssl dgst`', (algorithm, flag) => {
    for (const size of [0, 1, 64, 1_000_003]) {
        const data = randomBytes(size);
        writeFileSync(path('data.bin'), data);
        const line = openssl('dgst', flag, '-r', 'data.bin').toString();
        expect(line.split(' ')[0]).toBe(createHash(algorithm).update(data).digest('hex'));
    }
});
