import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { ContractView, SignatureRecordV3 } from '@sealpact/protocol';
import { WebGateway } from '../client/src/web/gateway';
import { defined } from '../protocol/src/test-support/defined';
import { draw, launchChromium, SCREENSHOTS, until } from './support/browser';
import { IDENTITIES, runId } from './support/fabric';
import { Parties } from './support/parties';
import { signIn, startTestGateway, verifyForAlice } from './support/web-app';

/**
 * The contract lifecycle in the web app (issue 12), in real headless Chromium on the real network:
 * alice@Org1 sends contracts with a signing plan and a deadline from the Send screen, bob@Org2 and
 * carol@Org2 sign them in the plan's order or decline with a reason from their inboxes, alice's page
 * follows each contract live, the chaincode's refusals show with their codes, alice grants carol
 * access to a file; and the signed-in screens fit a phone.
 */

jest.setTimeout(300_000);

const parties = new Parties();
const run = runId();
const PASSPHRASE = 'web contracts test passphrase';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** A zigzag across the pad in one stroke: its start, its end and eight bends, ten key points. */
const ZIGZAG = [Array.from({ length: 10 }, (_, i) => ({ x: 30 + 45 * i, y: i % 2 === 0 ? 30 : 290 }))];

let gateway: WebGateway;
let browser: Browser;
let alice: Page;
let bob: Page;
let carol: Page;
let bobId: string;
let carolId: string;
/** The contract bob and carol signed, for the auditor. */
let completedFileId: string;

const partyOf = (who: 'alice' | 'bob' | 'carol' | 'auditor') => IDENTITIES[who].join('/');

async function newPage(viewport = DESKTOP): Promise<Page> {
    // UTC, so that the deadline typed into the page's local-time field is the one on the ledger.
    return (await browser.newContext({ viewport, timezoneId: 'UTC', hasTouch: viewport === PHONE })).newPage();
}

/** A deadline a day from now, as the page's datetime-local field takes it (minutes, local = UTC here). */
function tomorrow(): string {
    return new Date(Date.now() + 24 * 3600 * 1000).toISOString().slice(0, 16);
}

/** alice picks `to` in this order, sets the plan and deadline, draws and sends a file; its id and bytes. */
async function sendFromAlice(
    to: string[],
    plan: 'none' | 'in-order' | 'any-order',
    deadline = '',
): Promise<{ fileId: string; bytes: Buffer }> {
    const bytes = randomBytes(50_000);
    const path = join(parties.dir, `contract-${run}-${randomBytes(4).toString('hex')}.bin`);
    writeFileSync(path, bytes);
    const result = alice.getByTestId('send-result');
    const previous = await result.textContent();
    for (const partyId of to) await recipientBox(partyId).check();
    await alice.getByTestId('signing-plan').selectOption(plan);
    await alice.getByTestId('deadline').fill(deadline);
    await alice.getByTestId('file-input').setInputFiles(path);
    await draw(alice, ZIGZAG);
    await alice.getByTestId('send-button').click();
    await untilDone(alice, async () => (await result.textContent()) !== previous, 'a new file id');
    for (const partyId of to) await recipientBox(partyId).uncheck();
    return { fileId: defined(await result.textContent()), bytes };
}

function recipientBox(partyId: string) {
    return alice.getByTestId('recipient-option').and(alice.locator(`[value="${partyId}"]`));
}

function inboxItem(page: Page, fileId: string) {
    return page.locator(`[data-testid="inbox-item"][data-file-id="${fileId}"]`);
}

/** Wait until alice's page shows `text` as the state of a contract she started (it follows events live). */
async function aliceSees(fileId: string, text: string): Promise<void> {
    const status = alice
        .locator(`[data-testid="started-item"][data-file-id="${fileId}"]`)
        .getByTestId('contract-status');
    await until(
        async () => (await status.count()) === 1 && (await status.textContent()) === text,
        `alice's page: ${text}`,
    );
}

/** A party opens a file from its inbox (it arrives live), and the opened bytes are saved. */
async function openFrom(page: Page, fileId: string): Promise<Buffer> {
    const item = inboxItem(page, fileId);
    await item.waitFor();
    await item.getByTestId('open-button').click();
    await untilDone(page, async () => (await item.getByText('digest checked').count()) === 1, `opening ${fileId}`);
    const [download] = await Promise.all([page.waitForEvent('download'), item.getByTestId('save-link').click()]);
    return readFileSync(await download.path());
}

/** The error the page shows after an action, which must start with `code`. */
async function refusalShown(page: Page, code: string): Promise<string> {
    const error = page.getByTestId('error');
    await error.getByText(new RegExp(`^${code}: `)).waitFor();
    return defined(await error.textContent());
}

