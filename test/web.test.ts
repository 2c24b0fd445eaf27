import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { base64ToBytes, keyPoints, SealpactError, sm2Open } from '@sealpact/protocol';
import { generateKeyPair } from '../client/src/crypto/keys';
import { runCli } from '../client/src/test-support/cli-process';
import { findLeaks, privateKeySecrets, Secret } from '../client/src/test-support/leak-scan';
import { parseLocator } from '../client/src/store/locator';
import { gatewaySigning } from '../client/src/sdk/gateway-signer';
import { WebGateway } from '../client/src/web/gateway';
import { Relay } from '../client/src/web/relay';
import { defined } from '../protocol/src/test-support/defined';
import { KAT_STROKES } from '../protocol/src/test-support/password-example';
import { draw, launchChromium, SCREENSHOTS, shownKeyPoints, until } from './support/browser';
import { IDENTITIES, profile, PROFILE_PATH, ROOT, runId } from './support/fabric';
import { Parties, PASSPHRASE as KEYRING_PASSPHRASE } from './support/parties';
import { TcpProxy } from './support/tcp-proxy';
import { openAndSave, signIn as signInAt, startTestGateway, verifyForAlice } from './support/web-app';

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
/**
 * For the confidentiality check, every byte between the browsers and the gateway as it crossed the
 * wire (the browsers reach the gateway through a recording proxy: requests, responses and event
 * streams as the gateway wrote them, each event at once), the bodies as the pages saw them, and the
 * gateway's log; by where they were recorded.
 */
const traffic = new Map<string, Buffer[]>();
/** Off for the large file of the memory test, whose parts the confidentiality check does not need. */
let recording = true;
function keep(where: string, bytes: Buffer): void {
    if (!recording) return;
    const kept = traffic.get(where);
    if (kept) kept.push(bytes);
    else traffic.set(where, [bytes]);
}
let wire: TcpProxy;
/** What the pages' own crypto was given to seal, seen from outside the app (below): their vaults. */
const sealedByPages: string[] = [];
/** The files alice sent from her browser, whose passwords the check looks for. */
const sentFromBrowser: string[] = [];
/** What the test reads of a page's vault (web/src/vault.ts): whose it is, and the Sealpact private keys, hex. */
interface SealedVault {
    certificate: string;
    keys?: { encryption: { privateKey: string; publicKey: string }; signing: { privateKey: string } };
}
/** The files bob opened in his browser. */
const openedByBob: string[] = [];
/** The secrets the flow handled, which must be found nowhere in `traffic`. */
const secrets: Secret[] = [];

/**
 * Watch the page's WebCrypto from outside the app: an init script runs before the app's code and
 * passes the small JSON plaintexts the page encrypts (its vault: the Fabric identity and the
 * Sealpact private keys) to the test, which can then look for those keys in the traffic.
 */
const OBSERVE_SEALING = `(() => {
    const encrypt = SubtleCrypto.prototype.encrypt;
    SubtleCrypto.prototype.encrypt = function (algorithm, key, data) {
        const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
        if (bytes.length < 65536 && bytes[0] === 0x7b) window.sealpactTestSealed(new TextDecoder().decode(bytes));
        return encrypt.call(this, algorithm, key, data);
    };
})();`;

/** Record what a page sends to the gateway and what it gets back, as the page sees them. */
function record(page: Page): void {
    page.on('requestfinished', (request) => {
        const body = request.postDataBuffer();
        if (body !== null) keep('page requests', body);
        void request
            .response()
            .then((response) => response?.body())
            .then((bytes) => bytes && keep('page responses', bytes))
            .catch(() => undefined);
    });
}

/** A browser context whose traffic and sealing are recorded. */
async function recordedPage(viewport: { width: number; height: number }, hasTouch = false): Promise<Page> {
    const context = await browser.newContext({ viewport, hasTouch, proxy: { server: `http://${wire.endpoint}` } });
    await context.exposeFunction('sealpactTestSealed', (text: string) => sealedByPages.push(text));
    await context.addInitScript(OBSERVE_SEALING);
    const page = await context.newPage();
    record(page);
    return page;
}
let daveId: string;
/** The file bob signed, for the auditor. */
let signedFileId: string;

/** alice sends `path` to `to` from the browser, in `suite`; the file id. */
async function sendFromBrowser(path: string, to: string, suite: 'intl' | 'gm' = 'intl'): Promise<string> {
    const result = alice.getByTestId('send-result');
    const previous = await result.textContent();
    await alice.getByTestId(`suite-${suite}`).check();
    await alice
        .getByTestId('recipient-option')
        .and(alice.locator(`[value="${to}"]`))
        .check();
    await alice.getByTestId('file-input').setInputFiles(path);
    await draw(alice, STAR);
    await alice.getByTestId('send-button').click();
    await until(async () => (await result.textContent()) !== previous, 'a new file id');
    sentFromBrowser.push(defined(await result.textContent()));
    await alice
        .getByTestId('recipient-option')
        .and(alice.locator(`[value="${to}"]`))
        .uncheck();
    return defined(await result.textContent());
}

