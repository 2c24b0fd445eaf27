import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webLoginStatement } from '@sealpact/protocol';
import { createCiphertextHasher } from '../crypto/ciphertext-digest';
import { openStore } from '../store/open-store';
import { sealpact } from '../test-support/cli-in-process';
import { startWebGateway, WebGateway, WebGatewayOptions } from './gateway';
import { PART_SIZE } from './uploads';

// The web gateway's HTTP API without a Fabric network: sign-in against an organisation's CA made
// here with openssl, the session rule, ciphertext in and out of the store, the app's pages, and a
// proposal built for the browser to sign. Relaying to peers is tested on the network
// (test/web.test.ts).

const dir = mkdtempSync(join(tmpdir(), 'sealpact-web-gateway-'));
const anchors = join(dir, 'anchors');
const app = join(dir, 'app');

function openssl(...args: string[]): void {
    execFileSync('openssl', args, { stdio: 'ignore' });
}

/** An EC CA and a user certificate it issued, as PEM files in `dir`; the user's key path. */
function issue(name: string, ca: string): { cert: string; key: string } {
    const key = join(dir, `${name}.key`);
    const cert = join(dir, `${name}.pem`);
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key);
    openssl('pkcs8', '-topk8', '-nocrypt', '-in', key, '-out', `${key}.p8`);
    if (name === ca) {
        openssl('req', '-x509', '-new', '-key', key, '-subj', `/CN=${name}`, '-days', '2', '-out', cert);
    } else {
        openssl('req', '-new', '-key', key, '-subj', `/OU=client/CN=${name}`, '-out', `${cert}.csr`);
        const [caCert, caKey] = [join(dir, `${ca}.pem`), join(dir, `${ca}.key`)];
        openssl('x509', '-req', '-in', `${cert}.csr`, '-CA', caCert, '-CAkey', caKey, '-days', '1', '-out', cert);
    }
    return { cert, key: `${key}.p8` };
}

const ca = issue('ca.org1', 'ca.org1');
const alice = issue('alice@org1.example.com', 'ca.org1');
issue('ca.other', 'ca.other');
const mallory = issue('mallory@org1.example.com', 'ca.other');
mkdirSync(anchors);
writeFileSync(join(anchors, 'Org1MSP.pem'), readFileSync(ca.cert));
mkdirSync(app);
for (const name of ['index.html', 'app.js', 'style.css']) writeFileSync(join(app, name), `/* ${name} */`);

const profile = {
    channel: 'contracts',
    chaincode: 'sealpact',
    orgs: {
        Org1MSP: {
            name: 'Org1',
            mspId: 'Org1MSP',
            // Nothing listens here: a relayed request finds no peer.
            peer: { name: 'peer0', endpoint: '127.0.0.1:1', tlsCACert: ca.cert },
            identities: { 'alice@org1.example.com': { role: 'client', ...alice } },
        },
    },
};

let gateway: WebGateway;
let lines: string[];

/** A gateway on a free port, with what the test adds (an operations port). */
function start(options: Partial<WebGatewayOptions> = {}): Promise<WebGateway> {
    return startWebGateway({
        profile,
        trustAnchorsDir: anchors,
        store: openStore(`fs://${join(dir, 'blobs')}`),
        appDir: app,
        port: 0,
        ...options,
    });
}

beforeAll(async () => {
    lines = [];
    gateway = await start({ log: (line) => lines.push(line) });
});

afterAll(() => gateway.close());

