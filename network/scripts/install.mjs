// npm run network:install — builds the pinned Fabric commands into network/.bin with `go install`.
//
// The pin is topology.json "fabric" ({ version, commit }). network/fabric/ is a tiny Go module whose
// go.mod requires github.com/hyperledger/fabric at that commit's pseudo-version (the module has no
// /v2 or /v3 suffix, so go refuses @v2.5.0 and installs by commit). Changing the pin re-resolves
// go.mod/go.sum here (commit them). Skips the build when .bin already holds binaries reporting the
// pinned version.
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { BIN, FABRIC_MODULE, FABRIC_MODULE_DIR, main, parseOptions, stage, StageError, topology } from './lib.mjs';

// configtxlator: docs/evidence.md decodes an evidence bundle's blocks with it (proto_decode).
const COMMANDS = ['peer', 'orderer', 'configtxgen', 'osnadmin', 'configtxlator'];
const { version, commit } = topology.fabric;
const shortCommit = commit.slice(0, 12);

/** True when every command is in .bin and the versioned ones report the pin. */
export function installed() {
    for (const command of COMMANDS) {
        if (!fs.existsSync(path.join(BIN, command))) return false;
    }
    const checks = [
        ['peer', ['version']],
        ['orderer', ['version']],
        ['configtxgen', ['-version']],
    ];
    for (const [command, args] of checks) {
        const out = spawnSync(path.join(BIN, command), args, { encoding: 'utf8' }).stdout ?? '';
        if (!out.includes(`Version: ${version}\n`) || !out.includes(`Commit SHA: ${shortCommit}`)) return false;
    }
    return true;
}

function go(args, env = {}) {
    const result = spawnSync('go', args, { cwd: FABRIC_MODULE_DIR, encoding: 'utf8', env: { ...process.env, ...env } });
    if (result.error) throw new StageError(`go is needed to build Fabric (${result.error.message})`);
    if (result.status !== 0) throw new StageError(`go ${args.join(' ')} failed:\n${result.stderr}`);
    return result.stdout;
}

async function install() {
    parseOptions({
        usage: 'npm run network:install',
        summary: "Builds the pinned Fabric commands (topology.json's fabric) into network/.bin with go install.",
        options: {},
    });
    if (installed()) {
        console.log(`[network] Fabric ${version} (${shortCommit}) already installed in network/.bin`);
        return 0;
    }
    const started = Date.now();
    stage(`installing Fabric ${version} (commit ${shortCommit}) into network/.bin with go install`);
    console.log(`[network]   ${go(['version']).trim()}`);

    // Make go.mod follow the pin (a no-op unless topology.json's commit changed).
    const current = JSON.parse(go(['list', '-m', '-json', FABRIC_MODULE], { GOFLAGS: '-mod=mod' }));
    if (!current.Version.endsWith(`-${shortCommit}`)) {
        stage(`pin changed: ${current.Version} -> ${commit}; updating network/fabric/go.mod and go.sum (commit them)`);
        go(['get', `${FABRIC_MODULE}@${commit}`]);
        go(['mod', 'tidy']);
    }
    stage('downloading modules (go mod download)');
    go(['mod', 'download']);

    stage(`compiling ${COMMANDS.join(', ')} (a few minutes on 2 cores; progress below)`);
    fs.mkdirSync(BIN, { recursive: true });
    const ldflags = [
        `-X ${FABRIC_MODULE}/common/metadata.Version=${version}`,
        `-X ${FABRIC_MODULE}/common/metadata.CommitSHA=${shortCommit}`,
    ].join(' ');
    const packages = COMMANDS.map((command) => `${FABRIC_MODULE}/cmd/${command}`);
    await new Promise((resolve, reject) => {
        const child = spawn('go', ['install', '-v', '-trimpath', `-ldflags=${ldflags}`, ...packages], {
            cwd: FABRIC_MODULE_DIR,
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
    if (!installed()) throw new StageError('the built binaries do not report the pinned version');
    fs.writeFileSync(path.join(BIN, 'VERSION'), `${version} ${commit}\n`);
    console.log(`[network] Fabric ${version} installed in ${Math.round((Date.now() - started) / 1000)}s`);
    return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) main(install);
