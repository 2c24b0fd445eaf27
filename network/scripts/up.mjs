// npm run network:up [-- --orderers 1] [-- --netns] — starts the native network (three Raft
// orderers, each organisation's CA, peer and chaincode server) and deploys the chaincode; with
// --netns, each organisation on its own address in a network namespace of its own (netns.mjs).
//
// Every stage is idempotent: on a network that was stopped (network:down without --purge) it
// restarts the processes and skips what the ledgers already hold.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import {
    allPeerArgs,
    bin,
    chaincodeServers,
    connectionProfile,
    CONNECTION_PROFILE,
    endpoint,
    GENESIS_BLOCK,
    ordererArgs,
    ordererEnv,
    packageIdVariable,
    peerEnv,
    writeChaincodePackages,
    writeConfigtx,
    writeTrustAnchors,
} from './config.mjs';
import {
    CHAINCODE_DIR,
    deployChaincode,
    peerCli,
    startChaincodeServer,
    stopStaleChaincodeServers,
    submit,
    waitForGatewayEndorsement,
} from './chaincode.mjs';
import { metricValue, operationsGet, ordererTargets } from './operations.mjs';
import { startCas } from './ca.mjs';
import { ensureHosts } from './netns.mjs';
import { checkCryptoLayout, identityPaths, makeCrypto, nodePaths } from './crypto.mjs';
import { installed } from './install.mjs';
import {
    canConnect,
    CONFIG,
    main,
    orderers,
    parseOptions,
    ROOT,
    run,
    stage,
    StageError,
    startProcess,
    topology,
    TOPOLOGY,
    upState,
    waitFor,
    wholeNumber,
    writeUpState,
} from './lib.mjs';

const { channel, orgs, ordererOrg, chaincode } = topology;

const USAGE = {
    usage: 'npm run network:up -- [--orderers 1|3] [--netns | --docker]',
    summary: 'Starts the Fabric network (made first if network/.data has none) and deploys the chaincode.',
    options: {
        orderers: {
            type: 'string',
            value: '1|3',
            description: 'Raft orderers on a new network (default 3; an existing network keeps its count)',
            parse: wholeNumber({ choices: [1, 3] }),
        },
        netns: {
            type: 'boolean',
            description: 'on a new network: each organisation in a network namespace of its own, on its own address',
        },
        docker: { type: 'boolean', description: "run docker-compose.yaml's containers instead of native processes" },
    },
};

/** The newest modification time of the files under `dir` whose path relative to it passes `keep`. */
function newestMtime(dir, keep = () => true) {
    let newest = 0;
    if (!fs.existsSync(dir)) return newest;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
        const file = path.join(entry.parentPath ?? entry.path, entry.name);
        if (entry.isFile() && keep(path.relative(dir, file))) newest = Math.max(newest, fs.statSync(file).mtimeMs);
    }
    return newest;
}

// What chaincode/dist is built from: the chaincode's sources and @sealpact/protocol's (the chaincode
// server loads protocol/dist), and their tsconfigs; not what neither tsconfig compiles into dist.
const NOT_IN_DIST = /\.test\.ts$|^(test-support|bench|baseline)\//;
const CHAINCODE_INPUTS = [path.join(CHAINCODE_DIR, 'src'), path.join(ROOT, 'protocol', 'src')];
const CHAINCODE_CONFIGS = ['chaincode/tsconfig.json', 'protocol/tsconfig.json', 'tsconfig.base.json'];

function newestChaincodeInput() {
    return Math.max(
        ...CHAINCODE_INPUTS.map((dir) => newestMtime(dir, (file) => !NOT_IN_DIST.test(file.split(path.sep).join('/')))),
        ...CHAINCODE_CONFIGS.map((file) => fs.statSync(path.join(ROOT, file)).mtimeMs),
    );
}

