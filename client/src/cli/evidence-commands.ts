import { readFile } from 'node:fs/promises';
import { UsageError } from '@sealpact/protocol';
import { ioError, writeBufferAtomically } from '../atomic-file';
import { exportEvidence } from '../evidence/export';
import { MAX_BUNDLE_SIZE } from '../evidence/bundle';
import { EvidenceReport, verifyEvidence } from '../evidence/verify-bundle';
import { trustAnchorsFromDir } from '../verify/trust-anchors';
import { Command, CommandResult, EXIT_FAILURE, EXIT_OK, oneOf, Options, required } from './command';
import { fileSize } from './inputs';
import { SESSION_OPTIONS, withSession } from './session';

/**
 * `sealpact evidence export` gathers a file's evidence bundle through the network;
 * `sealpact evidence verify` checks one with no network at all (docs/evidence.md).
 */
export const evidence: Command = {
    name: 'evidence',
    summary: "export a file's evidence bundle (owner, recipient or auditor), or verify one offline",
    positional: 'action',
    options: {
        action: { type: 'string', required: true, description: 'export or verify' },
        'file-id': { type: 'string', description: 'export: the file id on the ledger' },
        out: { type: 'string', description: 'export: the bundle file to write (not overwritten)' },
        in: { type: 'string', description: 'verify: the bundle file to check' },
        contract: {
            type: 'string',
            description: 'verify: also check that this file is the contract shared and signed',
        },
        'commitment-key': {
            type: 'string',
            description: "verify --contract: the file's commitment key, hex (from sealpact commitment-key)",
        },
        ...SESSION_OPTIONS,
    },
    async run(options) {
        const action = oneOf(options, 'action', ['export', 'verify']);
        return action === 'export' ? exportBundle(options) : verifyBundle(options);
    },
};

async function exportBundle(options: Options): Promise<CommandResult> {
    const fileId = required(options, 'file-id');
    const out = required(options, 'out');
    return withSession(options, false, async (session) => {
        const { bundle, manifest } = await exportEvidence(session.ledger, fileId);
        await writeBufferAtomically(out, bundle, { overwrite: false });
        const { transactions, blocks, headers } = manifest;
        return {
            json: { fileId, out, bytes: bundle.length, transactions: transactions.length, blocks, headers },
            text: `evidence for ${fileId} written to ${out}: ${transactions.length} transactions in blocks ${blocks.join(', ')} (headers ${headers.from}..${headers.to}), ${bundle.length} bytes; checked as verify would`,
        };
    });
}

async function verifyBundle(options: Options): Promise<CommandResult> {
    const path = required(options, 'in');
    const size = await fileSize(path, 'in');
    if (size > MAX_BUNDLE_SIZE) {
        throw new UsageError('BAD_ARGUMENT', `--in ${path} is ${size} bytes, larger than any evidence bundle`);
    }
    const anchorsDir = options['trust-anchors'] as string | undefined;
    const report = await verifyEvidence(await readBundleFile(path), {
        anchors: anchorsDir === undefined ? undefined : trustAnchorsFromDir(anchorsDir),
        contract: await contractOption(options),
    });
    return { json: { ...reportJson(report) }, text: reportText(report), exitCode: report.ok ? EXIT_OK : EXIT_FAILURE };
}

async function readBundleFile(path: string): Promise<Buffer> {
    try {
        return await readFile(path);
    } catch (err) {
        throw ioError(err, path);
    }
}

async function contractOption(options: Options): Promise<{ path: string; commitmentKey: Buffer } | undefined> {
    const contract = options.contract as string | undefined;
    const key = options['commitment-key'] as string | undefined;
    if (contract === undefined) {
        if (key !== undefined) throw new UsageError('USAGE', '--commitment-key goes with --contract');
        return undefined;
    }
    if (key === undefined || !/^[0-9a-f]{64}$/i.test(key)) {
        throw new UsageError(
            'USAGE',
            '--contract needs --commitment-key: the 64 hex digits `sealpact commitment-key` prints for the file',
        );
    }
    await fileSize(contract, 'contract'); // a regular file; the verifier streams it

    return { path: contract, commitmentKey: Buffer.from(key, 'hex') };
}

function reportJson(report: EvidenceReport) {
    return {
        ok: report.ok,
        checks: report.checks.map(({ name, ok, reason, error }) => ({ name, ok, reason, code: error?.code })),
    };
}

function reportText(report: EvidenceReport): string {
    const lines = report.checks.map((check) =>
        check.ok ? `  ok    ${check.name}` : `  FAIL  ${check.name}: ${check.reason ?? check.error?.message ?? ''}`,
    );
    const failed = report.checks.filter((check) => !check.ok).length;
    const verdict = report.ok
        ? `evidence holds: all ${report.checks.length} checks passed`
        : `evidence does NOT hold: ${failed} of ${report.checks.length} checks failed`;
    return [...lines, verdict].join('\n');
}
