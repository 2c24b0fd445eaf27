/**
 * The certificate of completion (certificate.pdf in an evidence bundle): the manifest's facts
 * written out for people, with how to check them. It proves nothing by itself, and says so; the
 * bundle's transactions and blocks do. The same manifest gives the same bytes: the dates are the
 * export time, the producer strings fixed, and pdf-lib's name suffixes come from a seeded generator.
 */
import { PageSizes, PDFDocument, PDFFont, PDFPage, rgb, RGB, StandardFonts } from 'pdf-lib';
import { EvidenceFacts, EvidenceManifest } from './manifest';

export const CERTIFICATE_TITLE = 'Sealpact \u2014 Certificate of completion';

type Unlisted = Omit<EvidenceManifest, 'members'>;

const [PAGE_WIDTH, PAGE_HEIGHT] = PageSizes.A4;
const LEFT = 56;
const RIGHT = PAGE_WIDTH - 56;
const TOP = PAGE_HEIGHT - 60;
const BOTTOM = 64;
const VALUE_X = LEFT + 130;
const LEAD = 1.35;

interface Style {
    font: PDFFont;
    size: number;
    color: RGB;
}

interface Styles {
    title: Style;
    heading: Style;
    subheading: Style;
    minor: Style;
    body: Style;
    label: Style;
    mono: Style;
    footer: Style;
}

/** Render the certificate of `manifest` (its `members`, if any, play no part). */
export async function certificatePdf(manifest: Unlisted): Promise<Uint8Array> {
    const doc = await PDFDocument.create({ updateMetadata: false });
    const at = new Date(manifest.exportedAt);
    doc.setTitle(CERTIFICATE_TITLE);
    doc.setSubject(`Evidence for file ${manifest.fileId} on channel ${manifest.channel}`);
    doc.setCreator('sealpact evidence export');
    doc.setProducer('Sealpact with pdf-lib 1.17.1');
    doc.setLanguage('en');
    doc.setCreationDate(at);
    doc.setModificationDate(at);
    const out = new Layout(doc, await styles(doc));
    writeSummary(out, manifest);
    writeFile(out, manifest);
    writeContract(out, manifest);
    writeParties(out, manifest);
    writeTimeline(out, manifest);
    writeSignatures(out, manifest);
    writeTransactions(out, manifest);
    writeTrustAnchors(out, manifest);
    writeHowToVerify(out);
    out.finish(`Certificate of completion for file ${manifest.fileId}`);
    return doc.save({ useObjectStreams: false });
}

async function styles(doc: PDFDocument): Promise<Styles> {
    const regular = await doc.embedFont(StandardFonts.Helvetica);
    const bold = await doc.embedFont(StandardFonts.HelveticaBold);
    const mono = await doc.embedFont(StandardFonts.Courier);
    const ink = rgb(0.1, 0.1, 0.1);
    const navy = rgb(0.08, 0.2, 0.4);
    const grey = rgb(0.38, 0.38, 0.38);
    return {
        title: { font: bold, size: 19, color: navy },
        heading: { font: bold, size: 12.5, color: navy },
        subheading: { font: bold, size: 10, color: ink },
        minor: { font: bold, size: 9, color: grey },
        body: { font: regular, size: 9, color: ink },
        label: { font: regular, size: 9, color: grey },
        mono: { font: mono, size: 8.5, color: ink },
        footer: { font: regular, size: 8, color: grey },
    };
}

// The sections, in the order they appear.

function writeSummary(out: Layout, m: Unlisted): void {
    out.title(CERTIFICATE_TITLE);
    out.paragraph(
        `This certificate summarises the evidence bundle exported for file ${m.fileId}. It states what the ` +
            "bundle's transactions and blocks record, and proves nothing by itself: the proof is the bundle, " +
            "whose transactions carry the endorsements of the channel's organisations and whose blocks carry " +
            'the orderers\' signatures. Anyone can check it offline, as "How to verify" at the end explains.',
    );
    out.gap(6);
    out.field('File id', m.fileId);
    out.field('Channel', m.channel);
    out.field('Chaincode', m.chaincode);
    out.field('Exported at', m.exportedAt);
    out.field('Exported by', m.exportedBy);
    out.field('Evidence format', m.format);
    out.field('Configuration blocks', m.configBlocks.join(', '));
    out.field('Blocks', m.blocks.join(', '));
    out.field('Block headers', `${m.headers.from} to ${m.headers.to}`);
}

