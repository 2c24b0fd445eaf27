import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { CiphertextDigestAlgorithm, WebError } from '@sealpact/protocol';
import { BlobStore, StoredBlob } from '../store/blob-store';

/**
 * Upload sessions of the web gateway (docs/web.md, uploads): the browser sends a container in
 * numbered parts, as it encrypts it, because Chromium streams a request body only over HTTP/2.
 * Each upload feeds one `store.put` from its begin to its finish, so the store hashes and writes
 * the parts as they arrive and the gateway holds no more than a stream buffer of them; an upload
 * that fails, is cancelled, or sits idle is aborted and the store removes what it wrote, so no
 * half-written blob is ever visible.
 */

/** The largest part; the browser holds one part at a time. */
export const PART_SIZE = 8 * 1024 * 1024;
/** An upload with no request for this long is abandoned. */
export const UPLOAD_IDLE_MS = 2 * 60_000;

interface Upload {
    readonly owner: string;
    readonly feed: PassThrough;
    readonly stored: Promise<StoredBlob>;
    nextPart: number;
    receiving: boolean;
    idle: NodeJS.Timeout;
}

export class Uploads {
    private readonly uploads = new Map<string, Upload>();

    constructor(
        private readonly store: BlobStore,
        private readonly idleMs = UPLOAD_IDLE_MS,
    ) {}

    /** Begin an upload of `size` bytes for the session `owner`; its id. */
    begin(owner: string, digestAlg: CiphertextDigestAlgorithm, size: number): string {
        const id = randomBytes(16).toString('hex');
        const feed = new PassThrough();
        // An abort destroys the feed with its reason, maybe before the store has attached to it:
        // the store's rejection reports it, and the stream's own error event must not go unheard.
        feed.on('error', () => undefined);
        const stored = this.store.put(feed, { digestAlg, size });
        stored.catch(() => undefined); // awaited by finish; an abort's rejection is expected
        const idle = this.idleTimer(id);
        this.uploads.set(id, { owner, feed, stored, nextPart: 0, receiving: false, idle });
        return id;
    }

    /** Stream part `index` (the request body) into the store; the bytes it had. */
    async part(owner: string, id: string, index: number, body: IncomingMessage): Promise<number> {
        const upload = this.get(owner, id);
        if (upload.receiving || index !== upload.nextPart) {
            throw new WebError(
                'PART_OUT_OF_ORDER',
                `part ${index} of upload ${id} is not the next one (part ${upload.nextPart}${upload.receiving ? ', once the one arriving ended' : ''})`,
            );
        }
        const length = Number(body.headers['content-length']);
        if (!Number.isSafeInteger(length) || length > PART_SIZE) {
            throw new WebError('PART_TOO_LARGE', `a part needs a content length of at most ${PART_SIZE} bytes`);
        }
        upload.receiving = true;
        clearTimeout(upload.idle); // a slow part is not an idle upload
        let received = 0;
        try {
            for await (const piece of body) {
                received += (piece as Buffer).length;
                if (!upload.feed.write(piece)) await once(upload.feed, 'drain');
            }
        } catch (error) {
            // Some of the part may be in the store's stream already: the upload cannot go on.
            this.abort(owner, id);
            throw error;
        }
        upload.receiving = false;
        upload.nextPart++;
        this.touch(id, upload);
        return received;
    }

    /** End the upload; the stored blob, once the store made it visible under its digest. */
    async finish(owner: string, id: string, digest: string): Promise<StoredBlob> {
        const upload = this.get(owner, id);
        if (upload.receiving) {
            throw new WebError('PART_OUT_OF_ORDER', `upload ${id} is still receiving part ${upload.nextPart}`);
        }
        this.forget(id, upload);
        upload.feed.end();
        const stored = await upload.stored;
        if (stored.digest !== digest.toLowerCase()) {
            // The blob is whole and named by its own digest; the ledger will not point at it, and
            // the store's gc of orphans removes it as any blob no file names.
            throw new WebError('DIGEST_MISMATCH', `upload ${id} has the digest ${stored.digest}, not the one given`);
        }
        return stored;
    }

    /** Abort an upload: the store removes what it wrote. Unknown ids are ignored. */
    abort(owner: string, id: string): void {
        const upload = this.uploads.get(id);
        if (upload === undefined || upload.owner !== owner) return;
        this.forget(id, upload);
        upload.feed.destroy(new WebError('NOT_FOUND', `upload ${id} was abandoned`));
    }

    /** Abort every upload of a session that ended, or all of them (the gateway closes). */
    abortAll(owner?: string): void {
        for (const [id, upload] of this.uploads) {
            if (owner === undefined || upload.owner === owner) this.abort(upload.owner, id);
        }
    }

    private get(owner: string, id: string): Upload {
        const upload = this.uploads.get(id);
        if (upload === undefined || upload.owner !== owner) {
            throw new WebError('NOT_FOUND', `no open upload ${id} in this session`);
        }
        this.touch(id, upload);
        return upload;
    }

    private touch(id: string, upload: Upload): void {
        clearTimeout(upload.idle);
        upload.idle = this.idleTimer(id);
    }

    private idleTimer(id: string): NodeJS.Timeout {
        return setTimeout(() => {
            const upload = this.uploads.get(id);
            if (upload !== undefined) this.abort(upload.owner, id);
        }, this.idleMs).unref();
    }

    private forget(id: string, upload: Upload): void {
        clearTimeout(upload.idle);
        this.uploads.delete(id);
    }
}
