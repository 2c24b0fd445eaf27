import { Context } from 'fabric-contract-api';
import {
    canonicalJson,
    ChaincodeError,
    ContractEvent,
    ContractIndexEntry,
    ContractRecord,
    ContractState,
    ContractView,
    EVENTS,
    FileRecord,
    Page,
    parseJsonArgument,
    PLAN_LIMITS,
    planHash,
    PlanSigner,
} from '@sealpact/protocol';
import {
    accessEvent,
    credentialOf,
    emitAccessEvent,
    loadFile,
    recordShare,
    requireActiveCredential,
    requireVisible,
    ShareArgs,
} from './files';
import { Caller } from './identity';
import { readPage } from './paging';
import { requireParty } from './registry';
import { KEY_TYPES, readRecord, recordTime, stateKey, txTime, writeRecord } from './state';
import * as validate from './validate';

/**
 * Contracts: a file's signing plan and its lifecycle. Every transition reads and writes the one
 * contract record, so concurrent transitions of a contract conflict at commit rather than
 * overwrite each other (docs/ledger.md, "Contracts"). SignContract's side is in signatures.ts.
 */

const CONTRACT_STATES: readonly ContractState[] = ['open', 'completed', 'declined', 'voided', 'expired'];

/** A signer's place in the plan: 0-based step and index within it. */
export interface PlanPosition {
    step: number;
    index: number;
}

function contractKey(ctx: Context, fileId: string): string {
    return stateKey(ctx, KEY_TYPES.contract, fileId);
}

/** The file's contract, if it was shared with a plan. */
export async function contractOf(ctx: Context, fileId: string): Promise<ContractRecord | undefined> {
    return readRecord<ContractRecord>(ctx, contractKey(ctx, fileId));
}

/**
 * Share a file with a signing plan: ShareFile's rules and writes, and the contract, in one
 * transaction, announced by one FileShared event carrying the contract. `args.plan` is
 * `{"steps":[["P1"],["P2","P3"]],"deadline":"<ISO 8601 UTC>"|null}`.
 */
export async function shareContract(
    ctx: Context,
    caller: Caller,
    args: ShareArgs & { plan: string },
): Promise<{ file: FileRecord; contract: ContractRecord }> {
    const plan = parsePlan(args.plan);
    const { file, credentials } = await recordShare(ctx, caller, args);
    const contract = newContract(file, plan);
    await writeContract(ctx, contract, undefined);
    emitAccessEvent(ctx, EVENTS.fileShared, {
        ...accessEvent(ctx, file, credentials, file.createdAt),
        contract: contractEvent(ctx, contract, 'created', file.owner),
    });
    return { file, contract };
}

/** The plan argument's shape and bounds; who may be in it is checked against the file (newContract). */
function parsePlan(json: string): { steps: string[][]; deadline: string | null } {
    const plan = parseJsonArgument(json, 'plan', validate.LIMITS.planJson);
    if (plan === null || typeof plan !== 'object' || Array.isArray(plan)) {
        throw new ChaincodeError('BAD_JSON', 'plan must be a JSON object');
    }
    const { steps, deadline } = plan as Record<string, unknown>;
    if (Object.keys(plan).sort().join(',') !== 'deadline,steps') {
        throw new ChaincodeError('BAD_JSON', 'plan must have exactly the members steps, deadline');
    }
    if (deadline !== null && typeof deadline !== 'string') {
        throw new ChaincodeError('BAD_JSON', 'plan.deadline must be a string or null');
    }
    const list = validate.array(steps, 'plan.steps', PLAN_LIMITS.steps);
    if (list.length === 0) {
        throw new ChaincodeError('BAD_ARGUMENT', 'a plan has at least one step');
    }
    const seen = new Set<string>();
    const parsed = list.map((step, i) => {
        const signers = validate.array(step, `plan.steps[${i}]`, PLAN_LIMITS.signersPerStep);
        if (signers.length === 0) {
            throw new ChaincodeError('BAD_ARGUMENT', `plan.steps[${i}] has no signer`);
        }
        return signers.map((signer, j) => {
            if (typeof signer !== 'string') {
                throw new ChaincodeError('BAD_JSON', `plan.steps[${i}][${j}] must be a string`);
            }
            if (seen.has(validate.partyId(signer))) {
                throw new ChaincodeError('BAD_ARGUMENT', `the plan names ${signer} twice`);
            }
            seen.add(signer);
            return signer;
        });
    });
    if (seen.size > PLAN_LIMITS.signers) {
        throw new ChaincodeError(
            'FIELD_TOO_LARGE',
            `the plan has ${seen.size} signers; at most ${PLAN_LIMITS.signers}`,
        );
    }
    return { steps: parsed, deadline };
}

