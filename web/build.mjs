// Bundles the browser app (src/app/main.ts and what it imports, @sealpact/protocol's TypeScript
// included) into dist/app.js with esbuild, and copies the page and its style beside it. Nothing
// of Node's may be in the bundle: esbuild's browser platform refuses node: imports.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
mkdirSync(dist, { recursive: true });
await build({
    entryPoints: [join(here, 'src', 'app', 'main.ts')],
    outfile: join(dist, 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    // A folder, so that the submodule @sealpact/protocol/fabric resolves to its source too.
    alias: { '@sealpact/protocol': join(here, '..', 'protocol', 'src') },
    logLevel: 'warning',
});
for (const name of ['index.html', 'style.css']) {
    copyFileSync(join(here, 'public', name), join(dist, name));
}
