import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import { TLSSocket } from 'node:tls';
import { collectDefaultMetrics } from 'prom-client';
import { registry } from './metrics';

/**
 * The chaincode server's operations endpoint, with a peer's rules: HTTPS only, with the chaincode
 * server's own certificate; GET /healthz answers {"status":"OK","time":...} to anyone while the
 * process serves; GET /metrics (metrics.ts and Node's process metrics, in the Prometheus text
 * format) only to a client presenting a certificate from `clientCaFile` (the organisation's TLS CA),
 * as Fabric's /metrics with TLS on.
 */
export interface OperationsOptions {
    /** host:port to listen on. */
    address: string;
    certFile: string;
    keyFile: string;
    clientCaFile: string;
}

/** The options from SEALPACT_OPERATIONS_* (docs/operations.md#health-and-metrics), or undefined when no address is set. */
export function operationsOptionsFromEnv(env: NodeJS.ProcessEnv): OperationsOptions | undefined {
    const address = env.SEALPACT_OPERATIONS_LISTENADDRESS;
    if (!address) return undefined;
    const file = (name: string): string => {
        const value = env[name];
        if (!value) throw new Error(`SEALPACT_OPERATIONS_LISTENADDRESS is set but ${name} is not`);
        return value;
    };
    return {
        address,
        certFile: file('SEALPACT_OPERATIONS_TLS_CERT_FILE'),
        keyFile: file('SEALPACT_OPERATIONS_TLS_KEY_FILE'),
        clientCaFile: file('SEALPACT_OPERATIONS_TLS_CLIENT_CACERT_FILE'),
    };
}

function splitAddress(address: string): { host: string; port: number } {
    const match = /^(.+):(\d{1,5})$/.exec(address);
    const port = Number(match?.[2]);
    if (!match || port > 65535) {
        throw new Error(`SEALPACT_OPERATIONS_LISTENADDRESS ${JSON.stringify(address)} is not host:port`);
    }
    return { host: (match[1] ?? '').replace(/^\[(.*)\]$/, '$1'), port };
}

let processMetrics = false;
/** Node's process metrics (memory, CPU, event loop lag) join the registry with the first endpoint. */
function collectProcessMetricsOnce(): void {
    if (processMetrics) return;
    collectDefaultMetrics({ register: registry });
    processMetrics = true;
}

interface Answer {
    status: number;
    type: string;
    body: string;
}

async function answer(method: string | undefined, url: string | undefined, certified: boolean): Promise<Answer> {
    if (method !== 'GET') return { status: 405, type: 'text/plain', body: 'only GET\n' };
    const path = new URL(url ?? '/', 'https://operations').pathname;
    if (path === '/healthz') {
        return {
            status: 200,
            type: 'application/json',
            body: JSON.stringify({ status: 'OK', time: new Date().toISOString() }),
        };
    }
    if (path === '/metrics') {
        if (!certified) {
            return {
                status: 401,
                type: 'text/plain',
                body: 'a client certificate from the TLS CA is needed for /metrics\n',
            };
        }
        try {
            return { status: 200, type: registry.contentType, body: await registry.metrics() };
        } catch (err) {
            return { status: 500, type: 'text/plain', body: `metrics: ${String(err)}\n` };
        }
    }
    return { status: 404, type: 'text/plain', body: 'not found: /healthz and /metrics are served\n' };
}

/** Starts the endpoint; resolves once it listens, rejects if it cannot (the port taken, a file unreadable). */
export async function startOperationsServer(options: OperationsOptions): Promise<Server> {
    const { host, port } = splitAddress(options.address);
    collectProcessMetricsOnce();
    const server = createServer(
        {
            cert: readFileSync(options.certFile),
            key: readFileSync(options.keyFile),
            // Asked, not required: /healthz is open; a certificate the CA did not issue is not `authorized`.
            ca: readFileSync(options.clientCaFile),
            requestCert: true,
            rejectUnauthorized: false,
        },
        (request, response) => {
            const certified = request.socket instanceof TLSSocket && request.socket.authorized;
            void answer(request.method, request.url, certified).then(({ status, type, body }) => {
                response.writeHead(status, { 'content-type': type }).end(body);
            });
        },
    );
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    return server;
}
