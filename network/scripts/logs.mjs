// npm run network:logs [-- <name>] [-- --lines N] — the last lines of each process log in network/.logs.
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { LOGS, main } from './lib.mjs';

async function logs() {
    const args = process.argv.slice(2);
    const linesAt = args.indexOf('--lines');
    const count = linesAt >= 0 ? Number(args.splice(linesAt, 2)[1]) : 20;
    if (!fs.existsSync(LOGS)) {
        console.log('no logs yet (network/.logs)');
        return 0;
    }
    const files = fs
        .readdirSync(LOGS)
        .filter((file) => file.endsWith('.log'))
        .sort()
        .filter((file) => args.length === 0 || args.some((name) => file.includes(name)));
    for (const file of files) {
        const lines = fs.readFileSync(path.join(LOGS, file), 'utf8').trimEnd().split('\n');
        console.log(`==> network/.logs/${file} (last ${Math.min(count, lines.length)} of ${lines.length} lines)`);
        console.log(lines.slice(-count).join('\n'));
    }
    return 0;
}

main(logs);
