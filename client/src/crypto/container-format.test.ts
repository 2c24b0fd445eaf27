/**
 * docs/format.md must stay true: an independent decoder written from the document alone (using
 * only node:crypto, none of the SDK) opens the documented example and random containers, the
 * encoder reproduces the example byte for byte, and the document shows the example's bytes.
 */
import { createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { bytesToHex, parseHeader, Suite } from '@sealpact/protocol';
import { createCiphertextHasher } from './ciphertext-digest';
import { createDecryptStream, EncryptOptions, EncryptStream } from './stream';

interface Example {
    password: string;
    salt: string;
    aad: string;
    chunkSize: number;
    plaintext: string;
    suites: Record<
        Suite,
        {
            keys: Record<string, string>;
            headerTag: string;
            chunk0: { nonce: string; ciphertext: string; tag: string };
            digest: string;
            digestTree: { leaf0Prefix: string; leaf0: string; root: string };
            container: string;
        }
    >;
    treeExample: {
        length: number;
        modulus: number;
        prefixes: string[];
        sha256: { leaves: string[]; root: string };
        sm3: { leaves: string[]; root: string };
    };
}

const example = JSON.parse(readFileSync(resolve(__dirname, 'testdata/format-example.json'), 'utf8')) as Example;
const formatDoc = readFileSync(resolve(__dirname, '../../../docs/format.md'), 'utf8');

/** A failure of the decoder below: what it found wrong. */
function specFail(what: string): never {
    throw new Error(what);
}

/**
 * The leaves and root of the version 2 ciphertext digest as docs/format.md describes it
 * ("Ciphertext digest"), over bytes in memory.
 */
function treeFromSpec(hash: 'sha256' | 'sm3', bytes: Buffer): { prefixes: string[]; leaves: string[]; root: string } {
    const S = 1048576;
    const k = Math.max(1, Math.ceil(bytes.length / S));
    const prefixes: string[] = [];
    const leaves: string[] = [];
    for (let i = 0; i < k; i++) {
        const segment = bytes.subarray(i * S, Math.min((i + 1) * S, bytes.length));
        const prefix = Buffer.alloc(14);
        prefix.writeBigUInt64BE(BigInt(i), 1); // byte 0 stays 00
        prefix.writeUInt32BE(segment.length, 9);
        prefix[13] = i === k - 1 ? 0x01 : 0x00;
        prefixes.push(prefix.toString('hex'));
        leaves.push(createHash(hash).update(prefix).update(segment).digest('hex'));
    }
    const root = createHash(hash).update(Buffer.from([0x01]));
    for (const leaf of leaves) {
        root.update(Buffer.from(leaf, 'hex'));
    }
    return { prefixes, leaves, root: root.digest('hex') };
}

async function treeFromSdk(algorithm: 'sha256-tree' | 'sm3-tree', bytes: Buffer): Promise<string> {
    const hasher = createCiphertextHasher(algorithm);
    for (let at = 0; at < bytes.length; at += 100_000) {
        hasher.update(bytes.subarray(at, at + 100_000));
        if (hasher.mustWait) {
            await hasher.drained();
        }
    }
    return (await hasher.digest()).toString('hex');
}

/** The header as docs/format.md describes it ("Header"), its tag and AAD checked. */
interface SpecHeader {
    suiteName: 'intl' | 'gm';
    chunkSize: number;
    headerTag: Buffer;
    headerLength: number;
    key: (purpose: string, length: number) => Buffer;
}

function headerFromSpec(container: Buffer, password: Buffer, expectedAad: Buffer): SpecHeader {
    if (container.subarray(0, 8).toString('latin1') !== 'SEALPACT') specFail('magic');
    if (container[8] !== 1) specFail('version');
    const suiteByte = container[9];
    const suiteName = suiteByte === 1 ? 'intl' : suiteByte === 2 ? 'gm' : specFail('suite');
    const hash = suiteName === 'intl' ? 'sha256' : 'sm3';
    const chunkSize = container.readUInt32BE(10);
    if (chunkSize < 1024 || chunkSize > 16777216) specFail('chunk size');
    const salt = container.subarray(14, 46);
    const aadLength = container.readUInt16BE(46);
    const aad = container.subarray(48, 48 + aadLength);
    const headerTag = container.subarray(48 + aadLength, 80 + aadLength);
    const key = (purpose: string, length: number) =>
        Buffer.from(hkdfSync(hash, password, salt, `sealpact/v1/${suiteName}/${purpose}`, length));
    const expectedTag = createHmac(hash, key('header', 32))
        .update(container.subarray(0, 48 + aadLength))
        .digest();
    if (!timingSafeEqual(expectedTag, headerTag)) specFail('header tag');
    if (!aad.equals(expectedAad)) specFail('aad');
    return { suiteName, chunkSize, headerTag, headerLength: 80 + aadLength, key };
}

/** The plaintext of chunk `i` as it is on the wire (ciphertext then tag), its tag checked. */
function chunkFromSpec(header: SpecHeader, wire: Buffer, i: number, last: boolean): Buffer[] {
    const { suiteName, headerTag, key } = header;
    const tagLength = suiteName === 'intl' ? 16 : 32;
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64BE(BigInt(i), 3);
    nonce[11] = last ? 1 : 0;
    const ciphertext = wire.subarray(0, wire.length - tagLength);
    const tag = wire.subarray(wire.length - tagLength);
    if (suiteName === 'intl') {
        const decipher = createDecipheriv('aes-256-gcm', key('payload', 32), nonce, { authTagLength: 16 });
        decipher.setAAD(headerTag).setAuthTag(tag);
        return [decipher.update(ciphertext), decipher.final()];
    }
    const mac = createHmac('sm3', key('payload-mac', 32)).update(headerTag).update(nonce).update(ciphertext);
    if (!timingSafeEqual(mac.digest(), tag)) specFail(`chunk ${i} tag`);
    const iv = Buffer.concat([nonce, Buffer.alloc(4)]);
    return [createDecipheriv('sm4-ctr', key('payload-sm4', 16), iv).update(ciphertext)];
}

/** A decoder written from docs/format.md, whole-buffer and deliberately naive. Throws on any failure. */
function decodeFromSpec(container: Buffer, password: Buffer, expectedAad: Buffer): Buffer {
    const header = headerFromSpec(container, password, expectedAad);
    const { chunkSize } = header;
    const tagLength = header.suiteName === 'intl' ? 16 : 32;
    const body = container.subarray(header.headerLength);
    const count = Math.max(1, Math.ceil(body.length / (chunkSize + tagLength)));
    const out: Buffer[] = [];
    for (let i = 0; i < count; i++) {
        const wire = body.subarray(i * (chunkSize + tagLength), (i + 1) * (chunkSize + tagLength));
        const last = i === count - 1;
        if (wire.length < tagLength || (!last && wire.length !== chunkSize + tagLength)) specFail('length');
        if (last && i > 0 && wire.length === tagLength) specFail('empty final chunk');
        out.push(...chunkFromSpec(header, wire, i, last));
    }
    return Buffer.concat(out);
}

async function encrypt(plaintext: Buffer, options: EncryptOptions, salt?: Buffer): Promise<Buffer> {
    return Buffer.concat(await Readable.from([plaintext]).pipe(new EncryptStream(options, salt)).toArray());
}

const password = Buffer.from(example.password, 'hex');
const salt = Buffer.from(example.salt, 'hex');
const plaintext = Buffer.from(example.plaintext, 'utf8');
const aad = Buffer.from(example.aad, 'utf8');

describe.each<Suite>(['intl', 'gm'])('the documented %s example', (suite) => {
    const documented = example.suites[suite];
    const container = Buffer.from(documented.container, 'hex');

    it('is what the encoder writes with that salt, and carries the documented digests', async () => {
        const encryptor = new EncryptStream({ suite, password, aad, chunkSize: example.chunkSize }, salt);
        const encoded = Buffer.concat(await Readable.from([plaintext]).pipe(encryptor).toArray());
        expect(encoded.toString('hex')).toBe(documented.container);
        const hash = suite === 'intl' ? 'sha256' : 'sm3';
        expect(createHash(hash).update(container).digest('hex')).toBe(documented.digest);
        expect(treeFromSpec(hash, container)).toEqual({
            prefixes: [documented.digestTree.leaf0Prefix],
            leaves: [documented.digestTree.leaf0],
            root: documented.digestTree.root,
        });
        expect(encryptor.ciphertextDigest?.digest.toString('hex')).toBe(documented.digestTree.root);
    });

    it('opens with the SDK and with the decoder written from the document', async () => {
        const decryptor = createDecryptStream({ password, aad });
        const opened = Buffer.concat(await Readable.from([container]).pipe(decryptor).toArray());
        expect(opened.toString('utf8')).toBe(example.plaintext);
        expect(decodeFromSpec(container, password, aad).toString('utf8')).toBe(example.plaintext);
    });

    it('has the documented fields, keys and tags', () => {
        const parsed = parseHeader(container);
        expect(parsed && bytesToHex(parsed.tag)).toBe(documented.headerTag);
        expect(parsed?.length).toBe(80 + aad.length);
        const hash = suite === 'intl' ? 'sha256' : 'sm3';
        for (const [purpose, value] of Object.entries(documented.keys)) {
            const info = `sealpact/v1/${suite}/${purpose}`;
            expect(Buffer.from(hkdfSync(hash, password, salt, info, value.length / 2)).toString('hex')).toBe(value);
        }
        const { nonce, ciphertext, tag } = documented.chunk0;
        expect(container.subarray(80 + aad.length).toString('hex')).toBe(ciphertext + tag);
        expect(nonce).toBe('000000000000000000000001');
    });

    it('is shown in docs/format.md', () => {
        const doc = formatDoc.replace(/\s+/g, '');
        for (const value of [
            documented.container,
            documented.headerTag,
            documented.digest,
            ...Object.values(documented.digestTree),
            ...Object.values(documented.keys),
        ]) {
            expect(doc).toContain(value);
        }
        expect(doc).toContain(example.salt);
        expect(doc).toContain(example.password);
    });
});

describe('the documented openssl recipe for the tree digest', () => {
    it.each([
        ['intl', 'sha256', '7a'],
        ['gm', 'sm3', '8a'],
    ] as const)('gives the %s example root with stock openssl', (suite, hash, length) => {
        const dir = mkdtempSync(join(tmpdir(), 'sealpact-format-'));
        try {
            writeFileSync(join(dir, 'f'), Buffer.from(example.suites[suite].container, 'hex'));
            // docs/format.md's two lines, for this one-segment file.
            const script = [
                `leaf=$( { printf '000000000000000000000000${length}01' | xxd -r -p; cat f; } | openssl dgst -${hash} -r | cut -c1-64 )`,
                `printf "01$leaf" | xxd -r -p | openssl dgst -${hash} -r`,
            ].join('\n');
            const out = execFileSync('sh', ['-c', script], { cwd: dir }).toString();
            expect(out.slice(0, 64)).toBe(example.suites[suite].digestTree.root);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe('the documented tree digest of a three-segment byte string', () => {
    const { treeExample } = example;
    const bytes = Buffer.alloc(treeExample.length);
    for (let i = 0; i < bytes.length; i++) {
        bytes[i] = i % treeExample.modulus;
    }

    it.each(['sha256', 'sm3'] as const)(
        'has the documented leaves and root (%s), from the document and from the SDK',
        async (hash) => {
            expect(treeFromSpec(hash, bytes)).toEqual({ prefixes: treeExample.prefixes, ...treeExample[hash] });
            expect(await treeFromSdk(`${hash}-tree`, bytes)).toBe(treeExample[hash].root);
        },
    );

    it('is shown in docs/format.md', () => {
        const doc = formatDoc.replace(/\s+/g, '');
        for (const value of [
            ...treeExample.prefixes,
            ...Object.values(treeExample.sha256).flat(),
            ...Object.values(treeExample.sm3).flat(),
        ]) {
            expect(doc).toContain(value);
        }
    });
});

describe('the decoder written from the document', () => {
    it('opens random multi-chunk containers of both suites', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.constantFrom<Suite>('intl', 'gm'),
                fc.constantFrom(1024, 1500, 4096),
                fc.integer({ min: 0, max: 10_000 }),
                fc.uint8Array({ maxLength: 32 }),
                async (suite, chunkSize, size, aadBytes) => {
                    const key = randomBytes(32);
                    const data = randomBytes(size);
                    const container = await encrypt(data, { suite, password: key, aad: aadBytes, chunkSize });
                    expect(decodeFromSpec(container, key, Buffer.from(aadBytes)).equals(data)).toBe(true);
                },
            ),
            { numRuns: 60 },
        );
    });
});
