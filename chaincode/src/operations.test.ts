import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measured } from './metrics';
import { operationsOptionsFromEnv, startOperationsServer } from './operations';

const dir = mkdtempSync(join(tmpdir(), 'sealpact-operations-'));
const certFile = join(dir, 'server.crt');
const keyFile = join(dir, 'server.key');
let server: Server;

/** A self-signed certificate for `name`: the server's, which also serves as the client CA, and a stranger's. */
function selfSigned(name: string): { cert: string; key: string } {
    const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    execFileSync(
        'openssl',
        [
            ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
            ...['-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`],
            ...['-keyout', files.key, '-out', files.cert],
        ],
        { stdio: 'ignore' },
    );
    return files;
}

beforeAll(async () => {
    const own = selfSigned('server');
    selfSigned('stranger');
    server = await startOperationsServer({
        address: '127.0.0.1:0',
        certFile: own.cert,
        keyFile: own.key,
        clientCaFile: own.cert,
    });
});
afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
});

/** A client certificate: one the client CA issued (here: is), or a stranger's. */
const client = (name: 'server' | 'stranger') => ({
    cert: readFileSync(join(dir, `${name}.crt`)),
    key: readFileSync(join(dir, `${name}.key`)),
});

/** One request over TLS, checking the server's certificate against the self-signed one. */
function call(
    method: string,
    path: string,
    certificate: { cert?: Buffer; key?: Buffer } = {},
): Promise<{ status: number; type: string; body: string }> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
        const req = request(
            { host: '127.0.0.1', port, method, path, ca: readFileSync(certFile), servername: 'server', ...certificate },
            (res) => {
                let body = '';
                res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
                res.on('end', () =>
                    resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
                );
            },
        );
        req.on('error', reject).end();
    });
}

describe('the chaincode operations endpoint', () => {
    it('answers /healthz with the status a peer gives', async () => {
        const health = await call('GET', '/healthz');
        expect([health.status, health.type]).toEqual([200, 'application/json']);
        const body = JSON.parse(health.body) as { status: string; time: string };
        expect(body.status).toBe('OK');
        expect(Math.abs(Date.parse(body.time) - Date.now())).toBeLessThan(60_000);
    });

    it('serves the Sealpact counters and the process metrics in the Prometheus text format, only to a certified client', async () => {
        await measured('GetParty', () => Promise.resolve('{}'));
        expect((await call('GET', '/metrics')).status).toBe(401);
        expect((await call('GET', '/metrics', client('stranger'))).status).toBe(401);
        const metrics = await call('GET', '/metrics', client('server'));
        expect(metrics.status).toBe(200);
        expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
        expect(metrics.body).toMatch(
            /^sealpact_chaincode_transactions_total\{transaction="GetParty",outcome="ok"\} [1-9]/m,
        );
        expect(metrics.body).toMatch(/^process_resident_memory_bytes \d+/m);
    });

    it('refuses other paths and methods', async () => {
        expect((await call('GET', '/logspec')).status).toBe(404);
        expect((await call('POST', '/metrics', client('server'))).status).toBe(405);
    });

    it('fails to start on a taken port', async () => {
        const { port } = server.address() as AddressInfo;
        await expect(
            startOperationsServer({ address: `127.0.0.1:${port}`, certFile, keyFile, clientCaFile: certFile }),
        ).rejects.toThrow(/EADDRINUSE/);
    });
});

describe('the operations settings', () => {
    it('are off without SEALPACT_OPERATIONS_LISTENADDRESS and need the three TLS files with it', () => {
        expect(operationsOptionsFromEnv({})).toBeUndefined();
        const address = { SEALPACT_OPERATIONS_LISTENADDRESS: '127.0.0.1:7057' };
        expect(() => operationsOptionsFromEnv({ ...address, SEALPACT_OPERATIONS_TLS_KEY_FILE: keyFile })).toThrow(
            'SEALPACT_OPERATIONS_LISTENADDRESS is set but SEALPACT_OPERATIONS_TLS_CERT_FILE is not',
        );
        expect(
            operationsOptionsFromEnv({
                ...address,
                SEALPACT_OPERATIONS_TLS_CERT_FILE: certFile,
                SEALPACT_OPERATIONS_TLS_KEY_FILE: keyFile,
                SEALPACT_OPERATIONS_TLS_CLIENT_CACERT_FILE: certFile,
            }),
        ).toEqual({ address: '127.0.0.1:7057', certFile, keyFile, clientCaFile: certFile });
    });

    it('refuse an address that is not host:port', async () => {
        await expect(
            startOperationsServer({ address: '7057', certFile, keyFile, clientCaFile: certFile }),
        ).rejects.toThrow('SEALPACT_OPERATIONS_LISTENADDRESS "7057" is not host:port');
    });
});
