import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gateway as gatewayProtos } from '@hyperledger/fabric-protos';
import { Browser, Page, Route } from 'playwright-core';
import { PartyView } from '@sealpact/protocol';
import { generateKeyPair } from '../client/src/crypto/keys';
import { openStore } from '../client/src/store/open-store';
import { startWebGateway, WebGateway } from '../client/src/web/gateway';
import { defined } from '../protocol/src/test-support/defined';
import { KAT_STROKES } from '../protocol/src/test-support/password-example';
import { draw, launchChromium, until } from './support/browser';
import { IDENTITIES, profile, runId } from './support/fabric';
import { Parties } from './support/parties';
import { rewriteResultJson } from './support/tamper';

/**
 * Verified reads in the browser (issue 12), in real headless Chromium on the real network: alice and
 * bob import the channel's trust anchors with their identity, so every query the page makes is
 * endorsed by the organisations the policy needs and checked in the page (web/src/verified-read.ts).
 * A gateway that substitutes another key for bob's in what it relays is caught before anything is
 * sealed or sent, and the normal send and open still work.
 */

jest.setTimeout(300_000);

const parties = new Parties();
const run = runId();
const PASSPHRASE = 'web verify test passphrase';
let gateway: WebGateway;
let browser: Browser;
let alice: Page;
let bob: Page;
let bobId: string;
let anchorFiles: string[];
let fileDir: string;
/** The file alice sent, whose trail both pages read when timed. */
let sentFileId: string;

async function signIn(page: Page, who: 'alice' | 'bob', anchors: string[]): Promise<void> {
    const [mspId, name] = IDENTITIES[who];
    const identity = defined(profile().orgs[mspId]?.identities[name], `${who} in the profile`);
    await page.goto(gateway.url);
    await page.getByTestId('passphrase').fill(PASSPHRASE);
    await page.locator('#msp').selectOption(mspId);
    await page.getByTestId('identity-import').setInputFiles([identity.cert, identity.key]);
    if (anchors.length > 0) await page.getByTestId('anchors-import').setInputFiles(anchors);
    await page.getByTestId('signin-button').click();
    await page.getByTestId('register-button').click();
    const error = page.getByTestId('error');
    await until(
        async () =>
            (await error.isVisible()) || (await page.locator('#keys-status').getByText('Keys registered').isVisible()),
        'keys registered, or an error',
    );
    expect(await error.isVisible()).toBe(false);
}

/** alice picks bob, a file and a drawing, and presses send. */
async function pressSend(path: string): Promise<void> {
    await alice
        .getByTestId('recipient-option')
        .and(alice.locator(`[value="${bobId}"]`))
        .check();
    await alice.getByTestId('file-input').setInputFiles(path);
    await alice.locator('#clear-pad').click();
    await draw(alice, KAT_STROKES);
    await alice.getByTestId('send-button').click();
}

