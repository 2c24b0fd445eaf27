// npm run network:upgrade -- [--name NAME] [--version VERSION] — upgrades a committed chaincode
// definition on the running native network to the current build, keeping its data: the ledger's
// state stays as it is, and the current chaincode reads every record version an earlier one wrote
// (docs/ledger.md#versions).
//
// 1. network:up: rebuilds chaincode/dist when its sources changed and restarts each org's Sealpact
//    chaincode server started before the build (idempotent, as always).
// 2. Each org approves the next sequence of NAME (default topology.json's chaincode, "sealpact")
//    with its own Sealpact package, so NAME is served by the Sealpact servers now running the
//    current build; then the definition is committed and each org's gateway gets a WhoAmI of NAME
//    endorsed. A definition that served other packages (an earlier build's servers) moves to these
//    at the commit, on every peer at once.
//
// The version is VERSION, by default the build's: chaincode/package.json's version and the start of
// a SHA-256 over chaincode/dist and protocol/dist. A definition already committed at that version
// is left as it is, so running it again changes nothing.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { writeChaincodePackages } from './config.mjs';
import { CHAINCODE_DIR, committedDefinition, deployChaincode, waitForGatewayEndorsement } from './chaincode.mjs';
import { main, parseOptions, ROOT, stage, StageError, topology, upState } from './lib.mjs';

const { chaincode } = topology;

const USAGE = {
    usage: 'npm run network:upgrade -- [--name NAME] [--version VERSION]',
    summary: 'Moves a committed chaincode definition to the current build: the next sequence, approved by each org.',
    options: {
        name: {
            type: 'string',
            value: 'NAME',
            description: `the chaincode definition to upgrade (default "${chaincode.name}")`,
        },
        version: {
            type: 'string',
            value: 'VERSION',
            description: "the new definition's version (default the build's: <package version>+<digest of dist>)",
            parse: (text) => {
                if (!/^[A-Za-z0-9_.+-]{1,64}$/.test(text)) throw new Error('must be 1 to 64 of A-Z a-z 0-9 _ . + -');
                return text;
            },
        },
    },
};

/** The files of `dir`, relative and sorted, without TypeScript's incremental build state. */
function filesOf(dir) {
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && !entry.name.endsWith('.tsbuildinfo'))
        .map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)))
        .sort();
}

/** "<chaincode/package.json version>+<12 hex of SHA-256 over the built chaincode and protocol>". */
function buildVersion() {
    const hash = createHash('sha256');
    for (const dir of [path.join(CHAINCODE_DIR, 'dist'), path.join(ROOT, 'protocol', 'dist')]) {
        for (const file of filesOf(dir)) {
            hash.update(`${path.relative(ROOT, path.join(dir, file))}\n`);
            hash.update(fs.readFileSync(path.join(dir, file)));
        }
    }
    const { version } = JSON.parse(fs.readFileSync(path.join(CHAINCODE_DIR, 'package.json'), 'utf8'));
    return `${version}+${hash.digest('hex').slice(0, 12)}`;
}

function networkUp() {
    stage('current build: npm run network:up (rebuilds the chaincode if needed, restarts stale chaincode servers)');
    const up = fileURLToPath(new globalThis.URL('up.mjs', import.meta.url));
    const result = spawnSync(process.execPath, [up], { stdio: 'inherit' });
    if (result.status !== 0) throw new StageError('stage "current build" failed: network:up (see above)');
}

async function upgrade() {
    const { values } = parseOptions(USAGE);
    const name = values.name ?? chaincode.name;
    const state = upState();
    if (state?.docker) throw new StageError('upgrades the native network only, not --docker');
    networkUp();
    const version = values.version ?? buildVersion();
    const committed = await committedDefinition(name);
    if (!committed) throw new StageError(`no chaincode definition "${name}" is committed on "${topology.channel}"`);
    const from = `version ${committed.version} sequence ${committed.sequence}`;
    if (committed.version === version) {
        stage(`upgrade: "${name}" is at ${from} already; nothing to do`);
        return 0;
    }
    const sequence = committed.sequence + 1;
    const servers = writeChaincodePackages(chaincode);
    stage(`upgrade: "${name}" from ${from} to version ${version} sequence ${sequence}`);
    await deployChaincode({ ...chaincode, name, version, sequence }, servers, upState().orderers);
    await waitForGatewayEndorsement('upgrade ready', name, 'WhoAmI');
    console.log(
        `[network] "${name}" upgraded: ${from} -> version ${version} sequence ${sequence}, ` +
            `approved by ${servers.map(({ org }) => org.mspId).join(', ')}, ` +
            `served by ${servers.map((server) => server.name).join(', ')}`,
    );
    return 0;
}

main(upgrade);
