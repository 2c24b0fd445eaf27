import { Context } from 'fabric-contract-api';
import { ChaincodeError } from '@sealpact/protocol';

/**
 * The one place the chaincode reads a clock. The proposal timestamp is chosen by the client and
 * Fabric does not bound it, so each endorsing peer's chaincode refuses a proposal further than
 * CLOCK_SKEW seconds from its own clock. Nothing returned or written comes from this clock: it
 * only decides whether to go on, so endorsements stay identical across peers.
 */

export const DEFAULT_CLOCK_SKEW_SECONDS = 300;
/** A day: a larger skew would make the check meaningless. */
const MAX_CLOCK_SKEW_SECONDS = 86400;

let peerClock: () => number = () => Date.now();

/** Replace the peer clock (milliseconds since the epoch); returns the previous one. For the test peer. */
export function setPeerClock(clock: () => number): () => number {
    const previous = peerClock;
    peerClock = clock;
    return previous;
}

/**
 * The allowed skew in seconds from the CLOCK_SKEW environment variable of the chaincode server:
 * unset means the default; anything but a whole number of seconds from 1 to a day is refused
 * (NOT_CONFIGURED) rather than silently replaced.
 */
export function clockSkewSeconds(value = process.env.CLOCK_SKEW): number {
    if (value === undefined || value === '') {
        return DEFAULT_CLOCK_SKEW_SECONDS;
    }
    const seconds = /^[1-9][0-9]{0,5}$/.test(value) ? Number(value) : NaN;
    if (!(seconds <= MAX_CLOCK_SKEW_SECONDS)) {
        throw new ChaincodeError(
            'NOT_CONFIGURED',
            `the chaincode server's CLOCK_SKEW must be whole seconds from 1 to ${MAX_CLOCK_SKEW_SECONDS}, not ${JSON.stringify(value.slice(0, 32))}`,
        );
    }
    return seconds;
}

/** Throws CLOCK_SKEW when the proposal timestamp is further than the allowed skew from the peer's clock. */
export function checkProposalTime(ctx: Context): void {
    const skew = clockSkewSeconds();
    const proposed = ctx.stub.getDateTimestamp();
    if (Math.abs(proposed.getTime() - peerClock()) > skew * 1000) {
        throw new ChaincodeError(
            'CLOCK_SKEW',
            `the proposal time ${proposed.toISOString()} is more than ${skew} s from the endorsing peer's clock; check the client's clock`,
        );
    }
}
