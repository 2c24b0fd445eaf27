import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { openStore } from '../../client/src/store/open-store';
import { startWebGateway, WebGateway } from '../../client/src/web/gateway';
import { IdentityName } from '../../chaincode/src/test-support/fixtures';
import { defined } from '../../protocol/src/test-support/defined';
import { IDENTITIES, profile, ROOT } from './fabric';
import { Parties } from './parties';

/**
 * Real headless Chromium for the web app's tests: Debian's `chromium` package (.ci/run installs
 * it), driven by playwright-core, which downloads no browser of its own.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the tests save screenshots of the main screens. */
export const SCREENSHOTS = join(ROOT, 'test', 'screenshots');

export function launchChromium(): Promise<Browser> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The sandbox needs user namespaces that a root CI container does not give.
    return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/**
 * Draw strokes on the page's drawing pad at exact canvas coordinates (its 480-unit grid), one
 * pointer move per point, scaled to the pad's size on screen (smaller on a phone).
 */
export async function draw(page: Page, strokes: ReadonlyArray<ReadonlyArray<{ x: number; y: number }>>): Promise<void> {
    const box = await page.getByTestId('drawing-pad').boundingBox();
    if (box === null) throw new Error('the drawing pad is not on screen');
    const scale = box.width / 480;
    for (const stroke of strokes) {
        const [first, ...rest] = stroke;
        if (first === undefined) continue;
        await page.mouse.move(box.x + first.x * scale, box.y + first.y * scale);
        await page.mouse.down();
        for (const point of rest) {
            await page.mouse.move(box.x + point.x * scale, box.y + point.y * scale);
        }
        await page.mouse.up();
    }
}

/** The key points the page shows as markers, in their order. */
export async function shownKeyPoints(page: Page): Promise<Array<{ kind: string; x: number; y: number }>> {
    const markers = await page.getByTestId('key-point').all();
    return Promise.all(
        markers.map(async (marker) => ({
            kind: (await marker.getAttribute('data-kind')) ?? '',
            x: Number(await marker.getAttribute('data-x')),
            y: Number(await marker.getAttribute('data-y')),
        })),
    );
}

/** Wait until `check` holds, polling (the page updates on its own time). */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

/**
 * Sign `who` in to the web app at `url` by importing its MSP certificate and key; then, when
 * `register`, generate and register Sealpact keys from the page.
 */
export async function signIn(
    page: Page,
    url: string,
    who: IdentityName,
    passphrase: string,
    register = true,
): Promise<void> {
    const [mspId, name] = IDENTITIES[who];
    const identity = defined(profile().orgs[mspId]?.identities[name], `${who} in the profile`);
    await page.goto(url);
    await page.getByTestId('passphrase').fill(passphrase);
    await page.locator('#msp').selectOption(mspId);
    await page.getByTestId('identity-import').setInputFiles([identity.cert, identity.key]);
    await page.getByTestId('signin-button').click();
    if (!register) {
        await page.locator('#keys-status').getByText('No Sealpact keys').waitFor();
        return;
    }
    await page.getByTestId('register-button').click();
    const error = page.getByTestId('error');
    const registered = page.locator('#keys-status').getByText('Keys registered');
    await until(async () => {
        if (await error.isVisible()) throw new Error(`${who}'s page refused to register: ${await error.textContent()}`);
        return registered.isVisible();
    }, `${who}'s keys registered`);
}

/** A web gateway on the local network's profile and trust anchors, over the parties' fs store, on a free port. */
export function startTestGateway(parties: Parties, log?: (line: string) => void): Promise<WebGateway> {
    const net = profile();
    return startWebGateway({
        profile: net,
        trustAnchorsDir: defined(typeof net.trustAnchors === 'string' ? net.trustAnchors : undefined),
        store: openStore(`fs://${parties.storeDir}`),
        appDir: join(ROOT, 'web', 'dist'),
        port: 0,
        ...(log && { log }),
    });
}

/**
 * The authority verifies each party (serials unique to `serialPrefix`), and the test waits until
 * Org1's peer, where alice's page looks for recipients, has committed the verifications too.
 */
export async function verifyForAlice(parties: Parties, partyIds: string[], serialPrefix: string): Promise<void> {
    const verifier = await parties.as('verifier');
    for (const [i, partyId] of partyIds.entries()) {
        await verifier.recordVerification(partyId, { serial: `${serialPrefix}-${i}`, level: 'high' });
    }
    const aliceSdk = await parties.as('alice');
    await until(async () => {
        const verified = await Promise.all(
            partyIds.map(async (id) => (await aliceSdk.ledger.query<{ verified: boolean }>('GetParty', id)).verified),
        );
        return verified.every(Boolean);
    }, 'the verifications at Org1');
}
