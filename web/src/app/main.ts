import {
    ContractEvent,
    ContractIndexEntry,
    DEFAULT_MIN_KEY_POINTS,
    isSealpactError,
    KeyAlgorithm,
    KeyPoint,
    WebError,
} from '@sealpact/protocol';
import { describeContract, describePlan, planSigners, PlanKind } from '../contract-view';
import { fabricIdentity } from '../fabric-identity';
import * as flows from '../flows';
import { GatewaySession, gatewayInfo } from '../gateway-client';
import { importKeys, registerNewKeys } from '../key-flows';
import * as lifecycle from '../lifecycle';
import { KeyChoice, PageKey, publicKeyOf } from '../page-keys';
import { trustAnchorsFromFiles } from '../verified-read';
import { forgetVault, hasVault, openVault, saveVault, VaultContents } from '../vault';
import { DrawingPad } from './drawing-pad';

/**
 * The page: sign in (import a Fabric identity, or unlock the one this browser keeps), make and
 * register Sealpact keys (SM2 or RSA), import them from key files or rotate them, send with a
 * drawing, and an inbox that updates as shares arrive.
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

/**
 * The identity files picked: those of the file input, and of a picked MSP folder only its
 * signcerts/ and keystore/ files (not its CA certificates). A file dialog picks files from one
 * folder, and an MSP folder keeps the certificate and the key in two.
 */
function pickedIdentityFiles(): File[] {
    const folder = [...(inputElement('msp-folder-import').files ?? [])].filter((file) =>
        /(^|\/)(signcerts|keystore)\/[^/]+$/.test(file.webkitRelativePath),
    );
    return [...(inputElement('identity-import').files ?? []), ...folder];
}

/** The identity from the imported files: a wallet entry (.id JSON), or a certificate and a private key. */
async function importedIdentity(): Promise<VaultContents> {
    const texts = await Promise.all(pickedIdentityFiles().map((file) => file.text()));
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
    const imported = pickedIdentityFiles().length > 0;
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
    const keyFiles = [...(inputElement('keys-import').files ?? [])];
    if (keyFiles.length > 0) {
        const files = await Promise.all(keyFiles.map(async (file) => ({ name: file.name, text: await file.text() })));
        vault = {
            ...vault,
            keys: await importKeys(session, files, inputElement('keys-passphrase').value || passphrase),
        };
    }
    if (imported || anchors.length > 0 || keyFiles.length > 0) await saveVault(vault, passphrase);
    element('who').textContent = session.partyId;
    show('signin', false);
    show('audit');
    await showKeys();
}

/** Show whether the keys this browser keeps are the party's active ones; the workspace once they are. */
async function showKeys(): Promise<void> {
    if (await keysStatus()) await showWorkspace();
}

/** Whether the keys this browser keeps are the party's active ones on the ledger, said on the page. */
async function keysStatus(): Promise<boolean> {
    if (session === undefined) return false;
    const me = await flows.lookUp(session, session.partyId);
    const kept = vault?.keys;
    const active = kept !== undefined && me.key?.fingerprint === publicKeyOf(kept.encryption).fingerprint;
    element('keys-status').textContent = active
        ? `Keys registered for ${session.partyId}${me.verified ? ' (verified)' : ''}: encryption ${keyName(kept.encryption)}, signing ${keyName(kept.signing)}`
        : 'No Sealpact keys in this browser yet: generate and register them, or import their key files.';
    show('keys');
    show('register-button', !active);
    show('rotate-button', active);
    return active;
}

function keyName(key: PageKey): string {
    const { algorithm, bits, fingerprint } = publicKeyOf(key);
    return `${algorithm === 'rsa' ? `RSA-${bits}` : 'SM2'} ${fingerprint.slice(0, 16)}`;
}

function keyChoice(): KeyChoice {
    const algorithm = (id: string) => (element(id) as HTMLSelectElement).value as KeyAlgorithm;
    return { encryption: algorithm('encryption-algorithm'), signing: algorithm('signing-algorithm') };
}

