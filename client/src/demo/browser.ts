import { existsSync } from 'node:fs';
import { Browser, chromium, Locator, Page } from 'playwright-core';

/**
 * Real headless Chromium for the web app's demo step and browser tests: Debian's `chromium`
 * package (.ci/run installs it), driven by playwright-core, which downloads no browser of its own.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
    return existsSync(CHROMIUM);
}

export function launchChromium(): Promise<Browser> {
    // The sandbox needs user namespaces that a root CI container does not give.
    return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/**
 * Draw strokes on the page's drawing pad at exact canvas coordinates (its 480-unit grid), one
 * pointer move per point, scaled to the pad's size on screen (smaller on a phone).
 */
export async function draw(page: Page, strokes: ReadonlyArray<ReadonlyArray<{ x: number; y: number }>>): Promise<void> {
    const pad = page.getByTestId('drawing-pad');
    // The mouse acts on what is on screen, and the pad may be below the fold of a long form.
    await pad.scrollIntoViewIfNeeded();
    const box = await pad.boundingBox();
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

/** Wait until the page shows `shown`, or throw the refusal its error box shows instead. */
export async function shownOrRefused(page: Page, shown: Locator): Promise<void> {
    const error = page.getByTestId('error');
    await Promise.race([
        shown.waitFor(),
        error.waitFor().then(async () => {
            throw new Error(`the page refused: ${(await error.textContent()) ?? ''}`);
        }),
    ]);
}
