// npm run network:install — builds the pinned Fabric and Fabric CA commands into network/.bin with
// `go install`.
//
// Fabric's pin is topology.json "fabric" ({ version, commit }). network/fabric/ is a tiny Go module
// whose go.mod requires github.com/hyperledger/fabric at that commit's pseudo-version (the module
// has no /v2 or /v3 suffix, so go refuses @v2.5.0 and installs by commit). Fabric CA's pin is
// "fabricCa" ({ version }): network/fabric-ca/ requires github.com/hyperledger/fabric-ca at that
// version, in a module of its own because fabric-ca 1.5.15 requires newer versions of modules
// Fabric 2.5.0 also uses (IBM/idemix, grpc), which Go would then build Fabric with. Changing a pin re-resolves that folder's go.mod/go.sum (commit them). Skips a build when
// .bin already holds binaries reporting the pinned version.
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {
    BIN,
    FABRIC_CA_MODULE,
    FABRIC_CA_MODULE_DIR,
    FABRIC_MODULE,
    FABRIC_MODULE_DIR,
    main,
    parseOptions,
    stage,
    StageError,
    topology,
} from './lib.mjs';

const { version, commit } = topology.fabric;
const shortCommit = commit.slice(0, 12);

/** What each Go module builds, how its pin reads in go.mod and how a built command reports it. */
const BUILDS = [
    {
        what: `Fabric ${version} (${shortCommit})`,
        module: FABRIC_MODULE,
        dir: FABRIC_MODULE_DIR,
        // configtxlator: docs/evidence.md decodes an evidence bundle's blocks with it (proto_decode),
        // identity.mjs edits the channel configuration with it.
        commands: ['peer', 'orderer', 'configtxgen', 'osnadmin', 'configtxlator'],
        versionChecks: [
            ['peer', ['version']],
            ['orderer', ['version']],
            ['configtxgen', ['-version']],
        ],
        reports: (out) => out.includes(`Version: ${version}\n`) && out.includes(`Commit SHA: ${shortCommit}`),
        pinned: (moduleVersion) => moduleVersion.endsWith(`-${shortCommit}`),
        pin: commit,
        ldflags: [
            `-X ${FABRIC_MODULE}/common/metadata.Version=${version}`,
            `-X ${FABRIC_MODULE}/common/metadata.CommitSHA=${shortCommit}`,
        ].join(' '),
    },
    {
        what: `Fabric CA ${topology.fabricCa.version}`,
        module: FABRIC_CA_MODULE,
        dir: FABRIC_CA_MODULE_DIR,
        commands: ['fabric-ca-server', 'fabric-ca-client'],
        versionChecks: [
            ['fabric-ca-server', ['version']],
            ['fabric-ca-client', ['version']],
        ],
        reports: (out) => out.includes(`Version: ${topology.fabricCa.version}\n`),
        pinned: (moduleVersion) => moduleVersion === `v${topology.fabricCa.version}`,
        pin: `v${topology.fabricCa.version}`,
        ldflags: '',
    },
];

/** True when every command of `build` is in .bin and the versioned ones report its pin. */
function built(build) {
    for (const command of build.commands) {
        if (!fs.existsSync(path.join(BIN, command))) return false;
    }
    return build.versionChecks.every(([command, args]) =>
        build.reports(spawnSync(path.join(BIN, command), args, { encoding: 'utf8' }).stdout ?? ''),
    );
}

/** True when both Fabric's and Fabric CA's commands are built at their pins. */
export function installed() {
    return BUILDS.every(built);
}

function go(dir, args, env = {}) {
    const result = spawnSync('go', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
    if (result.error) throw new StageError(`go is needed to build Fabric (${result.error.message})`);
    if (result.status !== 0) throw new StageError(`go ${args.join(' ')} failed:\n${result.stderr}`);
    return result.stdout;
}

/** `go install` of `packages` into .bin, printing a line every 50 packages compiled. */
function goInstall(dir, ldflags, packages, started) {
    return new Promise((resolve, reject) => {
        const child = spawn('go', ['install', '-v', '-trimpath', `-ldflags=${ldflags}`, ...packages], {
            cwd: dir,
            env: { ...process.env, GOBIN: BIN, GOFLAGS: '-buildvcs=false' },
            stdio: ['ignore', 'inherit', 'pipe'],
        });
        let count = 0;
        let errors = '';
        let partial = '';
        child.stderr.on('data', (chunk) => {
            const lines = (partial + chunk.toString()).split('\n');
            partial = lines.pop();
            for (const line of lines) {
                if (/^[\w.-]+(\/[\w.@~+-]+)*$/.test(line)) {
                    count++;
                    if (count % 50 === 0) {
                        console.log(
                            `[network]   ${count} packages compiled (${Math.round((Date.now() - started) / 1000)}s)`,
                        );
                    }
                } else {
                    errors += line + '\n';
                }
            }
        });
        child.on('error', reject);
        child.on('close', (code) =>
            code === 0 ? resolve() : reject(new StageError(`go install failed (exit ${code}):\n${errors}${partial}`)),
        );
    });
}

/** Builds one module's commands into .bin (skipped when built). */
async function installBuild(build) {
    if (built(build)) {
        console.log(`[network] ${build.what} already installed in network/.bin`);
        return;
    }
    const started = Date.now();
    stage(`installing ${build.what} into network/.bin with go install`);
    // Make go.mod follow the pin (a no-op unless topology.json's pin changed).
    const current = JSON.parse(go(build.dir, ['list', '-m', '-json', build.module], { GOFLAGS: '-mod=mod' }));
    if (!build.pinned(current.Version)) {
        const folder = path.relative(process.cwd(), build.dir);
        stage(`pin changed: ${current.Version} -> ${build.pin}; updating ${folder}/go.mod and go.sum (commit them)`);
        go(build.dir, ['get', `${build.module}@${build.pin}`]);
        go(build.dir, ['mod', 'tidy']);
    }
    stage('downloading modules (go mod download)');
    go(build.dir, ['mod', 'download']);
    stage(`compiling ${build.commands.join(', ')} (a few minutes on 2 cores; progress below)`);
    fs.mkdirSync(BIN, { recursive: true });
    const packages = build.commands.map((command) => `${build.module}/cmd/${command}`);
    await goInstall(build.dir, build.ldflags, packages, started);
    if (!built(build)) throw new StageError(`the built ${build.what} binaries do not report the pinned version`);
    console.log(`[network] ${build.what} installed in ${Math.round((Date.now() - started) / 1000)}s`);
}

async function install() {
    parseOptions({
        usage: 'npm run network:install',
        summary:
            "Builds the pinned Fabric and Fabric CA commands (topology.json's fabric, fabricCa) into network/.bin with go install.",
        options: {},
    });
    console.log(`[network]   ${go(FABRIC_MODULE_DIR, ['version']).trim()}`);
    for (const build of BUILDS) await installBuild(build);
    fs.writeFileSync(path.join(BIN, 'VERSION'), `${version} ${commit}\nfabric-ca ${topology.fabricCa.version}\n`);
    return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) main(install);
