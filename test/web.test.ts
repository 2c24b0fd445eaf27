import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { keyPoints, SealpactError } from '@sealpact/protocol';
import { generateKeyPair } from '../client/src/crypto/keys';
import { parseLocator } from '../client/src/store/locator';
import { gatewaySigning } from '../client/src/sdk/gateway-signer';
import { WebGateway } from '../client/src/web/gateway';
import { Relay } from '../client/src/web/relay';
import { defined } from '../protocol/src/test-support/defined';
import { KAT_STROKES } from '../protocol/src/test-support/password-example';
import {
    draw,
    launchChromium,
    SCREENSHOTS,
    shownKeyPoints,
    signIn as signInAt,
    startTestGateway,
    until,
    verifyForAlice,
} from './support/browser';
import { IDENTITIES, profile, runId } from './support/fabric';
import { Parties } from './support/parties';

/**
 * The web app end to end (issue 12), in real headless Chromium on the real network: alice@Org1
 * and bob@Org2 each in a browser context of their own import their Fabric identity, generate and
 * register Sealpact keys in the page, alice draws and sends, bob's inbox shows the share live
 * (server-sent events), bob opens it byte for byte and signs; the gateway in between holds no key.
 */

jest.setTimeout(300_000);

const parties = new Parties();
const run = runId();
const PASSPHRASE = 'web test passphrase';
/** A pentagram drawn in one stroke: start, four bends, end and five crossings. */
const STAR = [
    [
        { x: 240, y: 20 },
        { x: 310, y: 300 },
        { x: 60, y: 110 },
        { x: 420, y: 110 },
        { x: 170, y: 300 },
        { x: 241, y: 22 },
    ],
];

let gateway: WebGateway;
let browser: Browser;
let alice: Page;
let bob: Page;
let bobId: string;
/** Every request body, finished response body and log line of the gateway, for the confidentiality check. */
const traffic: Buffer[] = [];

/** Record what a page sends to the gateway and what it gets back (event streams never finish: not those). */
function record(page: Page): void {
    page.on('requestfinished', (request) => {
        const body = request.postDataBuffer();
        if (body !== null) traffic.push(body);
        void request
            .response()
            .then((response) => response?.body())
            .then((bytes) => bytes && traffic.push(bytes))
            .catch(() => undefined);
    });
}
let daveId: string;
/** The file bob signed, for the auditor. */
let signedFileId: string;

/** alice sends `path` to `to` from the browser; the file id. */
async function sendFromBrowser(path: string, to: string): Promise<string> {
    const result = alice.getByTestId('send-result');
    const previous = await result.textContent();
    await alice
        .getByTestId('recipient-option')
        .and(alice.locator(`[value="${to}"]`))
        .check();
    await alice.getByTestId('file-input').setInputFiles(path);
    await draw(alice, STAR);
    await alice.getByTestId('send-button').click();
    await until(async () => (await result.textContent()) !== previous, 'a new file id');
    await alice
        .getByTestId('recipient-option')
        .and(alice.locator(`[value="${to}"]`))
        .uncheck();
    return defined(await result.textContent());
}

/** bob opens a file in his inbox and saves it; the saved bytes. */
async function openInBrowser(fileId: string): Promise<Buffer> {
    const item = bob.locator(`[data-testid="inbox-item"][data-file-id="${fileId}"]`);
    await item.waitFor();
    await item.getByTestId('open-button').click();
    await item.getByText('digest checked').waitFor();
    const [download] = await Promise.all([bob.waitForEvent('download'), item.getByTestId('save-link').click()]);
    return readFileSync(await download.path());
}

function signIn(page: Page, who: 'alice' | 'bob' | 'auditor', register = true): Promise<void> {
    return signInAt(page, gateway.url, who, PASSPHRASE, register);
}

/** The SealpactError a promise rejects with. */
async function refusalOf(promise: Promise<unknown>): Promise<SealpactError> {
    const outcome = await promise.then(
        () => undefined,
        (error: unknown) => error,
    );
    if (!(outcome instanceof SealpactError)) throw new Error('expected a refusal');
    return outcome;
}

/** The stored file of a locator in the test's fs store. */
function blobPath(locator: string): string {
    const { digest } = parseLocator(locator, 'fs');
    const found: string[] = [];
    const walk = (dir: string) => {
        for (const entry of readdirSync(dir)) {
            const path = join(dir, entry);
            if (statSync(path).isDirectory()) walk(path);
            else if (entry.includes(digest)) found.push(path);
        }
    };
    walk(parties.storeDir);
    return defined(found[0], `the stored blob ${locator}`);
}