async function buildChaincode() {
    const main = path.join(CHAINCODE_DIR, 'dist', 'index.js');
    const built = [main, path.join(ROOT, 'protocol', 'dist', 'index.js')].every((file) => fs.existsSync(file));
    if (built && fs.statSync(main).mtimeMs >= newestChaincodeInput()) {
        stage('chaincode build: chaincode/dist is up to date');
        return;
    }
    stage('chaincode build: npm run build -w chaincode');
    await run('chaincode build', 'npm', ['run', 'build', '-w', 'chaincode'], { cwd: ROOT, timeoutMs: 300000 });
}

/**
 * After a restart the processes answer at once but are not ready for transactions: Raft elects a
 * leader (a few seconds) and gossip has to rediscover the other organisations' peers before a
 * gateway can find endorsers for the MAJORITY policy. Waits for both: a leader in the orderers'
 * /metrics, and an endorsement (never submitted) through each organisation's gateway.
 */
async function waitUntilReady(ordererNodes) {
    stage('ready: waiting for a Raft leader');
    await waitFor(
        'ready (Raft leader)',
        async () => {
            for (const target of ordererTargets(ordererNodes.length)) {
                // One orderer down (or not up yet) must not hide another's leadership.
                const { body } = await operationsGet(target, '/metrics').catch(() => ({ body: '' }));
                if (metricValue(body, `consensus_etcdraft_is_leader{channel="${channel}"}`) === 1) return true;
            }
            return false;
        },
        60000,
        `a leader of "${channel}" (consensus_etcdraft_is_leader on the orderers' operations ports)`,
    );
    stage("ready: each org's gateway finds endorsers for the MAJORITY policy (gossip discovery)");
    await waitForGatewayEndorsement('ready (gateway discovery)', chaincode.name, 'WhoAmI');
}

/**
 * The number of orderers, whether they run on docker and whether in network namespaces: as asked,
 * or as the existing network has them.
 */
function networkShape() {
    const options = parseOptions(USAGE).values;
    const previous = upState();
    const shape = {
        ordererCount: options.orderers ?? previous?.orderers ?? 3,
        docker: Boolean(options.docker ?? previous?.docker),
        netns: Boolean(options.netns ?? previous?.netns),
    };
    if (shape.docker && shape.netns) {
        throw new StageError('--netns is for native processes; docker makes namespaces of its own');
    }
    if (previous) requireSameShape(previous, shape);
    return shape;
}

/** The orderers and the addresses are in an existing network's genesis block and certificates: only a new one changes them. */
function requireSameShape(previous, { ordererCount, docker, netns }) {
    const same = (key, value) => Boolean(previous[key]) === value;
    if (previous.orderers === ordererCount && same('docker', docker) && same('netns', netns)) return;
    const where = previous.docker ? ' on docker' : previous.netns ? ' in network namespaces' : '';
    throw new StageError(
        `the network in network/.data has ${previous.orderers} orderer(s)${where}; ` +
            'run npm run network:down -- --purge to change that',
    );
}

function ensureFabricBinaries() {
    stage(`Fabric binaries: checking network/.bin for ${topology.fabric.version}`);
    if (installed()) return;
    const result = spawnSync(process.execPath, [fileURLToPath(new globalThis.URL('install.mjs', import.meta.url))], {
        stdio: 'inherit',
    });
    if (result.status !== 0) throw new StageError('stage "Fabric binaries" failed (see above)');
}

/**
 * A chaincode server started before the last build (by network:up or npm run build) or before a
 * change of its settings in topology.json (sealpactServerEnv) runs stale: restart it.
 */
function restartStaleChaincodeServers() {
    const newest = Math.max(
        newestMtime(path.join(CHAINCODE_DIR, 'dist')),
        newestMtime(path.join(ROOT, 'protocol', 'dist')),
        fs.statSync(TOPOLOGY).mtimeMs,
    );
    return stopStaleChaincodeServers('chaincode build', chaincodeServers(chaincode), newest);
}

