import { ContractView, PLAN_LIMITS } from '@sealpact/protocol';

/**
 * What the page shows of contracts and how it turns the Send screen's choice into a signing plan:
 * pure functions, so the words a person reads are tested apart from the page.
 */

/**
 * The plans the Send screen offers, in the chaincode's terms (ordered steps of parallel signers):
 * none (a plain file, which any recipient may sign at any time), the recipients one after another
 * in the order they were picked, or all of them in one step, in any order.
 */
export const PLAN_KINDS = ['none', 'in-order', 'any-order'] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];

/** The plan's steps for the recipients in the order they were picked; undefined for no plan. */
export function planSigners(kind: PlanKind, picked: readonly string[]): string[][] | undefined {
    switch (kind) {
        case 'none':
            return undefined;
        case 'in-order':
            return picked.map((partyId) => [partyId]);
        case 'any-order':
            return [[...picked]];
    }
}

/** A plan in words: "1. bob → 2. carol", parallel signers joined by "+"; and its deadline. */
export function describePlan(steps: readonly (readonly string[])[] | undefined, deadline?: Date): string {
    if (steps === undefined) return 'No signing plan: a plain file, which any recipient may sign.';
    if (steps.length === 0 || steps.some((step) => step.length === 0)) return 'Pick the signers.';
    const order = steps.map((step, i) => `${i + 1}. ${step.join(' + ')}`).join(' → ');
    const until =
        deadline === undefined || Number.isNaN(deadline.getTime())
            ? 'no deadline'
            : `deadline ${deadline.toISOString()}`;
    return `Signing plan: ${order}; ${until} (at most ${PLAN_LIMITS.steps} steps).`;
}

/** A contract's state in words: who has signed, whose turn it is, the deadline, or how it closed. */
export function describeContract(contract: ContractView): string {
    const signers = contract.steps.flatMap((step) => step.signers);
    const signed = signers.filter((s) => s.state === 'signed').map((s) => s.partyId);
    const next = signers.filter((s) => s.state === 'awaiting').map((s) => s.partyId);
    const parts = [`Contract ${contract.state}`, `signed by ${signed.length === 0 ? 'nobody yet' : signed.join(', ')}`];
    if (contract.state === 'open') parts.push(`next: ${next.join(', ')}`);
    if (contract.state === 'expired' && contract.expiredUnrecorded) parts.push('the expiry is not recorded yet');
    if (contract.closedBy !== null && contract.state !== 'completed') {
        parts.push(
            `${contract.state} by ${contract.closedBy}${contract.reason === null ? '' : `: ${contract.reason}`}`,
        );
    }
    parts.push(contract.deadline === null ? 'no deadline' : `deadline ${contract.deadline}`);
    return parts.join('; ');
}
