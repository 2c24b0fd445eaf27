import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { unzipSync, Unzipped, zipSync, Zippable } from 'fflate';
import { expectError } from '../../../protocol/src/test-support/expect-error';
import { MAX_BUNDLE_SIZE, MAX_MEMBER_SIZE, readBundle, writeBundle } from './bundle';
import { EvidenceManifest } from './manifest';

type Unlisted = Omit<EvidenceManifest, 'members'>;

const manifest = JSON.parse(readFileSync(resolve(__dirname, 'testdata/manifest.json'), 'utf8')) as Unlisted;

const members = new Map<string, Uint8Array>([
    ['config/1020.block', new Uint8Array(3000).fill(7)],
    ['blocks/1041.block', new TextEncoder().encode('block 1041 '.repeat(100))],
    ['blocks/1043.block', new TextEncoder().encode('block 1043 '.repeat(100))],
    ['headers/1020.block', Uint8Array.from({ length: 512 }, (_, i) => (i * 37) % 256)],
    ['anchors/Org1MSP.pem', new TextEncoder().encode('-----BEGIN CERTIFICATE-----\n...\n')],
    ['certificate.pdf', new TextEncoder().encode('%PDF-1.7 ...')],
]);

const bundle = writeBundle(manifest, members);

/** The bundle with its ZIP members changed by `edit`, written again (stored, so names can be patched). */
function rezip(edit: (files: Unzipped) => void): Uint8Array {
    const files = unzipSync(bundle);
    edit(files);
    const zippable: Zippable = {};
    for (const [name, bytes] of Object.entries(files)) {
        zippable[name] = [bytes, { level: 0 }];
    }
    return zipSync(zippable);
}

/** Where `name` stands in the local header and in the central directory entry of its member. */
function nameOffsets(zip: Uint8Array, name: string): { local: number; central: number } {
    const view = new DataView(zip.buffer, zip.byteOffset);
    const bytes = new TextEncoder().encode(name);
    const found = { local: -1, central: -1 };
    for (let i = 30; i + bytes.length <= zip.length; i++) {
        if (bytes.every((byte, j) => zip[i + j] === byte)) {
            if (view.getUint32(i - 30, true) === 0x04034b50) {
                found.local = i;
            } else if (i >= 46 && view.getUint32(i - 46, true) === 0x02014b50) {
                found.central = i;
            }
        }
    }
    if (found.local < 0 || found.central < 0) {
        throw new Error(`no member ${name}`);
    }
    return found;
}

/** Rename a member in place (local header and central directory): `to` has the length of `from`. */
function rename(zip: Uint8Array, from: string, to: string): Uint8Array {
    const out = zip.slice();
    const { local, central } = nameOffsets(zip, from);
    out.set(new TextEncoder().encode(to), local);
    out.set(new TextEncoder().encode(to), central);
    return out;
}

/** Set the uncompressed size the central directory states for `name` (what is read before inflating). */
function claimSize(zip: Uint8Array, name: string, size: number): Uint8Array {
    const out = zip.slice();
    new DataView(out.buffer).setUint32(nameOffsets(zip, name).central - 46 + 24, size, true);
    return out;
}

describe('writeBundle and readBundle', () => {
    it('read back the manifest, now listing each member with its SHA-256, and the members', () => {
        const read = readBundle(bundle);
        const digests = Object.fromEntries(
            [...members].map(([name, bytes]) => [name, createHash('sha256').update(bytes).digest('hex')]),
        );
        expect(read.manifest).toEqual({ ...manifest, members: digests });
        expect(read.members).toEqual(members);
        expect([...read.members.keys()]).toEqual([...members.keys()].sort());
    });

    it('write the same bytes for the same input, whatever the map order', () => {
        expect(writeBundle(manifest, new Map([...members].reverse()))).toEqual(bundle);
    });

    // Jest's process.env is the sandbox's, so another time zone needs a process of its own.
    it.each(['Pacific/Kiritimati', 'America/Adak'])('write the same bytes in time zone %s', (zone) => {
        const input = JSON.stringify({
            manifest,
            members: [...members].map(([name, bytes]) => [name, Buffer.from(bytes).toString('base64')]),
        });
        const script = `
            const { writeBundle } = require(${JSON.stringify(resolve(__dirname, 'bundle.ts'))});
            const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
            const members = new Map(input.members.map(([name, b64]) => [name, Buffer.from(b64, 'base64')]));
            process.stdout.write(Buffer.from(writeBundle(input.manifest, members)).toString('base64'));`;
        const hook = resolve(__dirname, '..', 'test-support', 'register-ts.js');
        const output = execFileSync(process.execPath, ['-r', hook, '-e', script], {
            input,
            env: { ...process.env, TZ: zone },
        });
        expect(new Uint8Array(Buffer.from(output.toString(), 'base64'))).toEqual(bundle);
    });

    it('write members in name order, dated 1980-01-01 00:00 (DOS time 0, date 0x21)', () => {
        expect(Object.keys(unzipSync(bundle))).toEqual(['manifest.json', ...members.keys()].sort());
        const view = new DataView(bundle.buffer, bundle.byteOffset);
        for (const name of ['manifest.json', ...members.keys()]) {
            const header = nameOffsets(bundle, name).local - 30;
            expect([view.getUint16(header + 10, true), view.getUint16(header + 12, true)]).toEqual([0, 0x21]);
        }
    });

    it('writeBundle refuses a member name outside the patterns and a manifest that would not read back', () => {
        expectError(
            () => writeBundle(manifest, new Map([['blocks/../x.block', new Uint8Array(1)]])),
            'BAD_BUNDLE',
            "member 'blocks/../x.block' is not an allowed member name",
        );
        expectError(
            () => writeBundle({ ...manifest, exportedAt: 'yesterday' }, members),
            'BAD_BUNDLE',
            'manifest.json: exportedAt is not an RFC 3339 UTC time',
        );
    });
});

