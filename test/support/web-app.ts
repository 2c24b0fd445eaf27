import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { openStore } from '../../client/src/store/open-store';
import { startWebGateway, WebGateway } from '../../client/src/web/gateway';
import { defined } from '../../protocol/src/test-support/defined';
import { IdentityName } from '../../chaincode/src/test-support/fixtures';
import { shownOrRefused, until } from './browser';
import { IDENTITIES, profile, ROOT } from './fabric';
import { Parties } from './parties';

/** The web gateway of the tests: the local network, its trust anchors, the app as built, a free port. */
export function startTestGateway(
    storeDir: string,
    options: { log?: (line: string) => void; operationsPort?: number } = {},
): Promise<WebGateway> {
    const net = profile();
    return startWebGateway({
        profile: net,
        trustAnchorsDir: defined(typeof net.trustAnchors === 'string' ? net.trustAnchors : undefined),
        store: openStore(`fs://${storeDir}`),
        appDir: join(ROOT, 'web', 'dist'),
        port: 0,
        ...options,
    });
}

/**
 * Fill the sign-in screen with `who`'s MSP files and the passphrase, not submitted: its certificate
 * and key picked as two files, or its MSP folder picked whole.
 */
export async function fillSignIn(
    page: Page,
    url: string,
    who: IdentityName,
    passphrase: string,
    pick: 'files' | 'folder' = 'files',
): Promise<void> {
    const [mspId, name] = IDENTITIES[who];
    const identity = defined(profile().orgs[mspId]?.identities[name], `${who} in the profile`);
    await page.goto(url);
    await page.getByTestId('passphrase').fill(passphrase);
    await page.locator('#msp').selectOption(mspId);
    if (pick === 'folder') await page.getByTestId('msp-folder-import').setInputFiles(defined(identity.msp));
    else await page.getByTestId('identity-import').setInputFiles([identity.cert, identity.key]);
}

/** Open a file from the page's inbox and save it: the saved bytes. */
export async function openAndSave(page: Page, fileId: string): Promise<Buffer> {
    const item = page.locator(`[data-testid="inbox-item"][data-file-id="${fileId}"]`);
    await item.waitFor();
    await item.getByTestId('open-button').click();
    await item.getByText('digest checked').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), item.getByTestId('save-link').click()]);
    return readFileSync(await download.path());
}

/**
 * Sign `who` in to the web app at `url` (as `fillSignIn` picks its identity); then, when
 * `register`, generate and register Sealpact keys from the page.
 */
export async function signIn(
    page: Page,
    url: string,
    who: IdentityName,
    passphrase: string,
    register = true,
    pick: 'files' | 'folder' = 'files',
): Promise<void> {
    await fillSignIn(page, url, who, passphrase, pick);
    await page.getByTestId('signin-button').click();
    if (!register) {
        await page.locator('#keys-status').getByText('No Sealpact keys').waitFor();
        return;
    }
    await page.getByTestId('register-button').click();
    await shownOrRefused(page, page.locator('#keys-status').getByText('Keys registered'));
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
