import { AccessEvent, EVENTS } from '@sealpact/protocol';
import { Ledger } from './ledger';

/** A share to the watching party; call `done` once it is handled, so a restart does not repeat it. */
export type InboxEvent = AccessEvent & { done: () => Promise<void> };

/**
 * Files shared with `partyId` (FileShared and AccessGranted naming it) as they are committed, from
 * chaincode events. Other events are checkpointed as they pass. With a checkpoint file a restarted
 * watcher resumes after the last event checkpointed, so it neither misses nor repeats a share.
 * Aborting `signal` ends the iteration.
 */
export async function* watchShares(
    ledger: Ledger,
    partyId: string,
    options: { checkpointFile?: string; signal?: AbortSignal } = {},
): AsyncGenerator<InboxEvent> {
    const { events, checkpoint } = await ledger.chaincodeEvents({ checkpointFile: options.checkpointFile });
    const stop = () => {
        events.close();
    };
    options.signal?.addEventListener('abort', stop);
    try {
        for await (const event of events) {
            const access =
                event.eventName === EVENTS.fileShared || event.eventName === EVENTS.accessGranted
                    ? (JSON.parse(Buffer.from(event.payload).toString('utf8')) as AccessEvent)
                    : undefined;
            if (access?.recipients.some((r) => r.partyId === partyId)) {
                yield { ...access, done: () => checkpoint(event) };
            } else {
                await checkpoint(event);
            }
        }
    } catch (err) {
        if (!options.signal?.aborted) throw err;
    } finally {
        options.signal?.removeEventListener('abort', stop);
        events.close();
    }
}
