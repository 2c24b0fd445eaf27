/**
 * `npm run bench:web`: the container in headless Chromium (Debian's `chromium`, driven by
 * playwright-core, as test/web.test.ts runs it) against the Node SDK's streams, encrypting and
 * decrypting the same 100 MiB in each suite, interleaved in this one run, written into
 * docs/benchmarks.md. The page runs the container as the app does (web/src/bench-page.ts), with
 * no network; Node runs createEncryptStream / createDecryptStream in memory. Both compute the
 * tree digest on the way.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { Suite } from '@sealpact/protocol';
import { createDecryptStream, createEncryptStream } from '../crypto/stream';
import { machineDescription, writeBenchmarkSection } from './report';

const REPO_ROOT = resolve(__dirname, '../../..');
const MIB = 1024 * 1024;
const FILE_BYTES = 100 * MIB;
const ROUNDS = 3;
const SLICE = 64 * 1024;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SUITES: Suite[] = ['intl', 'gm'];

/** What web/src/bench-page.ts puts on the page. */
interface PageBench {
    sealpactBench: {
        load(url: string): Promise<number>;
        encrypt(suite: Suite): Promise<number>;
        decrypt(suite: Suite): Promise<number>;
    };
}

/** The bench page's script, bundled as web/build.mjs bundles the app. */
async function bundle(): Promise<string> {
    const built = await build({
        entryPoints: [join(REPO_ROOT, 'web', 'src', 'bench-page.ts')],
        bundle: true,
        write: false,
        platform: 'browser',
        format: 'iife',
        target: 'es2022',
        minify: true,
        alias: { '@sealpact/protocol': join(REPO_ROOT, 'protocol', 'src', 'index.ts') },
        logLevel: 'warning',
    });
    return built.outputFiles[0]?.text ?? '';
}

/** A loopback server (a secure context, so WebCrypto exists) with the page, its script and the file. */
async function serve(script: string, file: Buffer) {
    const bodies: Record<string, [string, string | Buffer]> = {
        '/': ['text/html', '<!doctype html><script src="/bench.js"></script>'],
        '/bench.js': ['text/javascript', script],
        '/file': ['application/octet-stream', file],
    };
    const server = createServer((request, response) => {
        const [type, body] = bodies[request.url ?? ''] ?? ['text/plain', 'not found'];
        response.writeHead(type === 'text/plain' ? 404 : 200, { 'content-type': type });
        response.end(body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function sink(into?: Buffer[]): Writable {
    return new Writable({
        write: (chunk: Buffer, _encoding, done) => {
            into?.push(chunk);
            done();
        },
    });
}

function slices(buffer: Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (let offset = 0; offset < buffer.length; offset += SLICE) out.push(buffer.subarray(offset, offset + SLICE));
    return out;
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
    const start = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - start) / 1e9;
}

interface Row {
    suite: Suite;
    browserEncrypt: number;
    nodeEncrypt: number;
    browserDecrypt: number;
    nodeDecrypt: number;
}

async function main(): Promise<void> {
    const load = loadavg()[0] ?? 0;
    const file = randomBytes(FILE_BYTES);
    const { server, url } = await serve(await bundle(), file);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
        const page = await browser.newPage();
        await page.goto(`${url}/`);
        await page.evaluate((at) => (globalThis as unknown as PageBench).sealpactBench.load(at), `${url}/file`);
        const password = randomBytes(32);
        const aad = 'f-bench';
        const rows: Row[] = [];
        for (const suite of SUITES) {
            const container: Buffer[] = [];
            const best = {
                browserEncrypt: Infinity,
                nodeEncrypt: Infinity,
                browserDecrypt: Infinity,
                nodeDecrypt: Infinity,
            };
            for (let round = 0; round < ROUNDS; round++) {
                container.length = 0;
                best.nodeEncrypt = Math.min(
                    best.nodeEncrypt,
                    await seconds(() =>
                        pipeline(
                            Readable.from(slices(file)),
                            createEncryptStream({ suite, password, aad }),
                            sink(container),
                        ),
                    ),
                );
                const inPage = (step: 'encrypt' | 'decrypt') =>
                    page.evaluate(([s, which]) => (globalThis as unknown as PageBench).sealpactBench[which](s), [
                        suite,
                        step,
                    ] as const);
                best.browserEncrypt = Math.min(best.browserEncrypt, (await inPage('encrypt')) / 1000);
                best.nodeDecrypt = Math.min(
                    best.nodeDecrypt,
                    await seconds(() =>
                        pipeline(Readable.from(container), createDecryptStream({ password, aad }), sink()),
                    ),
                );
                best.browserDecrypt = Math.min(best.browserDecrypt, (await inPage('decrypt')) / 1000);
                console.log(`[bench:web] ${suite} round ${round + 1}: ${JSON.stringify(best)}`);
            }
            rows.push({ suite, ...best });
        }
        await report(rows, browser.version(), load);
    } finally {
        await browser.close();
        server.close();
    }
}

async function report(rows: Row[], chromiumVersion: string, load: number): Promise<void> {
    const rate = (s: number) => FILE_BYTES / MIB / s;
    const table = rows.map((row) => {
        const cells = [
            row.suite === 'intl' ? 'intl (AES-256-GCM)' : 'gm (SM4-CTR + HMAC-SM3)',
            rate(row.browserEncrypt).toFixed(0),
            rate(row.nodeEncrypt).toFixed(0),
            (row.nodeEncrypt / row.browserEncrypt).toFixed(2),
            rate(row.browserDecrypt).toFixed(0),
            rate(row.nodeDecrypt).toFixed(0),
            (row.nodeDecrypt / row.browserDecrypt).toFixed(2),
        ];
        return `| ${cells.join(' | ')} |`;
    });
    const body = [
        `Run on ${machineDescription()}, Chromium ${chromiumVersion} (headless), ${new Date().toISOString().slice(0, 10)} (1-minute load average ${load.toFixed(2)} when it started).`,
        '',
        `In memory, ${FILE_BYTES / MIB} MiB, the tree digest computed on the way, best of ${ROUNDS} interleaved rounds:`,
        '',
        '| suite | browser encrypt (MiB/s) | Node encrypt (MiB/s) | browser / Node | browser decrypt (MiB/s) | Node decrypt (MiB/s) | browser / Node |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...table,
    ].join('\n');
    console.log(body);
    console.log(`[bench:web] written to ${await writeBenchmarkSection(REPO_ROOT, 'web', body)}`);
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
