import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { hostOf, ROOT } from './fabric';

/**
 * A process's operations endpoint (/healthz, /metrics) as network/scripts/operations.mjs reaches
 * it: HTTPS on `port`, its certificate checked against its organisation's TLS CA (the ca.crt
 * network:up put beside the process's key) and its name; `client`, the TLS client certificate and
 * key files (its organisation admin's) that /metrics asks for, or none.
 */
export interface OperationsTarget {
    host: string;
    name: string;
    port: number;
    ca: string;
    client?: { cert: string; key: string };
}

const CRYPTO = join(ROOT, 'network', '.data', 'crypto');

/**
 * A process `name` of the organisation with `domain` and admin `admin`, on its address (fabric.ts
 * hostOf), presenting the admin's TLS client certificate.
 */
export function operationsTarget(
    org: { domain: string; admin: string; address: string },
    name: string,
    port: number,
): OperationsTarget {
    const adminTls = join(CRYPTO, org.domain, 'users', org.admin, 'tls');
    return {
        host: hostOf(org),
        name,
        port,
        ca: join(CRYPTO, org.domain, 'nodes', name, 'tls', 'ca.crt'),
        client: { cert: join(adminTls, 'client.crt'), key: join(adminTls, 'client.key') },
    };
}

/** GET `path` from the endpoint; rejects when it does not answer within `timeoutMs`. */
export function operationsGet(
    target: OperationsTarget,
    path: string,
    timeoutMs = 2000,
): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = request(
            {
                host: target.host,
                port: target.port,
                path,
                ca: readFileSync(target.ca),
                ...(target.client && { cert: readFileSync(target.client.cert), key: readFileSync(target.client.key) }),
                servername: target.name,
                timeout: timeoutMs,
            },
            (res) => {
                let body = '';
                res.setEncoding('utf8');
                res.on('data', (chunk: string) => (body += chunk));
                res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
                res.on('error', reject);
            },
        );
        req.on('timeout', () => req.destroy(new Error(`${target.name} did not answer in ${timeoutMs} ms`)));
        req.on('error', reject).end();
    });
}

/** The value of sample `name{labels}` (labels as the text prints them) in Prometheus text, or undefined. */
export function sampleValue(text: string, sample: string): number | undefined {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
    return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}
