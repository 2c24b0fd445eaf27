#!/usr/bin/env node
// The real S3-compatible server the s3 store's tests run against: SeaweedFS (Apache-2.0), built
// from source through the Go module proxy into client/.s3-server/ (git-ignored; no SeaweedFS code
// or binary is ever committed). docs/stores.md says why SeaweedFS.
//
//   node client/scripts/seaweedfs.js install     (npm run s3:install) build the pinned weed once
//   require('./seaweedfs.js').start()            start one on 127.0.0.1 in a temp folder (tests)
//
// SEALPACT_WEED=/path/to/weed uses that binary instead (an installed SeaweedFS); nothing is built.
//
// The module's go.mod has replace directives, so `go install …@version` refuses it; building
// inside the downloaded module works. The build is skipped when the stamp file says the pinned
// version is already there.
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes, randomInt } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { setTimeout } = require('node:timers');

const MODULE = 'github.com/seaweedfs/seaweedfs';
const VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';
const BIN_DIR = path.join(__dirname, '..', '.s3-server');
const WEED = path.join(BIN_DIR, 'weed');
const STAMP = path.join(BIN_DIR, 'weed.version');
const START_TIMEOUT_MS = 60_000;
// weed's filer does not finish a graceful shutdown in this version (it waits on its master), and the
// data is thrown away anyway: after this grace period the server is killed.
const STOP_TIMEOUT_SECONDS = 3;
const SUPERVISE = path.join(__dirname, '..', '..', 'network', 'scripts', 'supervise.mjs');

/** The weed binary start() runs. */
function weedPath() {
    return process.env.SEALPACT_WEED || WEED;
}

/** True when the pinned weed binary is built (or SEALPACT_WEED names one). */
function installed() {
    if (process.env.SEALPACT_WEED) {
        return fs.existsSync(process.env.SEALPACT_WEED);
    }
    return (
        fs.existsSync(WEED) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8').trim() === `${MODULE}@${VERSION}`
    );
}

function log(message) {
    process.stderr.write(`[s3-server] ${message}\n`);
}