/** The contract of a file just shared: every signer the owner or a recipient; the first step awaiting. */
function newContract(file: FileRecord, plan: { steps: string[][]; deadline: string | null }) {
    const parties = new Set([file.owner, ...file.recipients]);
    const stranger = plan.steps.flat().find((partyId) => !parties.has(partyId));
    if (stranger !== undefined) {
        throw new ChaincodeError(
            'BAD_ARGUMENT',
            `${stranger} is in the plan but is neither the owner nor a recipient of ${file.fileId}`,
        );
    }
    const now = file.createdAt;
    const txId = file.createdTxId;
    const deadline = plan.deadline === null ? null : validate.deadline(plan.deadline, now);
    const contract: ContractRecord = {
        schema: 'sealpact/contract/v1',
        fileId: file.fileId,
        owner: file.owner,
        planHash: planHash({ fileId: file.fileId, owner: file.owner, steps: plan.steps, deadline }),
        steps: plan.steps.map((signers) => ({
            signers: signers.map((partyId): PlanSigner => ({ partyId, state: 'waiting', at: null, txId: null })),
        })),
        deadline,
        state: 'open',
        currentStep: null,
        createdAt: now,
        createdTxId: txId,
        closedAt: null,
        closedTxId: null,
        closedBy: null,
        reason: null,
        updatedAt: now,
        updatedTxId: txId,
    };
    return openStep(contract, 0, now, txId);
}

/** `contract` with step `step` open: its signers awaiting since `at`. */
function openStep(contract: ContractRecord, step: number, at: string, txId: string): ContractRecord {
    return {
        ...contract,
        currentStep: step,
        steps: contract.steps.map((s, i) =>
            i === step ? { signers: s.signers.map((signer) => ({ ...signer, state: 'awaiting', at, txId })) } : s,
        ),
    };
}

/** `contract` with the signer at `position` in `state` since `at`, by transaction `txId`. */
function withSigner(
    contract: ContractRecord,
    position: PlanPosition,
    state: 'signed' | 'declined',
    at: string,
    txId: string,
): ContractRecord {
    return {
        ...contract,
        steps: contract.steps.map((s, i) =>
            i === position.step
                ? {
                      signers: s.signers.map((signer, j) =>
                          j === position.index ? { ...signer, state, at, txId } : signer,
                      ),
                  }
                : s,
        ),
    };
}

/** `contract` closed in `state` by `by` at `at`, by transaction `txId`. */
function closed(
    contract: ContractRecord,
    state: Exclude<ContractState, 'open'>,
    by: string,
    at: string,
    txId: string,
    reason: string | null,
): ContractRecord {
    return {
        ...contract,
        state,
        currentStep: null,
        closedAt: at,
        closedTxId: txId,
        closedBy: by,
        reason,
        updatedAt: at,
        updatedTxId: txId,
    };
}

/** The one event each way of closing a contract emits. */
const CLOSING_EVENTS = {
    declined: EVENTS.contractDeclined,
    voided: EVENTS.contractVoided,
    expired: EVENTS.contractExpired,
} as const;

/**
 * Close an open contract in `state` by `by`: `current` is the record as the transaction changed it
 * so far, `previous` as it was read (whose index entries move). Writes it and emits the
 * transaction's one event.
 */
async function closeContract(
    ctx: Context,
    previous: ContractRecord,
    current: ContractRecord,
    state: keyof typeof CLOSING_EVENTS,
    by: string,
    now: string,
    reason: string | null,
): Promise<ContractRecord> {
    const next = closed(current, state, by, now, ctx.stub.getTxID(), reason);
    await writeContract(ctx, next, previous);
    emitContractEvent(ctx, CLOSING_EVENTS[state], next, state, by);
    return next;
}

