import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseDrawing, UsageError } from '@sealpact/protocol';
import { generateKeyPair } from '../crypto/keys';
import { Command, EXIT_FAILURE, EXIT_OK, oneOf, Options, OptionSpec, required } from './command';
import { fileSize, KEY_OPTIONS, keyAlgorithm, parseDeadline, parseSigners, readJson, SUITES } from './inputs';
import { progressBar } from './progress';
import { writeBufferAtomically } from '../atomic-file';
import { exportEvidence } from '../evidence/export';
import { Sealpact } from '../sdk/sealpact';
import { InboxEvent } from '../sdk/watch';
import { SESSION_OPTIONS, withSession } from './session';

export const withSessionOptions = (options: Record<string, OptionSpec>) => ({ ...options, ...SESSION_OPTIONS });
export const FILE_ID: OptionSpec = { type: 'string', required: true, description: 'the file id on the ledger' };
/** A transaction id as a line shows it: enough to find it, short enough to read. */
export const shortTx = (txId: string) => `${txId.slice(0, 16)}…`;
const list = (value: string) =>
    value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');

const register: Command = {
    name: 'register',
    summary: 'make your Sealpact keys (one to receive file passwords, one to sign) and register them on the ledger',
    options: withSessionOptions({
        ...KEY_OPTIONS,
        'single-key': { type: 'boolean', description: 'use one key pair for both roles (GM practice keeps two)' },
    }),
    async run(options) {
        const { alg, bits } = keyAlgorithm(options);
        const encryption = generateKeyPair(alg, { bits });
        const signing = options['single-key'] ? encryption : generateKeyPair(alg, { bits });
        return withSession(options, true, async (session) => {
            const party = await session.registerKeys(encryption, signing);
            return {
                json: {
                    partyId: party.partyId,
                    encryptionKey: party.encryptionKey,
                    signingKey: party.signingKey,
                    txId: party.txId,
                },
                text: `registered ${party.partyId}\n  encryption key ${party.encryptionKey}\n  signing key    ${party.signingKey}\n  tx ${party.txId}`,
            };
        });
    },
};

const party: Command = {
    name: 'party',
    summary: "show a party's keys and verification as the ledger has them (default: yourself)",
    options: withSessionOptions({
        id: { type: 'string', description: 'the party id, e.g. Org2MSP/bob@org2.example.com' },
    }),
    async run(options) {
        return withSession(options, false, async (session) => {
            const id = (options.id as string | undefined) ?? (await session.whoAmI()).partyId;
            const view = await session.getParty(id);
            const keys = view.keys.map(
                (k) =>
                    `  ${k.status.padEnd(8)} ${k.algorithm.toUpperCase().padEnd(4)} ${k.roles.join('+').padEnd(19)} ${k.fingerprint}`,
            );
            return {
                json: { party: view },
                text: [`${view.partyId} (${view.verified ? 'verified' : 'NOT verified'})`, ...keys].join('\n'),
            };
        });
    },
};

const recordVerification: Command = {
    name: 'verify',
    summary: "(identity authority) record that a party's real identity was verified",
    options: withSessionOptions({
        party: { type: 'string', required: true, description: 'the party id' },
        serial: {
            type: 'string',
            required: true,
            description: 'opaque serial, e.g. an HMAC of the ID document number (never personal data)',
        },
        level: { type: 'string', required: true, description: 'assurance level, e.g. "high"' },
        expires: { type: 'string', description: 'ISO 8601 UTC expiry, e.g. 2027-12-31T00:00:00.000Z' },
    }),
    async run(options) {
        return withSession(options, false, async (session) => {
            const partyId = required(options, 'party');
            const { txId } = await session.recordVerification(partyId, {
                serial: required(options, 'serial'),
                level: required(options, 'level'),
                expiresAt: options.expires as string | undefined,
            });
            return { json: { partyId, txId }, text: `verified ${partyId} (tx ${txId})` };
        });
    },
};

const unverify: Command = {
    name: 'unverify',
    summary: "(identity authority) revoke a party's verification",
    options: withSessionOptions({ party: { type: 'string', required: true, description: 'the party id' } }),
    async run(options) {
        return withSession(options, false, async (session) => {
            const partyId = required(options, 'party');
            const { txId } = await session.revokeVerification(partyId);
            return { json: { partyId, txId }, text: `verification of ${partyId} revoked (tx ${txId})` };
        });
    },
};

