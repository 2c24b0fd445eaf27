import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Drawing } from '@sealpact/protocol';
import { Page } from 'playwright-core';
import { Sealpact } from '../sdk/sealpact';
import { loadProfile } from '../sdk/profile';
import { openStore } from '../store/open-store';
import { startWebGateway } from '../web/gateway';
import { CHROMIUM, draw, hasChromium, launchChromium, shownOrRefused } from './browser';

/**
 * The demo's web step (docs/web.md): Org1's web gateway serves the app, alice@Org1 signs in from
 * headless Chromium with her MSP files, makes and registers her keys in the page, draws, and sends
 * the contract to bob; bob's SDK receives it, checks it byte for byte and signs it. The gateway
 * relays only what the page signed and stores only ciphertext.
 */

export type Step = <T>(
    title: string,
    work: () => Promise<T> | T,
    detail?: (value: T) => string,
) => Promise<T | undefined>;

export interface WebDemo {
    dir: string;
    profilePath: string;
    store: string;
    appDir: string;
    alice: Sealpact;
    bob: Sealpact;
    contract: string;
    drawing: Drawing;
}

export async function webApp(demo: WebDemo, step: Step): Promise<void> {
    console.log('\n== The web app: alice in headless Chromium, bob with the SDK ==');
    if (!hasChromium()) {
        // The one step that needs a browser; the README says how to get one.
        console.log(
            `  skip  the web app — no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
        );
        return;
    }
    const profile = loadProfile(demo.profilePath);
    const [mspId, name] = (await demo.alice.whoAmI()).partyId.split('/') as [string, string];
    const identity = profile.orgs[mspId]?.identities[name];
    const trustAnchorsDir = profile.trustAnchors;
    if (identity === undefined || typeof trustAnchorsDir !== 'string') {
        console.log('  FAIL  the web app — the profile names no alice or no trust anchors');
        return;
    }
    const gateway = await step(
        'Org1 starts its web gateway (it holds no user key)',
        () =>
            startWebGateway({
                profile,
                trustAnchorsDir,
                store: openStore(demo.store),
                appDir: demo.appDir,
                port: 0,
            }),
        (g) => g.url,
    );
    if (!gateway) return;
    const browser = await launchChromium();
    try {
        const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
        // The channel's trust anchors, as the SDK's folder holds them: the page then verifies every read.
        const anchors = readdirSync(trustAnchorsDir)
            .filter((file) => file.endsWith('.pem'))
            .map((file) => join(trustAnchorsDir, file));
        await inBrowser(demo, step, page, gateway.url, { mspId, ...identity }, anchors);
    } finally {
        await browser.close();
        await gateway.close();
    }
}

async function inBrowser(
    demo: WebDemo,
    step: Step,
    page: Page,
    url: string,
    identity: { mspId: string; cert: string; key: string },
    anchors: string[],
): Promise<void> {
    const bobId = (await demo.bob.whoAmI()).partyId;
    const signedIn = await step(
        "alice opens it in Chromium, signs in with her MSP files and the channel's trust anchors, makes and registers SM2 keys in the page",
        async () => {
            await page.goto(url);
            await page.getByTestId('passphrase').fill('demo only');
            await page.locator('#msp').selectOption(identity.mspId);
            await page.getByTestId('identity-import').setInputFiles([identity.cert, identity.key]);
            await page.getByTestId('anchors-import').setInputFiles(anchors);
            await page.getByTestId('signin-button').click();
            await page.getByTestId('register-button').click();
            const status = page.locator('#keys-status').getByText('Keys registered');
            await shownOrRefused(page, status);
            return `${await status.textContent()}; ${await page.locator('#reads').textContent()}`;
        },
        (status) => status,
    );
    if (signedIn === undefined) return;
    const sent = await step(
        'alice picks bob (verified), drops the contract and draws; the page encrypts, seals and uploads',
        async () => {
            await page
                .getByTestId('recipient-option')
                .and(page.locator(`[value="${bobId}"]`))
                .check();
            await page.getByTestId('file-input').setInputFiles(demo.contract);
            await draw(page, demo.drawing.strokes);
            const points = await page.getByTestId('key-point').count();
            await page.getByTestId('send-button').click();
            const result = page.getByTestId('send-result');
            await shownOrRefused(page, result.getByText(/^f-/));
            return { fileId: (await result.textContent()) ?? '', points };
        },
        ({ fileId, points }) => `${fileId}, password from ${points} key points of her drawing`,
    );
    if (sent === undefined) return;
    const received = join(demo.dir, 'received-from-browser.txt');
    await step(
        "bob's SDK receives it, checks it byte for byte and signs it",
        async () => {
            await arrived(demo.bob, sent.fileId);
            await demo.bob.receive(sent.fileId, received);
            if (!readFileSync(received).equals(readFileSync(demo.contract))) throw new Error('contents differ');
            return demo.bob.sign(sent.fileId, received);
        },
        (signed) => `identical; tx ${signed.txId.slice(0, 12)}…`,
    );
}

/** Wait for the share at bob's own peer, which may commit it a moment after alice's. */
async function arrived(bob: Sealpact, fileId: string): Promise<void> {
    for (let tries = 0; !(await bob.inbox()).some((entry) => entry.fileId === fileId); tries++) {
        if (tries === 60) throw new Error(`${fileId} is not in bob's inbox`);
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
}
