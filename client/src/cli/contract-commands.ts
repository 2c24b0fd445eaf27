import { ContractIndexEntry, ContractState, ContractView, PlanSigner, UsageError } from '@sealpact/protocol';
import { Transition } from '../sdk/lifecycle';
import { Command, CommandResult, oneOf, OptionSpec, required } from './command';
import { FILE_ID, shortTx, withSessionOptions } from './ledger-commands';
import { withSession } from './session';

/**
 * The contract lifecycle on the command line (docs/cli.md, "Contracts"): decline, void and
 * expire a contract, show one as a timeline, and list those awaiting you or started by you.
 * `send --signers` and `sign` are in ledger-commands.ts.
 */

const CONTRACT_STATES: readonly ContractState[] = ['open', 'completed', 'declined', 'voided', 'expired'];
const REASON: OptionSpec = {
    type: 'string',
    required: true,
    description: 'why, 1 to 500 characters, recorded on the ledger for everyone concerned to read',
};

/** A transition's result: the contract record as written, and one line. */
function transitionResult(done: string, contract: Transition): CommandResult {
    const { txId, ...record } = contract;
    return { json: { contract: record, txId }, text: `${done} the contract on ${contract.fileId} (tx ${txId})` };
}

const decline: Command = {
    name: 'decline',
    summary: 'decline a contract awaiting your signature, with a reason: nobody can sign it any more',
    options: withSessionOptions({ 'file-id': FILE_ID, reason: REASON }),
    async run(options) {
        return withSession(options, false, async (session) =>
            transitionResult(
                'declined',
                await session.decline(required(options, 'file-id'), required(options, 'reason')),
            ),
        );
    },
};

const voidContract: Command = {
    name: 'void',
    summary: '(owner) void your open contract, with a reason: nobody can sign it any more',
    options: withSessionOptions({ 'file-id': FILE_ID, reason: REASON }),
    async run(options) {
        return withSession(options, false, async (session) =>
            transitionResult('voided', await session.void(required(options, 'file-id'), required(options, 'reason'))),
        );
    },
};

const expire: Command = {
    name: 'expire',
    summary: "record that a contract's deadline has passed (owner or a party with access)",
    options: withSessionOptions({ 'file-id': FILE_ID }),
    async run(options) {
        return withSession(options, false, async (session) =>
            transitionResult('recorded the expiry of', await session.expire(required(options, 'file-id'))),
        );
    },
};

const contract: Command = {
    name: 'contract',
    summary: "a contract's timeline: its plan, each signer's state and time, deadline, reasons and state",
    options: withSessionOptions({ 'file-id': FILE_ID }),
    async run(options) {
        return withSession(options, false, async (session) => {
            const view = await session.contract(required(options, 'file-id'));
            return { json: { contract: view }, text: contractTimeline(view) };
        });
    },
};

/**
 * A contract as lines: the state in force, the plan and deadline, each step with each signer's
 * state and the time it entered it (an awaiting signer's: since when), then how it closed.
 */
export function contractTimeline(view: ContractView): string {
    const where = view.state === 'open' ? `, step ${(view.currentStep ?? 0) + 1} of ${view.steps.length}` : '';
    const lines = [
        `contract on ${view.fileId} (owner ${view.owner}): ${view.state}${where}`,
        `  plan      ${view.planHash}`,
        `  deadline  ${view.deadline ?? 'none'}`,
        `  created   ${view.createdAt}  tx ${shortTx(view.createdTxId)}`,
    ];
    for (const [i, step] of view.steps.entries()) {
        lines.push(`  step ${i + 1} of ${view.steps.length}`, ...step.signers.map(signerLine));
    }
    return [...lines, ...closing(view)].join('\n');
}

function signerLine({ partyId, state, at, txId }: PlanSigner): string {
    const tx = txId !== null && (state === 'signed' || state === 'declined') ? `  tx ${shortTx(txId)}` : '';
    return `    ${state.padEnd(8)}  ${(at ?? '-').padEnd(24)}  ${partyId}${tx}`;
}

/** How the contract left `open`, or that its expiry is not recorded yet. */
function closing(view: ContractView): string[] {
    if (view.expiredUnrecorded) {
        return [`  expired   its deadline passed; not recorded yet (sealpact expire --file-id ${view.fileId})`];
    }
    if (view.closedAt === null || view.closedTxId === null) {
        return [];
    }
    const by = view.state === 'expired' ? 'recorded by' : 'by';
    const lines = [
        `  ${view.state.padEnd(9)} ${view.closedAt}  ${by} ${view.closedBy ?? ''}  tx ${shortTx(view.closedTxId)}`,
    ];
    return view.reason === null ? lines : [...lines, `  reason    ${JSON.stringify(view.reason)}`];
}

const contracts: Command = {
    name: 'contracts',
    summary: 'list the contracts awaiting your signature (default), or those you started (--started)',
    options: withSessionOptions({
        'awaiting-me': { type: 'boolean', description: 'contracts awaiting your signature (the default)' },
        started: { type: 'boolean', description: 'contracts you shared with a signing plan' },
        state: { type: 'string', description: `only those in this state now: ${CONTRACT_STATES.join(', ')}` },
    }),
    async run(options) {
        if (options['awaiting-me'] && options.started) {
            throw new UsageError('USAGE', 'give --awaiting-me or --started, not both');
        }
        const state = options.state === undefined ? undefined : oneOf(options, 'state', CONTRACT_STATES);
        return withSession(options, false, async (session) => {
            const entries = options.started
                ? await session.started(state)
                : (await session.awaitingMe()).filter((entry) => state === undefined || entry.state === state);
            const which = options.started ? 'started by you' : 'awaiting your signature';
            const none = `no contracts ${which}${state === undefined ? '' : ` in state ${state}`}`;
            return { json: { contracts: entries }, text: entries.length ? entries.map(entryLine).join('\n') : none };
        });
    },
};

function entryLine(entry: ContractIndexEntry): string {
    const step = entry.step === null ? '-' : String(entry.step + 1);
    return `${entry.fileId}  ${entry.state.padEnd(9)} step ${step.padEnd(2)} deadline ${entry.deadline ?? 'none'}  owner ${entry.owner}  since ${entry.since}`;
}

export const contractCommands = { decline, void: voidContract, expire, contract, contracts };
