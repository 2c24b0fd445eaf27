// npm run network:backup -- --peer NAME --out DIR [--store DIR|fs:///DIR] — a consistent copy of one
// peer's ledger (the peer stopped meanwhile: Fabric has no online backup of a peer's file system)
// and of a file store, with a manifest of every file's sha256 that network:restore checks first.
//
// DIR/peer/production/   the peer's CORE_PEER_FILESYSTEMPATH (ledgers, state, chaincode installs),
//                        without externalbuilder/builds
// DIR/store/             the fs store's objects (<alg>/<xx>/<digest>), its tmp/ uploads left out
// DIR/manifest.json      written last: a folder without it is an unfinished backup
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { peerCli, waitForGatewayEndorsement } from './chaincode.mjs';
import { bin, nodeDir, peerEnv } from './config.mjs';
import { metricValue, operationsGet, ordererTargets } from './operations.mjs';
import {
    main,
    parseOptions,
    ROOT,
    runningPid,
    stage,
    StageError,
    startProcess,
    stopProcess,
    topology,
    upState,
    UsageError,
    waitFor,
} from './lib.mjs';

export const MANIFEST = 'manifest.json';
export const MANIFEST_FORMAT = 'sealpact-backup/1';
/**
 * Left out of a backup: the external builder's output, which holds the peer's TLS private key (the
 * ccaas release step writes it into connection.json) and which the peer makes again from the
 * installed package the first time it calls the chaincode.
 */
const BUILDS = path.join('externalbuilder', 'builds');
/** A peer that was down for a while fetches every block it missed from the orderers. */
const CATCH_UP_MS = 120000;

/** `--peer`: the topology.json organisation whose peer has that name. */
export function peerOrg(name) {
    const org = topology.orgs.find((o) => o.peer.name === name);
    if (!org) {
        throw new Error(`is not a peer of topology.json (${topology.orgs.map((o) => o.peer.name).join(', ')})`);
    }
    return org;
}

/** `--store`: an fs store's folder, as a path or an fs:/// URI; an S3 store is backed up by its bucket. */
export function storeFolder(text) {
    if (/^s3:/i.test(text)) {
        throw new Error(
            "is an S3 store: its bucket's versioning and replication are its backup (docs/operations.md#backups)",
        );
    }
    return /^(fs|file):/i.test(text) ? fileURLToPath(text.replace(/^fs:/i, 'file:')) : path.resolve(text);
}

/** storeFolder() of a store that must exist: the one to back up. */
function existingStoreFolder(text) {
    const folder = storeFolder(text);
    if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new Error('is not a folder');
    return folder;
}

const USAGE = {
    usage: 'npm run network:backup -- [--peer NAME] [--store DIR|fs:///DIR] --out DIR',
    summary:
        "Copies a peer's ledger (stopping it meanwhile) and an fs file store into DIR, with a manifest of sha256s.",
    options: {
        peer: { type: 'string', value: 'NAME', description: 'the peer, e.g. peer0.org2.example.com', parse: peerOrg },
        store: {
            type: 'string',
            value: 'DIR|fs:///DIR',
            description: 'an fs file store to copy too (online: its objects never change)',
            parse: existingStoreFolder,
        },
        out: { type: 'string', value: 'DIR', description: 'a new or empty folder for the backup', required: true },
    },
};

/** The regular files under `dir`, as paths relative to it with '/' separators, sorted. */
export function filesUnder(dir) {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((entry) => entry.isFile())
        .map((entry) =>
            path
                .relative(dir, path.join(entry.parentPath ?? entry.path, entry.name))
                .split(path.sep)
                .join('/'),
        )
        .sort();
}

export async function sha256Of(file) {
    const hash = createHash('sha256');
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk);
    return hash.digest('hex');
}

/** The channel's height at `org`'s peer (`peer channel getinfo` as the org's admin). */
export async function peerHeight(org) {
    const { stdout } = await peerCli('ledger height', org, org.admin, ['channel', 'getinfo', '-c', topology.channel]);
    const info = /Blockchain info: (\{.*\})/.exec(stdout);
    if (!info) throw new StageError(`peer channel getinfo on ${org.peer.name} printed no height: ${stdout.trim()}`);
    return Number(JSON.parse(info[1]).height);
}

/**
 * The highest height of the channel among the orderers that answer (ledger_blockchain_height on
 * their operations ports): one orderer down does not hold a restore up.
 */
async function ordererHeight() {
    const answers = await Promise.allSettled(
        ordererTargets(upState()?.orderers ?? 1).map(async (target) => {
            const { body } = await operationsGet(target, '/metrics');
            return metricValue(body, `ledger_blockchain_height{channel="${topology.channel}"}`) ?? 0;
        }),
    );
    const heights = answers.filter((answer) => answer.status === 'fulfilled').map((answer) => answer.value);
    if (heights.length === 0) throw new StageError('no orderer answers on its operations port');
    return Math.max(...heights);
}

