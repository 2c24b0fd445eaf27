import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { isSealpactError, SealpactError, WebError } from '@sealpact/protocol';

/** Small helpers of the web gateway's JSON API on node:http. */

/** Largest JSON request body: a proposal's arguments (credentials, statements) are a few KiB. */
const MAX_JSON_BYTES = 1024 * 1024;

/** The HTTP status of a refusal: who is at fault, by code. */
const STATUS: Partial<Record<string, number>> = {
    NOT_SIGNED_IN: 401,
    BAD_LOGIN: 401,
    ACCESS_DENIED: 403,
    NOT_FOUND: 404,
    BLOB_NOT_FOUND: 404,
    NETWORK_DOWN: 502,
    TIMEOUT: 504,
    COMMIT_UNKNOWN: 504,
};

/** Listen on `port` of `host` (0: a free one); the port it got. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, resolve);
    });
    return (server.address() as AddressInfo).port;
}

/** Read a JSON object body; BAD_ARGUMENT when it is not one or is too large. */
export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
        size += (chunk as Buffer).length;
        if (size > MAX_JSON_BYTES) {
            throw new WebError('BAD_ARGUMENT', `the request body is larger than ${MAX_JSON_BYTES} bytes`);
        }
        chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
        throw new WebError('BAD_ARGUMENT', 'the request body is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new WebError('BAD_ARGUMENT', 'the request body is not a JSON object');
    }
    return body as Record<string, unknown>;
}

/** A string member of a request body; BAD_ARGUMENT names it when missing. */
export function text(body: Record<string, unknown>, name: string): string {
    const value = body[name];
    if (typeof value !== 'string' || value.length === 0) {
        throw new WebError('BAD_ARGUMENT', `${name} must be a non-empty string`);
    }
    return value;
}

/** A base64 signature member of a request body. */
export function signature(body: Record<string, unknown>): Buffer {
    return Buffer.from(text(body, 'signature'), 'base64');
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
    const body = JSON.stringify(value);
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(body);
}

/** What a browser is told of a failure: a SealpactError as is, anything else UNEXPECTED, without its text. */
export function refusalOf(error: unknown): SealpactError {
    return isSealpactError(error)
        ? error
        : new SealpactError('UNEXPECTED', 'the gateway failed; see its log for the request');
}

/** A refusal as `{ code, message }` (refusalOf). */
export function sendError(response: ServerResponse, error: unknown): void {
    const refusal = refusalOf(error);
    const status = STATUS[refusal.code] ?? (isSealpactError(error) ? 400 : 500);
    if (response.headersSent) {
        response.destroy();
        return;
    }
    sendJson(response, status, { code: refusal.code, message: refusal.message });
}

/** GET /healthz: Fabric's answer while the process serves, for load balancers and monitoring. */
export function sendHealth(response: ServerResponse): void {
    sendJson(response, 200, { status: 'OK', time: new Date().toISOString() });
}

/** The value of one cookie of the request. */
export function cookie(request: IncomingMessage, name: string): string | undefined {
    for (const part of (request.headers.cookie ?? '').split(';')) {
        const [key, ...value] = part.trim().split('=');
        if (key === name) return value.join('=');
    }
    return undefined;
}
