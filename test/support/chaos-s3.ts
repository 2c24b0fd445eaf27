import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobStore } from '../../client/src/store/blob-store';
import { openStore } from '../../client/src/store/open-store';

/** A SeaweedFS server from client/scripts/seaweedfs.js, run under a supervisor that restarts it when it dies. */
export interface S3Server {
    endpoint: string;
    accessKeyId: string;
    secretAccessKey: string;
    /** The running weed's pid: a new one after a restart, undefined while it is down. */
    pid(): number | undefined;
    stop(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const seaweedfs = require('../../client/scripts/seaweedfs.js') as {
    start(): Promise<S3Server>;
    createBucket(server: S3Server, bucket: string): Promise<void>;
};

export const BUCKET = 'chaos';

/** Start the S3 server the load's blobs go to, with an empty bucket. */
export async function startS3(): Promise<S3Server> {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const server = await seaweedfs.start();
    try {
        await seaweedfs.createBucket(server, BUCKET);
    } catch (err) {
        await server.stop();
        throw err;
    }
    return server;
}

/** A store on the bucket, with its own S3 client, as each party of an organisation would open it. */
export function s3Store(server: S3Server): BlobStore {
    return openStore(`s3://${BUCKET}/blobs?endpoint=${server.endpoint}&region=us-east-1&forcePathStyle=true`, {
        s3: { credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } },
    });
}

/**
 * Until the server takes a write again (a small object under probe/, outside the store's blobs/).
 * A restarted SeaweedFS answers reads at once but holds every write for its warmup, three 5 s
 * pulses for volume servers to report, hard-coded: that, not the restart, is when the store is back.
 */
export async function untilWritable(server: S3Server, timeoutMs = 60_000): Promise<void> {
    const client = new S3Client({
        endpoint: server.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    const deadline = Date.now() + timeoutMs;
    try {
        for (let attempt = 1; ; attempt++) {
            try {
                await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `probe/${attempt}`, Body: 'probe' }), {
                    abortSignal: AbortSignal.timeout(2_000),
                });
                return;
            } catch (err) {
                if (Date.now() > deadline)
                    throw new Error(`the S3 store took no write for ${timeoutMs / 1000} s`, { cause: err });
                await new Promise((resolve) => setTimeout(resolve, 250));
            }
        }
    } finally {
        client.destroy();
    }
}