function writeFile(out: Layout, m: Unlisted): void {
    const file = m.facts.file;
    out.heading('The file');
    out.field('Owner', file.owner);
    out.field('Suite', file.suite);
    out.field('Digest algorithm', file.digestAlgorithm);
    out.field('Ciphertext digest', file.ciphertextDigest, 'mono');
    out.field('Size', `${file.size} bytes`);
    out.field('Shared at', file.sharedAt);
    out.transaction(file.txId, file.block);
}

/** The signing plan and how the contract ended, when the file was shared with one. */
function writeContract(out: Layout, m: Unlisted): void {
    const contract = m.facts.contract;
    if (contract === null) {
        return;
    }
    out.heading('The contract');
    out.field('State', contract.state);
    contract.steps.forEach((signers, i) => {
        out.field(`Step ${i + 1} (signing in parallel)`, signers.join(', '));
    });
    out.field('Deadline', contract.deadline ?? 'none');
    if (contract.closedAt !== null) {
        out.field('Closed at', contract.closedAt);
        out.field('Closed by', contract.closedBy ?? '');
    }
    if (contract.reason !== null) {
        out.field('Reason', contract.reason);
    }
    out.field('Plan hash', contract.planHash, 'mono');
}

function writeParties(out: Layout, m: Unlisted): void {
    out.heading('Parties');
    for (const party of m.facts.parties) {
        out.together(() => {
            out.subheading(party.partyId);
            out.field('Roles', party.roles.join(', '));
            const verification = party.verification;
            if (verification === null) {
                out.field('Verification', 'none recorded');
                return;
            }
            out.field('Verification', `level ${verification.level}`);
            out.field('Authority', verification.authorityMsp);
            out.field('Serial', verification.serial, 'mono');
            out.field('Verified at', verification.recordedAt);
            out.transaction(verification.txId, verification.block);
        });
        party.keys.forEach((key, i) => {
            out.together(() => {
                out.minor(`Key ${i + 1} of ${party.keys.length}`);
                out.field('Fingerprint', key.fingerprint, 'mono');
                out.field('Algorithm', key.algorithm);
                out.field('Roles', key.roles.join(', '));
                out.field('Registered at', key.registeredAt);
                out.transaction(key.txId, key.block);
            });
        });
    }
}

function writeTimeline(out: Layout, m: Unlisted): void {
    out.heading('Timeline');
    for (const event of m.facts.events) {
        out.together(() => {
            out.minor(`${event.at} \u2014 ${event.action}`);
            out.field('By', event.by);
            out.field('Party', event.party);
            if (event.detail !== '') {
                out.field('Detail', event.detail);
            }
            out.transaction(event.txId, event.block);
        });
    }
}

function writeSignatures(out: Layout, m: Unlisted): void {
    out.heading('Signatures');
    const signatures = m.facts.signatures;
    if (signatures.length === 0) {
        out.paragraph('The file has no signatures.');
    }
    signatures.forEach((signature, i) => {
        out.together(() => {
            writeSignature(out, signature, `Signature ${i + 1} of ${signatures.length}`);
        });
    });
}

function writeSignature(out: Layout, signature: EvidenceFacts['signatures'][number], title: string): void {
    out.subheading(title);
    out.field('Signer', signature.signer);
    out.field('Signed at', signature.signedAt);
    out.field('Algorithm', signature.algorithm);
    out.field('Key fingerprint', signature.keyFingerprint, 'mono');
    out.field('Digest algorithm', signature.digestAlgorithm);
    out.field('Plaintext commitment', signature.plaintextCommitment, 'mono');
    out.field('Signature (base64)', signature.signature, 'mono');
    out.field('Statement SHA-256', signature.statementSha256, 'mono');
    out.transaction(signature.txId, signature.block);
}

