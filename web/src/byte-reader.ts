/**
 * Reads a stream of byte pieces of any sizes as pieces of the sizes a caller asks for, holding at
 * most one asked-for piece plus one piece of the source: what lets the container and the tree
 * digest cut chunks and segments from a file or a download without holding it whole.
 */
export class ByteReader {
    private readonly source: AsyncIterator<Uint8Array>;
    private pending: Uint8Array = new Uint8Array(0);
    private ended = false;

    constructor(source: AsyncIterable<Uint8Array>) {
        this.source = source[Symbol.asyncIterator]();
    }

    /** The next `length` bytes, fewer only where the source ends. */
    async read(length: number): Promise<Uint8Array> {
        if (this.pending.length >= length) return this.take(length);
        const out = new Uint8Array(length);
        let filled = 0;
        while (filled < length) {
            if (this.pending.length === 0 && !(await this.pull())) break;
            const piece = this.take(Math.min(length - filled, this.pending.length));
            out.set(piece, filled);
            filled += piece.length;
        }
        return filled === length ? out : out.slice(0, filled);
    }

    /** Whether the source has no byte left (it may read ahead one piece to know). */
    async atEnd(): Promise<boolean> {
        while (this.pending.length === 0) {
            if (!(await this.pull())) return true;
        }
        return false;
    }

    private take(length: number): Uint8Array {
        const piece = this.pending.subarray(0, length);
        this.pending = this.pending.subarray(length);
        return piece;
    }

    private async pull(): Promise<boolean> {
        if (this.ended) return false;
        const next = await this.source.next();
        if (next.done === true) {
            this.ended = true;
            return false;
        }
        this.pending = next.value;
        return true;
    }
}

/** The pieces of a ReadableStream (a Blob's, a download's), for platforms whose streams are not async-iterable yet. */
export async function* streamPieces(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
    const reader = stream.getReader();
    let done = false;
    try {
        for (;;) {
            const next = await reader.read();
            done = next.done;
            if (next.done) return;
            yield next.value;
        }
    } finally {
        // A consumer that stops early (a refused chunk) cancels the download or file read.
        if (!done) await reader.cancel().catch(() => undefined);
        reader.releaseLock();
    }
}

/** How much of a Blob is read at a time. */
const BLOB_SLICE = 1024 * 1024;

/**
 * The bytes of a Blob (a File) as pieces read one 1 MiB slice at a time, each only when asked for.
 * Not `blob.stream()`: Chromium's Blob stream reads ahead of a slow consumer without bound (96 MiB
 * of a 96 MiB file sat in its queue while the page encrypted), where a slice is read on demand.
 */
export async function* blobPieces(blob: Blob): AsyncGenerator<Uint8Array> {
    for (let offset = 0; offset < blob.size; offset += BLOB_SLICE) {
        yield new Uint8Array(await blob.slice(offset, offset + BLOB_SLICE).arrayBuffer());
    }
}
