import { ClientError } from './errors';
import { PLAN_LIMITS } from './plan';

/** A signing plan as ShareContract takes it (planJson): party ids per step, and the deadline or null. */
export interface SigningPlan {
    steps: string[][];
    /** ISO 8601 UTC with milliseconds, or null for no deadline. */
    deadline: string | null;
}

/** The form of a deadline the chaincode accepts: ISO 8601 UTC to the second, optionally with milliseconds. */
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/**
 * `text` as a time when it is an ISO 8601 UTC time in the chaincode's form
 * (`2026-12-31T23:59:59Z`, optionally `.mmm` before the Z) naming a real date; else undefined.
 */
export function parseUtcTime(text: string): Date | undefined {
    const time = UTC_TIME.test(text) ? new Date(text) : undefined;
    // Date accepts 2026-02-30 as 2 March: a real date reads back the same.
    return time !== undefined && !Number.isNaN(time.getTime()) && time.toISOString().slice(0, 19) === text.slice(0, 19)
        ? time
        : undefined;
}

/**
 * A send's signing plan, checked before anything is sealed or uploaded (the chaincode checks it
 * again): at least one step, no step empty, every signer the sender or one of `to`, no party twice,
 * within PLAN_LIMITS; the deadline, only with signers, a valid time after `now` and at most
 * PLAN_LIMITS.deadlineYears years after it. Undefined without signers.
 *
 * @throws BAD_ARGUMENT naming the step, party or deadline at fault
 */
export function checkedPlan(
    plan: { sender: string; to: readonly string[]; signers?: readonly (readonly string[])[]; deadline?: string | Date },
    now = new Date(),
): SigningPlan | undefined {
    const { sender, to, signers, deadline } = plan;
    if (signers === undefined) {
        if (deadline !== undefined) {
            throw new ClientError('BAD_ARGUMENT', 'a deadline needs signers: a file shared without a plan has none');
        }
        return undefined;
    }
    if (signers.length === 0 || signers.length > PLAN_LIMITS.steps) {
        throw new ClientError(
            'BAD_ARGUMENT',
            `signers has ${signers.length} steps; a plan has 1 to ${PLAN_LIMITS.steps}`,
        );
    }
    const parties = new Set([sender, ...to]);
    const seen = new Set<string>();
    for (const [i, step] of signers.entries()) {
        if (step.length === 0 || step.length > PLAN_LIMITS.signersPerStep) {
            throw new ClientError(
                'BAD_ARGUMENT',
                `step ${i + 1} of signers has ${step.length} signers; a step has 1 to ${PLAN_LIMITS.signersPerStep}`,
            );
        }
        for (const partyId of step) {
            if (!parties.has(partyId)) {
                throw new ClientError('BAD_ARGUMENT', `signer ${partyId} is neither the sender nor in "to"`);
            }
            if (seen.has(partyId)) {
                throw new ClientError('BAD_ARGUMENT', `signer ${partyId} is in the plan twice`);
            }
            seen.add(partyId);
        }
    }
    if (seen.size > PLAN_LIMITS.signers) {
        throw new ClientError('BAD_ARGUMENT', `the plan has ${seen.size} signers; at most ${PLAN_LIMITS.signers}`);
    }
    return {
        steps: signers.map((step) => [...step]),
        deadline: deadline === undefined ? null : checkedDeadline(deadline, now),
    };
}

/** The deadline normalised with milliseconds, when a valid time after `now` and within the years allowed. */
function checkedDeadline(deadline: string | Date, now: Date): string {
    const time = typeof deadline === 'string' ? parseUtcTime(deadline) : deadline;
    if (time === undefined || Number.isNaN(time.getTime())) {
        const given = typeof deadline === 'string' ? ` ${JSON.stringify(deadline)}` : '';
        throw new ClientError(
            'BAD_ARGUMENT',
            `deadline${given} is not an ISO 8601 UTC time such as 2026-12-31T23:59:59Z`,
        );
    }
    const latest = new Date(now);
    latest.setUTCFullYear(latest.getUTCFullYear() + PLAN_LIMITS.deadlineYears);
    if (time <= now || time > latest) {
        throw new ClientError(
            'BAD_ARGUMENT',
            `deadline ${time.toISOString()} must be after now (${now.toISOString()}) and at most ${PLAN_LIMITS.deadlineYears} years ahead`,
        );
    }
    return time.toISOString();
}
