// Jest globalSetup of the 'integration' project: starts the Fabric network unless it is already up,
// and records what it started so global-teardown.js stops only that.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const scripts = path.join(root, 'network', 'scripts');
const marker = path.join(root, 'network', '.data', 'started-by-tests.json');

/** Pids of this network's processes running now, from `status.mjs --pids`. */
function alivePids() {
    const result = spawnSync(process.execPath, [path.join(scripts, 'status.mjs'), '--pids'], { encoding: 'utf8' });
    return result.stdout.trim().split(',').filter(Boolean).map(Number);
}

module.exports = async function globalSetup() {
    const status = spawnSync(process.execPath, [path.join(scripts, 'status.mjs')], { encoding: 'utf8' });
    if (status.status === 0 && fs.existsSync(path.join(root, 'network', '.data', 'connection.json'))) {
        process.stdout.write('\n[integration] the Fabric network is up; using it and leaving it running\n');
        return;
    }
    const before = alivePids();
    process.stdout.write('\n[integration] starting the Fabric network (npm run network:up)\n');
    const up = spawnSync(process.execPath, [path.join(scripts, 'up.mjs')], { stdio: 'inherit' });
    if (up.status !== 0) throw new Error('[integration] network:up failed; see the stage above and network/.logs');
    fs.writeFileSync(marker, JSON.stringify({ startedAt: new Date().toISOString(), keepPids: before }) + '\n');
};