async function ensureGenesisBlock(ordererCount) {
    if (!fs.existsSync(GENESIS_BLOCK)) {
        stage(`channel genesis block: configtxgen for "${channel}" with ${ordererCount} Raft orderer(s)`);
        writeConfigtx(ordererCount);
        await run(
            'channel genesis block',
            bin('configtxgen'),
            [
                '-configPath',
                CONFIG,
                '-profile',
                'ContractsChannel',
                '-channelID',
                channel,
                '-outputBlock',
                GENESIS_BLOCK,
            ],
            { env: { FABRIC_LOGGING_SPEC: 'warn' } },
        );
    } else {
        stage('channel genesis block: present');
    }
}

/**
 * The orderers, peers and each org's chaincode server (`servers`, with their package ids), as
 * native processes or docker-compose.yaml's containers (the services of these names).
 */
async function startProcesses(ordererNodes, docker, servers) {
    const what = `${ordererNodes.length} orderer(s), ${orgs.length} peers, ${servers.length} chaincode servers`;
    if (docker) {
        // Same stages, but the orderers, peers and chaincode servers run as docker-compose.yaml's containers.
        stage(`start processes: docker compose up (${what})`);
        const services = [...ordererNodes.map((node) => node.name), ...orgs.map((org) => org.peer.name)];
        await run(
            'start processes',
            'docker',
            ['compose', 'up', '-d', '--build', ...services, ...servers.map((s) => s.name)],
            {
                cwd: ROOT,
                timeoutMs: 900000,
                env: {
                    ...Object.fromEntries(servers.map((server) => [packageIdVariable(server.org), server.packageId])),
                    FABRIC_VERSION: topology.fabric.version,
                    // The chaincode containers run as the owner of network/.data, to read their TLS keys.
                    SEALPACT_UID: String(process.getuid()),
                    SEALPACT_GID: String(process.getgid()),
                },
            },
        );
    } else {
        stage(`start processes: ${what}`);
        for (const node of ordererNodes) {
            await startProcess(node.name, ordererOrg, bin('orderer'), [], ordererEnv(node), ROOT, node.port);
        }
        for (const org of orgs) {
            await startProcess(org.peer.name, org, bin('peer'), ['node', 'start'], peerEnv(org), ROOT, org.peer.port);
        }
        for (const server of servers) await startChaincodeServer(server, chaincode);
    }
    const listeners = [
        ...ordererNodes.flatMap((node) => [node.port, node.adminPort].map((port) => [ordererOrg, port])),
        ...orgs.map((org) => [org, org.peer.port]),
        ...servers.map((server) => [server.org, server.port]),
    ];
    await waitFor(
        'start processes',
        async () => (await Promise.all(listeners.map(([org, port]) => canConnect(org, port)))).every(Boolean),
        30000,
        `${listeners.map(([org, port]) => endpoint(org, port)).join(', ')} to accept connections (see network/.logs)`,
    );
}

async function joinOrderers(ordererNodes) {
    stage(`orderers join "${channel}" (osnadmin channel participation)`);
    const ordererAdmin = identityPaths(ordererOrg, ordererOrg.admin);
    const osnadmin = (node, args) =>
        run('orderers join channel', bin('osnadmin'), [
            'channel',
            ...args,
            '-o',
            endpoint(ordererOrg, node.adminPort),
            '--ca-file',
            nodePaths(ordererOrg, node.name).tlsCa,
            '--client-cert',
            ordererAdmin.tlsCert,
            '--client-key',
            ordererAdmin.tlsKey,
        ]);
    for (const node of ordererNodes) {
        const list = JSON.parse((await osnadmin(node, ['list'])).stdout.replace(/^Status: \d+\s*/, ''));
        if ((list.channels ?? []).some((c) => c.name === channel)) continue;
        await osnadmin(node, ['join', '--channelID', channel, '--config-block', GENESIS_BLOCK]);
        console.log(`[network]   ${node.name} joined`);
    }
    await waitFor(
        'orderers join channel',
        async () => {
            const out = (await osnadmin(ordererNodes[0], ['list', '--channelID', channel])).stdout;
            return /"consensusRelation":\s*"consenter"/.test(out) && /"status":\s*"active"/.test(out);
        },
        30000,
        'the Raft cluster to become active',
    );
}

