import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import {
    decodeBlock,
    decodeProposedTransaction,
    fingerprint,
    proposalIdOf,
    readChannelConfig,
    signatureProblem,
    text,
    TrustAnchors,
    verifiedAnswer,
    verifyBlockSignature,
    verifyChain,
    x509,
} from '@sealpact/protocol/fabric';
import { expectError, expectRejection } from '../../protocol/src/test-support/expect-error';
import { ReadRelay, trustAnchorsFromFiles, VerifiedReads } from './verified-read';
import { browserX509 } from './x509';

// The SDK's checks (@sealpact/protocol/fabric) with the browser's X.509 platform (pkijs, noble),
// on the blocks, anchors and endorsed read captured from the real network
// (client/src/verify/testdata, whose own tests run the same checks on node:crypto).

const TESTDATA = join(__dirname, '..', '..', 'client', 'src', 'verify', 'testdata');
const NETWORK = join(TESTDATA, 'network');
const file = (name: string) => new Uint8Array(readFileSync(join(NETWORK, name)));
const manifest = JSON.parse(readFileSync(join(NETWORK, 'manifest.json'), 'utf8')) as {
    channel: string;
    chaincode: string;
    blocks: number[];
};
const anchorFiles = readdirSync(join(NETWORK, 'anchors')).map((name) => ({
    name,
    text: readFileSync(join(NETWORK, 'anchors', name), 'utf8'),
}));
const anchors = (): TrustAnchors => trustAnchorsFromFiles(anchorFiles);
const genesis = () => decodeBlock(file('block-0.block'));
const blockOne = () => decodeBlock(file('block-1.header'));
const config = () => readChannelConfig(genesis(), anchors(), blockOne());
const proposal = () => decodeProposedTransaction(file('whoami.proposed')).proposal;
const strangerCa = readFileSync(join(TESTDATA, 'stranger', 'ca.pem'), 'utf8');

/** The prepared WhoAmI with one byte of its response payload changed (what a lying gateway sends). */
function forgedPrepared(): Uint8Array {
    const bytes = file('whoami.prepared');
    const payload = new TextEncoder().encode('"partyId"');
    const at = Buffer.from(bytes).indexOf(Buffer.from(payload));
    bytes[at + 1] = 'P'.charCodeAt(0);
    return bytes;
}

