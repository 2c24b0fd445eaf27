import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { CredentialRecord, PartyView } from '@sealpact/protocol';
import { exportPrivateKeyPem, generateKeyPair } from '../client/src/crypto/keys';
import { WebGateway } from '../client/src/web/gateway';
import { defined } from '../protocol/src/test-support/defined';
import { launchChromium, SCREENSHOTS, until } from './support/browser';
import { fillSignIn, openAndSave, startTestGateway } from './support/web-app';
import { runId } from './support/fabric';
import { Parties, PASSPHRASE as KEYRING_PASSPHRASE } from './support/parties';

/**
 * Every kind of Sealpact key in the page (issue 12), in real headless Chromium on the real network:
 * carol@Org2 registers RSA keys from the page, receives a file dave's SDK sends her, opens and signs
 * it; alice@Org1, whose keys the SDK made, imports her keyring's files into the page and opens a file
 * sent to her; carol rotates from the page, a new share is sealed to her new key, and the file sealed
 * to the old one still opens.
 */

jest.setTimeout(300_000);

const parties = new Parties();
const run = runId();
const PASSPHRASE = 'web keys test passphrase';

let gateway: WebGateway;
let browser: Browser;
let carol: Page;
let alice: Page;
let carolId: string;
let aliceId: string;
/** The file dave sent carol before she rotated. */
let beforeRotation: { fileId: string; path: string };

/** Sign in with the MSP files, and key files to import (the keyring's passphrase for them). */
async function signIn(page: Page, who: 'carol' | 'alice', keyFiles: string[] = []): Promise<void> {
    await fillSignIn(page, gateway.url, who, PASSPHRASE);
    await page.getByTestId('keys-import').setInputFiles(keyFiles);
    await page.getByTestId('keys-passphrase').fill(KEYRING_PASSPHRASE);
    await page.getByTestId('signin-button').click();
}

/** The page's keys line once its keys are active: "encryption RSA-3072 <16 hex>, signing …". */
async function activeKeys(page: Page): Promise<string> {
    const status = page.getByTestId('keys-status');
    await status.getByText('Keys registered').waitFor();
    return defined(await status.textContent());
}

/** dave's SDK sends a new random file to `to`, once his peer sees `to`'s active encryption key `key`. */
async function daveSends(to: string, key: string, label: string): Promise<{ fileId: string; path: string }> {
    const dave = await parties.as('dave');
    await until(
        async () => (await dave.ledger.query<PartyView>('GetParty', to)).encryptionKey === key,
        `${to}'s key at Org1`,
    );
    const path = join(parties.dir, `${label}.bin`);
    writeFileSync(path, randomBytes(50_000));
    const { fileId } = await dave.send(path, { to: [to], suite: 'intl' });
    return { fileId, path };
}

/** The encryption key the ledger holds for a party now, read at its own organisation's peer. */
async function encryptionKeyOf(who: 'carol' | 'alice', partyId: string): Promise<string> {
    const sdk = await parties.as(who);
    return defined((await sdk.ledger.query<PartyView>('GetParty', partyId)).encryptionKey);
}