/** Nothing wider than the phone's screen: no element past its right edge, no sideways scrolling, every control given on screen. */
async function fitsPhone(page: Page, controls: string[]): Promise<void> {
    // Evaluated in the page, which has a DOM (these tests' types have none).
    const wider = await page.evaluate<string[]>(
        `[...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > ${PHONE.width})
            .map((e) => [e.tagName, e.id, e.dataset.testid].join(' '))`,
    );
    expect(wider).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    for (const testid of controls) {
        const box = defined(await page.getByTestId(testid).first().boundingBox(), `${testid} on screen`);
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
}

/** Wait until `check` holds on `page`, failing at once with the page's error if it shows one. */
async function untilDone(page: Page, check: () => Promise<boolean>, what: string): Promise<void> {
    const error = page.getByTestId('error');
    await until(async () => {
        if (await error.isVisible()) throw new Error(`the page refused ${what}: ${await error.textContent()}`);
        return check();
    }, what);
}

beforeAll(async () => {
    gateway = await startTestGateway(parties.storeDir);
    browser = await launchChromium();
    [alice, bob, carol] = await Promise.all([newPage(), newPage(), newPage()]);
    // bob and carol first: the authority verifies them before alice looks for recipients.
    await signIn(bob, gateway.url, 'bob', PASSPHRASE);
    await signIn(carol, gateway.url, 'carol', PASSPHRASE);
    [bobId, carolId] = [partyOf('bob'), partyOf('carol')];
    await verifyForAlice(parties, [bobId, carolId], `hmac-${run}-contracts`);
    await signIn(alice, gateway.url, 'alice', PASSPHRASE);
});

afterAll(async () => {
    await browser.close();
    await gateway.close();
    parties.close();
});

describe('contracts in the web app on the real network', () => {
    it('alice sends a contract with an order and a deadline; carol out of turn is refused; bob then carol sign; it completes', async () => {
        const deadline = tomorrow();
        for (const partyId of [bobId, carolId]) await recipientBox(partyId).check();
        await alice.getByTestId('signing-plan').selectOption('in-order');
        await alice.getByTestId('deadline').fill(deadline);
        expect(await alice.getByTestId('plan-preview').textContent()).toBe(
            `Signing plan: 1. ${bobId} → 2. ${carolId}; deadline ${deadline}:00.000Z (at most 10 steps).`,
        );
        await alice.screenshot({ path: join(SCREENSHOTS, 'contract-send.png'), fullPage: true });
        for (const partyId of [bobId, carolId]) await recipientBox(partyId).uncheck();

        const { fileId, bytes } = await sendFromAlice([bobId, carolId], 'in-order', deadline);
        await aliceSees(fileId, `Contract open; signed by nobody yet; next: ${bobId}; deadline ${deadline}:00.000Z`);

        // carol's step is the second: the chaincode refuses her signature, and the page says why.
        expect((await openFrom(carol, fileId)).equals(bytes)).toBe(true);
        await inboxItem(carol, fileId).getByTestId('sign-button').click();
        expect(await refusalShown(carol, 'NOT_YOUR_TURN')).toMatch(/step/);

        expect((await openFrom(bob, fileId)).equals(bytes)).toBe(true);
        await inboxItem(bob, fileId).getByTestId('sign-button').click();
        // alice's page follows the contract live, through the event stream.
        await aliceSees(fileId, `Contract open; signed by ${bobId}; next: ${carolId}; deadline ${deadline}:00.000Z`);

        await inboxItem(carol, fileId).getByTestId('sign-button').click();
        const carolStatus = inboxItem(carol, fileId).getByTestId('contract-status');
        await until(async () => (await carolStatus.getAttribute('data-state')) === 'completed', 'completed at carol');
        expect(await carol.getByTestId('error').isHidden()).toBe(true);
        await carol.screenshot({ path: join(SCREENSHOTS, 'contract-inbox.png'), fullPage: true });
        await aliceSees(fileId, `Contract completed; signed by ${bobId}, ${carolId}; deadline ${deadline}:00.000Z`);
        await alice.screenshot({ path: join(SCREENSHOTS, 'contract-started.png'), fullPage: true });

        // The ledger, read at carol's peer, which committed the last signature.
        const carolSdk = await parties.as('carol');
        const contract = await carolSdk.ledger.query<ContractView>('GetContract', fileId);
        expect(contract).toMatchObject({
            owner: partyOf('alice'),
            state: 'completed',
            closedBy: carolId,
            deadline: `${deadline}:00.000Z`,
        });
        expect(contract.steps.map((step) => step.signers.map((s) => [s.partyId, s.state]))).toEqual([
            [[bobId, 'signed']],
            [[carolId, 'signed']],
        ]);
        const signatures = await carolSdk.ledger.query<SignatureRecordV3[]>('GetSignatures', fileId);
        expect(signatures.map((s) => [s.signer, s.step, s.planHash])).toEqual([
            [bobId, 1, contract.planHash],
            [carolId, 2, contract.planHash],
        ]);
        completedFileId = fileId;
    });

    it('on a phone: alice sends a contract, bob declines it with a reason, alice sees it; carol can no longer sign', async () => {
        await Promise.all([alice.setViewportSize(PHONE), bob.setViewportSize(PHONE)]);
        await fitsPhone(alice, [
            'signing-plan',
            'deadline',
            'drawing-pad',
            'file-input',
            'send-button',
            'grant-button',
        ]);
        await alice.screenshot({ path: join(SCREENSHOTS, 'phone-send.png'), fullPage: true });

        const { fileId } = await sendFromAlice([bobId, carolId], 'any-order');
        const item = inboxItem(bob, fileId);
        await item.waitFor();
        await fitsPhone(bob, ['open-button', 'sign-button', 'decline-reason', 'decline-button']);
        // A reason is required: the chaincode's refusal, with its code.
        await item.getByTestId('decline-button').click();
        await refusalShown(bob, 'BAD_ARGUMENT');
        await item.getByTestId('decline-reason').fill('the price is wrong');
        await item.getByTestId('decline-button').click();
        const status = item.getByTestId('contract-status');
        await until(async () => (await status.getAttribute('data-state')) === 'declined', 'declined at bob');
        await bob.screenshot({ path: join(SCREENSHOTS, 'phone-inbox.png'), fullPage: true });
        await aliceSees(
            fileId,
            `Contract declined; signed by nobody yet; declined by ${bobId}: the price is wrong; no deadline`,
        );
        await fitsPhone(alice, ['started-list']);
        await alice.screenshot({ path: join(SCREENSHOTS, 'phone-started.png'), fullPage: true });

        await openFrom(carol, fileId);
        await inboxItem(carol, fileId).getByTestId('sign-button').click();
        expect(await refusalShown(carol, 'CONTRACT_CLOSED')).toMatch(/declined/);
        const contract = await (await parties.as('carol')).ledger.query<ContractView>('GetContract', fileId);
        expect(contract).toMatchObject({ state: 'declined', closedBy: bobId, reason: 'the price is wrong' });
        await Promise.all([alice.setViewportSize(DESKTOP), bob.setViewportSize(DESKTOP)]);
    });

    it('alice grants carol access to a file she sent bob; bob, not its owner, cannot', async () => {
        const { fileId, bytes } = await sendFromAlice([bobId], 'none');
        // The page fills in the file just sent.
        expect(await alice.getByTestId('grant-file').inputValue()).toBe(fileId);
        await alice.getByTestId('grant-party').fill(carolId);
        await alice.getByTestId('grant-button').click();
        await alice.getByTestId('grant-result').getByText(`${carolId} can open ${fileId}`).waitFor();
        // The grant reaches carol's inbox live, and she opens the file byte for byte.
        expect((await openFrom(carol, fileId)).equals(bytes)).toBe(true);
        expect(await inboxItem(carol, fileId).getByTestId('contract-status').textContent()).toBe(
            'A plain file, without a signing plan',
        );

        await inboxItem(bob, fileId).waitFor();
        await bob.getByTestId('grant-file').fill(fileId);
        await bob.getByTestId('grant-party').fill(carolId);
        await bob.getByTestId('grant-button').click();
        expect(await refusalShown(bob, 'ACCESS_DENIED')).toMatch(/only the owner/);
    });

    it("shows an auditor the contract's trail, at a desk and on a phone", async () => {
        const auditor = await newPage();
        await signIn(auditor, gateway.url, 'auditor', PASSPHRASE, false);
        await auditor.getByTestId('audit-file').fill(completedFileId);
        const trail = auditor.getByTestId('audit-trail');
        // The auditors' peer may commit carol's signature a moment after hers.
        await until(async () => {
            await auditor.getByTestId('audit-button').click();
            return (await trail.getByText(`completed by ${carolId}`).count()) === 1;
        }, 'the completion in the trail');
        expect(await trail.getByText(`signed by ${bobId}`).count()).toBe(1);
        expect(await trail.getByText(`signed by ${carolId}`).count()).toBe(1);
        await auditor.screenshot({ path: join(SCREENSHOTS, 'contract-audit.png'), fullPage: true });
        await auditor.setViewportSize(PHONE);
        await fitsPhone(auditor, ['audit-file', 'audit-button', 'audit-trail']);
        await auditor.screenshot({ path: join(SCREENSHOTS, 'phone-audit.png'), fullPage: true });
        await auditor.context().close();
    });
});