const send: Command = {
    name: 'send',
    summary:
        'encrypt a file for verified recipients, upload it and record the credentials on the ledger (with --signers, as a contract with a signing plan)',
    options: withSessionOptions({
        to: { type: 'string', required: true, description: 'recipient party ids, comma-separated' },
        in: { type: 'string', required: true, description: 'the contract file' },
        suite: { type: 'string', required: true, description: 'gm (SM4/SM3) or intl (AES-256-GCM/SHA-256)' },
        drawing: { type: 'string', description: 'JSON drawing mixed into the file password' },
        'file-id': { type: 'string', description: 'choose the file id (retrying with the same id is safe)' },
        signers: {
            type: 'string',
            description:
                'signing plan: steps separated by ";", parallel signers by ",", e.g. "P1;P2,P3"; each is you or in --to',
        },
        deadline: {
            type: 'string',
            description: 'with --signers: ISO 8601 UTC time after which nobody can sign, e.g. 2026-12-31T23:59:59Z',
        },
    }),
    async run(options) {
        const suite = oneOf(options, 'suite', SUITES);
        const plan = signingPlan(options);
        const input = required(options, 'in');
        const meter = progressBar('sending', await fileSize(input, 'in'));
        const drawing =
            options.drawing === undefined
                ? undefined
                : parseDrawing(await readJson(options.drawing as string, 'drawing'));
        return withSession(options, false, async (session) => {
            const sent = await session.send(input, {
                to: list(required(options, 'to')),
                suite,
                drawing,
                fileId: options['file-id'] as string | undefined,
                meter,
                ...plan,
            });
            const again = sent.alreadySent ? ' (already sent earlier)' : '';
            const { contract } = sent;
            const planned = contract
                ? [
                      `  contract: ${contract.steps.length} step(s), deadline ${contract.deadline ?? 'none'}, plan ${contract.planHash}`,
                  ]
                : [];
            return {
                json: { ...sent },
                text: [
                    `sent ${sent.fileId}${again}`,
                    `  ${sent.digestAlgorithm}:${sent.ciphertextDigest}`,
                    ...planned,
                    `  tx ${sent.txId}`,
                ].join('\n'),
            };
        });
    },
};

/** --signers and --deadline as send takes them; a deadline alone is refused rather than ignored. */
function signingPlan(options: Options): { signers?: string[][]; deadline?: string } {
    const signers = options.signers as string | undefined;
    const deadline = options.deadline as string | undefined;
    if (signers === undefined) {
        if (deadline !== undefined) {
            throw new UsageError('USAGE', '--deadline applies to a contract with --signers only');
        }
        return {};
    }
    return { signers: parseSigners(signers), ...(deadline !== undefined && { deadline: parseDeadline(deadline) }) };
}

const inbox: Command = {
    name: 'inbox',
    summary: 'list the files shared with you',
    options: withSessionOptions({}),
    async run(options) {
        return withSession(options, false, async (session) => {
            const entries = await session.inbox();
            const lines = entries.map((e) => `${e.sharedAt}  ${e.fileId}  from ${e.owner}`);
            return { json: { files: entries }, text: lines.length ? lines.join('\n') : 'inbox is empty' };
        });
    },
};

const get: Command = {
    name: 'get',
    summary: 'receive a file: open your credential, download, check the ledger digest, decrypt',
    options: withSessionOptions({
        'file-id': FILE_ID,
        out: { type: 'string', required: true, description: 'where to write the contract' },
    }),
    async run(options) {
        return withSession(options, true, async (session) => {
            const received = await session.receive(required(options, 'file-id'), required(options, 'out'), {
                meter: (size) => progressBar('receiving', size),
            });
            return {
                json: { ...received },
                text: `received ${received.fileId} into ${received.out} (${received.suite}, digest checked)`,
            };
        });
    },
};

const signContract: Command = {
    name: 'sign',
    summary:
        "sign a received contract on the ledger with your registered signing key (on a contract with a plan: when it is your step's turn)",
    options: withSessionOptions({
        'file-id': FILE_ID,
        in: { type: 'string', required: true, description: 'the contract as received' },
    }),
    async run(options) {
        return withSession(options, true, async (session) => {
            const signed = await session.sign(required(options, 'file-id'), required(options, 'in'));
            return {
                json: {
                    fileId: signed.fileId,
                    signer: signed.signer,
                    txId: signed.txId,
                    plaintextCommitment: signed.plaintextCommitment,
                    statement: signed.statement,
                    signature: signed.signature,
                    planHash: signed.planHash,
                    step: signed.step,
                },
                text:
                    `signed ${signed.fileId} as ${signed.signer}` +
                    (signed.step === null ? '' : `, step ${signed.step} of plan ${signed.planHash ?? ''}`) +
                    ` (tx ${signed.txId})`,
            };
        });
    },
};

