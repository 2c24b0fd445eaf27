import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { COMMITMENT_INFO_PREFIX, deriveCommitmentKey, plaintextCommitment } from './commitment';
import { expectError, expectRejection } from '../../../protocol/src/test-support/expect-error';
import { defined } from '../../../protocol/src/test-support/defined';

// The known answer of docs/crypto.md ("Plaintext commitment"), computed with stock OpenSSL 3.
const KAT = {
    password: Buffer.from(Array.from({ length: 32 }, (_, i) => i)),
    fileId: 'contract-2025-001',
    plaintext: 'The Supplier shall deliver the Goods on the Delivery Date.\n',
    sm3: {
        key: '6014d4b3504b36ee34f0bf2303c6c1aae5e8bc3be3b361f0eb47b54a6e68cb5e',
        commitment: '163f4b55690f091b3869eb2f220a18260cb2635e0347bca58d6262496f66ff4f',
    },
    sha256: {
        key: '4d458aa12693c619b85cbaadf788491d3249987a2008a6e928ac95d8b905bd26',
        commitment: '967c4d283a97efd127a0d16f035de5cefbd2ca5a3771b3ac01cca0e1b36b60b4',
    },
};

let dir: string;
beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sealpact-commitment-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): string {
    return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** K by `openssl kdf`, exactly as docs/crypto.md gives the command. */
function opensslKey(password: Buffer, fileId: string, digest: 'sm3' | 'sha256'): string {
    const info = Buffer.from(COMMITMENT_INFO_PREFIX + fileId).toString('hex');
    const out = openssl(
        'kdf',
        '-keylen',
        '32',
        '-kdfopt',
        `digest:${digest.toUpperCase()}`,
        '-kdfopt',
        `hexkey:${password.toString('hex')}`,
        '-kdfopt',
        `hexinfo:${info}`,
        'HKDF',
    );
    return out.trim().replaceAll(':', '').toLowerCase();
}

/** The commitment by `openssl dgst -mac HMAC`, exactly as docs/ledger.md gives the command. */
function opensslCommitment(key: string, file: string, digest: 'sm3' | 'sha256'): string {
    const out = openssl('dgst', `-${digest}`, '-mac', 'HMAC', '-macopt', `hexkey:${key}`, file);
    return defined(/= ([0-9a-f]{64})\n$/.exec(out)?.[1], 'the HMAC openssl printed');
}

describe.each(['sm3', 'sha256'] as const)('with %s', (digest) => {
    it('reproduces the known answer, and stock openssl computes the same', async () => {
        writeFileSync(join(dir, 'kat.txt'), KAT.plaintext);
        const key = deriveCommitmentKey(KAT.password, KAT.fileId, digest);
        expect(key.toString('hex')).toBe(KAT[digest].key);
        expect(opensslKey(KAT.password, KAT.fileId, digest)).toBe(KAT[digest].key);
        expect(await plaintextCommitment(key, join(dir, 'kat.txt'), digest)).toBe(KAT[digest].commitment);
        expect(opensslCommitment(KAT[digest].key, 'kat.txt', digest)).toBe(KAT[digest].commitment);
    });

    it('agrees with openssl on a random password and a multi-chunk file, from a path or a stream', async () => {
        const password = randomBytes(32);
        const fileId = `f-${randomBytes(12).toString('hex')}`;
        const contract = randomBytes(3 * 1024 * 1024 + 17);
        writeFileSync(join(dir, 'big.bin'), contract);
        const key = deriveCommitmentKey(password, fileId, digest);
        expect(key.toString('hex')).toBe(opensslKey(password, fileId, digest));
        const expected = opensslCommitment(key.toString('hex'), 'big.bin', digest);
        expect(await plaintextCommitment(key, join(dir, 'big.bin'), digest)).toBe(expected);
        const chunks = [contract.subarray(0, 5), contract.subarray(5, 70_000), contract.subarray(70_000)];
        expect(await plaintextCommitment(key, Readable.from(chunks), digest)).toBe(expected);
    });

    it('gives every file its own key, so a revealed key opens no other file', () => {
        const password = randomBytes(32);
        const key = deriveCommitmentKey(password, 'contract-a', digest).toString('hex');
        expect(deriveCommitmentKey(password, 'contract-b', digest).toString('hex')).not.toBe(key);
        expect(deriveCommitmentKey(randomBytes(32), 'contract-a', digest).toString('hex')).not.toBe(key);
        const other = digest === 'sm3' ? 'sha256' : 'sm3';
        expect(deriveCommitmentKey(password, 'contract-a', other).toString('hex')).not.toBe(key);
    });

    it('commits to the empty contract too', async () => {
        const key = deriveCommitmentKey(KAT.password, KAT.fileId, digest);
        expect(await plaintextCommitment(key, Readable.from([]), digest)).toBe(createHmac(digest, key).digest('hex'));
    });
});

it.each([
    ['sm3-tree', 'sm3'],
    ['sha256-tree', 'sha256'],
] as const)('uses the hash of a file digested with %s: the known answer of %s', async (fileDigest, hash) => {
    const key = deriveCommitmentKey(KAT.password, KAT.fileId, fileDigest);
    expect(key.toString('hex')).toBe(KAT[hash].key);
    expect(await plaintextCommitment(key, Readable.from([Buffer.from(KAT.plaintext)]), fileDigest)).toBe(
        KAT[hash].commitment,
    );
});

it('refuses any digest algorithm but sm3, sha256 and their tree forms', async () => {
    const known = 'sm3, sha256, sm3-tree or sha256-tree';
    expectError(
        () => deriveCommitmentKey(KAT.password, KAT.fileId, 'md5'),
        'BAD_ARGUMENT',
        `must be ${known}, not "md5"`,
    );
    await expectRejection(
        plaintextCommitment(Buffer.alloc(32), Readable.from([]), 'sha1'),
        'BAD_ARGUMENT',
        `the digest algorithm must be ${known}, not "sha1"`,
    );
});
