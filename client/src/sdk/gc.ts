import { isSealpactError } from '@sealpact/protocol';
import { BlobStore } from '../store/blob-store';
import { Ledger } from './ledger';
import { committedShare } from './record-share';
import { UploadJournal } from './upload-journal';

/** The party whose leftovers are collected: its ledger, the blob store, its upload journal, its party id. */
export interface Collector {
    ledger: Ledger;
    store: BlobStore;
    uploads?: UploadJournal;
    partyId: string;
}

/**
 * Remove what failed sends of this party left in the store, once older than `graceMs` (a younger
 * upload may belong to a send still in flight): blobs in its upload journal whose file the ledger
 * does not hold, and uploads abandoned mid-way. A store may be shared, so blobs of other parties
 * are never touched; without a journal no blob is removed.
 */
export async function collectGarbage(
    collector: Collector,
    graceMs: number,
): Promise<{ removed: string[]; abandonedUploads: number }> {
    const { ledger, store, uploads, partyId } = collector;
    const cutoff = new Date(Date.now() - graceMs);
    const removed: string[] = [];
    for (const upload of (await uploads?.pending()) ?? []) {
        if (new Date(upload.at) > cutoff) {
            continue;
        }
        // Another party owning the id (DUPLICATE_ID) means ours never made it; any other error
        // (say the network is down) stops gc before it removes anything it cannot prove orphaned.
        const share = await committedShare(ledger, upload.fileId, partyId).catch((err: unknown) => {
            if (isSealpactError(err, 'DUPLICATE_ID')) return undefined;
            throw err;
        });
        if (share?.locator !== upload.locator) {
            await store.delete(upload.locator);
            removed.push(upload.locator);
        }
        await uploads?.remove(upload.locator);
    }
    return { removed, abandonedUploads: await store.removeAbandonedUploads(cutoff) };
}
