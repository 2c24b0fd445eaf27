/**
 * The certificate renders (poppler's pdftoppm draws every page) and states the manifest's facts
 * (pdftotext finds every one of them, wrapped values joined again).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { CERTIFICATE_TITLE, certificatePdf } from './certificate';
import { EvidenceManifest } from './manifest';

type Unlisted = Omit<EvidenceManifest, 'members'>;

const manifest = JSON.parse(readFileSync(resolve(__dirname, 'testdata/manifest.json'), 'utf8')) as Unlisted;

let dir: string;

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sealpact-certificate-'));
});

afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
});

/** The text pdftotext reads from `pdf`, with all white space removed (wrapped lines joined). */
function textOf(pdf: Uint8Array, name: string): string {
    const path = join(dir, `${name}.pdf`);
    writeFileSync(path, pdf);
    return squeeze(execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' }));
}

function squeeze(text: string): string {
    return text.replace(/\s+/g, '');
}

/** Every string and number in `value`, at any depth. */
function leaves(value: unknown): string[] {
    if (typeof value === 'string' || typeof value === 'number') {
        return [String(value)];
    }
    if (value !== null && typeof value === 'object') {
        return Object.values(value).flatMap(leaves);
    }
    return [];
}

describe('certificatePdf', () => {
    let pdf: Uint8Array;
    let text: string;

    beforeAll(async () => {
        pdf = await certificatePdf(manifest);
        text = textOf(pdf, 'fixture');
    });

    it('renders every page (pdftoppm), A4, over several pages', async () => {
        const doc = await PDFDocument.load(pdf);
        const pages = doc.getPageCount();
        expect(pages).toBeGreaterThan(1);
        expect(doc.getPages().map((page) => page.getSize())).toEqual(
            Array.from({ length: pages }, () => ({ width: 595.28, height: 841.89 })),
        );
        execFileSync('pdftoppm', ['-png', '-r', '50', join(dir, 'fixture.pdf'), join(dir, 'page')]);
        const pngs = readdirSync(dir).filter((name) => /^page-\d+\.png$/.test(name));
        expect(pngs).toHaveLength(pages);
        for (const png of pngs) {
            expect(readFileSync(join(dir, png)).subarray(1, 4).toString()).toBe('PNG');
        }
    });

    it('is titled with an em dash (WinAnsi has one) and numbers its pages', async () => {
        expect(text.startsWith(squeeze(CERTIFICATE_TITLE))).toBe(true);
        expect(CERTIFICATE_TITLE).toContain('\u2014');
        const pages = (await PDFDocument.load(pdf)).getPageCount();
        for (let page = 1; page <= pages; page++) {
            expect(text).toContain(`Page${page}of${pages}`);
        }
        expect(text).not.toContain(`Page${pages + 1}of`);
    });

    it('states every fact of the manifest: ids, times, levels, digests, fingerprints, signatures', () => {
        const missing = leaves(manifest)
            .map(squeeze)
            .filter((fact) => !text.includes(fact));
        expect(missing).toEqual([]);
        for (const msp of Object.keys(manifest.trustAnchors)) {
            expect(text).toContain(msp);
        }
        // Long values are wrapped across lines, and found again whole.
        expect(manifest.facts.signatures.some((s) => s.signature.length > 600)).toBe(true);
    });

    it('states each transaction with the block it is in', () => {
        const { file, parties, events, signatures } = manifest.facts;
        const facts = [
            file,
            ...parties.flatMap((party) => [...(party.verification ? [party.verification] : []), ...party.keys]),
            ...events,
            ...signatures,
        ];
        for (const fact of facts) {
            // Not followed by a comma: the list of transactions gives each with its block that way.
            expect(text).toMatch(new RegExp(`Transaction${fact.txId}Block${fact.block}(?!,)`));
        }
        for (const tx of manifest.transactions) {
            expect(text).toContain(`Transaction${tx.txId}Block${tx.block},transaction${tx.index}intheblock`);
        }
    });

    it('says how to verify', () => {
        expect(text).toContain(squeeze('sealpact evidence verify --in FILE --trust-anchors DIR [--contract PATH]'));
        expect(text).toContain('docs/evidence.md');
    });

    it('is the same bytes for the same manifest, dated at the export', async () => {
        expect(await certificatePdf(manifest)).toEqual(pdf);
        const doc = await PDFDocument.load(pdf, { updateMetadata: false });
        expect(doc.getCreationDate()).toEqual(new Date('2025-03-08T10:00:00.000Z'));
        expect(doc.getModificationDate()).toEqual(new Date('2025-03-08T10:00:00.000Z'));
        expect(doc.getTitle()).toBe(CERTIFICATE_TITLE);
        const later = await certificatePdf({ ...manifest, exportedAt: '2025-03-09T10:00:00.000Z' });
        expect(later).not.toEqual(pdf);
    });

    it('writes characters the standard fonts cannot encode as ?', async () => {
        const odd = structuredClone(manifest);
        odd.exportedBy = 'Org4MSP/\u0142ukasz\u00e9@org4.example.com';
        odd.facts.file.owner = 'emoji \u{1F512} han \u5f20\u4e09 tab\tend';
        const oddText = textOf(await certificatePdf(odd), 'odd');
        // é is in WinAnsi, ł is not; the emoji is one character, the tab a control character.
        expect(oddText).toContain('Org4MSP/?ukasz\u00e9@org4.example.com');
        expect(oddText).toContain(squeeze('emoji ? han ?? tab?end'));
    });
});