describe('readBundle refuses', () => {
    it.each([
        ['empty bytes', new Uint8Array()],
        ['a PDF', new TextEncoder().encode('%PDF-1.7\n'.repeat(10))],
        ['a truncated bundle', bundle.subarray(0, bundle.length - 30)],
    ])('%s: not a ZIP', (_what, bytes) => {
        expectError(() => readBundle(bytes), 'BAD_BUNDLE', 'the bundle is not a readable ZIP archive');
    });

    it('a ZIP without manifest.json', () => {
        const zip = rezip((files) => delete files['manifest.json']);
        expectError(() => readBundle(zip), 'BAD_BUNDLE', 'the bundle has no manifest.json');
    });

    it('a manifest.json that does not parse', () => {
        const zip = rezip((files) => (files['manifest.json'] = new TextEncoder().encode('{')));
        expectError(() => readBundle(zip), 'BAD_BUNDLE', 'manifest.json is not valid UTF-8 JSON');
    });

    it('a member listed but absent', () => {
        const zip = rezip((files) => delete files['blocks/1043.block']);
        expectError(
            () => readBundle(zip),
            'BAD_BUNDLE',
            'member blocks/1043.block is listed in manifest.json but absent',
        );
    });

    it('a member present but unlisted', () => {
        const zip = rezip((files) => (files['blocks/1047.block'] = new Uint8Array(1)));
        expectError(() => readBundle(zip), 'BAD_BUNDLE', 'member blocks/1047.block is not listed in manifest.json');
    });

    it('a member whose bytes differ from its digest', () => {
        const zip = rezip((files) => files['certificate.pdf']?.fill(0, 0, 1));
        expectError(() => readBundle(zip), 'BAD_BUNDLE', 'member certificate.pdf does not match its SHA-256');
    });

    it.each(['blocks/../x.block', '/etc/passwd', 'blocks/', 'anchors/a/b.pem', 'C:\\x.pem', 'extra.txt'])(
        'a member named %s',
        (name) => {
            const zip = rezip((files) => (files[name] = new Uint8Array(1)));
            expectError(() => readBundle(zip), 'BAD_BUNDLE', `member '${name}' is not an allowed member name`);
        },
    );

    it('a name given twice', () => {
        const zip = rename(
            rezip(() => undefined),
            'blocks/1043.block',
            'blocks/1041.block',
        );
        expectError(() => readBundle(zip), 'BAD_BUNDLE', 'member blocks/1041.block appears more than once');
    });

    it('a member claiming more than 64 MiB, before inflating it', () => {
        const zip = claimSize(bundle, 'config/1020.block', MAX_MEMBER_SIZE + 1);
        expectError(
            () => readBundle(zip),
            'BAD_BUNDLE',
            `member config/1020.block is larger than ${MAX_MEMBER_SIZE} bytes`,
        );
    });

    it('members claiming more than 256 MiB together', () => {
        let zip = bundle;
        for (const name of members.keys()) {
            zip = claimSize(zip, name, MAX_BUNDLE_SIZE / 5);
        }
        expectError(
            () => readBundle(zip),
            'BAD_BUNDLE',
            `the bundle's members add up to more than ${MAX_BUNDLE_SIZE} bytes`,
        );
    });

    it('a member that inflates to more than its directory entry claims', () => {
        const zip = claimSize(bundle, 'config/1020.block', 100);
        expectError(() => readBundle(zip), 'BAD_BUNDLE', 'member config/1020.block does not match its SHA-256');
    });
});
