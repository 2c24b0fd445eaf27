/**
 * Read-your-writes across organisations' peers. A submit returns once the submitter's own peer has
 * committed its block; another organisation's peer commits that block a moment later, and a party
 * connected through it who acts on the write at once (bob voiding a contract alice just sent) may
 * be answered from the state before it. Sessions that act on each other's writes (an application
 * serving several users, the integration tests) share one CommitClock: every session records the
 * block each of its transactions committed in, and before it endorses or reads, a session waits
 * until its own peer holds the newest block recorded (docs/sdk.md#read-your-writes).
 */
export class CommitClock {
    private newest = -1;

    /** Record that a transaction committed in `block`. */
    observe(block: number): void {
        if (block > this.newest) {
            this.newest = block;
        }
    }

    /** The newest block a transaction of a session sharing this clock committed in; -1 before any. */
    get latest(): number {
        return this.newest;
    }
}