async function api(
    method: string,
    path: string,
    body?: unknown,
    cookie?: string,
    at = gateway,
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
    const response = await fetch(new URL(path, at.url), {
        method,
        headers: {
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(cookie ? { cookie } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
        status: response.status,
        json: (await response.json()) as Record<string, unknown>,
        headers: response.headers,
    };
}

/** Sign in as `who` (its certificate, signed with `signer`'s key) at `at`; the session cookie. */
async function signIn(
    who: { cert: string; key: string },
    signer = who,
    at = gateway,
): Promise<{ status: number; json: Record<string, unknown>; cookie: string }> {
    const { json } = await api('POST', '/api/challenge', undefined, undefined, at);
    const challenge = String(json.challenge);
    const origin = at.url.replace(/\/$/, '');
    const signature = sign('sha256', Buffer.from(webLoginStatement(origin, challenge)), readFileSync(signer.key));
    const login = await api(
        'POST',
        '/api/login',
        {
            mspId: 'Org1MSP',
            certificate: readFileSync(who.cert, 'utf8'),
            challenge,
            signature: signature.toString('base64'),
        },
        undefined,
        at,
    );
    return { ...login, cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}

describe('the web gateway', () => {
    it('serves the app with a strict content security policy', async () => {
        const response = await fetch(gateway.url);
        expect(await response.text()).toBe('/* index.html */');
        expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect((await api('GET', '/nothing')).json.code).toBe('NOT_FOUND');
    });

    it("signs in a certificate of the organisation's CA whose key signed the challenge", async () => {
        const login = await signIn(alice);
        expect(login.status).toBe(200);
        expect(login.json.partyId).toBe('Org1MSP/alice@org1.example.com');
        expect(login.cookie).toMatch(/^sealpact_session=[\w-]{43}$/);
    });

    it('refuses other CAs, other keys and replayed challenges: BAD_LOGIN', async () => {
        expect((await signIn(mallory)).json.code).toBe('BAD_LOGIN');
        expect((await signIn(alice, mallory)).json.message).toBe(
            'BAD_LOGIN: the signature does not verify with the certificate',
        );
        const replay = await api('POST', '/api/login', {
            mspId: 'Org1MSP',
            certificate: 'x',
            challenge: 'never-given',
            signature: 'AA==',
        });
        expect(replay).toMatchObject({ status: 401, json: { code: 'BAD_LOGIN' } });
        expect((await api('POST', '/api/login', { mspId: 'Org1MSP' })).json.code).toBe('BAD_ARGUMENT');
        const refused = async (mspId: string, certificate: string) => {
            const { json } = await api('POST', '/api/challenge');
            const login = { mspId, certificate, challenge: json.challenge, signature: 'AA==' };
            return (await api('POST', '/api/login', login)).json.message;
        };
        const pem = readFileSync(alice.cert, 'utf8');
        expect(await refused('Org1 MSP', pem)).toBe('BAD_LOGIN: the MSP ID is malformed');
        expect(await refused('Org9MSP', pem)).toBe('BAD_LOGIN: Org9MSP is not an organisation of this channel');
        expect(await refused('Org1MSP', 'not a certificate')).toBe(
            'BAD_LOGIN: the certificate is not a PEM X.509 certificate',
        );
    });

    it('gives blobs, events, proposals and the directory to signed-in users only: NOT_SIGNED_IN', async () => {
        for (const [method, path] of [
            ['GET', '/api/blobs?locator=x'],
            ['POST', '/api/events'],
            ['GET', '/api/directory'],
        ]) {
            expect(await api(method ?? '', path ?? '')).toMatchObject({ status: 401, json: { code: 'NOT_SIGNED_IN' } });
        }
        expect(
            (await api('POST', '/api/proposals', { transaction: 'WhoAmI', args: [] }, 'sealpact_session=forged')).json
                .code,
        ).toBe('NOT_SIGNED_IN');
        const { cookie } = await signIn(alice);
        await api('POST', '/api/logout', {}, cookie);
        expect((await api('GET', '/api/directory', undefined, cookie)).json.code).toBe('NOT_SIGNED_IN');
    });

    it('stores ciphertext and gives it back byte for byte', async () => {
        const { cookie } = await signIn(alice);
        const bytes = Buffer.from('ciphertext, as the browser uploads it');
        const put = await fetch(new URL(`/api/blobs?digestAlgorithm=sha256&size=${bytes.length}`, gateway.url), {
            method: 'PUT',
            headers: { cookie },
            body: bytes,
        });
        const stored = (await put.json()) as { locator: string; digest: string };
        expect(stored.digest).toBe(createHash('sha256').update(bytes).digest('hex'));
        const got = await fetch(new URL(`/api/blobs?locator=${encodeURIComponent(stored.locator)}`, gateway.url), {
            headers: { cookie },
        });
        expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
        expect((await api('GET', '/api/directory', undefined, cookie)).json.parties).toEqual([
            'Org1MSP/alice@org1.example.com',
        ]);
    });

    it('builds a proposal for the browser to sign, relays it once, and logs no body', async () => {
        const { cookie } = await signIn(alice);
        const proposal = await api(
            'POST',
            '/api/proposals',
            { transaction: 'GetFile', args: ['f-secret-arg'] },
            cookie,
        );
        expect(proposal.json.id).toMatch(/^[0-9]+$/);
        const id = String(proposal.json.id);
        const evaluated = await api('POST', `/api/proposals/${id}/evaluate`, { signature: 'AA==' }, cookie);
        expect(evaluated).toMatchObject({ status: 502, json: { code: 'NETWORK_DOWN' } });
        // Taken once: a second use of the same id finds nothing.
        expect((await api('POST', `/api/proposals/${id}/evaluate`, { signature: 'AA==' }, cookie)).json.code).toBe(
            'NOT_FOUND',
        );
        expect(lines.join('\n')).not.toMatch(/secret|signature|challenge=/);
    });

    it('relays endorsements and event streams only to a peer, refusing malformed uploads', async () => {
        const { cookie } = await signIn(alice);
        const proposal = await api('POST', '/api/proposals', { transaction: 'WhoAmI', args: [] }, cookie);
        const endorsed = await api(
            'POST',
            `/api/proposals/${String(proposal.json.id)}/endorse`,
            { signature: 'AA==' },
            cookie,
        );
        expect(endorsed).toMatchObject({ status: 502, json: { code: 'NETWORK_DOWN' } });
        const events = await api('POST', '/api/events', {}, cookie);
        expect(events.json.message).toEqual(expect.any(String));
        const streamUrl = new URL(`/api/events/${String(events.json.id)}?signature=AA%3D%3D`, gateway.url);
        // The stream opens, then ends when the peer cannot be reached; the browser asks anew.
        const stream = await fetch(streamUrl, { headers: { cookie } });
        expect(stream.headers.get('content-type')).toBe('text/event-stream');
        expect(await stream.text()).toBe(': events follow\n\n');
        expect((await api('GET', streamUrl.pathname + streamUrl.search, undefined, cookie)).json.code).toBe(
            'NOT_FOUND',
        );
        const upload = await fetch(new URL('/api/blobs?digestAlgorithm=md5&size=1', gateway.url), {
            method: 'PUT',
            headers: { cookie },
            body: 'x',
        });
        expect(((await upload.json()) as { code: string }).code).toBe('BAD_ARGUMENT');
        expect((await api('POST', '/api/proposals', { transaction: 'WhoAmI', args: [1] }, cookie)).json.code).toBe(
            'BAD_ARGUMENT',
        );
    });

    it('builds qscc proposals and relays verified reads once, to a peer, refusing a malformed system flag', async () => {
        const { cookie } = await signIn(alice);
        const block = await api(
            'POST',
            '/api/proposals',
            { transaction: 'GetBlockByNumber', args: ['contracts', '0'], system: true },
            cookie,
        );
        // The proposal names qscc as its chaincode (ChaincodeID.name in the channel header extension).
        expect(Buffer.from(String(block.json.message), 'base64').includes(Buffer.from('qscc'))).toBe(true);
        const read = await api('POST', '/api/proposals', { transaction: 'GetParty', args: ['x'] }, cookie);
        const path = `/api/proposals/${String(read.json.id)}/read`;
        expect(await api('POST', path, { signature: 'AA==' }, cookie)).toMatchObject({
            status: 502,
            json: { code: 'NETWORK_DOWN' },
        });
        expect((await api('POST', path, { signature: 'AA==' }, cookie)).json.code).toBe('NOT_FOUND');
        const flag = { transaction: 'GetChainInfo', args: ['contracts'], system: 'yes' };
        expect((await api('POST', '/api/proposals', flag, cookie)).json.code).toBe('BAD_ARGUMENT');
        const evaluate = `/api/proposals/${String(block.json.id)}/evaluate`;
        const hex = { signature: 'AA==', encoding: 'hex' };
        expect((await api('POST', evaluate, hex, cookie)).json.code).toBe('BAD_ARGUMENT');
    });

    it('is what `sealpact web` runs until the process is told to stop', async () => {
        const profilePath = join(dir, 'profile.json');
        // alice's MSP folder, which `sealpact web` names for a first-time user.
        const msp = join(dir, 'alice-msp');
        const org1 = { ...profile.orgs.Org1MSP, identities: { alice: { role: 'client', ...alice, msp } } };
        writeFileSync(profilePath, JSON.stringify({ ...profile, orgs: { Org1MSP: org1 }, trustAnchors: anchors }));
        const [port, operationsPort] = [await freePort(), await freePort()];
        const running = sealpact(
            'web',
            '--port',
            String(port),
            '--operations-port',
            String(operationsPort),
            '--profile',
            profilePath,
            '--store',
            `fs://${dir}/cli-blobs`,
        );
        const info = `http://127.0.0.1:${port}/api/info`;
        let answer: unknown;
        while (answer === undefined) {
            answer = await fetch(info).then(
                (response) => response.json(),
                () => undefined,
            );
        }
        expect(answer).toEqual({ channel: 'contracts', chaincode: 'sealpact', organisations: ['Org1MSP'] });
        const operations = `http://127.0.0.1:${operationsPort}/`;
        expect((await fetch(`${operations}metrics`)).status).toBe(200);
        process.emit('SIGINT');
        expect(await running).toMatchObject({
            code: 0,
            stdout: `Sealpact web app: open http://127.0.0.1:${port}/\nsign in with your MSP folder, such as ${msp}\nhealth and metrics: ${operations}\nstopped\n`,
        });
    });
});

describe('uploads in parts', () => {
    /** Begin an upload; its id. */
    async function begin(cookie: string, size: number): Promise<string> {
        const begun = await api('POST', `/api/uploads?digestAlgorithm=sha256-tree&size=${size}`, undefined, cookie);
        expect(begun.json.partSize).toBe(PART_SIZE);
        return String(begun.json.id);
    }

    function part(cookie: string, id: string, index: number, bytes: Uint8Array) {
        return fetch(new URL(`/api/uploads/${id}/parts/${index}`, gateway.url), {
            method: 'PUT',
            headers: { cookie, 'content-type': 'application/octet-stream' },
            body: bytes,
        }).then(async (response) => ({
            status: response.status,
            json: (await response.json()) as Record<string, unknown>,
        }));
    }

    async function treeDigest(...parts: Uint8Array[]): Promise<string> {
        const hasher = createCiphertextHasher('sha256-tree');
        for (const bytes of parts) hasher.update(bytes);
        return (await hasher.digest()).toString('hex');
    }

    /** The store's files: complete blobs and temporary ones alike. */
    function storeFiles(): string[] {
        return readdirSync(join(dir, 'blobs'), { recursive: true, withFileTypes: true })
            .filter((entry) => entry.isFile())
            .map((entry) => entry.name);
    }

    it('stores the parts in order under the digest the browser expects, and serves the blob back', async () => {
        const { cookie } = await signIn(alice);
        const [first, second] = [randomBytes(PART_SIZE), randomBytes(1000)];
        const id = await begin(cookie, first.length + second.length);
        expect(await part(cookie, id, 0, first)).toEqual({ status: 200, json: { received: PART_SIZE } });
        expect((await part(cookie, id, 0, second)).json.code).toBe('PART_OUT_OF_ORDER');
        expect((await part(cookie, id, 2, second)).json.code).toBe('PART_OUT_OF_ORDER');
        expect((await part(cookie, id, 1, randomBytes(PART_SIZE + 1))).json.code).toBe('PART_TOO_LARGE');
        expect((await part(cookie, id, 1, second)).json.received).toBe(1000);
        const digest = await treeDigest(first, second);
        const stored = await api('POST', `/api/uploads/${id}/finish`, { digest }, cookie);
        expect(stored.json).toMatchObject({ digest, size: first.length + second.length });
        const got = await fetch(
            new URL(`/api/blobs?locator=${encodeURIComponent(String(stored.json.locator))}`, gateway.url),
            {
                headers: { cookie },
            },
        );
        expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.concat([first, second]))).toBe(true);
        expect((await api('POST', `/api/uploads/${id}/finish`, { digest }, cookie)).json.code).toBe('NOT_FOUND');
    });

    it("refuses another session's upload, a wrong digest and a wrong size; an abandoned upload leaves nothing", async () => {
        const { cookie } = await signIn(alice);
        const other = (await signIn(alice)).cookie;
        const bytes = randomBytes(5000);
        const before = storeFiles();
        const cancelled = await begin(cookie, bytes.length);
        expect((await part(other, cancelled, 0, bytes)).json.code).toBe('NOT_FOUND');
        expect((await part(cookie, cancelled, 0, bytes.subarray(0, 100))).status).toBe(200);
        await api('DELETE', `/api/uploads/${cancelled}`, undefined, cookie);
        expect((await part(cookie, cancelled, 1, bytes)).json.code).toBe('NOT_FOUND');
        const short = await begin(cookie, bytes.length + 1);
        await part(cookie, short, 0, bytes);
        expect(
            (await api('POST', `/api/uploads/${short}/finish`, { digest: await treeDigest(bytes) }, cookie)).json.code,
        ).toBe('SIZE_MISMATCH');
        const mislabelled = await begin(cookie, bytes.length);
        await part(cookie, mislabelled, 0, bytes);
        const wrong = await api('POST', `/api/uploads/${mislabelled}/finish`, { digest: '00'.repeat(32) }, cookie);
        expect(wrong.json.code).toBe('DIGEST_MISMATCH');
        // Only the complete blob of the mislabelled upload (named by its own digest) was added.
        await new Promise((resolve) => setImmediate(resolve));
        expect(storeFiles().filter((name) => !before.includes(name))).toHaveLength(1);
    });

    it('holds no more than a few parts in memory, whatever the size of the blob', async () => {
        const { cookie } = await signIn(alice);
        const parts = 32; // 256 MiB
        const bytes = randomBytes(PART_SIZE);
        const id = await begin(cookie, parts * PART_SIZE);
        const used = () => {
            const memory = process.memoryUsage();
            return memory.heapUsed + memory.arrayBuffers;
        };
        const baseline = used();
        let peak = baseline;
        const hasher = createCiphertextHasher('sha256-tree');
        for (let index = 0; index < parts; index++) {
            expect((await part(cookie, id, index, bytes)).status).toBe(200);
            hasher.update(bytes);
            peak = Math.max(peak, used());
        }
        const digest = (await hasher.digest()).toString('hex');
        const stored = await api('POST', `/api/uploads/${id}/finish`, { digest }, cookie);
        expect(stored.json.digest).toBe(digest);
        await openStore(`fs://${join(dir, 'blobs')}`).delete(String(stored.json.locator));
        // What is garbage not yet collected stays about the same (80 to 90 MiB here for 96 MiB
        // and for 384 MiB uploads); a gateway that held the blob would grow past its size.
        expect(peak - baseline).toBeLessThan((parts * PART_SIZE) / 2);
    }, 120_000);
});

describe('its health and metrics', () => {
    let observed: WebGateway;
    beforeAll(async () => {
        observed = await start({ operationsPort: 0 });
    });
    afterAll(() => observed.close());

    const operations = (path: string): Promise<Response> => fetch(new URL(path, observed.operationsUrl));

    it('answers /healthz to anyone, on the app port and the operations port', async () => {
        for (const url of [new URL('/healthz', gateway.url), new URL('/healthz', observed.operationsUrl)]) {
            const response = await fetch(url);
            expect(response.status).toBe(200);
            const body = (await response.json()) as { status: string; time: string };
            expect(body).toEqual({ status: 'OK', time: new Date(body.time).toISOString() });
        }
    });

    it('serves /metrics only on the operations port, which a gateway has only when asked', async () => {
        expect(gateway.operationsUrl).toBeUndefined();
        expect(await api('GET', '/metrics')).toMatchObject({ status: 404, json: { code: 'NOT_FOUND' } });
        expect((await api('GET', '/metrics', undefined, undefined, observed)).status).toBe(404);
        const metrics = await operations('/metrics');
        expect([metrics.status, metrics.headers.get('content-type')]).toEqual([
            200,
            'text/plain; version=0.0.4; charset=utf-8',
        ]);
        expect(await metrics.text()).toContain('\nprocess_cpu_user_seconds_total ');
        expect((await operations('/api/info')).status).toBe(404);
    });

    it('refuses to start when its operations port is taken', async () => {
        const taken = Number(new URL(observed.operationsUrl ?? '').port);
        await expect(start({ operationsPort: taken })).rejects.toThrow('EADDRINUSE');
    });

    it('counts requests by route and status, refusals by code, sign-ins, relayed transactions, blob bytes', async () => {
        await signIn(mallory, mallory, observed);
        const { cookie } = await signIn(alice, alice, observed);
        await api('GET', '/api/directory', undefined, undefined, observed);
        const proposal = await api('POST', '/api/proposals', { transaction: 'WhoAmI', args: [] }, cookie, observed);
        const endorse = `/api/proposals/${String(proposal.json.id)}/endorse`;
        await api('POST', endorse, { signature: 'AA==' }, cookie, observed);
        const bytes = Buffer.from('ciphertext counted, never named');
        const put = await fetch(new URL(`/api/blobs?digestAlgorithm=sha256&size=${bytes.length}`, observed.url), {
            method: 'PUT',
            headers: { cookie },
            body: bytes,
        });
        const { locator } = (await put.json()) as { locator: string };
        await (await fetch(new URL(`/api/blobs?locator=${locator}`, observed.url), { headers: { cookie } })).text();

        const text = await (await operations('/metrics')).text();
        for (const line of [
            'sealpact_web_sign_ins_total{outcome="failed"} 1',
            'sealpact_web_sign_ins_total{outcome="succeeded"} 1',
            'sealpact_web_refusals_total{code="BAD_LOGIN"} 1',
            'sealpact_web_refusals_total{code="NOT_SIGNED_IN"} 1',
            'sealpact_web_refusals_total{code="NETWORK_DOWN"} 1',
            'sealpact_web_transactions_total{outcome="failed",code="NETWORK_DOWN"} 1',
            'sealpact_web_requests_total{route="POST /api/challenge",status="200"} 2',
            'sealpact_web_requests_total{route="POST /api/login",status="401"} 1',
            'sealpact_web_requests_total{route="POST /api/login",status="200"} 1',
            'sealpact_web_requests_total{route="GET /api/directory",status="401"} 1',
            'sealpact_web_requests_total{route="POST /api/proposals/:id/endorse",status="502"} 1',
            'sealpact_web_requests_total{route="other",status="404"} 1',
            `sealpact_web_blob_bytes_total{direction="stored"} ${bytes.length}`,
            `sealpact_web_blob_bytes_total{direction="served"} ${bytes.length}`,
            'sealpact_web_event_streams 0',
        ]) {
            expect(text).toContain(`\n${line}\n`);
        }
        // Bounded labels only: no party, certificate, session, locator or pending request id.
        expect(text).not.toMatch(/alice|mallory|BEGIN CERTIFICATE|sealpact_session|sha256:|proposals\/[0-9]/);
        expect(text).not.toContain(locator);
    });

    it('counts a request the browser refused to sign by its code, and drops it: PROPOSAL_MISMATCH', async () => {
        const { cookie } = await signIn(alice, alice, observed);
        const proposal = await api('POST', '/api/proposals', { transaction: 'WhoAmI', args: [] }, cookie, observed);
        const id = String(proposal.json.id);
        const refuse = (code: string, by = cookie) =>
            api('POST', `/api/proposals/${id}/refuse`, { code }, by, observed);
        expect((await refuse('PROPOSAL_MISMATCH', 'sealpact_session=forged')).json.code).toBe('NOT_SIGNED_IN');
        expect((await refuse('LEDGER_ERROR')).json.code).toBe('BAD_ARGUMENT');
        expect(await refuse('PROPOSAL_MISMATCH')).toMatchObject({ status: 200, json: {} });
        // Dropped: it can be neither signed now nor refused twice.
        expect((await refuse('PROPOSAL_MISMATCH')).json.code).toBe('NOT_FOUND');
        expect(
            (await api('POST', `/api/proposals/${id}/endorse`, { signature: 'AA==' }, cookie, observed)).json.code,
        ).toBe('NOT_FOUND');
        const text = await (await operations('/metrics')).text();
        expect(text).toContain('\nsealpact_web_browser_refusals_total{code="PROPOSAL_MISMATCH"} 1\n');
        expect(text).toContain(
            '\nsealpact_web_requests_total{route="POST /api/proposals/:id/refuse",status="200"} 1\n',
        );
        expect(text).not.toMatch(/alice|BEGIN CERTIFICATE|proposals\/[0-9]/);
    });
});

function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
            const { port } = server.address() as AddressInfo;
            server.close(() => {
                resolve(port);
            });
        });
    });
}