/**
 * Starts `org`'s peer as network:up does and waits until its ledger is as high as the orderers'
 * (it pulls the blocks it missed from them) and, as network:up does, until its gateway finds
 * endorsers again (gossip has to rediscover the other peers). Returns the height it caught up to.
 */
export async function startPeerAndCatchUp(org) {
    await startProcess(org.peer.name, org, bin('peer'), ['node', 'start'], peerEnv(org), ROOT, org.peer.port);
    stage(`${org.peer.name}: catching up with the orderers`);
    const height = await waitFor(
        'catch up',
        async () => {
            const target = await ordererHeight();
            const height = await peerHeight(org);
            return height >= target && target > 0 ? height : undefined;
        },
        CATCH_UP_MS,
        `${org.peer.name}'s ledger height to reach the orderers' (ledger_blockchain_height)`,
    );
    stage(`${org.peer.name}: at height ${height}; waiting for the gateways to find endorsers`);
    await waitForGatewayEndorsement('catch up', topology.chaincode.name, 'WhoAmI');
    return height;
}

/** Backs up only a native network: docker-compose.yaml's peers keep their ledgers in docker volumes. */
export function requireNativeNetwork() {
    if (upState()?.docker) {
        throw new StageError(
            'the network runs on docker: back up its volumes with docker (docs/operations.md#backups)',
        );
    }
}

/** Copies the stopped peer's data folder into `out`/peer; returns the height it had just before. */
async function copyPeer(org, out) {
    if (!runningPid(org.peer.name)) {
        throw new StageError(`${org.peer.name} is not running: start it (npm run network:up) to back it up`);
    }
    const height = await peerHeight(org);
    stage(`${org.peer.name}: stopping it (height ${height}) to copy its ledger`);
    await stopProcess(org.peer.name);
    const production = path.join(nodeDir(org.peer.name), 'production');
    try {
        fs.cpSync(production, path.join(out, 'peer', 'production'), {
            recursive: true,
            preserveTimestamps: true,
            filter: (source) => path.relative(production, source) !== BUILDS,
        });
    } finally {
        stage(`${org.peer.name}: starting it again`);
        const now = await startPeerAndCatchUp(org);
        stage(`${org.peer.name}: back at height ${now}`);
    }
    return height;
}

/** Copies the fs store's objects (not tmp/, uploads in progress) into `out`/store. */
function copyStore(folder, out) {
    stage(`file store ${folder}: copying its objects`);
    fs.cpSync(folder, path.join(out, 'store'), {
        recursive: true,
        preserveTimestamps: true,
        filter: (source) => path.relative(folder, source).split(path.sep)[0] !== 'tmp',
    });
}

/** `out` must not hold anything: a backup is never merged into another. */
function emptyOut(text) {
    const out = path.resolve(text);
    if (fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
        throw new UsageError(`option '--out' must be a new or empty folder, not ${JSON.stringify(text)}`);
    }
    // The copy of a ledger is as confidential as the ledger.
    fs.mkdirSync(out, { recursive: true });
    fs.chmodSync(out, 0o700);
    return out;
}

async function backup() {
    const { peer: org, store, out: outText } = parseOptions(USAGE).values;
    if (!org && !store) throw new UsageError("nothing to back up: give '--peer', '--store' or both");
    requireNativeNetwork();
    const out = emptyOut(outText);
    const height = org ? await copyPeer(org, out) : undefined;
    if (store) copyStore(store, out);
    stage('manifest: sha256 of every file copied');
    const files = {};
    for (const file of filesUnder(out)) {
        files[file] = { size: fs.statSync(path.join(out, file)).size, sha256: await sha256Of(path.join(out, file)) };
    }
    const manifest = {
        format: MANIFEST_FORMAT,
        createdAt: new Date().toISOString(),
        fabricVersion: topology.fabric.version,
        channel: topology.channel,
        peer: org ? { name: org.peer.name, mspId: org.mspId, height } : undefined,
        store: store ? pathToFileURL(store).href.replace(/^file:/, 'fs:') : undefined,
        files,
    };
    const temp = path.join(out, `.${MANIFEST}.tmp`);
    fs.writeFileSync(temp, JSON.stringify(manifest, null, 4) + '\n');
    fs.renameSync(temp, path.join(out, MANIFEST));
    stage(`backup in ${out}: ${Object.keys(files).length} files${org ? `, ${org.peer.name} at height ${height}` : ''}`);
    return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(backup);
