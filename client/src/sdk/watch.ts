import { ChaincodeEvent } from '@hyperledger/fabric-gateway';
import { AccessEvent, ContractEvent, EVENTS } from '@sealpact/protocol';
import { Ledger } from './ledger';

/** Call once the event is handled, so a restarted watcher does not hand it out again. */
type Done = () => Promise<void>;

/** A file shared with the watching party (FileShared, AccessGranted), as today. */
export type ShareNotice = AccessEvent & { kind: 'share'; done: Done };

/** What a contract event means to the watching party. */
export type ContractNoticeKind = 'your-turn' | 'completed' | 'declined' | 'voided' | 'expired';

/** A lifecycle event of a contract that concerns the watching party (owner or plan signer). */
export type ContractNotice = ContractEvent & { kind: ContractNoticeKind; done: Done };

/** What watchInbox hands out; tell them apart by `kind`. */
export type InboxEvent = ShareNotice | ContractNotice;

type Notice = Omit<ShareNotice, 'done'> | Omit<ContractNotice, 'done'>;

const CLOSING: Partial<Record<ContractEvent['action'], ContractNoticeKind>> = {
    completed: 'completed',
    declined: 'declined',
    voided: 'voided',
    expired: 'expired',
};

/**
 * What `partyId` hears of the chaincode's events as they are committed: files shared with it
 * (FileShared and AccessGranted naming it), its turn to sign (a contract event with it in `turn`:
 * when its step opens, and again as co-signers of its step sign), and a contract it is concerned
 * in completed, declined, voided or expired. A ShareContract's one FileShared event can give both
 * a share and a turn. Events that say nothing to it are checkpointed as they pass; one that gives
 * several notices is checkpointed once each of them is done. With a checkpoint file a restarted
 * watcher resumes after the last event checkpointed, so it neither misses nor repeats a notice.
 * Aborting `signal` ends the iteration.
 */
export async function* watchInbox(
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
            const notices = noticesOf(event, partyId);
            let pending = notices.length;
            if (pending === 0) {
                await checkpoint(event);
            }
            for (const notice of notices) {
                let handled = false;
                const done = async () => {
                    if (handled) return;
                    handled = true;
                    pending -= 1;
                    if (pending === 0) await checkpoint(event);
                };
                yield { ...notice, done };
            }
        }
    } catch (err) {
        if (!options.signal?.aborted) throw err;
    } finally {
        options.signal?.removeEventListener('abort', stop);
        events.close();
    }
}

/** The notices one chaincode event gives `partyId`, in order: its share first, then its turn. */
function noticesOf(event: ChaincodeEvent, partyId: string): Notice[] {
    const payload = () => JSON.parse(Buffer.from(event.payload).toString('utf8')) as unknown;
    switch (event.eventName) {
        case EVENTS.fileShared:
        case EVENTS.accessGranted: {
            const access = payload() as AccessEvent;
            const share: Notice[] = access.recipients.some((r) => r.partyId === partyId)
                ? [{ ...access, kind: 'share' }]
                : [];
            return [...share, ...contractNotice(access.contract, partyId)];
        }
        case EVENTS.contractSigned:
        case EVENTS.contractDeclined:
        case EVENTS.contractVoided:
        case EVENTS.contractExpired: {
            const contract = payload() as ContractEvent | { schema: string };
            // A signature of a file without a plan has its own payload and no lifecycle.
            return contract.schema === 'sealpact/event/contract/v1'
                ? contractNotice(contract as ContractEvent, partyId)
                : [];
        }
        default:
            return [];
    }
}

function contractNotice(contract: ContractEvent | undefined, partyId: string): Notice[] {
    if (contract === undefined || !contract.concerned.includes(partyId)) {
        return [];
    }
    const kind = CLOSING[contract.action] ?? (contract.turn.includes(partyId) ? 'your-turn' : undefined);
    return kind === undefined ? [] : [{ ...contract, kind }];
}