function writeTransactions(out: Layout, m: Unlisted): void {
    out.heading('Transactions the story rests on');
    out.paragraph(
        'Each is in the bundle with its block. The verifier checks its endorsements against the endorsement ' +
            "policy, its creator's signature, its validation code, and its block's place in the chain.",
    );
    for (const tx of m.transactions) {
        out.together(() => {
            out.minor(`${tx.function} (${tx.role})`);
            out.field('Party', tx.party);
            out.field('Time', tx.at);
            out.field('Transaction', tx.txId, 'mono');
            out.field('Block', `${tx.block}, transaction ${tx.index} in the block`);
        });
    }
}

function writeTrustAnchors(out: Layout, m: Unlisted): void {
    out.heading('Trust anchors');
    out.paragraph(
        "SHA-256 fingerprints of each organisation's CA certificates, which the channel configuration in the " +
            'bundle must match. Compare them with certificates obtained from the organisations themselves.',
    );
    for (const msp of Object.keys(m.trustAnchors).sort()) {
        out.together(() => {
            out.minor(msp);
            for (const fingerprint of m.trustAnchors[msp] ?? []) {
                out.field('CA certificate', fingerprint, 'mono');
            }
        });
    }
}

function writeHowToVerify(out: Layout): void {
    out.heading('How to verify');
    out.paragraph(
        "With the bundle file and a directory holding the CA certificates (PEM) of the channel's organisations, " +
            'obtained from them, run, with or without the network:',
    );
    out.code('sealpact evidence verify --in FILE --trust-anchors DIR [--contract PATH]');
    out.paragraph(
        'It checks every transaction and block of the bundle, every signature against the key registered ' +
            'for it, and that the story holds together; with --contract, that the contract is the file that ' +
            'was shared and signed. It prints each check with its outcome and exits 0 only when all pass.',
    );
    out.paragraph(
        'docs/evidence.md gives the bundle format and the verification procedure step by step, precisely ' +
            "enough to check a bundle with independent tools (openssl, Fabric's configtxlator) instead.",
    );
}

/** A cursor down A4 pages: wraps text to the width it has, starts a page when the next piece does not fit. */
class Layout {
    private page: PDFPage;
    private y = TOP;
    /** Set while `together` measures: nothing is drawn and no page is started. */
    private measuring = false;
    private readonly charset: ReadonlySet<number>;

    constructor(
        private readonly doc: PDFDocument,
        private readonly styles: Styles,
    ) {
        this.page = doc.addPage(PageSizes.A4);
        // The standard fonts share WinAnsi; Helvetica's set is every font's.
        this.charset = new Set(styles.body.font.getCharacterSet());
    }

    title(text: string): void {
        this.lines(this.wrap(text, this.styles.title, RIGHT - LEFT), this.styles.title, LEFT);
        this.gap(8);
    }

    heading(text: string): void {
        const style = this.styles.heading;
        // Keep a heading with the start of what it heads.
        this.fit(22 + style.size * LEAD + 8 * this.styles.body.size * LEAD);
        this.gap(14);
        this.lines([text], style, LEFT);
        this.rule(style.color);
        this.gap(8);
    }

    subheading(text: string): void {
        const style = this.styles.subheading;
        this.gap(6);
        this.lines(this.wrap(text, style, RIGHT - LEFT), style, LEFT);
        this.gap(2);
    }

    minor(text: string): void {
        const style = this.styles.minor;
        this.gap(4);
        this.lines(this.wrap(text, style, RIGHT - LEFT), style, LEFT);
    }

    paragraph(text: string): void {
        this.lines(this.wrap(text, this.styles.body, RIGHT - LEFT), this.styles.body, LEFT);
        this.gap(4);
    }

    code(text: string): void {
        this.lines(this.wrap(text, this.styles.mono, RIGHT - LEFT - 16), this.styles.mono, LEFT + 16);
        this.gap(4);
    }

