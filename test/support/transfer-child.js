// One send and one receive of a large file through the built SDK, in a process of its own so the
// parent test can read this process's peak RSS. Usage: node transfer-child.js DIR FILE BOB_ID FILE_ID
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const { join } = require('node:path');
const { pipeline } = require('node:stream/promises');
const { connect } = require('../../client/dist/sdk/connect');

const PASSPHRASE = 'integration tests only'; // as test/support/parties.ts
const ROOT = join(__dirname, '..', '..');

async function digestOf(path) {
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), hash);
    return hash.digest('hex');
}

async function session(dir, identity, keyring) {
    return connect({
        profile: join(ROOT, 'network', '.data', 'connection.json'),
        identity,
        store: `fs://${join(dir, 'blobs')}`,
        keyring: { dir: join(dir, 'keyrings', keyring), passphrase: PASSPHRASE },
    });
}

async function main() {
    const [dir, path, bobId, fileId] = process.argv.slice(2);
    const alice = await session(dir, 'Org1MSP/alice@org1.example.com', 'alice');
    const bob = await session(dir, 'Org2MSP/bob@org2.example.com', 'bob');
    try {
        const sent = await alice.send(path, { to: [bobId], suite: 'intl', fileId });
        const out = `${path}.received`;
        await bob.receive(fileId, out);
        const identical = (await digestOf(path)) === (await digestOf(out));
        const maxRssMiB = process.resourceUsage().maxRSS / 1024;
        process.stdout.write(JSON.stringify({ maxRssMiB, identical, size: sent.size }));
    } finally {
        alice.close();
        bob.close();
    }
}

main().catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
});
