// npm run bench:caliper — an independent harness: Hyperledger Caliper 0.6.0 drives the native
// network with workload modules for baseline Put, ShareFile and GetFile at bench:e2e's load levels,
// and its results go into docs/benchmarks.md (section bench:caliper) next to bench:e2e's.
//
// The npm script builds first (npm run build:bench: this module imports the built client code).
// This installs Caliper into bench/caliper/node_modules on first use (npm ci of its lock file:
// caliper-cli and what `caliper bind --caliper-bind-sut fabric:2.5` would install), starts the
// network when it is not up, deploys the baseline chaincode, and at the end stops whatever it
// started. Caliper's configuration, each worker's measurements and its HTML report stay in
// bench/caliper/out/ (git-ignored).
//
// Settings (environment), the names and defaults bench:e2e uses:
// - BENCH_INFLIGHT: transactions in flight asked of Caliper, comma-separated (default 16,64,256);
// - BENCH_TX_PUT, BENCH_TX_SHARE: transactions per round of Put and of ShareFile (default 1500 each);
// - BENCH_TX_READ: GetFile calls per round (default 1500).
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import report from '../../client/dist-bench/bench/report.js';
import { WORKERS, WORKLOADS, roundLabel, writeBenchmarkConfig } from './benchmark-config.mjs';
import { readCaliperSummary } from './caliper-report.mjs';
import { writeNetworkConfig } from './network-config.mjs';
import { writeShareFileArgs } from './share-file-args.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const OUT = path.join(HERE, 'out');
const SCRIPTS = path.join(ROOT, 'network', 'scripts');
const PROFILE = path.join(ROOT, 'network', '.data', 'connection.json');
const SUBMITTERS = ['Org1MSP/alice@org1.example.com', 'Org1MSP/dave@org1.example.com'];

/** Positive integers, comma-separated, from the environment variable `name`, or `fallback`. */
function positiveList(name, fallback) {
    const value = process.env[name];
    if (value === undefined || value === '') return fallback;
    const list = value.split(',').map((item) => Number(item.trim()));
    if (list.some((n) => !Number.isSafeInteger(n) || n < 1)) {
        throw new Error(`${name} must be positive integers separated by commas, not "${value}"`);
    }
    return list;
}

const LOADS = positiveList('BENCH_INFLIGHT', [16, 64, 256]);
/** Transactions per round, by workload name (benchmark-config.mjs). */
const TX_COUNTS = {
    put: positiveList('BENCH_TX_PUT', [1500])[0],
    'share-file': positiveList('BENCH_TX_SHARE', [1500])[0],
    'get-file': positiveList('BENCH_TX_READ', [1500])[0],
};
/** What bench/caliper/package.json pins; npm ci when node_modules holds anything else. */
const PINNED = { '@hyperledger/caliper-cli': '0.6.0', '@hyperledger/fabric-gateway': '1.5.0' };

const { machineDescription, percentiles, writeBenchmarkSection } = report;
const say = (message) => console.log(`[bench:caliper] ${message}`);

function sh(command, args, cwd = ROOT) {
    const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

function installedVersion(name) {
    const file = path.join(HERE, 'node_modules', name, 'package.json');
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).version : undefined;
}

/** Caliper lives in bench/caliper/node_modules, apart from the workspaces: the root npm ci never installs it. */
function installCaliper() {
    if (Object.entries(PINNED).every(([name, version]) => installedVersion(name) === version)) return;
    say('installing Caliper into bench/caliper/node_modules (npm ci, first use only)');
    sh('npm', ['ci', '--no-workspaces', '--no-audit', '--no-fund'], HERE);
}

/** Pids of this network's processes running now, from `status.mjs --pids`. */
function alivePids() {
    const result = spawnSync(process.execPath, [path.join(SCRIPTS, 'status.mjs'), '--pids'], { encoding: 'utf8' });
    return result.stdout.trim().split(',').filter(Boolean).map(Number);
}

/** Brings the network up when it is not, then deploys the baseline. */
function prepareNetwork() {
    const status = spawnSync(process.execPath, [path.join(SCRIPTS, 'status.mjs')], { encoding: 'utf8' });
    if (status.status === 0 && fs.existsSync(PROFILE)) say('the Fabric network is up; using it');
    else {
        say('starting the Fabric network (npm run network:up)');
        sh('npm', ['run', 'network:up']);
    }
    sh(process.execPath, [path.join(SCRIPTS, 'deploy-baseline.mjs')]);
}

/** Stops what ran since `before` (pids): the whole network, or only the baseline servers. */
function restoreNetwork(before) {
    const started = alivePids().filter((pid) => !before.includes(pid));
    if (started.length === 0) return;
    say(`stopping the ${started.length} process(es) this benchmark started`);
    const keep = before.length > 0 ? ['--keep', before.join(',')] : [];
    spawnSync(process.execPath, [path.join(SCRIPTS, 'down.mjs'), ...keep], { stdio: 'inherit' });
}

/**
 * The workload modules' measurements of round `round`: in flight summed over the workers, CPU per
 * transaction of the workers and of the manager (each worker reads the manager's over its own
 * window; the longest counts), latency percentiles over all successful transactions.
 */
