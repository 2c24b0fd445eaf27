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

beforeAll(async () => {
    execFileSync(
        'openssl',
        [
            ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
            ...['-subj', '/CN=sealpact-ccaas.test', '-addext', 'subjectAltName=DNS:sealpact-ccaas.test'],
            ...['-keyout', keyFile, '-out', certFile],
        ],
        { stdio: 'ignore' },
    );
    server = await startOperationsServer({ address: '127.0.0.1:0', certFile, keyFile });
});
afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
});

/** One request over TLS, checking the server's certificate against the self-signed one. */
function call(method: string, path: string): Promise<{ status: number; type: string; body: string }> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
        const req = request(
            { host: '127.0.0.1', port, method, path, ca: readFileSync(certFile), servername: 'sealpact-ccaas.test' },
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

    it('serves the Sealpact counters and the process metrics in the Prometheus text format', async () => {
        await measured('GetParty', () => Promise.resolve('{}'));
        const metrics = await call('GET', '/metrics');
        expect(metrics.status).toBe(200);
        expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
        expect(metrics.body).toMatch(
            /^sealpact_chaincode_transactions_total\{transaction="GetParty",outcome="ok"\} [1-9]/m,
        );
        expect(metrics.body).toMatch(/^process_resident_memory_bytes \d+/m);
    });

    it('refuses other paths and methods', async () => {
        expect((await call('GET', '/logspec')).status).toBe(404);
        expect((await call('POST', '/metrics')).status).toBe(405);
    });

    it('fails to start on a taken port', async () => {
        const { port } = server.address() as AddressInfo;
        await expect(startOperationsServer({ address: `127.0.0.1:${port}`, certFile, keyFile })).rejects.toThrow(
            /EADDRINUSE/,
        );
    });
});

describe('the operations settings', () => {
    it('are off without SEALPACT_OPERATIONS_LISTENADDRESS and need both TLS files with it', () => {
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
            }),
        ).toEqual({ address: '127.0.0.1:7057', certFile, keyFile });
    });

    it('refuse an address that is not host:port', async () => {
        await expect(startOperationsServer({ address: '7057', certFile, keyFile })).rejects.toThrow(
            'SEALPACT_OPERATIONS_LISTENADDRESS "7057" is not host:port',
        );
    });
});