    /** A label and its value, the value wrapped in its column and kept on one page. */
    field(label: string, value: string, kind: 'text' | 'mono' = 'text'): void {
        const style = kind === 'mono' ? this.styles.mono : this.styles.body;
        const lines = this.wrap(value, style, RIGHT - VALUE_X);
        const lead = this.styles.body.size * LEAD;
        this.fit(Math.min(lines.length * lead, TOP - BOTTOM));
        lines.forEach((line, i) => {
            this.fit(lead);
            this.y -= lead;
            if (i === 0) {
                this.draw(label, LEFT, this.styles.label);
            }
            this.draw(line, VALUE_X, style);
        });
    }

    /** The transaction and block a fact rests on. */
    transaction(txId: string, block: number): void {
        this.field('Transaction', txId, 'mono');
        this.field('Block', String(block));
    }

    /** Lay out `write` on one page when it fits on one: measured first, without drawing, then drawn. */
    together(write: () => void): void {
        if (this.measuring) {
            write();
            return;
        }
        const start = this.y;
        this.measuring = true;
        try {
            write();
        } finally {
            this.measuring = false;
        }
        const height = start - this.y;
        this.y = start;
        this.fit(Math.min(height, TOP - BOTTOM));
        write();
    }

    gap(points: number): void {
        this.y -= points;
    }

    /** Footers on every page: what the document is, and "Page i of n". */
    finish(what: string): void {
        const pages = this.doc.getPages();
        const style = this.styles.footer;
        pages.forEach((page, i) => {
            const number = `Page ${i + 1} of ${pages.length}`;
            const width = style.font.widthOfTextAtSize(number, style.size);
            page.drawText(number, { x: RIGHT - width, y: 36, size: style.size, font: style.font, color: style.color });
            const [left = ''] = this.wrap(what, style, RIGHT - LEFT - width - 24);
            page.drawText(left, { x: LEFT, y: 36, size: style.size, font: style.font, color: style.color });
        });
    }

    /** Start a new page unless `height` points fit above the bottom margin. */
    private fit(height: number): void {
        if (!this.measuring && this.y - height < BOTTOM) {
            this.page = this.doc.addPage(PageSizes.A4);
            this.y = TOP;
        }
    }

    /** A line under the heading just written. */
    private rule(color: RGB): void {
        if (this.measuring) {
            return;
        }
        this.page.drawLine({
            start: { x: LEFT, y: this.y - 3 },
            end: { x: RIGHT, y: this.y - 3 },
            thickness: 0.6,
            color,
        });
    }

    private lines(lines: string[], style: Style, x: number): void {
        for (const line of lines) {
            const lead = style.size * LEAD;
            this.fit(lead);
            this.y -= lead;
            this.draw(line, x, style);
        }
    }

    private draw(text: string, x: number, style: Style): void {
        if (this.measuring) {
            return;
        }
        this.page.drawText(this.encodable(text), {
            x,
            y: this.y,
            size: style.size,
            font: style.font,
            color: style.color,
        });
    }

    /** `text` with every character the standard fonts cannot encode (WinAnsi) replaced by '?'. */
    private encodable(text: string): string {
        return Array.from(text, (c) => (this.charset.has(c.codePointAt(0) ?? 0) ? c : '?')).join('');
    }

    /** Lines of `text` no wider than `width`: broken at spaces, and inside words too long for a line (hex, base64). */
    private wrap(text: string, style: Style, width: number): string[] {
        const fits = (line: string): boolean => style.font.widthOfTextAtSize(line, style.size) <= width;
        const lines: string[] = [];
        let line = '';
        for (let word of this.encodable(text).split(' ')) {
            const joined = line === '' ? word : `${line} ${word}`;
            if (fits(joined)) {
                line = joined;
                continue;
            }
            if (line !== '') {
                lines.push(line);
            }
            while (!fits(word)) {
                let cut = 1;
                while (cut < word.length && fits(word.slice(0, cut + 1))) {
                    cut++;
                }
                lines.push(word.slice(0, cut));
                word = word.slice(cut);
            }
            line = word;
        }
        lines.push(line);
        return lines;
    }
}
