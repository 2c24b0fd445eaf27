import { DEFAULT_MIN_KEY_POINTS, isSealpactError, KeyPoint, sm2PublicKey, WebError } from '@sealpact/protocol';
import { fabricIdentity } from '../fabric-identity';
import * as flows from '../flows';
import { GatewaySession, gatewayInfo } from '../gateway-client';
import { trustAnchorsFromFiles } from '../verified-read';
import { forgetVault, hasVault, openVault, saveVault, VaultContents } from '../vault';
import { DrawingPad } from './drawing-pad';

/**
 * The page: sign in (import a Fabric identity, or unlock the one this browser keeps), make and
 * register Sealpact keys, send with a drawing, and an inbox that updates as shares arrive.
 */

function element(id: string): HTMLElement {
    const found = document.getElementById(id);
    if (found === null) throw new Error(`the page has no #${id}`);
    return found;
}

function inputElement(id: string): HTMLInputElement {
    return element(id) as HTMLInputElement;
}

let session: GatewaySession | undefined;
let vault: VaultContents | undefined;
let passphrase = '';
const opened = new Map<string, flows.Opened>();

/** Show a refusal in the error box: its code and message (never a secret: messages hold none). */
function showError(error: unknown): void {
    const box = element('error');
    box.textContent = isSealpactError(error) ? error.message : `UNEXPECTED: ${String(error)}`;
    box.hidden = false;
}

/** Run a user action: errors go to the error box, which each new action clears. */
function action(run: () => Promise<void>): () => void {
    return () => {
        element('error').hidden = true;
        run().catch(showError);
    };
}

function show(id: string, visible = true): void {
    element(id).hidden = !visible;
}

async function readFiles(input: HTMLInputElement): Promise<string[]> {
    return Promise.all([...(input.files ?? [])].map((file) => file.text()));
}

/** The identity from the imported files: a wallet entry (.id JSON), or a certificate and a private key. */
async function importedIdentity(): Promise<VaultContents> {
    const texts = await readFiles(inputElement('identity-import'));
    const wallet = texts.find((t) => t.trimStart().startsWith('{'));
    if (wallet !== undefined) {
        let entry: { mspId?: string; credentials?: { certificate?: string; privateKey?: string } };
        try {
            entry = JSON.parse(wallet) as typeof entry;
        } catch {
            throw new WebError('BAD_IDENTITY', 'the wallet entry is not JSON');
        }
        const { certificate, privateKey } = entry.credentials ?? {};
        if (entry.mspId === undefined || certificate === undefined || privateKey === undefined) {
            throw new WebError('BAD_IDENTITY', 'the wallet entry has no mspId, certificate or private key');
        }
        return { mspId: entry.mspId, certificate, privateKey };
    }
    const certificate = texts.find((t) => t.includes('-----BEGIN CERTIFICATE-----'));
    const privateKey = texts.find((t) => t.includes('PRIVATE KEY-----'));
    if (certificate === undefined || privateKey === undefined) {
        throw new WebError(
            'BAD_IDENTITY',
            "import the MSP folder's signcerts certificate and keystore key, or a wallet entry",
        );
    }
    return { mspId: (element('msp') as HTMLSelectElement).value, certificate, privateKey };
}

/** The trust anchor files imported now (checked), or none. */
async function importedAnchors(): Promise<Array<{ name: string; text: string }>> {
    const files = [...(inputElement('anchors-import').files ?? [])];
    const anchors = await Promise.all(files.map(async (file) => ({ name: file.name, text: await file.text() })));
    if (anchors.length > 0) trustAnchorsFromFiles(anchors);
    return anchors;
}

