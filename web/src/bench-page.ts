import { Suite, SUITE_CIPHERTEXT_DIGEST } from '@sealpact/protocol';
import { blobPieces } from './byte-reader';
import { decryptContainer, encryptContainer } from './container';
import { browserPrimitives } from './primitives';
import { digesting, TreeDigest } from './tree-digest';

/**
 * The page of `npm run bench:web` (client/src/bench/web.ts): the container in this browser, as the
 * app runs it (a Blob read in slices, the tree digest computed as the ciphertext passes, the
 * plaintext gathered into a Blob when decrypting), without the network. Each step answers its
 * time in milliseconds.
 */

const AAD = 'f-bench';
const password = browserPrimitives.randomBytes(32);
let plaintext = new Blob([]);
const containers = new Map<Suite, Blob>();

/** Every piece of `pieces` into a Blob, as the app keeps a decrypted file. */
async function gather(pieces: AsyncIterable<Uint8Array>): Promise<Blob> {
    let blob = new Blob([]);
    for await (const piece of pieces) blob = new Blob([blob, piece as BlobPart]);
    return blob;
}

async function timed(work: () => Promise<void>): Promise<number> {
    const start = performance.now();
    await work();
    return performance.now() - start;
}

const bench = {
    /** Fetch the file to work on from the bench's server. */
    async load(url: string): Promise<number> {
        plaintext = await (await fetch(url)).blob();
        return plaintext.size;
    },
    encrypt(suite: Suite): Promise<number> {
        return timed(async () => {
            const digest = new TreeDigest(SUITE_CIPHERTEXT_DIGEST[suite]);
            const sealed = encryptContainer(blobPieces(plaintext), password, AAD, suite);
            containers.set(suite, await gather(digesting(sealed, digest)));
            await digest.digest();
        });
    },
    decrypt(suite: Suite): Promise<number> {
        return timed(async () => {
            const container = containers.get(suite) ?? new Blob([]);
            const digest = new TreeDigest(SUITE_CIPHERTEXT_DIGEST[suite]);
            const opened = await gather(decryptContainer(digesting(blobPieces(container), digest), password, AAD));
            await digest.digest();
            if (opened.size !== plaintext.size) throw new Error('the decrypted file has another size');
        });
    },
};

Object.assign(globalThis, { sealpactBench: bench });
