import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { isCiphertextDigestAlgorithm, isSealpactError, WebError } from '@sealpact/protocol';
import { ConnectionProfile } from '../sdk/profile';
import { BlobStore } from '../store/blob-store';
import { cookie, listen, readJson, sendError, sendHealth, sendJson, signature, text } from './http';
import { GatewayMetrics } from './metrics';
import { operationsServer } from './operations';
import { Relay } from './relay';
import { Session, Sessions } from './sessions';
import { PART_SIZE, Uploads } from './uploads';

/**
 * The web gateway (docs/web.md): serves the browser app and a JSON API that relays Fabric
 * requests the browser signed (relay.ts), stores and serves ciphertext in the organisation's blob
 * store, and streams chaincode events as server-sent events. It holds no user key and never sees a
 * plaintext or a file password: the browser encrypts before it uploads and decrypts after it
 * downloads. Its log names method, path, status and time, never a body or a query. GET /healthz
 * answers anyone; its metrics (metrics.ts) are served on a separate operations port (operations.ts).
 */

export interface WebGatewayOptions {
    profile: ConnectionProfile;
    /** The folder of the channel's `<MSP ID>.pem` CA certificates that sign-ins are checked against. */
    trustAnchorsDir: string;
    store: BlobStore;
    /** The built app (web/dist): index.html, app.js, style.css. */
    appDir: string;
    port: number;
    /** Default 127.0.0.1. */
    host?: string;
    /** One line per request; default none. */
    log?: (line: string) => void;
    /** The port of /healthz and /metrics on `host` (0: a free one); default none, so no /metrics. */
    operationsPort?: number;
}

export interface WebGateway {
    /** The URL to open, e.g. http://127.0.0.1:8080/. */
    readonly url: string;
    /** The operations port's URL, e.g. http://127.0.0.1:9443/, when it was asked for. */
    readonly operationsUrl?: string;
    close(): Promise<void>;
}

const SESSION_COOKIE = 'sealpact_session';
const STATIC: Record<string, string> = {
    '/': 'index.html',
    '/app.js': 'app.js',
    '/style.css': 'style.css',
};
const TYPES: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
};
/** The app loads only its own script and style, and talks only to this origin. */
const CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The codes with which the browser refuses to sign what the gateway built (web/src/signing-check.ts). */
const BROWSER_REFUSALS = new Set(['PROPOSAL_MISMATCH']);

type Handler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void> | void;

export async function startWebGateway(options: WebGatewayOptions): Promise<WebGateway> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    const origin = `http://${host}:${await listen(server, options.port, host)}`;
    const metrics = new GatewayMetrics();
    const operations = options.operationsPort === undefined ? undefined : operationsServer(metrics);
    let operationsUrl: string | undefined;
    try {
        if (operations) {
            operationsUrl = `http://${host}:${await listen(operations, options.operationsPort ?? 0, host)}/`;
        }
    } catch (error) {
        // The operations port is taken: stop the app's port too, or the process would not exit.
        await closed(server);
        throw error;
    }
    const relay = new Relay(options.profile);
    const uploads = new Uploads(options.store);
    const sessions = new Sessions(options.trustAnchorsDir, origin, (session) => {
        relay.endSession(session);
        uploads.abortAll(session.id);
    });
    const routes = { ...apiRoutes(options, relay, sessions, metrics), ...uploadRoutes(uploads, sessions, metrics) };
    const refuse = (response: ServerResponse, error: unknown): void => {
        metrics.refused(error);
        sendError(response, error);
    };
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
        const started = Date.now();
        const url = new URL(request.url ?? '/', origin);
        const key = `${request.method ?? ''} ${routeOf(url.pathname)}`;
        const route = routes[key];
        const page = request.method === 'GET' && STATIC[url.pathname] !== undefined;
        response.on('finish', () => {
            options.log?.(`${request.method ?? '?'} ${url.pathname} ${response.statusCode} ${Date.now() - started}ms`);
        });
        // On close, not finish: a response cut short (a failed blob download) counts too.
        response.on('close', () => {
            metrics.answered(route !== undefined || page ? key : 'other', response.statusCode);
        });
        const handle = route ?? (request.method === 'GET' ? serveStatic(options.appDir) : undefined);
        if (handle === undefined) {
            refuse(response, new WebError('NOT_FOUND', `no route ${request.method ?? ''} ${url.pathname}`));
            return;
        }
        Promise.resolve()
            .then(() => handle(request, response, url))
            .catch((error: unknown) => {
                refuse(response, error);
            });
    });
    return {
        url: `${origin}/`,
        operationsUrl,
        async close() {
            sessions.endAll();
            uploads.abortAll();
            relay.close();
            await Promise.all([closed(server), operations && closed(operations)]);
        },
    };
}

/** Close a server now, its open connections (event streams) too. */
async function closed(server: Server): Promise<void> {
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
        server.close(() => {
            resolve();
        }),
    );
}

