import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { canonicalJson } from '@sealpact/protocol';
import { expectError } from '../../../protocol/src/test-support/expect-error';
import { EvidenceManifest, isMemberName, parseManifest } from './manifest';

/** The fixture (testdata/manifest.json) with the members of a small bundle. */
function fixture(): EvidenceManifest {
    const manifest = JSON.parse(readFileSync(resolve(__dirname, 'testdata/manifest.json'), 'utf8')) as EvidenceManifest;
    manifest.members = { 'blocks/1041.block': 'ab'.repeat(32), 'certificate.pdf': 'cd'.repeat(32) };
    return manifest;
}

/** The `i`th item, which the fixture has. */
function nth<T>(items: T[], i: number): T {
    const item = items[i];
    if (item === undefined) {
        throw new Error(`the fixture has no item ${i}`);
    }
    return item;
}

function bytesOf(value: unknown): Uint8Array {
    return new TextEncoder().encode(canonicalJson(value));
}

/** Parse the fixture after `edit` changed it. */
function parseEdited(edit: (manifest: Record<string, unknown> & EvidenceManifest) => void): () => EvidenceManifest {
    const manifest = fixture() as Record<string, unknown> & EvidenceManifest;
    edit(manifest);
    return () => parseManifest(bytesOf(manifest));
}

