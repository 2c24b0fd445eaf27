import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { CommitStatusError, GatewayError, Status, StatusCode } from '@hyperledger/fabric-gateway';
import { commitStatus } from './commit-status';

// Fakes of fabric-gateway's submitted transaction: getStatus answers when the copy committed and
// otherwise fails with DEADLINE_EXCEEDED at the deadline it is given, as the gateway does.
const TX = 'b'.repeat(64);
const VALID: Status = { blockNumber: 7n, code: StatusCode.VALID, successful: true, transactionId: TX };

function grpcError(code: GrpcStatus): CommitStatusError {
    const cause = Object.assign(new Error(`${code} ${GrpcStatus[code]}`), {
        code,
        details: '',
        metadata: new Metadata(),
    });
    return new CommitStatusError({ code, details: [], cause, transactionId: TX, message: cause.message });
}

/** A copy of the transaction that commits `afterMs` after it was submitted, or never. */
function copy(afterMs: number | 'never') {
    const submittedAt = Date.now();
    return {
        getStatus: ({ deadline }: { deadline?: number } = {}) =>
            new Promise<Status>((resolve, reject) => {
                const commitAt = afterMs === 'never' ? Infinity : submittedAt + afterMs;
                const end = Number(deadline);
                if (commitAt <= end) setTimeout(() => resolve(VALID), Math.max(0, commitAt - Date.now()));
                else setTimeout(() => reject(grpcError(GrpcStatus.DEADLINE_EXCEEDED)), Math.max(0, end - Date.now()));
            }),
    };
}

/** An endorsed transaction whose n-th resubmission behaves as `copies[n]`. */
function endorsed(...copies: (number | 'never')[]) {
    const resubmissions = { count: 0 };
    return {
        resubmissions,
        submit: () => {
            const next = copies[resubmissions.count++] ?? 'never';
            return Promise.resolve(copy(next) as never);
        },
    };
}

const limits = { commit: 600, resubmit: 100 };

describe('commitStatus: resubmit the same signed transaction while no status comes', () => {
    it('returns the status of a copy that commits in time, submitting nothing more', async () => {
        const tx = endorsed();
        await expect(commitStatus(tx, copy(20), limits)).resolves.toEqual(VALID);
        expect(tx.resubmissions.count).toBe(0);
    });

    it('submits again once no status came within `resubmit` ms, and returns the copy that commits', async () => {
        const tx = endorsed(30);
        await expect(commitStatus(tx, copy('never'), limits)).resolves.toEqual(VALID);
        expect(tx.resubmissions.count).toBe(1);
    });

    it('keeps resubmitting until the commit deadline, then throws the deadline error', async () => {
        // Fake timers and clock: with real ones a timer that fires a millisecond early leaves a
        // sliver of the deadline for one more copy, and the count depends on the machine's load.
        jest.useFakeTimers();
        try {
            const tx = endorsed();
            const started = Date.now();
            const outcome = commitStatus(tx, copy('never'), limits).catch((e: unknown) => e);
            await jest.advanceTimersByTimeAsync(limits.commit);
            const error = await outcome;
            expect(error).toBeInstanceOf(GatewayError);
            expect((error as GatewayError).code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
            expect(Date.now() - started).toBe(limits.commit);
            // One copy per `resubmit` ms after the first: 600 / 100 - 1.
            expect(tx.resubmissions.count).toBe(limits.commit / limits.resubmit - 1);
        } finally {
            jest.useRealTimers();
        }
    });

    it('throws any other failure at once, without resubmitting', async () => {
        const tx = endorsed();
        const lost = { getStatus: () => Promise.reject(grpcError(GrpcStatus.UNAVAILABLE)) };
        const error = await commitStatus(tx, lost, limits).catch((e: unknown) => e);
        expect((error as GatewayError).code).toBe(GrpcStatus.UNAVAILABLE);
        expect(tx.resubmissions.count).toBe(0);
    });

    it('throws a resubmission the gateway refuses', async () => {
        const refused = grpcError(GrpcStatus.UNAVAILABLE);
        const tx = { submit: () => Promise.reject(refused) };
        await expect(commitStatus(tx, copy('never'), limits)).rejects.toBe(refused);
    });
});