beforeAll(async () => {
    gateway = await startTestGateway(parties, (line) => traffic.push(Buffer.from(line)));
    browser = await launchChromium();
    const page = async () => {
        const opened = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
        record(opened);
        return opened;
    };
    alice = await page();
    bob = await page();
    // bob first: the authority verifies him before alice looks for recipients.
    await signIn(bob, 'bob');
    bobId = defined(await bob.locator('#who').textContent());
    // dave uses the SDK: the browser and the SDK send to each other.
    const dave = await parties.as('dave');
    await dave.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
    daveId = (await dave.whoAmI()).partyId;
    await verifyForAlice(parties, [bobId, daveId], `hmac-${run}-web`);
    await signIn(alice, 'alice');
});

afterAll(async () => {
    await browser.close();
    await gateway.close();
    parties.close();
});

describe('the web app on the real network', () => {
    it('finds the same key points in the browser as the Node implementation', async () => {
        // The known-answer drawing of docs/password.md, drawn at exact canvas coordinates.
        for (const drawing of [KAT_STROKES, STAR]) {
            await alice.locator('#clear-pad').click();
            await draw(alice, drawing);
            const expected = keyPoints({ width: 480, height: 320, strokes: drawing });
            const markers = alice.getByTestId('key-point');
            await until(async () => (await markers.count()) === expected.length, `${expected.length} key points`);
            expect(await shownKeyPoints(alice)).toEqual(expected.map(({ kind, x, y }) => ({ kind, x, y })));
        }
        await alice.screenshot({ path: join(SCREENSHOTS, 'send-drawing.png'), fullPage: true });
        await alice.locator('#clear-pad').click();
    });

    it('offers only verified parties as recipients', async () => {
        const options = alice.getByTestId('recipient-option');
        await options.first().waitFor();
        const states = await Promise.all(
            (await options.all()).map(async (box) => ({
                partyId: await box.inputValue(),
                disabled: await box.isDisabled(),
            })),
        );
        expect(states).toContainEqual({ partyId: bobId, disabled: false });
        // The auditor never registers keys: listed, not pickable.
        const auditorId = `${IDENTITIES.auditor[0]}/${IDENTITIES.auditor[1]}`;
        expect(states).toContainEqual({ partyId: auditorId, disabled: true });
    });

    it('alice draws and sends, bob sees it arrive, opens it byte for byte and signs', async () => {
        const contract = randomBytes(3 * 1024 * 1024 + 17);
        const path = join(parties.dir, 'web-contract.bin');
        writeFileSync(path, contract);
        const fileId = await sendFromBrowser(path, bobId);
        expect(fileId).toMatch(/^f-[0-9a-f]{24}$/);
        await alice.screenshot({ path: join(SCREENSHOTS, 'send-result.png'), fullPage: true });

        // No reload: the share arrives through the event stream.
        expect((await openInBrowser(fileId)).equals(contract)).toBe(true);
        const item = bob.locator(`[data-testid="inbox-item"][data-file-id="${fileId}"]`);
        await item.getByTestId('sign-button').click();
        await bob.getByTestId('signatures').getByText(`signed by ${bobId}`).waitFor();
        signedFileId = fileId;
        await bob.screenshot({ path: join(SCREENSHOTS, 'inbox-signed.png'), fullPage: true });
        // Confidentiality: neither the plaintext nor a private key nor the passphrase ever reached the gateway.
        const secrets = [
            contract.subarray(1024 * 1024, 1024 * 1024 + 64),
            Buffer.from(PASSPHRASE),
            ...(['alice', 'bob'] as const).map((who) => {
                const [mspId, name] = IDENTITIES[who];
                const pem = readFileSync(defined(profile().orgs[mspId]?.identities[name]).key, 'utf8');
                return Buffer.from(defined(pem.split('\n')[1]));
            }),
        ];
        expect(traffic.length).toBeGreaterThan(20);
        for (const secret of secrets) {
            expect(traffic.filter((bytes) => bytes.includes(secret))).toEqual([]);
        }
        // Read at bob's own peer, which committed his signature.
        const bobSdk = await parties.as('bob');
        const signatures = await bobSdk.ledger.query<Array<{ signer: string }>>('GetSignatures', fileId);
        expect(signatures.map((s) => s.signer)).toEqual([bobId]);
    });

    it('interoperates with the SDK: a file the browser sends the SDK receives, and the other way', async () => {
        const toDave = join(parties.dir, 'web-to-dave.txt');
        writeFileSync(toDave, `From alice's browser to dave's SDK ${run}\n`.repeat(1000));
        const fileId = await sendFromBrowser(toDave, daveId);
        const dave = await parties.as('dave');
        const received = join(parties.dir, 'web-to-dave.out');
        await until(async () => (await dave.inbox()).some((entry) => entry.fileId === fileId), 'the share at Org1');
        await dave.receive(fileId, received);
        expect(readFileSync(received).equals(readFileSync(toDave))).toBe(true);

        const toBob = join(parties.dir, 'sdk-to-bob.bin');
        writeFileSync(toBob, randomBytes(100_000));
        const sent = await dave.send(toBob, { to: [bobId], suite: 'intl' });
        expect((await openInBrowser(sent.fileId)).equals(readFileSync(toBob))).toBe(true);
    });

    it('a proposal the gateway swaps after the browser signed it is refused by the peer', async () => {
        // The gateway's own relay, given the signature a browser made for one proposal, relays another.
        const net = profile();
        const [mspId, name] = IDENTITIES.alice;
        const identity = defined(net.orgs[mspId]?.identities[name]);
        const relay = new Relay(net);
        const certificate = readFileSync(identity.cert, 'utf8');
        const session = { id: 'test', mspId, certificate, partyId: `${mspId}/${name}`, expiresAt: Date.now() + 60_000 };
        try {
            const asked = relay.propose(session, 'GetParty', [bobId]);
            const swapped = relay.propose(session, 'GetParty', [daveId]);
            const signature = await gatewaySigning(readFileSync(identity.key)).signer(
                Buffer.from(asked.message, 'base64'),
            );
            const refused = await refusalOf(relay.evaluate(session, swapped.id, signature));
            expect(refused.code).toBe('LEDGER_ERROR');
            // The peer finds the creator's signature invalid and says so as Fabric does: access denied.
            expect(refused.message).toMatch(/error validating proposal: access denied/);
            const answer = await relay.evaluate(session, asked.id, signature);
            expect((JSON.parse(Buffer.from(answer).toString('utf8')) as { partyId: string }).partyId).toBe(bobId);
        } finally {
            relay.close();
        }
    });

    it('refuses a blob altered in the store: DIGEST_MISMATCH before any decryption', async () => {
        const path = join(parties.dir, 'web-small.txt');
        writeFileSync(path, 'a short contract\n');
        const fileId = await sendFromBrowser(path, bobId);
        const item = bob.locator(`[data-testid="inbox-item"][data-file-id="${fileId}"]`);
        await item.waitFor();
        const file = await (await parties.as('alice')).ledger.query<{ locator: string }>('GetFile', fileId);
        const stored = blobPath(file.locator);
        const bytes = readFileSync(stored);
        bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
        writeFileSync(stored, bytes);
        await item.getByTestId('open-button').click();
        await bob
            .getByTestId('error')
            .getByText(/^DIGEST_MISMATCH: /)
            .waitFor();
        expect(await item.getByTestId('save-link').isHidden()).toBe(true);
        await bob.screenshot({ path: join(SCREENSHOTS, 'inbox-refusal.png'), fullPage: true });
    });

    it("shows an auditor the file's trail, and no way to its plaintext", async () => {
        const auditor = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
        await signIn(auditor, 'auditor', false);
        await auditor.getByTestId('audit-file').fill(signedFileId);
        const trail = auditor.getByTestId('audit-trail');
        // The auditors' peer may commit bob's signature a moment after his own peer.
        await until(async () => {
            await auditor.getByTestId('audit-button').click();
            return (await trail.getByText(`signed by ${bobId}`).count()) === 1;
        }, "bob's signature in the trail");
        expect(await trail.getByText(`shared by ${IDENTITIES.alice.join('/')} (${bobId})`).count()).toBe(1);
        expect(await auditor.getByTestId('open-button').count()).toBe(0);
        await auditor.screenshot({ path: join(SCREENSHOTS, 'audit-trail.png'), fullPage: true });
        await auditor.context().close();
    });

    it('fits a phone-sized screen without sideways scrolling', async () => {
        const phone = await (
            await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true })
        ).newPage();
        await phone.goto(gateway.url);
        await phone.getByTestId('identity-import').waitFor();
        expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
        await phone.screenshot({ path: join(SCREENSHOTS, 'phone-sign-in.png'), fullPage: true });
        await phone.context().close();
    });
});
