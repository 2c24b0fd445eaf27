import { expect } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Suite } from '@sealpact/protocol';
import { decryptFile, encryptFile } from './filecipher';
import { referenceTreeDigest } from '../test-support/tree-digest';

const MIB = 1024 * 1024;

describe('encryptFile / decryptFile', () => {
    let dir: string;
    const password = randomBytes(32);
    const path = (name: string) => join(dir, name);

    beforeEach(async () => {
        dir = await mkdtemp(join(tmpdir(), 'sealpact-file-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it.each<[Suite, 'sha256' | 'sm3', number]>([
        ['intl', 'sha256', 0],
        ['intl', 'sha256', 200_000],
        ['intl', 'sha256', 3 * MIB + 1],
        ['gm', 'sm3', 0],
        ['gm', 'sm3', 200_000],
        ['gm', 'sm3', 2 * MIB],
    ])('round-trips a file (%s, %s tree, %d bytes) and reports the container digest', async (suite, hash, size) => {
        const plaintext = randomBytes(size);
        await writeFile(path('plain'), plaintext);
        const sealed = await encryptFile(path('plain'), path('sealed'), { suite, password, aad: 'file-1' });
        const container = await readFile(path('sealed'));
        const expected = {
            suite,
            digest: referenceTreeDigest(hash, container).toString('hex'),
            digestAlg: `${hash}-tree`,
            size: container.length,
        };
        expect(sealed).toEqual(expected);

        const opened = await decryptFile(path('sealed'), path('opened'), {
            password,
            aad: 'file-1',
            expectedDigest: expected.digest.toUpperCase(),
        });
        expect(opened).toEqual(expected);
        expect((await readFile(path('opened'))).equals(plaintext)).toBe(true);
        // Outputs are private to the user, and no temporary file is left behind.
        expect((await stat(path('sealed'))).mode & 0o777).toBe(0o600);
        expect((await stat(path('opened'))).mode & 0o777).toBe(0o600);
        expect((await readdir(dir)).sort()).toEqual(['opened', 'plain', 'sealed']);
    });

    it('replaces an existing output file on success', async () => {
        await writeFile(path('plain'), 'new contents');
        await writeFile(path('sealed'), 'old');
        await encryptFile(path('plain'), path('sealed'), { suite: 'gm', password });
        await writeFile(path('opened'), 'old');
        await decryptFile(path('sealed'), path('opened'), { password });
        expect(await readFile(path('opened'), 'utf8')).toBe('new contents');
    });

    it('refuses a container whose digest is not the expected one, leaving nothing', async () => {
        await writeFile(path('plain'), 'contract text');
        await encryptFile(path('plain'), path('sealed'), { suite: 'intl', password });
        const wrong = createHash('sha256').update('something else').digest('hex');
        await expect(
            decryptFile(path('sealed'), path('opened'), { password, expectedDigest: wrong }),
        ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
        expect((await readdir(dir)).sort()).toEqual(['plain', 'sealed']);
    });

    it('passes the input through the meter stream', async () => {
        await writeFile(path('plain'), randomBytes(5000));
        let seen = 0;
        const meter = new PassThrough().on('data', (chunk: Buffer) => (seen += chunk.length));
        const sealed = await encryptFile(path('plain'), path('sealed'), { suite: 'intl', password, meter });
        expect(seen).toBe(5000);
        seen = 0;
        const meter2 = new PassThrough().on('data', (chunk: Buffer) => (seen += chunk.length));
        await decryptFile(path('sealed'), path('opened'), { password, meter: meter2 });
        expect(seen).toBe(sealed.size);
    });

    it('reports a missing input or output folder by path and leaves nothing behind', async () => {
        const missing = { code: 'FILE_NOT_FOUND', message: expect.stringContaining(path('missing')) };
        await expect(encryptFile(path('missing'), path('sealed'), { suite: 'intl', password })).rejects.toMatchObject(
            missing,
        );
        await expect(decryptFile(path('missing'), path('opened'), { password })).rejects.toMatchObject(missing);
        await writeFile(path('plain'), 'x');
        await expect(
            encryptFile(path('plain'), path('no-such-dir/sealed'), { suite: 'gm', password }),
        ).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: expect.stringContaining('no-such-dir') });
        expect(await readdir(dir)).toEqual(['plain']);
    });

    it('refuses a bad password before touching the file system', async () => {
        await expect(
            encryptFile(path('missing'), path('sealed'), { suite: 'intl', password: randomBytes(16) }),
        ).rejects.toMatchObject({ code: 'BAD_FILE_PASSWORD' });
        expect(await readdir(dir)).toEqual([]);
    });
});