function workerStats(round) {
    const dir = path.join(OUT, 'workers');
    const workers = fs
        .readdirSync(dir)
        .filter((name) => name.startsWith(`round-${round}-`))
        .map((name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')));
    const sum = (key) => workers.reduce((total, worker) => total + worker[key], 0);
    const latencies = workers.flatMap((worker) => worker.latencies);
    return {
        meanInFlight: sum('meanInFlight'),
        workerCpuPerTx: sum('cpuMs') / sum('sent'),
        managerCpuPerTx: Math.max(...workers.map((worker) => worker.managerCpuMs)) / sum('sent'),
        latency: latencies.length > 0 ? percentiles(latencies) : undefined,
    };
}

const ms = (value) => value.toFixed(value < 10 ? 1 : 0);

/** The docs/benchmarks.md section: Caliper's summary of each round with the workload modules' measurements. */
function reportBody({ reportFile, loadBefore, fabricVersion, orderers }) {
    const summary = readCaliperSummary(reportFile);
    const rows = [];
    let round = 0;
    for (const load of LOADS) {
        for (const workload of WORKLOADS) {
            const label = roundLabel(workload, load);
            const caliper = summary.get(label);
            if (!caliper) throw new Error(`${reportFile} has no summary row for round ${label}`);
            const measured = workerStats(round++);
            const latency = measured.latency ? `${ms(measured.latency.median)} / ${ms(measured.latency.p95)}` : '–';
            // Caliper's throughput counts failed transactions too; over the same time, the successful ones.
            const { Succ: succeeded, Fail: failed, 'Throughput (TPS)': throughput } = caliper;
            const succeededTps = (Number(throughput) * Number(succeeded)) / (Number(succeeded) + Number(failed));
            rows.push(
                `| ${load} | ${workload.title} | ${succeeded} | ${failed} | ${throughput} | ${succeededTps.toFixed(1)} | ` +
                    `${caliper['Send Rate (TPS)']} | ${caliper['Avg Latency (s)']} / ${caliper['Max Latency (s)']} | ${latency} | ` +
                    `${measured.meanInFlight.toFixed(1)} | ${measured.workerCpuPerTx.toFixed(1)} | ${measured.managerCpuPerTx.toFixed(1)} |`,
            );
        }
    }
    return [
        `Run on ${machineDescription()}, ${new Date().toISOString().slice(0, 10)} (1-minute load average ` +
            `${loadBefore.toFixed(2)} when it started), Fabric ${fabricVersion}, ${orderers} Raft orderer(s); ` +
            `Caliper ${PINNED['@hyperledger/caliper-cli']} with @hyperledger/fabric-gateway ${PINNED['@hyperledger/fabric-gateway']} ` +
            `(peer-gateway connector), ${WORKERS} local workers (alice, dave), fixed-load rounds of ` +
            `${TX_COUNTS.put} Put, ${TX_COUNTS['share-file']} ShareFile and ${TX_COUNTS['get-file']} GetFile transactions.`,
        '',
        '| asked in flight | workload | succ | fail | throughput (tx/s) | of which succeeded (tx/s) | send rate (tx/s) | latency avg / max (s) | latency median / p95 (ms) | measured mean in flight | workers CPU (ms/tx) | manager CPU (ms/tx) |',
        '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...rows,
    ].join('\n');
}

async function main() {
    const [loadBefore = 0] = loadavg();
    say(`machine: ${machineDescription()}; load average ${loadBefore.toFixed(2)}`);
    installCaliper();
    const before = alivePids();
    const workDir = fs.mkdtempSync(path.join(tmpdir(), 'sealpact-bench-caliper-'));
    try {
        prepareNetwork();
        fs.rmSync(OUT, { recursive: true, force: true });
        fs.mkdirSync(path.join(OUT, 'workers'), { recursive: true });
        const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
        const topology = JSON.parse(fs.readFileSync(path.join(ROOT, 'network', 'topology.json'), 'utf8'));
        const profile = JSON.parse(fs.readFileSync(PROFILE, 'utf8'));
        const chaincodes = { sealpact: profile.chaincode, baseline: topology.baselineChaincode.name };

        say('writing the network configuration; preparing ShareFile arguments (keys, verification, one upload)');
        const network = writeNetworkConfig({
            profilePath: PROFILE,
            submitters: SUBMITTERS,
            chaincodes: Object.values(chaincodes),
            outDir: OUT,
        });
        const shareFileArgs = await writeShareFileArgs({
            profilePath: PROFILE,
            submitters: SUBMITTERS,
            identities: network.identities,
            run,
            workDir,
            file: path.join(OUT, 'share-file-args.json'),
        });
        const benchmark = writeBenchmarkConfig({
            loads: LOADS,
            txCounts: TX_COUNTS,
            workloadArguments: {
                run,
                ...chaincodes,
                shareFileArgs,
                submitters: network.identities,
                statsDir: path.join(OUT, 'workers'),
            },
            outDir: OUT,
        });

        const reportFile = path.join(OUT, 'report.html');
        say(`Caliper: ${LOADS.length * WORKLOADS.length} rounds at ${LOADS.join(', ')} in flight`);
        sh(
            process.execPath,
            [
                path.join(HERE, 'node_modules', '@hyperledger', 'caliper-cli', 'caliper.js'),
                'launch',
                'manager',
                '--caliper-workspace',
                HERE,
                '--caliper-networkconfig',
                network.file,
                '--caliper-benchconfig',
                benchmark,
                '--caliper-flow-only-test',
                '--caliper-report-path',
                reportFile,
            ],
            HERE,
        );

        const body = reportBody({
            reportFile,
            loadBefore,
            fabricVersion: profile.fabricVersion,
            orderers: profile.orderers.length,
        });
        console.log(`\n${body}\n`);
        say(`Caliper's report: ${path.relative(ROOT, reportFile)}`);
        say(`written to ${await writeBenchmarkSection(ROOT, 'caliper', body)}`);
    } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
        restoreNetwork(before);
    }
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