/** Build the pinned weed into client/.s3-server unless it is there; resolves with the binary's path. */
async function install() {
    if (installed()) {
        log(`SeaweedFS ready: ${path.relative(process.cwd(), weedPath())}`);
        return weedPath();
    }
    if (process.env.SEALPACT_WEED) {
        throw new Error(`SEALPACT_WEED names ${process.env.SEALPACT_WEED}, which does not exist`);
    }
    const started = Date.now();
    const go = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (go.error || go.status !== 0) {
        throw new Error('go is needed to build SeaweedFS, the S3 server the store tests use (Go 1.26.6 or later)');
    }
    log(`building SeaweedFS ${VERSION} with ${go.stdout.trim()} (about 10 minutes on 2 cores, once)`);
    log('downloading the module (go mod download)');
    const download = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@${VERSION}`], {
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
    });
    let moduleDir;
    try {
        moduleDir = JSON.parse(download.stdout).Dir;
    } catch {
        moduleDir = undefined;
    }
    if (download.status !== 0 || !moduleDir) {
        throw new Error(`go mod download ${MODULE}@${VERSION} failed:\n${download.stdout}${download.stderr}`);
    }
    fs.mkdirSync(BIN_DIR, { recursive: true });
    fs.rmSync(STAMP, { force: true });
    log('compiling weed (dependencies are downloaded first; progress every 100 packages)');
    // Per process, so two installs at once (two test runs) never write the same file.
    const partial = `${WEED}.${process.pid}.partial`;
    await new Promise((resolve, reject) => {
        // -mod=mod: the module cache is read-only and its go.sum may lack entries; go fills them
        // in memory from the checksum database instead of failing.
        const child = spawn('go', ['build', '-v', '-trimpath', '-ldflags=-s -w', '-o', partial, './weed'], {
            cwd: moduleDir,
            env: { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false' },
            stdio: ['ignore', 'ignore', 'pipe'],
        });
        let packages = 0;
        let tail = '';
        child.stderr.on('data', (chunk) => {
            const text = chunk.toString();
            tail = (tail + text).slice(-8000);
            for (const line of text.split('\n')) {
                if (line !== '' && !line.startsWith('go: ') && ++packages % 100 === 0) {
                    log(`  ${packages} packages compiled, ${Math.round((Date.now() - started) / 1000)} s`);
                }
            }
        });
        child.on('error', reject);
        child.on('close', (code) =>
            code === 0 ? resolve() : reject(new Error(`go build failed (exit ${code}):\n${tail}`)),
        );
    });
    fs.renameSync(partial, WEED);
    fs.writeFileSync(STAMP, `${MODULE}@${VERSION}\n`);
    log(`built ${path.relative(process.cwd(), WEED)} in ${Math.round((Date.now() - started) / 1000)} s`);
    return WEED;
}

/**
 * Ports weed listens on are taken below Linux's ephemeral range (32768-60999): a port the OS hands
 * out as free lies inside it, and weed's own components dial each other from ephemeral source ports,
 * so one of them could take it before the component meant to listen there does (seen in CI:
 * "s3 failed to listen on grpc port ...: address already in use").
 */
const PORT_RANGE = { low: 20000, high: 32768 };

/** Whether nothing listens on the port on 127.0.0.1 now. */
function isFree(port) {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
}

/** `count` distinct free ports from PORT_RANGE, picked at random. */
async function freePorts(count) {
    const ports = new Set();
    for (let tries = 0; ports.size < count; tries++) {
        if (tries > 1000) throw new Error(`no ${count} free ports between ${PORT_RANGE.low} and ${PORT_RANGE.high}`);
        const port = PORT_RANGE.low + randomInt(PORT_RANGE.high - PORT_RANGE.low);
        if (!ports.has(port) && (await isFree(port))) ports.add(port);
    }
    return [...ports];
}

/** Resolves once an HTTP request to the URL gets any answer. */
function answers(url) {
    return new Promise((resolve) => {
        const request = http.get(url, { timeout: 2000 }, (response) => {
            response.resume();
            resolve(true);
        });
        request.on('error', () => resolve(false));
        request.on('timeout', () => {
            request.destroy();
            resolve(false);
        });
    });
}

/**
 * Start SeaweedFS (master, volume, filer and S3 gateway in one `weed server` process) on 127.0.0.1
 * with its data in a new temp folder and a random access key. Everything binds to loopback and
 * telemetry is off, and it runs under a supervisor that restarts it if it dies. Resolves once the S3
 * port answers; call `stop()` to end it and remove its data; `pid()` is the running weed's pid.
 *
 * @returns {Promise<{ endpoint: string, accessKeyId: string, secretAccessKey: string, dataDir: string, stop: () => Promise<void>, pid: () => number | undefined }>}
 */
async function start() {
    if (!installed()) {
        await install();
    }
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpact-s3-'));
    const accessKeyId = `sealpact${randomBytes(6).toString('hex')}`;
    const secretAccessKey = randomBytes(24).toString('hex');
    const config = path.join(dataDir, 's3.json');
    const identity = {
        name: 'sealpact-test',
        credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }],
        actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
    };
    fs.writeFileSync(config, JSON.stringify({ identities: [identity] }), { mode: 0o600 });

    const names = ['master', 'masterGrpc', 'volume', 'volumeGrpc', 'filer', 'filerGrpc', 's3', 's3Grpc'];
    const picked = await freePorts(names.length);
    const ports = Object.fromEntries(names.map((name, i) => [name, picked[i]]));
    const socketPorts = {
        master: ports.masterGrpc,
        volume: ports.volumeGrpc,
        filer: ports.filerGrpc,
        s3: ports.s3Grpc,
    };
    const args = [
        'server',
        '-ip=127.0.0.1',
        '-ip.bind=127.0.0.1',
        `-dir=${dataDir}`,
        '-master.telemetry=false',
        '-master.volumeSizeLimitMB=128',
        // A restarted master elects itself (the only one) in about a second instead of ten to twenty.
        // Writes still wait its warmup, three hard-coded 5 s pulses, for volume servers to report.
        '-master.electionTimeout=1s',
        '-volume.max=0',
        // Stop in about a second instead of ten (the volume server's grace period for clients).
        '-volume.preStopSeconds=1',
        `-master.port=${ports.master}`,
        `-master.port.grpc=${ports.masterGrpc}`,
        `-volume.port=${ports.volume}`,
        `-volume.port.grpc=${ports.volumeGrpc}`,
        '-filer',
        `-filer.port=${ports.filer}`,
        `-filer.port.grpc=${ports.filerGrpc}`,
        `-filer.localSocket=${path.join(dataDir, 'filer.sock')}`,
        '-s3',
        `-s3.port=${ports.s3}`,
        `-s3.port.grpc=${ports.s3Grpc}`,
        '-s3.port.iceberg=0',
        '-s3.port.lance=0',
        `-s3.localSocket=${path.join(dataDir, 's3.sock')}`,
        `-s3.config=${config}`,
    ];
    const logPath = path.join(dataDir, 'weed.log');
    // Under network/scripts/supervise.mjs, as network:up runs the Fabric processes: a weed that dies
    // (or is killed by a fault test) is started again on the same ports and data. The supervisor
    // stops with this process even if it is killed without calling stop().
    const supervisor = spawn(
        process.execPath,
        [
            SUPERVISE,
            '--name=weed',
            `--run-dir=${dataDir}`,
            `--log=${logPath}`,
            `--watch-parent=${process.pid}`,
            `--stop-seconds=${STOP_TIMEOUT_SECONDS}`,
            '--',
            weedPath(),
            ...args,
        ],
        { cwd: dataDir, stdio: 'ignore' },
    );
    let exited = false;
    const exit = new Promise((resolve) => supervisor.on('exit', resolve));
    void exit.then(() => (exited = true));
    const stopOnExit = () => supervisor.kill('SIGTERM');
    process.on('exit', stopOnExit);

    async function stop() {
        process.off('exit', stopOnExit);
        if (!exited) {
            supervisor.kill('SIGTERM');
            await exit;
        }
        fs.rmSync(dataDir, { recursive: true, force: true });
        // `weed server` also listens on Unix sockets it names in /tmp itself (no flag moves them).
        for (const [service, port] of Object.entries(socketPorts)) {
            fs.rmSync(`/tmp/seaweedfs-${service}-grpc-${port}.sock`, { force: true });
        }
    }

    /** The running weed's pid (a new one after a restart), or undefined while it is down. */
    function pid() {
        let text;
        try {
            text = fs.readFileSync(path.join(dataDir, 'weed.pid'), 'utf8');
        } catch (err) {
            // The supervisor removes the file when weed dies, at any moment: a check before the
            // read could pass and the read still find nothing.
            if (err.code === 'ENOENT') return undefined;
            throw err;
        }
        const n = Number(text.trim());
        return Number.isInteger(n) && n > 0 ? n : undefined;
    }

    const endpoint = `http://127.0.0.1:${ports.s3}`;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await answers(endpoint))) {
        if (exited || Date.now() > deadline) {
            const output = fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8').slice(-4000) : '';
            await stop();
            throw new Error(
                `SeaweedFS did not start ${exited ? '(it exited)' : `within ${START_TIMEOUT_MS / 1000} s`}; its log ends:\n${output}`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return { endpoint, accessKeyId, secretAccessKey, dataDir, stop, pid };
}

/**
 * Create a bucket on a server from start(). The gateway answers HTTP a moment before its filer is
 * ready to take a bucket, so this retries for up to 20 s.
 */
async function createBucket(server, bucket) {
    const { CreateBucketCommand, S3Client } = require('@aws-sdk/client-s3');
    const client = new S3Client({
        endpoint: server.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    try {
        for (let attempt = 1; ; attempt++) {
            try {
                await client.send(new CreateBucketCommand({ Bucket: bucket }));
                return;
            } catch (err) {
                if (attempt === 40) throw err;
                await new Promise((resolve) => setTimeout(resolve, 500));
            }
        }
    } finally {
        client.destroy();
    }
}

module.exports = { install, installed, start, createBucket, WEED, VERSION };

if (require.main === module) {
    const command = process.argv[2];
    if (command !== 'install') {
        process.stderr.write('usage: node client/scripts/seaweedfs.js install\n');
        process.exit(2);
    }
    install().catch((err) => {
        process.stderr.write(`[s3-server] ${err.message}\n`);
        process.exit(1);
    });
}