async function signIn(): Promise<void> {
    passphrase = inputElement('passphrase').value;
    const imported = (inputElement('identity-import').files?.length ?? 0) > 0;
    const anchors = await importedAnchors();
    vault = imported ? await importedIdentity() : await openVault(passphrase);
    if (anchors.length > 0) vault = { ...vault, trustAnchors: anchors };
    const identity = await fabricIdentity(vault.mspId, vault.certificate, vault.privateKey);
    session = await GatewaySession.signIn(identity);
    // With trust anchors every read is verified; without, the page believes its gateway (docs/web.md).
    if (vault.trustAnchors !== undefined) session.verifyReads(trustAnchorsFromFiles(vault.trustAnchors));
    element('reads').textContent =
        vault.trustAnchors === undefined
            ? 'Reads not verified: import the trust anchors to verify them'
            : `Reads verified against ${vault.trustAnchors.length} organisations' trust anchors`;
    if (imported || anchors.length > 0) await saveVault(vault, passphrase);
    element('who').textContent = session.partyId;
    show('signin', false);
    show('audit');
    await showKeys();
}

/** Whether the keys this browser keeps are the party's active ones on the ledger. */
async function showKeys(): Promise<void> {
    if (session === undefined) return;
    const me = await flows.lookUp(session, session.partyId);
    const kept = vault?.keys && sm2PublicKey(vault.keys.encryption.publicKey).fingerprint;
    const active = kept !== undefined && me.key?.fingerprint === kept;
    element('keys-status').textContent = active
        ? `Keys registered for ${session.partyId}${me.verified ? ' (verified)' : ''}`
        : 'No Sealpact keys in this browser yet: generate and register them.';
    show('keys');
    show('register-button', !active);
    if (active) await showWorkspace();
}

async function register(): Promise<void> {
    if (session === undefined || vault === undefined) return;
    const keys = flows.generateKeys();
    await flows.registerKeys(session, keys);
    vault = { ...vault, keys };
    await saveVault(vault, passphrase);
    await showKeys();
}

async function showWorkspace(): Promise<void> {
    show('tabs');
    show('send');
    show('inbox');
    await Promise.all([showRecipients(), refreshInbox()]);
    await session?.events((name) => {
        if (name === 'FileShared' || name === 'AccessGranted' || name === 'Reconnected')
            refreshInbox().catch(showError);
    });
}

async function showRecipients(): Promise<void> {
    if (session === undefined) return;
    const me = session.partyId;
    const candidates = (await session.directory()).filter((partyId) => partyId !== me);
    const current = session;
    const parties = await Promise.all(candidates.map((partyId) => flows.lookUp(current, partyId)));
    element('recipients').replaceChildren(
        ...parties.map((party) => {
            const item = document.createElement('li');
            const box = document.createElement('input');
            box.type = 'checkbox';
            box.value = party.partyId;
            box.dataset.testid = 'recipient-option';
            box.disabled = !party.verified || party.key === undefined;
            const label = document.createElement('label');
            const badge = party.key === undefined ? 'not registered' : party.verified ? '✔ verified' : 'not verified';
            label.append(
                box,
                ` ${party.partyId} `,
                badgeOf(badge, party.verified),
                ` ${party.key?.algorithm.toUpperCase() ?? ''}`,
            );
            item.append(label);
            return item;
        }),
    );
}

function badgeOf(text: string, verified: boolean): HTMLElement {
    const badge = document.createElement('span');
    badge.className = verified ? 'badge verified' : 'badge';
    badge.textContent = text;
    return badge;
}

async function sendFile(): Promise<void> {
    if (session === undefined || vault?.keys === undefined) return;
    const file = inputElement('file-input').files?.[0];
    const chosen = [...document.querySelectorAll<HTMLInputElement>('[data-testid="recipient-option"]:checked')];
    const drawing = pad.value;
    if (file === undefined || chosen.length === 0 || drawing === undefined) {
        throw new WebError('BAD_ARGUMENT', 'choose at least one recipient and a file, and draw');
    }
    // Read again now: the key a password is sealed to is the one on the ledger at this moment.
    const current = session;
    const picked = await Promise.all(chosen.map((box) => flows.lookUp(current, box.value)));
    const bar = element('send-progress') as HTMLProgressElement;
    const result = await flows.send(
        session,
        vault.keys,
        new Uint8Array(await file.arrayBuffer()),
        picked,
        drawing,
        (f) => {
            bar.value = f;
        },
    );
    element('send-result').textContent = result.fileId;
    pad.clear();
}

