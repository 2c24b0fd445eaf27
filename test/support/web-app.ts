import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { openStore } from '../../client/src/store/open-store';
import { startWebGateway, WebGateway } from '../../client/src/web/gateway';
import { defined } from '../../protocol/src/test-support/defined';
import { IdentityName } from '../../chaincode/src/test-support/fixtures';
import { IDENTITIES, profile, ROOT } from './fabric';

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
