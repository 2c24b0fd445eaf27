#!/usr/bin/env node
// Writes the error-code tables of docs/ from the one registry, ERROR_CODES in
// protocol/src/errors.ts (read from protocol/dist: `npm run docs:errors` builds it first).
// A table sits between `<!-- error-codes:LAYER -->` and `<!-- /error-codes -->` and lists every
// code raised in that layer with its meaning there. `--check` changes nothing and fails when a
// table differs from the registry (`npm run lint` runs it so).
import console from 'node:console';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { ERROR_CODES } = createRequire(import.meta.url)(join(root, 'protocol', 'dist', 'errors.js'));
const DOCS = ['ledger.md', 'crypto.md', 'stores.md', 'sdk.md', 'cli.md', 'evidence.md', 'web.md'].map((name) =>
    join(root, 'docs', name),
);
const TABLE = /(<!-- error-codes:([a-z]+) -->\n)[\s\S]*?(<!-- \/error-codes -->)/g;

function table(layer) {
    const rows = Object.entries(ERROR_CODES)
        .filter(([, meanings]) => Object.hasOwn(meanings, layer))
        .map(([code, meanings]) => `| \`${code}\` | ${meanings[layer]} |`);
    if (rows.length === 0) {
        throw new Error(`no error code is raised in the layer "${layer}"`);
    }
    return ['| Code | Meaning |', '| --- | --- |', ...rows].join('\n');
}

const check = process.argv.includes('--check');
const stale = [];
for (const file of DOCS) {
    const text = readFileSync(file, 'utf8');
    const generated = text.replace(TABLE, (_all, start, layer, end) => `${start}\n${table(layer)}\n\n${end}`);
    // Laid out as `prettier --check` wants it, so lint passes on what this writes.
    const options = { ...(await prettier.resolveConfig(file)), filepath: file };
    const formatted = await prettier.format(generated, options);
    if (formatted !== text) {
        stale.push(relative(root, file));
        if (!check) {
            writeFileSync(file, formatted);
        }
    }
}
if (check && stale.length > 0) {
    console.error(`error tables out of date in ${stale.join(', ')}: run npm run docs:errors`);
    process.exit(1);
}
console.log(
    check ? 'error tables match protocol/src/errors.ts' : `error tables written: ${stale.join(', ') || 'none changed'}`,
);
