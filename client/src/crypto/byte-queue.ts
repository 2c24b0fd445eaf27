/**
 * A FIFO of byte buffers that hands out ranges as lists of views, so stream chunks of any size can
 * be regrouped into container chunks without copying the bulk data.
 */
export class ByteQueue {
    private readonly buffers: Buffer[] = [];
    /** Bytes of `buffers[0]` already taken. */
    private head = 0;
    private total = 0;

    /** Bytes queued. */
    get length(): number {
        return this.total;
    }

    push(buffer: Buffer): void {
        if (buffer.length > 0) {
            this.buffers.push(buffer);
            this.total += buffer.length;
        }
    }

    /** Views of bytes [start, end) of the queue, without removing them. */
    pieces(start: number, end: number): Buffer[] {
        const out: Buffer[] = [];
        let position = 0; // queue offset of the current buffer's first untaken byte
        for (const [i, queued] of this.buffers.entries()) {
            if (position >= end) {
                break;
            }
            const buffer = i === 0 ? queued.subarray(this.head) : queued;
            const from = Math.max(start - position, 0);
            const to = Math.min(end - position, buffer.length);
            if (from < to) {
                out.push(buffer.subarray(from, to));
            }
            position += buffer.length;
        }
        return out;
    }

    /** Bytes [start, end) as one buffer (copied only when they span several buffers). */
    bytes(start: number, end: number): Buffer {
        const parts = this.pieces(start, end);
        const only = parts.length === 1 ? parts[0] : undefined;
        return only ?? Buffer.concat(parts);
    }

    /** Remove the first `count` bytes and return views of them. */
    take(count: number): Buffer[] {
        const out = this.pieces(0, count);
        let left = count;
        while (left > 0) {
            const first = this.buffers[0];
            if (first === undefined) {
                throw new RangeError(`cannot take ${count} bytes from a queue of ${this.total}`);
            }
            const available = first.length - this.head;
            if (left < available) {
                this.head += left;
                break;
            }
            left -= available;
            this.buffers.shift();
            this.head = 0;
        }
        this.total -= count;
        return out;
    }
}