async function refreshInbox(): Promise<void> {
    if (session === undefined) return;
    const entries = await flows.inbox(session);
    element('inbox-list').replaceChildren(...entries.map((entry) => inboxItem(entry.fileId, entry.owner)));
}

function button(label: string, testid: string, run: () => Promise<void>): HTMLButtonElement {
    const made = document.createElement('button');
    made.textContent = label;
    made.dataset.testid = testid;
    made.addEventListener('click', action(run));
    return made;
}

function inboxItem(fileId: string, owner: string): HTMLElement {
    const item = document.createElement('li');
    item.dataset.testid = 'inbox-item';
    item.dataset.fileId = fileId;
    const title = document.createElement('span');
    title.textContent = `${fileId} from ${owner}`;
    const status = document.createElement('span');
    status.className = 'status';
    const save = document.createElement('a');
    save.dataset.testid = 'save-link';
    save.hidden = true;
    const reason = document.createElement('input');
    reason.placeholder = 'reason to decline';
    reason.dataset.testid = 'decline-reason';
    item.append(
        title,
        button('Open', 'open-button', async () => {
            if (session === undefined || vault?.keys === undefined) return;
            const file = await flows.open(
                session,
                vault.keys,
                fileId,
                (f) => (status.textContent = `${Math.round(100 * f)} %`),
            );
            opened.set(fileId, file);
            status.textContent = `digest checked, ${file.plaintext.length} bytes decrypted`;
            save.href = URL.createObjectURL(new Blob([file.plaintext as BlobPart]));
            save.download = fileId;
            save.textContent = 'Save';
            save.hidden = false;
            await showSignatures(fileId);
        }),
        button('Sign', 'sign-button', async () => {
            const file = opened.get(fileId);
            if (session === undefined || vault?.keys === undefined) return;
            if (file === undefined)
                throw new WebError('BAD_ARGUMENT', 'open the file first: a signature binds its content');
            await flows.sign(session, vault.keys, file);
            await showSignatures(fileId);
        }),
        reason,
        button('Decline', 'decline-button', async () => {
            await session?.submit('DeclineContract', fileId, reason.value);
        }),
        save,
        status,
    );
    return item;
}

async function showSignatures(fileId: string): Promise<void> {
    if (session === undefined) return;
    const list = await flows.signatures(session, fileId);
    element('signatures').replaceChildren(
        ...list.map((signature) => {
            const line = document.createElement('p');
            line.textContent = `${fileId}: signed by ${signature.signer} at ${signature.signedAt}`;
            return line;
        }),
    );
}

/** The audit trail of a file: who shared, granted, revoked, signed or closed it, and when. No plaintext. */
async function showAudit(): Promise<void> {
    if (session === undefined) return;
    const trail = await flows.audit(session, inputElement('audit-file').value.trim());
    element('audit-trail').replaceChildren(
        ...trail.map((entry) => {
            const line = document.createElement('li');
            line.textContent = `${entry.at} ${entry.action} by ${entry.by} (${entry.party}) ${entry.detail} tx ${entry.txId}`;
            return line;
        }),
    );
}

const pad = new DrawingPad(element('drawing-pad') as HTMLCanvasElement, element('markers'), (points: KeyPoint[]) => {
    element('pad-status').textContent = `${points.length} key points (at least ${DEFAULT_MIN_KEY_POINTS})`;
});

async function start(): Promise<void> {
    const info = await gatewayInfo();
    element('msp').replaceChildren(
        ...info.organisations.map((mspId) => {
            const option = document.createElement('option');
            option.value = option.textContent = mspId;
            return option;
        }),
    );
    element('kept').textContent = (await hasVault())
        ? 'This browser keeps an identity: enter its passphrase, or import another.'
        : '';
    element('signin-button').addEventListener('click', action(signIn));
    element('register-button').addEventListener('click', action(register));
    element('send-button').addEventListener('click', action(sendFile));
    element('audit-button').addEventListener('click', action(showAudit));
    element('clear-pad').addEventListener('click', () => {
        pad.clear();
    });
    element('forget-button').addEventListener('click', action(forgetVault));
}

start().catch(showError);