describe('parseManifest', () => {
    it('reads a canonical v1 manifest back as it was', () => {
        const manifest = fixture();
        expect(parseManifest(bytesOf(manifest))).toEqual(manifest);
    });

    it('refuses bytes that are not UTF-8 JSON', () => {
        expectError(() => parseManifest(new Uint8Array([0x7b, 0xff, 0x7d])), 'BAD_BUNDLE', /not valid UTF-8 JSON/);
        expectError(() => parseManifest(new TextEncoder().encode('{"format":')), 'BAD_BUNDLE', /not valid UTF-8 JSON/);
    });

    it('refuses JSON that is not in canonical form, duplicate keys included', () => {
        const text = canonicalJson(fixture());
        const spaced = new TextEncoder().encode(JSON.stringify(JSON.parse(text), null, 1));
        expectError(() => parseManifest(spaced), 'BAD_BUNDLE', /not canonical JSON/);
        // JSON.parse keeps the last fileId; another reader could keep the first.
        const duplicated = text.replace('"fileId":"contract-2025-0042"', '"fileId":"x","fileId":"contract-2025-0042"');
        expectError(() => parseManifest(new TextEncoder().encode(duplicated)), 'BAD_BUNDLE', /not canonical JSON/);
    });

    it('refuses an unknown or missing format, naming it', () => {
        expectError(
            parseEdited((m) => (m.format = 'sealpact-evidence/v9' as EvidenceManifest['format'])),
            'BAD_BUNDLE',
            "unsupported evidence format 'sealpact-evidence/v9'",
        );
        expectError(
            parseEdited((m) => delete (m as Partial<EvidenceManifest>).format),
            'BAD_BUNDLE',
            'manifest.json: format is missing or not a string',
        );
        expectError(() => parseManifest(bytesOf([1])), 'BAD_BUNDLE', 'format is missing');
        // An inherited name is not a format.
        expectError(
            parseEdited((m) => (m.format = 'constructor' as EvidenceManifest['format'])),
            'BAD_BUNDLE',
            "unsupported evidence format 'constructor'",
        );
    });

    it.each<[string, (m: Record<string, unknown> & EvidenceManifest) => void, string]>([
        ['a missing field', (m) => delete (m as Partial<EvidenceManifest>).exportedBy, 'exportedBy is missing'],
        ['an unknown field', (m) => (m.extra = 1), "the manifest has an unknown field 'extra'"],
        ['an unknown nested field', (m) => Object.assign(m.headers, { by: 1 }), "headers has an unknown field 'by'"],
        [
            'a string where a number goes',
            (m) => (m.configBlocks = ['1020'] as never),
            'configBlocks[0] is not a non-negative integer',
        ],
        ['a negative block', (m) => (m.blocks[2] = -1), 'blocks[2] is not a non-negative integer'],
        ['a fractional size', (m) => (m.facts.file.size = 1.5), 'facts.file.size is not a non-negative integer'],
        ['an empty id', (m) => (m.fileId = ''), 'fileId is empty'],
        [
            'an unknown story role',
            (m) => (nth(m.transactions, 3).role = 'sneak' as never),
            'transactions[3].role is not one of',
        ],
        [
            'an unknown party role',
            (m) => (nth(m.facts.parties, 1).roles = ['judge' as never]),
            'facts.parties[1].roles[0] is not one of',
        ],
        [
            'an unknown event action',
            (m) => (nth(m.facts.events, 0).action = 'x' as never),
            'facts.events[0].action is not one of',
        ],
        [
            'a time that is not RFC 3339 UTC',
            (m) => (m.exportedAt = '8 March 2025'),
            'exportedAt is not an RFC 3339 UTC time',
        ],
        [
            'a time with an offset',
            (m) => (m.facts.file.sharedAt = '2025-03-05T13:45:12+01:00'),
            'facts.file.sharedAt is not an RFC 3339',
        ],
        [
            'a verification that is not an object',
            (m) => (nth(m.facts.parties, 0).verification = 'yes' as never),
            'facts.parties[0].verification is not an object',
        ],
        [
            'keys that are not an array',
            (m) => (nth(m.facts.parties, 0).keys = {} as never),
            'facts.parties[0].keys is not an array',
        ],
        [
            'a signature that is not base64',
            (m) => (nth(m.facts.signatures, 1).signature = 'not base64!'),
            'facts.signatures[1].signature is not base64',
        ],
        [
            'a statement digest in upper case',
            (m) => (nth(m.facts.signatures, 0).statementSha256 = 'AB'.repeat(32)),
            'statementSha256 is not a lower-case hex SHA-256',
        ],
        [
            'an anchor fingerprint that is not hex',
            (m) => (m.trustAnchors.Org1MSP = ['zz']),
            "trustAnchors['Org1MSP'][0] is not a lower-case hex SHA-256",
        ],
        [
            'an anchor key that is not an MSP id',
            (m) => (m.trustAnchors['../x'] = []),
            'trustAnchors has a key that is not an MSP id',
        ],
        [
            'a member digest that is not hex',
            (m) => (m.members['certificate.pdf'] = 'cd'),
            "members['certificate.pdf'] is not a lower-case hex SHA-256",
        ],
        [
            'a member name outside the patterns',
            (m) => (m.members['blocks/../x'] = 'ab'.repeat(32)),
            'members has a key that is not a member name',
        ],
        [
            'manifest.json listed as a member',
            (m) => (m.members['manifest.json'] = 'ab'.repeat(32)),
            'members has a key that is not a member name',
        ],
    ])('refuses %s, naming the field', (_what, edit, message) => {
        expectError(parseEdited(edit), 'BAD_BUNDLE', message);
    });

    it('never quotes a field of unknown name as it came, only printable and short', () => {
        const name = `\u0000${'x'.repeat(100)}`;
        expectError(
            parseEdited((m) => (m[name] = 1)),
            'BAD_BUNDLE',
            `the manifest has an unknown field '?${'x'.repeat(63)}...'`,
        );
    });
});

describe('isMemberName', () => {
    it.each(['config/1020.block', 'blocks/0.block', 'headers/1086.block', 'anchors/Org1MSP.pem', 'certificate.pdf'])(
        'allows %s',
        (name) => {
            expect(isMemberName(name)).toBe(true);
        },
    );

    it.each([
        'manifest.json',
        'blocks/',
        'blocks/01.block',
        'blocks/1.pem',
        '/blocks/1.block',
        'blocks/../1.block',
        'anchors/../Org1MSP.pem',
        'anchors/.hidden.pem',
        'anchors/a/b.pem',
        'anchors\\Org1MSP.pem',
        'other/1.block',
        'certificate.pdf/',
    ])('refuses %s', (name) => {
        expect(isMemberName(name)).toBe(false);
    });
});
