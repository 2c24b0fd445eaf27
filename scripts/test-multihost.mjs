// npm run test:multihost — the multi-host rehearsal (docs/operations.md#multi-host-layout): the whole
// integration suite against a network made anew with each organisation in a network namespace of
// its own (network:up -- --netns). The network in network/.data is replaced, as a layout can only
// change on a new network, and purged at the end, namespaces and bridge included, however the
// suite ended. Exits with the suite's status.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const scripts = path.join(root, 'network', 'scripts');

/** Runs `command args` in the repository, its output passed through; returns its exit status. */
function step(command, args) {
    console.log(`[multihost] ${path.basename(command)} ${args.join(' ')}`);
    const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
    return result.status ?? 1;
}

const network = (script, ...args) => step(process.execPath, [path.join(scripts, script), ...args]);
const jest = path.join(root, 'node_modules', '.bin', 'jest');

let status = network('down.mjs', '--purge');
if (status === 0) status = network('up.mjs', '--netns');
if (status === 0) status = step(jest, ['--selectProjects', 'integration', '--runInBand']);
const cleaned = network('down.mjs', '--purge');
process.exit(status || cleaned);