/**
 * The time a lifecycle transaction decides and stamps by: the transaction time, never before the
 * file and contract records it follows (see recordTime).
 */
export function contractTime(ctx: Context, file: FileRecord, contract: ContractRecord): string {
    return recordTime(ctx, file.updatedAt, contract.updatedAt);
}

/** Throws CONTRACT_CLOSED unless the contract is open, DEADLINE_PASSED once `now` reached its deadline. */
function requireOpen(contract: ContractRecord, now: string): void {
    if (contract.state !== 'open') {
        throw new ChaincodeError('CONTRACT_CLOSED', `the contract on ${contract.fileId} is ${contract.state}`);
    }
    if (contract.deadline !== null && now >= contract.deadline) {
        throw new ChaincodeError(
            'DEADLINE_PASSED',
            `the deadline ${contract.deadline} of the contract on ${contract.fileId} has passed`,
        );
    }
}

/**
 * Where `partyId` stands in the plan, when it may sign or decline now: the contract open and
 * before its deadline, the party in the plan (NOT_A_SIGNER) and `awaiting` (NOT_YOUR_TURN while its
 * step is not open; DUPLICATE_ID to sign again, WRONG_STATE to decline, once it signed).
 */
export function awaitingSigner(
    contract: ContractRecord,
    partyId: string,
    now: string,
    action: 'sign' | 'decline',
): PlanPosition {
    requireOpen(contract, now);
    for (const [step, { signers }] of contract.steps.entries()) {
        const index = signers.findIndex((signer) => signer.partyId === partyId);
        const state = signers[index]?.state;
        if (state === 'waiting') {
            throw new ChaincodeError(
                'NOT_YOUR_TURN',
                `${partyId} signs in step ${step + 1}; step ${(contract.currentStep ?? 0) + 1} of the contract on ${contract.fileId} is not finished`,
            );
        }
        // Only `signed` is left: a decline would have closed the contract.
        if (state !== undefined && state !== 'awaiting') {
            throw action === 'sign'
                ? new ChaincodeError('DUPLICATE_ID', `${partyId} has already signed ${contract.fileId}`)
                : new ChaincodeError(
                      'WRONG_STATE',
                      `${partyId} has already signed ${contract.fileId} and cannot decline it`,
                  );
        }
        if (state === 'awaiting') {
            return { step, index };
        }
    }
    throw new ChaincodeError('NOT_A_SIGNER', `${partyId} is not a signer of the contract on ${contract.fileId}`);
}

/**
 * Record the signature of the signer at `position` (SignContract has checked it and the signature):
 * the signer `signed`; its step finished, the next one opens, or after the last the contract is
 * `completed`. Emits ContractSigned.
 */
export async function recordContractSignature(
    ctx: Context,
    contract: ContractRecord,
    position: PlanPosition,
    by: string,
    now: string,
): Promise<ContractRecord> {
    const txId = ctx.stub.getTxID();
    let next = { ...withSigner(contract, position, 'signed', now, txId), updatedAt: now, updatedTxId: txId };
    const stepSigned = next.steps[position.step]?.signers.every((signer) => signer.state === 'signed') ?? false;
    if (stepSigned && position.step + 1 < next.steps.length) {
        next = openStep(next, position.step + 1, now, txId);
    } else if (stepSigned) {
        next = closed(next, 'completed', by, now, txId, null);
    }
    await writeContract(ctx, next, contract);
    emitContractEvent(ctx, EVENTS.contractSigned, next, next.state === 'completed' ? 'completed' : 'signed', by);
    return next;
}

/** An awaiting signer declines the contract, with a reason: it is closed `declined`. */
export async function declineContract(
    ctx: Context,
    caller: Caller,
    fileId: string,
    reasonArg: string,
): Promise<ContractRecord> {
    const party = await requireParty(ctx, caller);
    const reason = validate.reason(reasonArg);
    const { file, contract } = await loadContract(ctx, fileId);
    await requireActiveCredential(ctx, file, party.partyId);
    const now = contractTime(ctx, file, contract);
    const position = awaitingSigner(contract, party.partyId, now, 'decline');
    const txId = ctx.stub.getTxID();
    const declined = withSigner(contract, position, 'declined', now, txId);
    return closeContract(ctx, contract, declined, 'declined', party.partyId, now, reason);
}

