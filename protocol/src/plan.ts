import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { canonicalJson } from './json';
import { ContractRecord } from './records';

/**
 * A contract's signing plan as both sides name it: the bounds ShareContract enforces, and the
 * plan hash every signing statement of the contract carries, so a signature cannot be replayed
 * onto another contract or another step (docs/ledger.md, "Contracts").
 */

/** Bounds of a signing plan and of a decline or void reason. */
export const PLAN_LIMITS = {
    /** Steps in a plan. */
    steps: 10,
    /** Parallel signers in one step. */
    signersPerStep: 20,
    /** Signers in a whole plan. */
    signers: 50,
    /** Characters (Unicode code points) of a decline or void reason; at least one. */
    reason: 500,
    /** How far after the transaction time a deadline may lie, in calendar years (UTC). */
    deadlineYears: 10,
} as const;

/** What a plan hash covers. */
export interface PlanFields {
    fileId: string;
    /** Party id of the file's owner. */
    owner: string;
    /** Party ids per step, in the plan's order. */
    steps: string[][];
    /** ISO 8601 UTC with milliseconds (`2026-12-31T23:59:59.000Z`), as the contract record holds it, or null. */
    deadline: string | null;
}

/** The plan document whose canonical JSON is hashed. */
export function planDocument(fields: PlanFields) {
    return {
        schema: 'sealpact/plan/v1',
        fileId: fields.fileId,
        owner: fields.owner,
        steps: fields.steps,
        deadline: fields.deadline,
    } as const;
}

/** Hex SHA-256 of the canonical JSON of the plan document: a contract's `planHash`. */
export function planHash(fields: PlanFields): string {
    return bytesToHex(sha256(utf8ToBytes(canonicalJson(planDocument(fields)))));
}

/** The plan fields of a contract record, to recompute its `planHash`. */
export function planOf(contract: ContractRecord): PlanFields {
    return {
        fileId: contract.fileId,
        owner: contract.owner,
        steps: contract.steps.map((step) => step.signers.map((signer) => signer.partyId)),
        deadline: contract.deadline,
    };
}

/**
 * What a signer's statement names of a file's contract: its plan hash and the signer's 1-based
 * step; null for both without a contract, or for a party not in the plan (the chaincode refuses
 * that one with NOT_A_SIGNER before it reads any statement).
 */
export function signingPlace(
    contract: ContractRecord | undefined,
    partyId: string,
): { contractPlan: string | null; step: number | null } {
    const step = contract?.steps.findIndex((s) => s.signers.some((signer) => signer.partyId === partyId)) ?? -1;
    return contract === undefined || step < 0
        ? { contractPlan: null, step: null }
        : { contractPlan: contract.planHash, step: step + 1 };
}
