import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { launchChromium as launch } from '../../client/src/demo/browser';
import { ROOT } from './fabric';

/** Real headless Chromium for the web app's tests, as the demo's web step drives it. */
export { draw, shownOrRefused } from '../../client/src/demo/browser';
/** Where the tests save screenshots of the main screens. */
export const SCREENSHOTS = join(ROOT, 'test', 'screenshots');

export function launchChromium(): Promise<Browser> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    return launch();
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
