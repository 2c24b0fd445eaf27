// Jest globalTeardown of the 'integration' project: stops the processes global-setup.js started
// (none when the network was already up), leaving ledgers in place.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const marker = path.join(root, 'network', '.data', 'started-by-tests.json');

module.exports = async function globalTeardown() {
    if (!fs.existsSync(marker)) return;
    const { keepPids } = JSON.parse(fs.readFileSync(marker, 'utf8'));
    fs.rmSync(marker);
    process.stdout.write('\n[integration] stopping the Fabric network the tests started\n');
    const args = keepPids.length > 0 ? ['--keep', keepPids.join(',')] : [];
    spawnSync(process.execPath, [path.join(root, 'network', 'scripts', 'down.mjs'), ...args], { stdio: 'inherit' });
};
