import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectRejection } from '../../../protocol/src/test-support/expect-error';
import { PendingUpload, UploadJournal } from './upload-journal';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sealpact-journal-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const upload = (n: number): PendingUpload => ({
    locator: `fs:sha256/${String(n).padStart(64, '0')}`,
    fileId: `f-${n}`,
    at: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
});

describe('UploadJournal', () => {
    it('is empty until the first upload, then keeps entries on disk until removed', async () => {
        const path = join(dir, 'new', 'keyring', 'uploads.json');
        const journal = new UploadJournal(path);
        expect(await journal.pending()).toEqual([]);

        await journal.add(upload(1));
        await journal.add(upload(2));
        expect(statSync(join(dir, 'new', 'keyring')).mode & 0o777).toBe(0o700);
        expect(await new UploadJournal(path).pending()).toEqual([upload(1), upload(2)]);

        await journal.remove(upload(1).locator);
        expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual([upload(2)]);
        await journal.remove('fs:sha256/not-in-the-journal');
        expect(await journal.pending()).toEqual([upload(2)]);
    });

    it('loses no entry when one process changes it from several sends at once', async () => {
        const journal = new UploadJournal(join(dir, 'concurrent.json'));
        const numbers = Array.from({ length: 20 }, (_, i) => i + 1);
        await Promise.all(numbers.map((n) => journal.add(upload(n))));
        await Promise.all([
            journal.remove(upload(3).locator),
            journal.add(upload(21)),
            journal.remove(upload(7).locator),
        ]);
        const expected = [...numbers.filter((n) => n !== 3 && n !== 7), 21].map(upload);
        expect(await journal.pending()).toEqual(expected);
    });

    it('names a journal that is not JSON without quoting it, and refuses to change it', async () => {
        const path = join(dir, 'broken.json');
        writeFileSync(path, 'my keyring passphrase is hunter2');
        const journal = new UploadJournal(path);
        const message = `BAD_JSON: the upload journal ${path} is not valid JSON; fix or remove it`;
        const err = await expectRejection(journal.pending(), 'BAD_JSON', message);
        expect(err.message).toBe(message);
        await expectRejection(journal.add(upload(1)), 'BAD_JSON', message);
        expect(readFileSync(path, 'utf8')).toBe('my keyring passphrase is hunter2');
    });

    it('reports a journal it cannot read as IO_ERROR naming the path', async () => {
        const path = join(dir, 'a-folder.json');
        mkdirSync(path);
        await expectRejection(new UploadJournal(path).pending(), 'IO_ERROR', `IO_ERROR: ${path}: `);
    });
});