function identityOf(who: 'alice' | 'bob'): { cert: string; key: string } {
    const [mspId, name] = IDENTITIES[who];
    return defined(profile().orgs[mspId]?.identities[name], `${who} in the profile`);
}

/** bob opens a file in his inbox and saves it; the saved bytes. */
async function openInBrowser(fileId: string): Promise<Buffer> {
    const saved = await openAndSave(bob, fileId);
    openedByBob.push(fileId);
    return saved;
}

function signIn(page: Page, who: 'alice' | 'bob' | 'auditor', register = true): Promise<void> {
    // alice and bob pick their two files; the auditor his MSP folder itself, as a file dialog can.
    return signInAt(page, gateway.url, who, PASSPHRASE, register, who === 'auditor' ? 'folder' : 'files');
}

/**
 * The most the page holds while `run` runs, above what it held before: its V8 heap and the
 * ArrayBuffers' backing stores outside it (CDP Runtime.getHeapUsage), sampled as it goes, each
 * sample after a garbage collection so that it counts what the page keeps, not what it dropped.
 */
async function peakPageMemory<T>(page: Page, run: () => Promise<T>): Promise<{ result: T; growth: number }> {
    const cdp = await page.context().newCDPSession(page);
    const used = async () => {
        await cdp.send('HeapProfiler.collectGarbage');
        const heap = await cdp.send('Runtime.getHeapUsage');
        return heap.usedSize + heap.backingStorageSize;
    };
    const baseline = await used();
    let peak = baseline;
    const stop = new AbortController();
    const sampling = (async () => {
        while (!stop.signal.aborted) {
            peak = Math.max(peak, await used());
            await new Promise((resolve) => setTimeout(resolve, 20));
        }
    })();
    try {
        const result = await run();
        return { result, growth: peak - baseline };
    } finally {
        stop.abort();
        await sampling;
        await cdp.detach();
    }
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
    gateway = await startTestGateway(parties.storeDir, {
        operationsPort: 0,
        log: (line) => {
            keep('gateway log', Buffer.from(`${line}\n`));
        },
    });
    // Chromium sends plain-HTTP requests to a proxy in absolute form, which the gateway serves as
    // it would the same request sent to it directly (same origin, same cookies).
    wire = await TcpProxy.start(new URL(gateway.url).host, (stream, bytes) => {
        keep(`the wire, ${stream}`, bytes);
    });
    browser = await launchChromium();
    const page = () => recordedPage({ width: 1280, height: 800 });
    alice = await page();
    bob = await page();
    // dave uses the SDK: the browser and the SDK send to each other. First, since the SDK waits
    // out a network just brought up (chaincode servers still starting), where a page's first
    // transaction would be refused.
    const dave = await parties.as('dave');
    await dave.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
    daveId = (await dave.whoAmI()).partyId;
    // bob next: the authority verifies him before alice looks for recipients.
    await signIn(bob, 'bob');
    bobId = defined(await bob.locator('#who').textContent());
    await verifyForAlice(parties, [bobId, daveId], `hmac-${run}-web`);
    await signIn(alice, 'alice');
});

