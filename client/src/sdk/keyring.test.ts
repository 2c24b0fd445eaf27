import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSealpactError } from '@sealpact/protocol';
import { Keyring } from './keyring';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sealpact-keyring-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opening = (folder: string) =>
    Keyring.open(folder, 'passphrase').then(
        () => 'opened',
        (err: unknown) => err,
    );

describe('Keyring.open', () => {
    it('creates a missing folder that only its owner may use', async () => {
        expect(await opening(join(dir, 'new', 'keyring'))).toBe('opened');
        expect(statSync(join(dir, 'new', 'keyring')).mode & 0o777).toBe(0o700);
    });

    it.each([
        ['writable by its group', (path: string) => chmodSync(path, 0o770)],
        ['writable by everyone', (path: string) => chmodSync(path, 0o1777)],
        ['owned by another user', (path: string) => chownSync(path, 65534, 65534)],
    ])('refuses a folder %s', async (name, spoil) => {
        const folder = join(dir, name.replace(/ /g, '-'));
        mkdirSync(folder, { mode: 0o700 });
        spoil(folder);
        const err = await opening(folder);
        expect(isSealpactError(err, 'UNSAFE_PERMISSIONS')).toBe(true);
        expect((err as Error).message).toContain(`the keyring folder ${folder} `);
    });
});