describe('the browser X.509 platform', () => {
    it('is the one the shared checks use here', () => {
        expect(x509()).toBe(browserX509);
    });

    it('reads every CA and node certificate of the channel as Node does', () => {
        const certificates = [...config().msps.values()].flatMap((msp) => [...msp.roots, ...msp.intermediates]);
        const signer = genesis().signatures[0] ?? blockOne().signatures[0];
        const pems = [...certificates.map((c) => c.toString()), signer?.creator.certificate ?? ''];
        expect(pems.length).toBeGreaterThan(5);
        for (const pem of pems) {
            const node = new X509Certificate(pem);
            const browser = browserX509.parse(pem);
            expect(browser?.ca).toBe(node.ca);
            expect(browser?.subject).toBe(node.subject);
            expect(Buffer.from(browser?.raw ?? [])).toEqual(node.raw);
            expect(browser?.toString()).toBe(node.toString());
            expect(fingerprint(browser ?? fail())).toBe(fingerprint(node));
        }
    });

    it('follows a chain only to the CA that signed it', () => {
        const org1 = config().msps.get('Org1MSP');
        const root = org1?.roots[0];
        const orderer = blockOne().signatures[0]?.creator.certificate ?? '';
        const ordererRoot = config().msps.get('OrdererMSP')?.roots[0];
        const stranger = browserX509.parse(strangerCa);
        const node = browserX509.parse(orderer);
        if (root === undefined || ordererRoot === undefined || stranger === undefined || node === undefined) fail();
        expect(browserX509.issuedBy(node, ordererRoot)).toBe(true);
        expect(browserX509.issuedBy(node, root)).toBe(false);
        expect(browserX509.issuedBy(node, stranger)).toBe(false);
        expect(browserX509.parse('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toBeUndefined();
    });
});

describe('the shared checks in the browser', () => {
    it('believe the channel configuration the trust anchors pin, signed by its orderers', () => {
        const channel = config();
        expect(channel.channel).toBe(manifest.channel);
        expect([...channel.msps.keys()].sort()).toEqual(anchorFiles.map((f) => f.name.replace('.pem', '')).sort());
    });

    it('refuse a configuration whose CA is not the anchored one (UNTRUSTED_CONFIG)', () => {
        const swapped = anchorFiles.map((f) => (f.name === 'Org1MSP.pem' ? { ...f, text: strangerCa } : f));
        expectError(
            () => readChannelConfig(genesis(), trustAnchorsFromFiles(swapped), blockOne()),
            'UNTRUSTED_CONFIG',
            /Org1MSP/,
        );
    });

    it('verify the captured chain and its orderer signatures, and refuse a flipped signature', () => {
        const blocks = manifest.blocks.map((n) => decodeBlock(file(`block-${n}.block`)));
        expect(() => verifyChain(blocks)).not.toThrow();
        const last = blocks[blocks.length - 1] ?? fail();
        expect(() => verifyBlockSignature(last, config())).not.toThrow();
        const signature = last.signatures[0] ?? fail();
        const flipped = Uint8Array.from(signature.signature);
        flipped[10] = (flipped[10] ?? 0) ^ 1;
        expectError(
            () => verifyBlockSignature({ ...last, signatures: [{ ...signature, signature: flipped }] }, config()),
            'BAD_BLOCK_SIGNATURE',
            /no orderer signature that verifies/,
        );
        const orderer = browserX509.parse(signature.creator.certificate) ?? fail();
        expect(signatureProblem(orderer, new Uint8Array([1]), signature.signature)).toBe(
            'the signature does not verify',
        );
    });

    it('believe an endorsed read that answers the proposal signed', () => {
        const answer = verifiedAnswer(
            config(),
            manifest.chaincode,
            'WhoAmI',
            proposalIdOf(proposal()),
            file('whoami.prepared'),
        );
        expect(JSON.parse(text(answer.payload))).toMatchObject({ channel: manifest.channel });
    });

    it('refuse an endorsed read whose answer was altered (UNVERIFIED_READ)', () => {
        expectError(
            () => verifiedAnswer(config(), manifest.chaincode, 'WhoAmI', proposalIdOf(proposal()), forgedPrepared()),
            'UNVERIFIED_READ',
            /WhoAmI: .*does not verify/,
        );
    });
});

describe('VerifiedReads', () => {
    /** A relay serving the captured blocks and read, as the gateway would relay them. */
    function relay(prepared: Uint8Array): ReadRelay {
        const info = new common.BlockchainInfo();
        info.setHeight(Math.max(...manifest.blocks) + 1);
        const blocks = new Map<number, Uint8Array>([
            [0, file('block-0.block')],
            [1, file('block-1.header')],
            ...manifest.blocks.map((n) => [n, file(`block-${n}.block`)] as const),
        ]);
        return {
            channel: manifest.channel,
            chaincode: manifest.chaincode,
            endorsedQuery: () => Promise.resolve({ proposal: proposal(), prepared }),
            systemQuery: (transaction, args) =>
                Promise.resolve(
                    transaction === 'GetChainInfo' ? info.serializeBinary() : (blocks.get(Number(args[1])) ?? fail()),
                ),
        };
    }

    it('reads what the endorsements vouch for', async () => {
        const reads = new VerifiedReads(relay(file('whoami.prepared')), anchors());
        await expect(reads.read('WhoAmI', [])).resolves.toMatchObject({ chaincode: manifest.chaincode });
    });

    it('refuses a forged answer, and a configuration the anchors do not pin, with UNVERIFIED_READ', async () => {
        await expectRejection(
            new VerifiedReads(relay(forgedPrepared()), anchors()).read('WhoAmI', []),
            'UNVERIFIED_READ',
            /does not verify/,
        );
        const others = trustAnchorsFromFiles(anchorFiles.filter((f) => f.name !== 'Org2MSP.pem'));
        await expectRejection(
            new VerifiedReads(relay(file('whoami.prepared')), others).read('WhoAmI', []),
            'UNVERIFIED_READ',
            /the channel configuration: UNTRUSTED_CONFIG: Org2MSP is in the channel configuration but has no trust anchor/,
        );
    });

    it('takes trust anchors as the SDK folder holds them, refusing anything but CA certificates', () => {
        expect([...anchors().keys()].sort()).toContain('Org1MSP');
        expectError(
            () => trustAnchorsFromFiles([{ name: 'notes.txt', text: '' }]),
            'BAD_TRUST_ANCHORS',
            /no <MSPID>.pem/,
        );
        const leaf = blockOne().signatures[0]?.creator.certificate ?? '';
        expectError(
            () => trustAnchorsFromFiles([{ name: 'Org1MSP.pem', text: leaf }]),
            'BAD_TRUST_ANCHORS',
            /not a CA certificate/,
        );
    });
});

function fail(): never {
    throw new Error('missing test data');
}