/** `/api/proposals/12/endorse` → `/api/proposals/:id/endorse`, `/api/uploads/9f…/parts/3` → `/api/uploads/:id/parts/:n`. */
function routeOf(pathname: string): string {
    return pathname
        .replace(/^\/api\/(proposals|events)\/[0-9]+/, '/api/$1/:id')
        .replace(/^\/api\/uploads\/[0-9a-f]+/, '/api/uploads/:id')
        .replace(/^(\/api\/uploads\/:id\/parts)\/[0-9]+$/, '$1/:n');
}

/** The id in a `/api/…/:id` path. */
function idOf(url: URL): string {
    return url.pathname.split('/')[3] ?? '';
}

function apiRoutes(
    options: WebGatewayOptions,
    relay: Relay,
    sessions: Sessions,
    metrics: GatewayMetrics,
): Record<string, Handler> {
    const { profile, store } = options;
    const session = (request: IncomingMessage): Session => sessions.get(cookie(request, SESSION_COOKIE));
    return {
        'GET /healthz': (_request, response) => {
            sendHealth(response);
        },
        'GET /api/info': (_request, response) => {
            sendJson(response, 200, {
                channel: profile.channel,
                chaincode: profile.chaincode,
                organisations: Object.values(profile.orgs).map((org) => org.mspId),
            });
        },
        'POST /api/challenge': (_request, response) => {
            sendJson(response, 200, { challenge: sessions.challenge() });
        },
        'POST /api/login': async (request, response) => {
            const body = await readJson(request);
            const login = {
                mspId: text(body, 'mspId'),
                certificate: text(body, 'certificate'),
                challenge: text(body, 'challenge'),
                signature: text(body, 'signature'),
            };
            const opened = metrics.signIn(() => sessions.login(login));
            response.setHeader(
                'set-cookie',
                `${SESSION_COOKIE}=${opened.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor((opened.expiresAt - Date.now()) / 1000)}`,
            );
            sendJson(response, 200, { partyId: opened.partyId, mspId: opened.mspId });
        },
        'POST /api/logout': (request, response) => {
            const id = cookie(request, SESSION_COOKIE);
            if (id !== undefined) sessions.end(id);
            response.setHeader('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
            sendJson(response, 200, {});
        },
        'GET /api/directory': async (request, response) => {
            session(request);
            sendJson(response, 200, { parties: await directory(profile) });
        },
        'POST /api/proposals': async (request, response) => {
            const who = session(request);
            const body = await readJson(request);
            const args = body.args;
            if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) {
                throw new WebError('BAD_ARGUMENT', 'args must be an array of strings');
            }
            if (body.system !== undefined && typeof body.system !== 'boolean') {
                throw new WebError('BAD_ARGUMENT', 'system must be true (qscc) or absent');
            }
            sendJson(response, 200, relay.propose(who, text(body, 'transaction'), args, body.system === true));
        },
        'POST /api/proposals/:id/evaluate': async (request, response, url) => {
            const who = session(request);
            const body = await readJson(request);
            // The chaincode answers JSON text; qscc answers blocks, binary: the browser asks for base64.
            if (body.encoding !== undefined && body.encoding !== 'base64') {
                throw new WebError('BAD_ARGUMENT', 'encoding must be base64 or absent (UTF-8)');
            }
            const result = Buffer.from(await relay.evaluate(who, idOf(url), signature(body)));
            sendJson(response, 200, { result: result.toString(body.encoding === 'base64' ? 'base64' : 'utf8') });
        },
        'POST /api/proposals/:id/read': async (request, response, url) => {
            const who = session(request);
            const prepared = await relay.endorseForRead(who, idOf(url), signature(await readJson(request)));
            sendJson(response, 200, { prepared: Buffer.from(prepared).toString('base64') });
        },
        'POST /api/proposals/:id/endorse': async (request, response, url) => {
            const who = session(request);
            const signed = signature(await readJson(request));
            sendJson(response, 200, await metrics.relayed('endorse', () => relay.endorse(who, idOf(url), signed)));
        },
        'POST /api/proposals/:id/submit': async (request, response, url) => {
            const who = session(request);
            const signed = signature(await readJson(request));
            sendJson(response, 200, await metrics.relayed('submit', () => relay.submit(who, idOf(url), signed)));
        },
        'POST /api/proposals/:id/commit': async (request, response, url) => {
            const who = session(request);
            const signed = signature(await readJson(request));
            sendJson(response, 200, await metrics.relayed('commit', () => relay.commit(who, idOf(url), signed)));
        },
        // The browser found the bytes it was given not what it asked for and signed nothing: drop
        // the request and count the refusal, so that operators see a gateway (or something between
        // it and the peer) tampering with what it hands out.
        'POST /api/proposals/:id/refuse': async (request, response, url) => {
            const who = session(request);
            const code = text(await readJson(request), 'code');
            if (!BROWSER_REFUSALS.has(code)) {
                throw new WebError('BAD_ARGUMENT', 'code must be a refusal the browser makes before signing');
            }
            relay.cancel(who, idOf(url));
            metrics.browserRefused(code);
            sendJson(response, 200, {});
        },
        'POST /api/events': (request, response) => {
            sendJson(response, 200, relay.eventsRequest(session(request)));
        },
        'GET /api/events/:id': async (request, response, url) => {
            const who = session(request);
            const signed = Buffer.from(url.searchParams.get('signature') ?? '', 'base64');
            const events = await relay.events(who, idOf(url), signed);
            metrics.eventStream(response);
            await streamEvents(response, events);
        },
        'PUT /api/blobs': async (request, response, url) => {
            session(request);
            const digestAlg = url.searchParams.get('digestAlgorithm');
            const size = Number(url.searchParams.get('size'));
            if (!isCiphertextDigestAlgorithm(digestAlg) || !Number.isSafeInteger(size) || size < 0) {
                throw new WebError('BAD_ARGUMENT', 'digestAlgorithm and size must name the upload');
            }
            const stored = await store.put(request, { digestAlg, size });
            metrics.blobStored(stored.size);
            sendJson(response, 200, stored);
        },
        'GET /api/blobs': async (request, response, url) => {
            session(request);
            const blob = await store.get(url.searchParams.get('locator') ?? '');
            response.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
            // The browser checks every byte against the digest on the ledger, so a blob the store
            // finds altered (BLOB_TAMPERED, once its bytes are out) is passed on for the browser to
            // refuse; any other failure cuts the response.
            try {
                for await (const chunk of blob) {
                    metrics.blobServed((chunk as Buffer).length);
                    if (!response.write(chunk as Buffer)) await once(response, 'drain');
                }
                response.end();
            } catch (error) {
                if (isSealpactError(error, 'BLOB_TAMPERED')) response.end();
                else response.destroy();
            }
        },
    };
}