const commitmentKey: Command = {
    name: 'commitment-key',
    summary:
        "print a file's commitment key, for whoever should check a copy of the contract against its signing statements (it reveals nothing else)",
    options: withSessionOptions({ 'file-id': FILE_ID }),
    async run(options) {
        return withSession(options, true, async (session) => {
            const { fileId, digestAlgorithm, key } = await session.commitmentKey(required(options, 'file-id'));
            const hex = key.toString('hex');
            key.fill(0);
            return {
                json: { fileId, digestAlgorithm, commitmentKey: hex },
                text: `${hex}\n  check a contract: openssl dgst -${digestAlgorithm} -mac HMAC -macopt hexkey:<this key> CONTRACT`,
            };
        });
    },
};

const grant: Command = {
    name: 'grant',
    summary: '(owner) give more verified parties access to a file',
    options: withSessionOptions({
        'file-id': FILE_ID,
        to: { type: 'string', required: true, description: 'party ids, comma-separated' },
    }),
    async run(options) {
        return withSession(options, true, async (session) => {
            const { txId } = await session.grant(required(options, 'file-id'), list(required(options, 'to')));
            return { json: { txId }, text: `access granted (tx ${txId})` };
        });
    },
};

const revoke: Command = {
    name: 'revoke',
    summary: "(owner) revoke a party's credential (a key already fetched cannot be taken back)",
    options: withSessionOptions({
        'file-id': FILE_ID,
        party: { type: 'string', required: true, description: 'the party id' },
    }),
    async run(options) {
        return withSession(options, false, async (session) => {
            const { txId } = await session.revoke(required(options, 'file-id'), required(options, 'party'));
            return { json: { txId }, text: `access revoked (tx ${txId})` };
        });
    },
};

const audit: Command = {
    name: 'audit',
    summary: "(auditor) a file's whole trail: share, grants, revocations, signatures, and how its contract closed",
    options: withSessionOptions({
        'file-id': FILE_ID,
        verify: { type: 'boolean', description: 'check every step against its endorsed transaction and block' },
        evidence: { type: 'string', description: "also write the file's evidence bundle here (implies --verify)" },
    }),
    async run(options) {
        return withSession(options, false, async (session) => {
            const fileId = required(options, 'file-id');
            const { file, trail } = await session.audit(fileId);
            const evidencePath = options.evidence as string | undefined;
            const checked =
                options.verify || evidencePath !== undefined ? await verifiedSteps(session, fileId) : undefined;
            if (checked !== undefined && evidencePath !== undefined) {
                await writeBufferAtomically(evidencePath, checked.bundle, { overwrite: false });
            }
            const header = `${file.fileId}: ${file.suite}, ${file.size} bytes, ${file.digestAlgorithm}:${file.ciphertextDigest}, owner ${file.owner}`;
            const entries = trail.map((entry) => ({
                ...entry,
                verified: checked?.steps.has(`${entry.txId} ${entry.action} ${entry.party}`),
            }));
            const lines = entries.map(
                (e) =>
                    `  ${e.at}  ${e.action.padEnd(9)} ${e.party.padEnd(36)} by ${e.by}  tx ${shortTx(e.txId)}  ${e.detail}` +
                    (e.verified === undefined ? '' : e.verified ? '  [verified]' : '  [NOT VERIFIED]'),
            );
            const unverified = entries.filter((entry) => entry.verified === false).length;
            const summary =
                checked === undefined
                    ? []
                    : [
                          unverified === 0
                              ? 'every step verified against its endorsed transaction'
                              : `${unverified} step(s) NOT verified`,
                      ];
            return {
                json: { file, trail: entries, ...(evidencePath === undefined ? {} : { evidence: evidencePath }) },
                text: [header, ...lines, ...summary].join('\n'),
                exitCode: unverified === 0 ? EXIT_OK : EXIT_FAILURE,
            };
        });
    },
};