afterAll(async () => {
    await browser.close();
    await wire.close();
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
        secrets.push(
            { name: "the contract's first bytes", bytes: contract.subarray(0, 64) },
            { name: "the contract's middle bytes", bytes: contract.subarray(1024 * 1024, 1024 * 1024 + 64) },
        );
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
        secrets.push(
            { name: 'the file to dave', bytes: readFileSync(toDave).subarray(0, 64) },
            { name: "dave's file to bob", bytes: readFileSync(toBob).subarray(0, 64) },
        );
    });

    it('interoperates with the sealpact CLI: it receives a file the browser sent, and sends one the browser opens', async () => {
        // dave's CLI, with the keyring his SDK session registered (the CLI's docs: a keyring folder
        // and a passphrase file), in its own process, on the same profile and blob store.
        const passphraseFile = join(parties.dir, 'dave-passphrase');
        writeFileSync(passphraseFile, `${KEYRING_PASSPHRASE}\n`, { mode: 0o600 });
        const daveCli = (...argv: string[]) =>
            runCli(
                [join(ROOT, 'client', 'dist', 'cli', 'main.js')],
                [
                    ...argv,
                    ...['--identity', IDENTITIES.dave[1], '--profile', PROFILE_PATH],
                    ...['--store', `fs://${parties.storeDir}`, '--keyring', join(parties.dir, 'keyrings', 'dave')],
                    ...['--passphrase-file', passphraseFile, '--json'],
                ],
            );
        const toDave = join(parties.dir, 'web-to-dave-cli.bin');
        writeFileSync(toDave, randomBytes(200_000));
        const fileId = await sendFromBrowser(toDave, daveId);
        const received = join(parties.dir, 'web-to-dave-cli.out');
        await until(async () => (await daveCli('inbox')).stdout.includes(fileId), "the share in dave's inbox at Org1");
        const got = await daveCli('get', '--file-id', fileId, '--out', received);
        expect([got.code, got.stderr]).toEqual([0, '']);
        expect(readFileSync(received).equals(readFileSync(toDave))).toBe(true);

        const toBob = join(parties.dir, 'cli-to-bob.bin');
        writeFileSync(toBob, randomBytes(150_000));
        const sent = await daveCli('send', '--to', bobId, '--suite', 'intl', '--in', toBob);
        expect([sent.code, sent.stderr]).toEqual([0, '']);
        const { fileId: cliFileId } = JSON.parse(sent.stdout) as { fileId: string };
        expect((await openInBrowser(cliFileId)).equals(readFileSync(toBob))).toBe(true);
        secrets.push(
            { name: "the browser's file to dave's CLI", bytes: readFileSync(toDave).subarray(0, 64) },
            { name: "dave's CLI's file to bob", bytes: readFileSync(toBob).subarray(0, 64) },
        );
    });

    it('refuses to sign a proposal the gateway altered, which the gateway counts: PROPOSAL_MISMATCH', async () => {
        const refusals = async () => {
            const metrics = await (await fetch(new URL('metrics', gateway.operationsUrl))).text();
            return Number(
                /\nsealpact_web_browser_refusals_total\{code="PROPOSAL_MISMATCH"\} (\d+)\n/.exec(metrics)?.[1] ?? 0,
            );
        };
        const before = await refusals();
        // On its way to the gateway, the page's request for a proposal is altered once: the
        // gateway builds one for another file than the page asked for.
        await alice.route(
            '**/api/proposals',
            async (route) => {
                const asked = JSON.parse(route.request().postData() ?? '{}') as { args: string[] };
                const altered = { ...asked, args: asked.args.map((arg) => `${arg}-other`) };
                await route.continue({ postData: JSON.stringify(altered) });
            },
            { times: 1 },
        );
        await alice.getByTestId('audit-file').fill(signedFileId);
        await alice.getByTestId('audit-button').click();
        await alice
            .getByTestId('error')
            .getByText(/^PROPOSAL_MISMATCH: /)
            .waitFor();
        await until(async () => (await refusals()) === before + 1, 'the refusal counted by the gateway');
        const metrics = await (await fetch(new URL('metrics', gateway.operationsUrl))).text();
        expect(metrics).not.toMatch(/alice|BEGIN CERTIFICATE|f-[0-9a-f]{24}|sha256-tree:/);
    });

    it('sends and opens gm files: the browser to the SDK and to a browser, the SDK to the browser', async () => {
        const toDave = join(parties.dir, 'web-gm-to-dave.bin');
        writeFileSync(toDave, randomBytes(2 * 1024 * 1024 + 9));
        const fileId = await sendFromBrowser(toDave, daveId, 'gm');
        const dave = await parties.as('dave');
        await until(async () => (await dave.inbox()).some((entry) => entry.fileId === fileId), 'the share at Org1');
        const received = join(parties.dir, 'web-gm-to-dave.out');
        expect((await dave.receive(fileId, received)).suite).toBe('gm');
        expect(readFileSync(received).equals(readFileSync(toDave))).toBe(true);

        const toBob = join(parties.dir, 'web-gm-to-bob.bin');
        writeFileSync(toBob, randomBytes(1024 * 1024 + 3));
        expect((await openInBrowser(await sendFromBrowser(toBob, bobId, 'gm'))).equals(readFileSync(toBob))).toBe(true);

        const fromSdk = join(parties.dir, 'sdk-gm-to-bob.bin');
        writeFileSync(fromSdk, randomBytes(100_000));
        const sent = await dave.send(fromSdk, { to: [bobId], suite: 'gm' });
        expect((await openInBrowser(sent.fileId)).equals(readFileSync(fromSdk))).toBe(true);
    });

    it('sends and opens a 96 MiB file holding a bounded part of it in the page', async () => {
        const size = 96 * 1024 * 1024;
        const path = join(parties.dir, 'web-large.bin');
        writeFileSync(path, randomBytes(size));
        recording = false;
        try {
            const sending = await peakPageMemory(alice, () => sendFromBrowser(path, bobId));
            const opening = await peakPageMemory(bob, async () => {
                expect((await openInBrowser(sending.result)).equals(readFileSync(path))).toBe(true);
            });
            // A page that held the file (or its container) whole would grow past its size.
            expect(sending.growth).toBeLessThan(size / 2);
            expect(opening.growth).toBeLessThan(size / 2);
        } finally {
            recording = true;
        }
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
        const auditor = await recordedPage({ width: 1280, height: 800 });
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
        const phone = await recordedPage({ width: 390, height: 844 }, true);
        await phone.goto(gateway.url);
        await phone.getByTestId('identity-import').waitFor();
        expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
        await phone.screenshot({ path: join(SCREENSHOTS, 'phone-sign-in.png'), fullPage: true });
        await phone.context().close();
    });
    it('no byte the gateway handled or logged holds a plaintext, a file password, a private key or the passphrase', async () => {
        const [aliceSdk, bobSdk] = [await parties.as('alice'), await parties.as('bob')];
        // The pages' Sealpact keys, as their vaults held them (alice's and bob's, each sealed at registration).
        const vaults = sealedByPages.map((text) => JSON.parse(text) as SealedVault);
        const keysOf = (who: 'alice' | 'bob') => {
            const certificate = readFileSync(identityOf(who).cert, 'utf8').trim();
            const kept = vaults.filter((vault) => vault.certificate.trim() === certificate && vault.keys);
            return defined(kept.at(-1)?.keys, `${who}'s page keys`);
        };
        const pageKeys = { alice: keysOf('alice'), bob: keysOf('bob') };
        // Each file's password, opened from its owner's (or bob's) credential with the page's key.
        const passwordOf = async (fileId: string, who: 'alice' | 'bob') => {
            const sdk = who === 'alice' ? aliceSdk : bobSdk;
            const credential = await sdk.ledger.query<{ envelope: string }>('GetCredential', fileId);
            return sm2Open(pageKeys[who].encryption.privateKey, defined(base64ToBytes(credential.envelope)));
        };
        const received = openedByBob.filter((fileId) => !sentFromBrowser.includes(fileId));
        const all: Secret[] = [
            ...secrets,
            { name: 'the passphrase', bytes: Buffer.from(PASSPHRASE) },
            ...(['alice', 'bob'] as const).flatMap((who) => [
                ...privateKeySecrets(`${who}'s Fabric key`, readFileSync(identityOf(who).key, 'utf8')),
                { name: `${who}'s SM2 encryption key`, bytes: Buffer.from(pageKeys[who].encryption.privateKey, 'hex') },
                { name: `${who}'s SM2 signing key`, bytes: Buffer.from(pageKeys[who].signing.privateKey, 'hex') },
            ]),
            ...(await Promise.all(
                sentFromBrowser.map(async (id) => ({
                    name: `the password of ${id}`,
                    bytes: await passwordOf(id, 'alice'),
                })),
            )),
            ...(await Promise.all(
                received.map(async (fileId) => ({
                    name: `the password of ${fileId}`,
                    bytes: await passwordOf(fileId, 'bob'),
                })),
            )),
        ];
        // Each of them really was in play: sent files, bob's received ones and the event streams.
        expect(sentFromBrowser.length).toBeGreaterThanOrEqual(4);
        expect(received.length).toBeGreaterThanOrEqual(2);
        const recorded = new Map([...traffic].map(([where, chunks]) => [where, Buffer.concat(chunks)]));
        const onTheWire = Buffer.concat(
            [...recorded].filter(([where]) => where.startsWith('the wire')).map(([, bytes]) => bytes),
        );
        // The 3 MiB contract went up as ciphertext and came down again; bob's event stream was live.
        expect(onTheWire.length).toBeGreaterThan(6 * 1024 * 1024);
        expect(onTheWire.includes('text/event-stream')).toBe(true);
        expect(onTheWire.includes('\ndata: {"name":"FileShared"')).toBe(true);
        // A control: the public keys the pages registered (PEM in JSON requests, then inside the
        // proposals) are found, as private keys sent the same way would be.
        for (const who of ['alice', 'bob'] as const) {
            const published = {
                name: `${who}'s SM2 public key`,
                bytes: Buffer.from(pageKeys[who].encryption.publicKey, 'hex'),
            };
            expect(findLeaks(recorded, [published])).not.toEqual([]);
        }
        expect(findLeaks(recorded, all)).toEqual([]);
    });
});