/** The upload sessions (uploads.ts, docs/web.md): begin, a part at a time, finish or cancel. */
function uploadRoutes(uploads: Uploads, sessions: Sessions, metrics: GatewayMetrics): Record<string, Handler> {
    const owner = (request: IncomingMessage): string => sessions.get(cookie(request, SESSION_COOKIE)).id;
    return {
        'POST /api/uploads': (request, response, url) => {
            const who = owner(request);
            const digestAlg = url.searchParams.get('digestAlgorithm');
            const size = Number(url.searchParams.get('size'));
            if (!isCiphertextDigestAlgorithm(digestAlg) || !Number.isSafeInteger(size) || size < 0) {
                throw new WebError('BAD_ARGUMENT', 'digestAlgorithm and size must name the upload');
            }
            sendJson(response, 200, { id: uploads.begin(who, digestAlg, size), partSize: PART_SIZE });
        },
        'PUT /api/uploads/:id/parts/:n': async (request, response, url) => {
            const who = owner(request);
            const [, , , id = '', , part = ''] = url.pathname.split('/');
            const received = await uploads.part(who, id, Number(part), request);
            sendJson(response, 200, { received });
        },
        'POST /api/uploads/:id/finish': async (request, response, url) => {
            const who = owner(request);
            const stored = await uploads.finish(who, idOf(url), text(await readJson(request), 'digest'));
            metrics.blobStored(stored.size);
            sendJson(response, 200, stored);
        },
        'DELETE /api/uploads/:id': (request, response, url) => {
            uploads.abort(owner(request), idOf(url));
            sendJson(response, 200, {});
        },
    };
}

/** Chaincode events as server-sent events, one `data:` line of JSON each, until the browser leaves. */
async function streamEvents(
    response: ServerResponse,
    events: AsyncIterable<{ eventName: string; payload: Uint8Array; transactionId: string }> & { close(): void },
): Promise<void> {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    response.write(': events follow\n\n');
    response.on('close', () => {
        events.close();
    });
    try {
        for await (const event of events) {
            const data = {
                name: event.eventName,
                txId: event.transactionId,
                payload: Buffer.from(event.payload).toString('utf8'),
            };
            response.write(`data: ${JSON.stringify(data)}\n\n`);
        }
    } catch {
        // The stream was closed (the browser left) or the peer ended it; the browser reconnects.
    }
    response.end();
}

/** Every identity the profile names, as party ids (`<MSP ID>/<CN>`): whom the app offers as recipients. */
async function directory(profile: ConnectionProfile): Promise<string[]> {
    // Two certificates may carry one name (a party's second device): one party.
    const parties = new Set<string>();
    for (const org of Object.values(profile.orgs)) {
        for (const identity of Object.values(org.identities)) {
            const certificate = new X509Certificate(await readFile(identity.cert));
            const commonName = /^CN=(.+)$/m.exec(certificate.subject)?.[1];
            if (commonName !== undefined) parties.add(`${org.mspId}/${commonName}`);
        }
    }
    return [...parties];
}

function serveStatic(appDir: string): Handler {
    return async (_request, response, url) => {
        const name = STATIC[url.pathname];
        if (name === undefined) {
            throw new WebError('NOT_FOUND', `no page ${url.pathname}`);
        }
        const body = await readFile(join(appDir, name));
        response.writeHead(200, {
            'content-type': TYPES[extname(name)] ?? 'application/octet-stream',
            'content-security-policy': CSP,
            'x-content-type-options': 'nosniff',
            'cache-control': 'no-store',
        });
        response.end(body);
    };
}