/** The owner voids its open contract, with a reason, before the deadline: it is closed `voided`. */
export async function voidContract(
    ctx: Context,
    caller: Caller,
    fileId: string,
    reasonArg: string,
): Promise<ContractRecord> {
    const party = await requireParty(ctx, caller);
    const reason = validate.reason(reasonArg);
    const file = await loadFile(ctx, fileId);
    if (file.owner !== party.partyId) {
        throw new ChaincodeError('ACCESS_DENIED', `only the owner of ${file.fileId} may void its contract`);
    }
    const { contract } = await loadContract(ctx, file.fileId);
    const now = contractTime(ctx, file, contract);
    requireOpen(contract, now);
    return closeContract(ctx, contract, contract, 'voided', party.partyId, now, reason);
}

/**
 * Record that an open contract's deadline has passed: it is closed `expired`. For the owner or a
 * holder of an active credential, once the transaction's time reached the deadline.
 */
export async function expireContract(ctx: Context, caller: Caller, fileId: string): Promise<ContractRecord> {
    const party = await requireParty(ctx, caller);
    const { file, contract } = await loadContract(ctx, fileId);
    const credential = await credentialOf(ctx, file.fileId, party.partyId);
    if (party.partyId !== file.owner && credential?.status !== 'active') {
        throw new ChaincodeError(
            'ACCESS_DENIED',
            `${party.partyId} may not record the expiry of the contract on ${file.fileId}`,
        );
    }
    if (contract.state !== 'open') {
        throw new ChaincodeError('CONTRACT_CLOSED', `the contract on ${file.fileId} is ${contract.state}`);
    }
    const now = contractTime(ctx, file, contract);
    if (contract.deadline === null) {
        throw new ChaincodeError('WRONG_STATE', `the contract on ${file.fileId} has no deadline`);
    }
    if (now < contract.deadline) {
        throw new ChaincodeError(
            'WRONG_STATE',
            `the deadline ${contract.deadline} of the contract on ${file.fileId} has not passed at ${now}`,
        );
    }
    return closeContract(ctx, contract, contract, 'expired', party.partyId, now, null);
}

/**
 * The contract of a file with its state in force at the query's transaction time, for the owner,
 * holders of an active credential and auditors.
 */
export async function getContract(ctx: Context, caller: Caller, fileId: string): Promise<ContractView> {
    const file = await loadFile(ctx, fileId);
    await requireVisible(ctx, caller, file);
    const { contract } = await loadContract(ctx, file.fileId);
    const state = stateInForce(contract, txTime(ctx));
    return { ...contract, state, expiredUnrecorded: state !== contract.state };
}

/** A page of the contracts awaiting the caller's signature, in file id order. */
export async function listAwaiting(
    ctx: Context,
    caller: Caller,
    pageSize: string,
    bookmark: string,
): Promise<Page<ContractIndexEntry>> {
    const party = await requireParty(ctx, caller);
    return inForce(ctx, await readPage(ctx, KEY_TYPES.awaiting, [party.partyId], pageSize, bookmark));
}

/**
 * A page of the contracts the caller started, by recorded state then creation time; `state` ""
 * for all, or one recorded state.
 */
export async function listStarted(
    ctx: Context,
    caller: Caller,
    state: string,
    pageSize: string,
    bookmark: string,
): Promise<Page<ContractIndexEntry>> {
    const party = await requireParty(ctx, caller);
    if (state !== '' && !CONTRACT_STATES.includes(state as ContractState)) {
        throw new ChaincodeError('BAD_ARGUMENT', `state must be "" or one of ${CONTRACT_STATES.join(', ')}`);
    }
    const attributes = state === '' ? [party.partyId] : [party.partyId, state];
    return inForce(ctx, await readPage(ctx, KEY_TYPES.started, attributes, pageSize, bookmark));
}

