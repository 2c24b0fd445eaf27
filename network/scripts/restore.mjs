// npm run network:restore -- --from DIR [--peer NAME] [--store DIR|fs:///DIR] — puts a network:backup
// back: checks every file against the manifest first (a tampered or partial backup is refused before
// anything is touched), replaces the peer's data folder with the copy and starts the peer, which
// then fetches the blocks committed since the backup from the orderers; returns when it has them.
// A file store gets back the objects it lost; objects stored since the backup stay.
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import { nodeDir } from './config.mjs';
import {
    filesUnder,
    MANIFEST,
    MANIFEST_FORMAT,
    peerOrg,
    requireNativeNetwork,
    sha256Of,
    startPeerAndCatchUp,
    storeFolder,
} from './backup.mjs';
import { main, parseOptions, stage, StageError, stopProcess, UsageError } from './lib.mjs';

const USAGE = {
    usage: 'npm run network:restore -- --from DIR [--peer NAME] [--store DIR|fs:///DIR]',
    summary: "Restores a peer's ledger and/or an fs file store from a network:backup folder, after checking it.",
    options: {
        from: { type: 'string', value: 'DIR', description: 'the backup folder (with manifest.json)', required: true },
        peer: {
            type: 'string',
            value: 'NAME',
            description: 'restore this peer (the one backed up) and wait until it has caught up',
            parse: peerOrg,
        },
        store: {
            type: 'string',
            value: 'DIR|fs:///DIR',
            description: 'put the backed-up objects this fs store lacks back into it (made if missing)',
            parse: storeFolder,
        },
    },
};

/** The backup's manifest; a UsageError when `from` holds none (not a backup, or an unfinished one). */
function readManifest(fromText) {
    const from = path.resolve(fromText);
    const file = path.join(from, MANIFEST);
    if (!fs.existsSync(file)) {
        throw new UsageError(
            `option '--from' must be a backup folder with ${MANIFEST}, not ${JSON.stringify(fromText)}`,
        );
    }
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (manifest.format !== MANIFEST_FORMAT) {
        throw new UsageError(
            `${file} is not a ${MANIFEST_FORMAT} manifest (format ${JSON.stringify(manifest.format)})`,
        );
    }
    return { from, manifest };
}

/** Every file the manifest lists is there with its sha256, and nothing else is: else names the first that is not. */
async function verify(from, manifest) {
    stage(`checking ${Object.keys(manifest.files).length} files of ${from} against ${MANIFEST}`);
    const present = new Set(filesUnder(from).filter((file) => file !== MANIFEST));
    for (const [file, { sha256 }] of Object.entries(manifest.files)) {
        if (!present.delete(file)) throw new StageError(`backup ${from} is incomplete: ${file} is missing`);
        if ((await sha256Of(path.join(from, file))) !== sha256) {
            throw new StageError(`backup ${from} is damaged: ${file} does not match its sha256 in ${MANIFEST}`);
        }
    }
    const extra = [...present][0];
    if (extra !== undefined) throw new StageError(`backup ${from} is not as made: ${extra} is not in ${MANIFEST}`);
}

/**
 * Replaces the peer's data folder with the backup's: copied beside it first, so the peer is down
 * only for two renames and its start. The folder replaced is kept as production.before-restore until the next restore.
 */
async function restorePeer(org, from) {
    const dir = nodeDir(org.peer.name);
    const staged = path.join(dir, 'production.restoring');
    const previous = path.join(dir, 'production.before-restore');
    fs.rmSync(staged, { recursive: true, force: true });
    fs.rmSync(previous, { recursive: true, force: true });
    fs.cpSync(path.join(from, 'peer', 'production'), staged, { recursive: true, preserveTimestamps: true });
    stage(`${org.peer.name}: stopping it to replace its ledger`);
    await stopProcess(org.peer.name);
    let height;
    try {
        if (fs.existsSync(path.join(dir, 'production'))) fs.renameSync(path.join(dir, 'production'), previous);
        fs.renameSync(staged, path.join(dir, 'production'));
    } finally {
        // Started on the backup, or on what it had when a rename failed: never left down.
        stage(`${org.peer.name}: starting it`);
        height = await startPeerAndCatchUp(org);
    }
    stage(`${org.peer.name}: caught up with the orderers at height ${height}`);
}

/** Copies into `folder` each backed-up object it lacks (or holds damaged, by size), read-only as the store keeps them. */
function restoreStore(from, manifest, folder) {
    let copied = 0;
    for (const [file, { size }] of Object.entries(manifest.files)) {
        if (!file.startsWith('store/')) continue;
        const target = path.join(folder, file.slice('store/'.length));
        if (fs.statSync(target, { throwIfNoEntry: false })?.size === size) continue;
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.rmSync(target, { force: true });
        fs.copyFileSync(path.join(from, file), target);
        fs.chmodSync(target, 0o440);
        copied++;
    }
    stage(`file store ${folder}: ${copied} object(s) put back`);
}

async function restore() {
    const { from: fromText, peer: org, store } = parseOptions(USAGE).values;
    if (!org && !store) throw new UsageError("nothing to restore: give '--peer', '--store' or both");
    const { from, manifest } = readManifest(fromText);
    if (org && manifest.peer?.name !== org.peer.name) {
        throw new UsageError(
            `${from} holds ${manifest.peer ? `the ledger of ${manifest.peer.name}` : 'no peer ledger'}, not of ${org.peer.name}`,
        );
    }
    if (store && manifest.store === undefined) throw new UsageError(`${from} holds no file store`);
    if (org) requireNativeNetwork();
    await verify(from, manifest);
    console.log(
        `[network]   backup of ${manifest.createdAt}${manifest.peer ? `, height ${manifest.peer.height}` : ''}: intact`,
    );
    if (store) restoreStore(from, manifest, store);
    if (org) await restorePeer(org, from);
    stage('restored');
    return 0;
}

main(restore);