beforeAll(async () => {
    gateway = await startTestGateway(parties.storeDir);
    browser = await launchChromium();
    const page = async () => (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    carol = await page();
    alice = await page();
    const dave = await parties.as('dave');
    await dave.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
    // alice's keys are the SDK's, in its keyring (one encrypted PKCS#8 file per key).
    const aliceSdk = await parties.as('alice');
    await aliceSdk.registerKeys(generateKeyPair('rsa'), generateKeyPair('sm2'));
    await signIn(carol, 'carol');
    await carol.getByTestId('keys-status').getByText('No Sealpact keys').waitFor();
    carolId = defined(await carol.locator('#who').textContent());
    await carol.getByTestId('encryption-algorithm').selectOption('rsa');
    await carol.getByTestId('signing-algorithm').selectOption('rsa');
    await carol.getByTestId('register-button').click();
    await activeKeys(carol);
    aliceId = (await aliceSdk.whoAmI()).partyId;
    const verifier = await parties.as('verifier');
    for (const [i, partyId] of [carolId, aliceId].entries()) {
        await verifier.recordVerification(partyId, { serial: `hmac-${run}-web-keys-${i}`, level: 'high' });
    }
});

afterAll(async () => {
    await browser.close();
    await gateway.close();
    parties.close();
});

describe('every kind of Sealpact key in the page, on the real network', () => {
    it('carol registered RSA keys from the page; she opens a file sent to her and signs it with RSA-PSS', async () => {
        const status = await activeKeys(carol);
        expect(status).toMatch(/encryption RSA-3072 [0-9a-f]{16}, signing RSA-3072 [0-9a-f]{16}/);
        const key = await encryptionKeyOf('carol', carolId);
        expect(status).toContain(`encryption RSA-3072 ${key.slice(0, 16)}`);
        beforeRotation = await daveSends(carolId, key, 'to-carol-rsa');
        expect((await openAndSave(carol, beforeRotation.fileId)).equals(readFileSync(beforeRotation.path))).toBe(true);
        const item = carol.locator(`[data-testid="inbox-item"][data-file-id="${beforeRotation.fileId}"]`);
        await item.getByTestId('sign-button').click();
        await carol.getByTestId('signatures').getByText(`signed by ${carolId}`).waitFor();
        await carol.screenshot({ path: join(SCREENSHOTS, 'keys-rsa-signed.png'), fullPage: true });
    });

    it('alice imports the key files of her SDK keyring into the page and opens a file sent to her', async () => {
        const keyring = join(parties.dir, 'keyrings', 'alice');
        const files = readdirSync(keyring)
            .filter((name) => name.endsWith('.key.pem'))
            .map((name) => join(keyring, name));
        expect(files).toHaveLength(2);
        await signIn(alice, 'alice', files);
        const key = await encryptionKeyOf('alice', aliceId);
        expect(await activeKeys(alice)).toContain(`encryption RSA-3072 ${key.slice(0, 16)}`);
        const sent = await daveSends(aliceId, key, 'to-alice-imported');
        expect((await openAndSave(alice, sent.fileId)).equals(readFileSync(sent.path))).toBe(true);
    });

    it("refuses key files that are not the party's registered keys: KEY_MISMATCH", async () => {
        const stranger = join(parties.dir, 'stranger.key.pem');
        writeFileSync(stranger, exportPrivateKeyPem(generateKeyPair('sm2'), KEYRING_PASSPHRASE));
        const page = await (await browser.newContext()).newPage();
        await signIn(page, 'alice', [stranger]);
        const error = page.getByTestId('error');
        await error.getByText(/^KEY_MISMATCH: /).waitFor();
        expect(await error.textContent()).toMatch(
            /^KEY_MISMATCH: the key [0-9a-f]{64} is not one the ledger holds for Org1MSP\/alice@/,
        );
        expect(await page.getByTestId('keys-status').isVisible()).toBe(false);
        await page.context().close();
    });

    it('carol rotates from the page: a new share is sealed to her new key, and the older file still opens', async () => {
        const oldKey = await encryptionKeyOf('carol', carolId);
        await carol.getByTestId('encryption-algorithm').selectOption('sm2');
        await carol.getByTestId('rotate-button').click();
        await until(async () => !(await activeKeys(carol)).includes(oldKey.slice(0, 16)), 'the rotated keys');
        const newKey = await encryptionKeyOf('carol', carolId);
        expect(newKey).not.toBe(oldKey);
        expect(await activeKeys(carol)).toContain(`encryption SM2 ${newKey.slice(0, 16)}`);

        const after = await daveSends(carolId, newKey, 'to-carol-rotated');
        const carolSdk = await parties.as('carol');
        await until(
            async () => (await carolSdk.inbox()).some((entry) => entry.fileId === after.fileId),
            'the share at Org2',
        );
        const credential = await carolSdk.ledger.query<CredentialRecord>('GetCredential', after.fileId);
        expect(credential.keyFingerprint).toBe(newKey);
        expect((await openAndSave(carol, after.fileId)).equals(readFileSync(after.path))).toBe(true);
        // The file sealed to the key she rotated away from opens with the key the vault kept: a new
        // visit, unlocked with the passphrase alone.
        await carol.reload();
        await carol.getByTestId('passphrase').fill(PASSPHRASE);
        await carol.getByTestId('signin-button').click();
        await activeKeys(carol);
        expect((await openAndSave(carol, beforeRotation.fileId)).equals(readFileSync(beforeRotation.path))).toBe(true);
        await carol.screenshot({ path: join(SCREENSHOTS, 'keys-rotated.png'), fullPage: true });
    });
});
