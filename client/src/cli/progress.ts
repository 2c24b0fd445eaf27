import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ioError } from '../atomic-file';
import { Transform, TransformCallback } from 'node:stream';

/** Files smaller than this finish too fast for a bar to help. */
const MIN_BYTES_FOR_BAR = 4 * 1024 * 1024;
const REDRAW_MS = 100;

/**
 * A pass-through stream that draws a progress bar on stderr, only when stderr is a terminal
 * and the transfer is large enough to be worth watching. It never writes to stdout, so
 * `--json` output stays clean.
 */
export function progressBar(label: string, totalBytes: number, stream: NodeJS.WriteStream = process.stderr): Transform {
    // isTTY is undefined on a stream that is not a terminal, whatever tty.WriteStream's type says.
    const enabled = (stream.isTTY as boolean | undefined) === true && totalBytes >= MIN_BYTES_FOR_BAR;
    let done = 0;
    let lastDraw = 0;
    const draw = (final: boolean) => {
        const fraction = totalBytes > 0 ? Math.min(1, done / totalBytes) : 1;
        const width = 30;
        const filled = Math.round(fraction * width);
        const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
        const mib = (n: number) => (n / 1048576).toFixed(1);
        stream.write(`\r${label} [${bar}] ${(fraction * 100).toFixed(0)}% ${mib(done)}/${mib(totalBytes)} MiB`);
        if (final) {
            stream.write('\n');
        }
    };
    return new Transform({
        transform(chunk: Buffer, _encoding, callback: TransformCallback) {
            done += chunk.length;
            const now = Date.now();
            if (enabled && now - lastDraw >= REDRAW_MS) {
                lastDraw = now;
                draw(false);
            }
            callback(null, chunk);
        },
        flush(callback: TransformCallback) {
            if (enabled) {
                draw(true);
            }
            callback();
        },
    });
}

/** Stream a file through a progress bar into `consume` and return what it returns; read errors name the path. */
export async function readMetered<T>(
    path: string,
    label: string,
    size: number,
    consume: (source: AsyncIterable<Buffer>) => Promise<T>,
): Promise<T> {
    let result: T | undefined;
    try {
        await pipeline(createReadStream(path), progressBar(label, size), async (source: AsyncIterable<Buffer>) => {
            result = await consume(source);
        });
    } catch (err) {
        throw ioError(err, path);
    }
    return result as T;
}
