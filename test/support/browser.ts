import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { ROOT } from './fabric';

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

/** Draw strokes on the page's drawing pad at exact canvas coordinates, one pointer move per point. */
export async function draw(page: Page, strokes: ReadonlyArray<ReadonlyArray<{ x: number; y: number }>>): Promise<void> {
    const box = await page.getByTestId('drawing-pad').boundingBox();
    if (box === null) throw new Error('the drawing pad is not on screen');
    for (const stroke of strokes) {
        const [first, ...rest] = stroke;
        if (first === undefined) continue;
        await page.mouse.move(box.x + first.x, box.y + first.y);
        await page.mouse.down();
        for (const point of rest) {
            await page.mouse.move(box.x + point.x, box.y + point.y);
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