async function joinPeers() {
    stage(`peers join "${channel}"`);
    await Promise.all(
        orgs.map(async (org) => {
            const list = (await peerCli('peers join channel', org, org.admin, ['channel', 'list'])).stdout;
            if (list.split('\n').includes(channel)) return;
            await peerCli('peers join channel', org, org.admin, ['channel', 'join', '-b', GENESIS_BLOCK]);
            console.log(`[network]   ${org.peer.name} joined`);
        }),
    );
}

/** Sets the governance topology.json names on a new ledger; on an existing one, says whether it differs. */
async function ensureGovernance(ordererCount) {
    const governance = chaincode.governance;
    const submitterOrg = orgs.find((org) => org.admin === governance.submitter);
    const wanted = {
        authorityMsps: governance.authorityMsps,
        auditorMsps: governance.auditorMsps,
        governingMsps: governance.governingMsps,
    };
    stage('chaincode governance: GetGovernance (first call starts the chaincode connection)');
    const current = await waitFor(
        'chaincode governance',
        async () => {
            try {
                const out = await peerCli('chaincode governance', submitterOrg, submitterOrg.admin, [
                    'chaincode',
                    'query',
                    '-C',
                    channel,
                    '-n',
                    chaincode.name,
                    '-c',
                    JSON.stringify({ Args: ['GetGovernance'] }),
                ]);
                return JSON.parse(out.stdout);
            } catch (error) {
                if (/NOT_INITIALISED/.test(error.message)) return { unset: true };
                throw error;
            }
        },
        30000,
        'the chaincode to answer GetGovernance',
    );
    if (current.unset) {
        stage(`chaincode governance: SetGovernance as ${governance.submitter} ${JSON.stringify(wanted)}`);
        await submit('chaincode governance', submitterOrg, submitterOrg.admin, [
            'chaincode',
            'invoke',
            ...ordererArgs(ordererCount),
            '-C',
            channel,
            '-n',
            chaincode.name,
            ...allPeerArgs(),
            '-c',
            JSON.stringify({ function: 'SetGovernance', Args: [JSON.stringify(wanted)] }),
            '--waitForEvent',
        ]);
    } else {
        const same = ['authorityMsps', 'auditorMsps', 'governingMsps'].every(
            (key) => JSON.stringify([...(current[key] ?? [])].sort()) === JSON.stringify([...wanted[key]].sort()),
        );
        stage(
            `chaincode governance: already set (revision ${current.revision})${same ? '' : ' — differs from topology.json; change it with SetGovernance'}`,
        );
    }
}

async function up() {
    const started = Date.now();
    const { ordererCount, docker, netns } = networkShape();
    const ordererNodes = orderers(ordererCount);
    ensureFabricBinaries();
    await buildChaincode();
    await restartStaleChaincodeServers();
    checkCryptoLayout();
    // First: every address, certificate and process placement follows the layout state.json records.
    writeUpState({ orderers: ordererCount, docker, netns });
    if (netns) await ensureHosts();
    await startCas({ docker });
    await makeCrypto([...chaincodeServers(chaincode), ...chaincodeServers(topology.baselineChaincode)]);
    await ensureGenesisBlock(ordererCount);
    const servers = writeChaincodePackages(chaincode);
    await startProcesses(ordererNodes, docker, servers);
    await joinOrderers(ordererNodes);
    await joinPeers();
    await deployChaincode(chaincode, servers, ordererCount);
    await ensureGovernance(ordererCount);
    await waitUntilReady(ordererNodes);

    writeTrustAnchors();
    fs.writeFileSync(CONNECTION_PROFILE, JSON.stringify(connectionProfile(ordererCount, servers), null, 4) + '\n');
    stage(
        `up in ${((Date.now() - started) / 1000).toFixed(1)}s: channel "${channel}", chaincode "${chaincode.name}" committed; ` +
            `connection profile network/.data/connection.json; logs in network/.logs`,
    );
    return 0;
}

main(up);