/** The file and its contract; NOT_FOUND when either is missing. */
async function loadContract(ctx: Context, fileId: string): Promise<{ file: FileRecord; contract: ContractRecord }> {
    const file = await loadFile(ctx, fileId);
    const contract = await contractOf(ctx, file.fileId);
    if (!contract) {
        throw new ChaincodeError('NOT_FOUND', `file ${file.fileId} has no contract`);
    }
    return { file, contract };
}

/** The state in force at `now`: an open contract whose deadline `now` reached is expired. */
function stateInForce(contract: { state: ContractState; deadline: string | null }, now: string): ContractState {
    return contract.state === 'open' && contract.deadline !== null && now >= contract.deadline
        ? 'expired'
        : contract.state;
}

function inForce(ctx: Context, page: Page<ContractIndexEntry>): Page<ContractIndexEntry> {
    const now = txTime(ctx);
    return { ...page, items: page.items.map((entry) => ({ ...entry, state: stateInForce(entry, now) })) };
}

/**
 * Write the contract and keep its indexes in step with it: an `awaiting` entry for each signer
 * awaiting while the contract is open (added when it starts awaiting, removed when it stops), and
 * the owner's `started` entry, moved when the recorded state changes.
 */
async function writeContract(ctx: Context, next: ContractRecord, previous: ContractRecord | undefined): Promise<void> {
    await writeRecord(ctx, contractKey(ctx, next.fileId), next);
    const entry = indexEntry(next);
    const awaiting = (contract: ContractRecord | undefined, step: number, index: number) =>
        contract?.state === 'open' && contract.steps[step]?.signers[index]?.state === 'awaiting';
    for (const [step, { signers }] of next.steps.entries()) {
        for (const [index, { partyId }] of signers.entries()) {
            const key = stateKey(ctx, KEY_TYPES.awaiting, partyId, next.fileId);
            const was = awaiting(previous, step, index);
            const is = awaiting(next, step, index);
            if (was && !is) {
                await ctx.stub.deleteState(key);
            } else if (is && !was) {
                await writeRecord(ctx, key, entry);
            }
        }
    }
    if (previous && previous.state !== next.state) {
        await ctx.stub.deleteState(startedKey(ctx, previous));
    }
    await writeRecord(ctx, startedKey(ctx, next), entry);
}

function startedKey(ctx: Context, contract: ContractRecord): string {
    return stateKey(ctx, KEY_TYPES.started, contract.owner, contract.state, contract.createdAt, contract.fileId);
}

function indexEntry(contract: ContractRecord): ContractIndexEntry {
    return {
        fileId: contract.fileId,
        owner: contract.owner,
        state: contract.state,
        step: contract.currentStep,
        deadline: contract.deadline,
        since: contract.updatedAt,
        txId: contract.updatedTxId,
    };
}

/** A lifecycle event's payload: who acted, the state after, whose turn it is, and everyone concerned. */
function contractEvent(
    ctx: Context,
    contract: ContractRecord,
    action: ContractEvent['action'],
    by: string,
): ContractEvent {
    const signers = contract.steps.flatMap((step) => step.signers);
    const turn = contract.state === 'open' ? signers.filter((signer) => signer.state === 'awaiting') : [];
    return {
        schema: 'sealpact/event/contract/v1',
        fileId: contract.fileId,
        owner: contract.owner,
        action,
        by,
        state: contract.state,
        step: contract.currentStep,
        turn: turn.map((signer) => signer.partyId).sort(),
        concerned: [...new Set([contract.owner, ...signers.map((signer) => signer.partyId)])].sort(),
        reason: contract.reason,
        txId: ctx.stub.getTxID(),
        at: contract.updatedAt,
    };
}

/** The transaction's single chaincode event (Fabric keeps only the last SetEvent of a transaction). */
function emitContractEvent(
    ctx: Context,
    name: string,
    contract: ContractRecord,
    action: ContractEvent['action'],
    by: string,
): void {
    ctx.stub.setEvent(name, Buffer.from(canonicalJson(contractEvent(ctx, contract, action, by))));
}
