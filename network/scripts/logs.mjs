// npm run network:logs [-- <name>...] [-- --lines N] — the last lines of each process log in network/.logs.
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import { LOGS, main, parseOptions, wholeNumber } from './lib.mjs';

const USAGE = {
    usage: 'npm run network:logs -- [NAME...] [--lines N]',
    summary: 'The last lines of each process log in network/.logs.',
    positionals: { name: 'NAME...', description: 'only the logs whose file name contains one of these' },
    options: {
        lines: {
            type: 'string',
            value: 'N',
            description: 'how many lines of each log (default 20)',
            parse: wholeNumber({ min: 1, max: 1000000 }),
        },
    },
};

async function logs() {
    const { values, positionals: names } = parseOptions(USAGE);
    const count = values.lines ?? 20;
    if (!fs.existsSync(LOGS)) {
        console.log('no logs yet (network/.logs)');
        return 0;
    }
    const files = fs
        .readdirSync(LOGS)
        .filter((file) => file.endsWith('.log'))
        .sort()
        .filter((file) => names.length === 0 || names.some((name) => file.includes(name)));
    for (const file of files) {
        const lines = fs.readFileSync(path.join(LOGS, file), 'utf8').trimEnd().split('\n');
        console.log(`==> network/.logs/${file} (last ${Math.min(count, lines.length)} of ${lines.length} lines)`);
        console.log(lines.slice(-count).join('\n'));
    }
    return 0;
}

main(logs);