/** Generate and register keys: the first ones, or a rotation that keeps the ones they replace. */
async function registerKeys(): Promise<boolean> {
    if (session === undefined || vault === undefined) return false;
    const identity = vault;
    await registerNewKeys(session, identity.keys, keyChoice(), async (keys) => {
        vault = { ...identity, keys };
        await saveVault(vault, passphrase);
    });
    return keysStatus();
}

async function register(): Promise<void> {
    if (await registerKeys()) await showWorkspace();
}

async function rotate(): Promise<void> {
    await registerKeys();
}

async function showWorkspace(): Promise<void> {
    show('tabs');
    show('send');
    show('inbox');
    show('started');
    show('grant');
    await Promise.all([showRecipients(), refreshInbox(), refreshStarted()]);
    await session?.events((name, payload) => {
        if (name === 'FileShared' || name === 'AccessGranted' || name === 'Reconnected')
            refreshInbox().catch(showError);
        if (name === 'Reconnected') refreshStarted().catch(showError);
        const contract = contractEventOf(name, payload);
        if (contract !== undefined) showContract(contract.fileId, contract.owner).catch(showError);
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
            box.addEventListener('change', () => {
                tickOrder = tickOrder.filter((partyId) => partyId !== box.value);
                if (box.checked) tickOrder.push(box.value);
                showPlan();
            });
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
    // Suggestions only: the party is read again, and must be verified then, when access is granted.
    element('grant-parties').replaceChildren(
        ...parties
            .filter((party) => party.verified && party.key !== undefined)
            .map((party) => {
                const option = document.createElement('option');
                option.value = party.partyId;
                return option;
            }),
    );
}

/** The recipients in the order they were ticked: the order of an in-order plan. */
let tickOrder: string[] = [];

/** The Send screen's plan choice: its steps over the picked recipients (none for a plain file) and the deadline. */
function planChoice(): flows.PlanChoice {
    const signers = planSigners((element('signing-plan') as HTMLSelectElement).value as PlanKind, tickOrder);
    // datetime-local gives the user's local time without a zone, which Date reads as local.
    const deadline = inputElement('deadline').value;
    return { signers, ...(deadline !== '' && { deadline: new Date(deadline) }) };
}

function showPlan(): void {
    const plan = planChoice();
    element('plan-preview').textContent = describePlan(plan.signers, plan.deadline);
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
        file,
        picked,
        drawing,
        (f) => {
            bar.value = f;
        },
        inputElement('suite-gm').checked ? 'gm' : 'intl',
        planChoice(),
    );
    element('send-result').textContent = result.fileId;
    inputElement('grant-file').value = result.fileId;
    pad.clear();
}

async function refreshInbox(): Promise<void> {
    if (session === undefined) return;
    const [entries, turns] = await Promise.all([flows.inbox(session), lifecycle.awaiting(session)]);
    element('inbox-list').replaceChildren(...entries.map((entry) => inboxItem(entry.fileId, entry.owner)));
    for (const turn of turns) showIndexEntry(turn, 'your turn to sign');
    // What the user opened stays opened across a refresh: show its contract again.
    await Promise.all([...opened.values()].map(({ file }) => showContract(file.fileId, file.owner)));
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
        contractStatus(),
        button('Open', 'open-button', async () => {
            if (session === undefined || vault?.keys === undefined) return;
            const file = await flows.open(
                session,
                vault.keys,
                fileId,
                (f) => (status.textContent = `${Math.round(100 * f)} %`),
            );
            opened.set(fileId, file);
            status.textContent = `digest checked, ${file.plaintext.size} bytes decrypted`;
            save.href = URL.createObjectURL(file.plaintext);
            save.download = fileId;
            save.textContent = 'Save';
            save.hidden = false;
            await Promise.all([showSignatures(fileId), showContract(fileId, owner)]);
        }),
        button('Sign', 'sign-button', async () => {
            const file = opened.get(fileId);
            if (session === undefined || vault?.keys === undefined) return;
            if (file === undefined)
                throw new WebError('BAD_ARGUMENT', 'open the file first: a signature binds its content');
            await flows.sign(session, vault.keys, file);
            await Promise.all([showSignatures(fileId), showContract(fileId, owner)]);
        }),
        reason,
        button('Decline', 'decline-button', async () => {
            if (session === undefined) return;
            await lifecycle.decline(session, fileId, reason.value);
            await showContract(fileId, owner);
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

/** The element that shows a file's contract state (`data-state`: its state; empty for none known). */
function contractStatus(): HTMLElement {
    const status = document.createElement('span');
    status.dataset.testid = 'contract-status';
    status.className = 'contract-status';
    return status;
}

/** The contract-status elements of a file: in the inbox and among the contracts the user started. */
function statusesOf(fileId: string): HTMLElement[] {
    return [
        ...document.querySelectorAll<HTMLElement>(
            `[data-file-id="${CSS.escape(fileId)}"] > [data-testid="contract-status"]`,
        ),
    ];
}

/** A contract as a list entry names it (no signers), until the contract itself is read. */
function showIndexEntry(entry: ContractIndexEntry, note: string): void {
    for (const status of statusesOf(entry.fileId)) {
        status.dataset.state = entry.state;
        status.textContent = `Contract ${entry.state}; ${note}; ${entry.deadline === null ? 'no deadline' : `deadline ${entry.deadline}`}`;
    }
}

/** Read a file's contract and show it wherever the file is listed; a contract the user started is listed. */
async function showContract(fileId: string, owner: string): Promise<void> {
    if (session === undefined) return;
    if (owner === session.partyId && !started.has(fileId)) addStarted(fileId);
    if (statusesOf(fileId).length === 0) return;
    const contract = await flows.contractOf(session, fileId);
    for (const status of statusesOf(fileId)) {
        status.dataset.state = contract?.state ?? '';
        status.textContent =
            contract === undefined ? 'A plain file, without a signing plan' : describeContract(contract);
    }
}

/** The contract payload of a lifecycle event (or of a share that created a contract), else undefined. */
function contractEventOf(name: string, payload: unknown): ContractEvent | undefined {
    if (name === 'FileShared') return (payload as { contract?: ContractEvent }).contract;
    // ContractSigned of a file without a plan has a schema of its own, and no contract.
    const { schema } = payload as { schema?: string };
    return name.startsWith('Contract') && schema === 'sealpact/event/contract/v1'
        ? (payload as ContractEvent)
        : undefined;
}

/** The contracts the user started, by file id: the open ones, and those that closed while shown. */
const started = new Map<string, HTMLElement>();

function addStarted(fileId: string): HTMLElement {
    const item = document.createElement('li');
    item.dataset.testid = 'started-item';
    item.dataset.fileId = fileId;
    const title = document.createElement('span');
    title.textContent = fileId;
    item.append(title, contractStatus());
    started.set(fileId, item);
    element('started-list').append(item);
    return item;
}

async function refreshStarted(): Promise<void> {
    if (session === undefined) return;
    for (const entry of await lifecycle.startedOpen(session)) {
        if (!started.has(entry.fileId)) addStarted(entry.fileId);
        showIndexEntry(entry, 'signers in progress');
    }
}

/** The owner grants a verified party access to a file it sent. */
async function grantAccess(): Promise<void> {
    if (session === undefined || vault?.keys === undefined) return;
    const partyId = inputElement('grant-party').value.trim();
    if (partyId === '') throw new WebError('BAD_ARGUMENT', 'name a verified party to grant access to');
    // Read now, as Send does: the password is sealed to the key on the ledger at this moment.
    const to = await flows.lookUp(session, partyId);
    const fileId = inputElement('grant-file').value.trim();
    const { txId } = await lifecycle.grant(session, vault.keys, fileId, [to]);
    element('grant-result').textContent = `${to.partyId} can open ${fileId} (tx ${txId})`;
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
    element('rotate-button').addEventListener('click', action(rotate));
    element('send-button').addEventListener('click', action(sendFile));
    element('audit-button').addEventListener('click', action(showAudit));
    element('grant-button').addEventListener('click', action(grantAccess));
    element('signing-plan').addEventListener('change', showPlan);
    element('deadline').addEventListener('change', showPlan);
    showPlan();
    element('clear-pad').addEventListener('click', () => {
        pad.clear();
    });
    element('forget-button').addEventListener('click', action(forgetVault));
}

start().catch(showError);