/**
 * The steps of a file's story that its evidence proves: the bundle is gathered and checked as
 * `evidence verify` checks it, and each event it establishes (from the endorsed write sets) is a
 * verified step "txId action party".
 */
async function verifiedSteps(session: Sealpact, fileId: string) {
    const { bundle, manifest } = await exportEvidence(session.ledger, fileId);
    const steps = new Set(manifest.facts.events.map((event) => `${event.txId} ${event.action} ${event.party}`));
    return { bundle, steps };
}

const watch: Command = {
    name: 'watch',
    summary:
        'print files shared with you, your turns to sign and how your contracts close, as they happen (resumes from a checkpoint file)',
    options: withSessionOptions({
        checkpoint: {
            type: 'string',
            description: 'checkpoint file; a restarted watch neither misses nor repeats an event',
        },
        count: { type: 'integer', min: 1, max: 1_000_000, description: 'stop after this many events' },
    }),
    async run(options) {
        const limit = (options.count as number | undefined) ?? Infinity;
        return withSession(options, false, async (session) => {
            const seen: unknown[] = [];
            for await (const notice of session.watchInbox({
                checkpointFile: options.checkpoint as string | undefined,
            })) {
                const { done, ...event } = notice;
                if (!options.json) process.stdout.write(`${event.at}  ${event.fileId}  ${watchLine(notice)}\n`);
                seen.push(event);
                await done();
                if (seen.length >= limit) break;
            }
            return { json: { events: seen }, text: '' };
        });
    },
};

/** What a watched event says, after its time and file id. */
function watchLine(event: InboxEvent): string {
    const tx = `tx ${event.txId}`;
    switch (event.kind) {
        case 'share':
            return `from ${event.owner}  ${tx}`;
        case 'your-turn':
            return `your turn to sign, step ${(event.step ?? 0) + 1} (from ${event.owner})  ${tx}`;
        case 'declined':
        case 'voided':
            return `contract ${event.kind} by ${event.by}: ${JSON.stringify(event.reason)}  ${tx}`;
        default:
            return `contract ${event.kind} (by ${event.by})  ${tx}`;
    }
}

const DEFAULT_GRACE_MINUTES = 60;

const gc: Command = {
    name: 'gc',
    summary: 'remove your own uploads that no ledger file holds (failed sends) and abandoned uploads',
    options: withSessionOptions({
        'grace-minutes': {
            type: 'integer',
            // At least a minute: a send uploads before it commits, so a young orphan may be in flight.
            min: 1,
            max: 525_600,
            description: `leave anything younger than this (default ${DEFAULT_GRACE_MINUTES})`,
        },
    }),
    async run(options) {
        const grace = (options['grace-minutes'] as number | undefined) ?? DEFAULT_GRACE_MINUTES;
        return withSession(options, false, async (session) => {
            const result = await session.gc(grace * 60_000);
            return {
                json: { ...result },
                text: `removed ${result.removed.length} orphan blob(s) and ${result.abandonedUploads} abandoned upload(s)`,
            };
        });
    },
};

const network: Command = {
    name: 'network',
    summary: 'the local Fabric network: up, down [--purge] or status',
    positional: 'action',
    options: {
        action: { type: 'string', required: true, description: 'up, down or status' },
        purge: { type: 'boolean', description: 'with down: remove ledgers and crypto material' },
    },
    // Synchronous (it waits for the script with spawnSync); run() awaits it in its try, so a throw
    // is reported as any command's failure is.
    run(options) {
        const action = oneOf(options, 'action', ['up', 'down', 'status']);
        // Only down takes --purge; the other scripts refuse options they do not know.
        if (options.purge && action !== 'down') {
            throw new UsageError('USAGE', `--purge applies to network down only, not ${action}`);
        }
        const script = join(resolve(__dirname, '..', '..', '..'), 'network', 'scripts', `${action}.mjs`);
        const result = spawnSync(process.execPath, [script, ...(options.purge ? ['--purge'] : [])], {
            stdio: ['ignore', 'inherit', 'inherit'],
        });
        const exitCode = result.status === 0 ? EXIT_OK : EXIT_FAILURE;
        return Promise.resolve({ json: { action, exitCode: result.status }, text: '', exitCode });
    },
};

export const ledgerCommands = {
    register,
    party,
    recordVerification,
    unverify,
    send,
    inbox,
    get,
    signContract,
    commitmentKey,
    grant,
    revoke,
    audit,
    watch,
    gc,
    network,
};