/** The durations (ms) of the page's reads of GetFile, by kind (gateway-client.ts measures each). */
async function readDurations(page: Page, kind: 'read' | 'verified-read'): Promise<number[]> {
    return page.evaluate(
        (name) => performance.getEntriesByName(name).map((entry) => entry.duration),
        `sealpact:${kind} GetFile`,
    );
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

beforeAll(async () => {
    const net = profile();
    const anchorsDir = defined(typeof net.trustAnchors === 'string' ? net.trustAnchors : undefined);
    anchorFiles = readdirSync(anchorsDir)
        .filter((name) => name.endsWith('.pem'))
        .map((name) => join(anchorsDir, name));
    fileDir = mkdtempSync(join(tmpdir(), 'sealpact-web-verify-'));
    gateway = await startWebGateway({
        profile: net,
        trustAnchorsDir: anchorsDir,
        store: openStore(`fs://${parties.storeDir}`),
        appDir: join(__dirname, '..', 'web', 'dist'),
        port: 0,
        log: () => undefined,
    });
    // A network that has just started may have endorsers still connecting to their chaincode: wait
    // until a query is endorsed by the policy's organisations before the pages rely on it.
    const aliceSdk = await parties.as('alice');
    await until(
        () =>
            aliceSdk.ledger.read('WhoAmI').then(
                () => true,
                () => false,
            ),
        'endorsements from the organisations the policy needs',
        120_000,
    );
    browser = await launchChromium();
    const page = async () => (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    alice = await page();
    bob = await page();
    await signIn(bob, 'bob', anchorFiles);
    bobId = defined(await bob.locator('#who').textContent());
    const verifier = await parties.as('verifier');
    await verifier.recordVerification(bobId, { serial: `hmac-${run}-web-verify`, level: 'high' });
    await until(
        async () => (await aliceSdk.ledger.query<{ verified: boolean }>('GetParty', bobId)).verified,
        'the verification at Org1',
    );
    await signIn(alice, 'alice', anchorFiles);
});

afterAll(async () => {
    await browser.close();
    await gateway.close();
    parties.close();
});

describe('verified reads in the web app on the real network', () => {
    it('sends and opens with every read verified against the imported trust anchors', async () => {
        expect(await alice.getByTestId('reads').textContent()).toBe(
            `Reads verified against ${anchorFiles.length} organisations' trust anchors`,
        );
        const reads: string[] = [];
        alice.on('request', (request) => {
            if (/\/api\/proposals\/[0-9]+\/(read|evaluate)$/.test(request.url())) reads.push(request.url());
        });
        const content = randomBytes(64 * 1024);
        const path = join(fileDir, `web-verify-${run}.bin`);
        writeFileSync(path, content);
        await pressSend(path);
        await until(async () => ((await alice.getByTestId('send-result').textContent()) ?? '') !== '', 'a file id');
        const fileId = defined(await alice.getByTestId('send-result').textContent());
        sentFileId = fileId;
        // The recipient's key was read again at send, endorsed and checked: a /read, never an /evaluate.
        expect(reads.some((url) => url.endsWith('/read'))).toBe(true);
        expect(reads.filter((url) => url.endsWith('/evaluate'))).toEqual([]);

        const item = bob.locator(`[data-testid="inbox-item"][data-file-id="${fileId}"]`);
        await item.waitFor();
        await item.getByTestId('open-button').click();
        await item.getByText('digest checked').waitFor();
        const [download] = await Promise.all([bob.waitForEvent('download'), item.getByTestId('save-link').click()]);
        expect(readFileSync(await download.path()).equals(content)).toBe(true);
    });

    it("refuses with UNVERIFIED_READ a gateway that substitutes another key for bob's, and sends nothing", async () => {
        const substitute = generateKeyPair('sm2').publicKey.pem;
        let forged = 0;
        // The gateway's answer to the page's reads, as a gateway that lies would relay it: bob's
        // keys replaced by the gateway's own in the endorsed response (endorsements left as they are).
        await alice.route('**/api/proposals/*/read', async (route: Route) => {
            const response = await route.fetch();
            const body = (await response.json()) as { prepared: string };
            const prepared = gatewayProtos.PreparedTransaction.deserializeBinary(Buffer.from(body.prepared, 'base64'));
            const endorsed = new gatewayProtos.EndorseResponse();
            endorsed.setPreparedTransaction(prepared.getEnvelope());
            const seen = { bob: false };
            const rewritten = rewriteResultJson(endorsed, (party: PartyView) => {
                seen.bob = party.partyId === bobId;
                return seen.bob
                    ? { ...party, keys: party.keys.map((key) => ({ ...key, publicKeyPem: substitute })) }
                    : party;
            });
            if (seen.bob) {
                forged++;
                prepared.setEnvelope(rewritten.getPreparedTransaction());
                body.prepared = Buffer.from(prepared.serializeBinary()).toString('base64');
            }
            await route.fulfill({ response, json: body });
        });
        const sent: string[] = [];
        alice.on('request', (request) => {
            const body = request.postData() ?? '';
            if (request.method() === 'PUT' || body.includes('"ShareFile"')) sent.push(request.url());
        });
        const path = join(fileDir, `web-verify-forged-${run}.bin`);
        writeFileSync(path, randomBytes(1024));
        const error = alice.getByTestId('error');
        await pressSend(path);
        await error.waitFor();
        expect(await error.textContent()).toMatch(/^UNVERIFIED_READ: GetParty: .*does not verify/);
        expect(forged).toBeGreaterThan(0);
        expect(sent).toEqual([]);
        await alice.unroute('**/api/proposals/*/read');
        await alice
            .getByTestId('recipient-option')
            .and(alice.locator(`[value="${bobId}"]`))
            .uncheck();
    });

    it('measures a verified read against the plain read of the same query (logged, not asserted)', async () => {
        // A page without trust anchors reads as before: the gateway's relay of one peer's answer.
        const plain = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
        await signIn(plain, 'alice', []);
        // Rounds alternate between the two pages: each reads the trail of the file sent, its GetFile timed.
        const ROUNDS = 5;
        const earlier = {
            verified: (await readDurations(alice, 'verified-read')).length,
            plain: (await readDurations(plain, 'read')).length,
        };
        for (let round = 0; round < ROUNDS; round++) {
            for (const [page, kind] of [
                [alice, 'verified-read'],
                [plain, 'read'],
            ] as const) {
                const before = (await readDurations(page, kind)).length;
                await page.getByTestId('audit-file').fill(sentFileId);
                await page.getByTestId('audit-button').click();
                await until(async () => (await readDurations(page, kind)).length > before, 'the trail read');
            }
        }
        const verified = (await readDurations(alice, 'verified-read')).slice(earlier.verified);
        const unverified = (await readDurations(plain, 'read')).slice(earlier.plain);
        console.log(
            `GetFile in Chromium, ${ROUNDS} alternating rounds: verified read median ${median(verified).toFixed(1)} ms ` +
                `(min ${Math.min(...verified).toFixed(1)}), plain read median ${median(unverified).toFixed(1)} ms ` +
                `(min ${Math.min(...unverified).toFixed(1)})`,
        );
        expect(verified).toHaveLength(ROUNDS);
        expect(unverified).toHaveLength(ROUNDS);
        await plain.context().close();
    });
});
