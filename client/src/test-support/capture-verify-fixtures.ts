/**
 * Capture the real Fabric data the tests of client/src/verify read, from the running network, into
 * client/src/verify/testdata/network (committed: the tests need no network). From the repository root,
 * under the network lock:
 *
 *   flock /tmp/sealpact-network.lock -c 'node -r ./client/src/test-support/register-ts.js \
 *       client/src/test-support/capture-verify-fixtures.ts'
 *   npx prettier --write client/src/verify/testdata/network/manifest.json
 *
 * It registers fresh keys for Admin@auditor.example.com (an identity no test uses) and saves: the
 * channel's genesis configuration block, block 1 as a header, the blocks up to the one holding that
 * RegisterKeys (four in all), an endorsed but unsubmitted WhoAmI (the gateway's proposal and
 * prepared transaction) and each organisation's CA certificate as trust anchors.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../crypto/keys';
import { Keyring } from '../sdk/keyring';
import { LedgerConnection } from '../sdk/ledger';
import { loadProfile } from '../sdk/profile';
import { registerKeys } from '../sdk/register-keys';
import { decodeBlock, headerOnly } from '../verify/blocks';

const ROOT = join(__dirname, '..', '..', '..');
const OUT = join(ROOT, 'client', 'src', 'verify', 'testdata', 'network');
const IDENTITY = 'AuditorOrgMSP/Admin@auditor.example.com';
const BLOCKS = 4;

interface Topology {
    ordererOrg: { mspId: string; domain: string };
    orgs: { mspId: string; domain: string }[];
}

async function main(): Promise<void> {
    const profile = loadProfile(join(ROOT, 'network', '.data', 'connection.json'));
    const ledger = new LedgerConnection(profile, IDENTITY);
    const keyringDir = mkdtempSync(join(tmpdir(), 'sealpact-capture-'));
    try {
        const keyring = await Keyring.open(keyringDir, 'capture only');
        const key = generateKeyPair('sm2');
        const { txId } = await registerKeys(ledger, keyring, key, key);

        const qscc = ledger.network.getContract('qscc');
        const block = async (name: string, arg: string) =>
            decodeBlock(await qscc.evaluateTransaction(name, profile.channel, arg));
        const last = await block('GetBlockByTxID', txId);
        const numbers = Array.from({ length: BLOCKS }, (_, i) => last.number - BLOCKS + 1 + i);

        const proposal = ledger.contract.newProposal('WhoAmI');
        const proposed = proposal.getBytes();
        const prepared = (await proposal.endorse()).getBytes();

        rmSync(OUT, { recursive: true, force: true });
        mkdirSync(join(OUT, 'anchors'), { recursive: true });
        writeFileSync(join(OUT, 'block-0.block'), (await block('GetBlockByNumber', '0')).raw);
        writeFileSync(join(OUT, 'block-1.header'), headerOnly(await block('GetBlockByNumber', '1')));
        for (const number of numbers) {
            writeFileSync(join(OUT, `block-${number}.block`), (await block('GetBlockByNumber', String(number))).raw);
        }
        writeFileSync(join(OUT, 'whoami.proposed'), proposed);
        writeFileSync(join(OUT, 'whoami.prepared'), prepared);
        const topology = JSON.parse(readFileSync(join(ROOT, 'network', 'topology.json'), 'utf8')) as Topology;
        for (const { mspId, domain } of [...topology.orgs, topology.ordererOrg]) {
            const cacerts = join(ROOT, 'network', '.data', 'crypto', domain, 'msp', 'cacerts');
            const pems = readdirSync(cacerts).map((name) => readFileSync(join(cacerts, name), 'utf8'));
            writeFileSync(join(OUT, 'anchors', `${mspId}.pem`), pems.join(''));
        }
        const manifest = {
            channel: profile.channel,
            chaincode: profile.chaincode,
            blocks: numbers,
            registerKeys: { txId, block: last.number, identity: IDENTITY, publicKey: key.publicKey.pem },
            whoAmI: { txId: proposal.getTransactionId() },
        };
        writeFileSync(join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 4)}\n`);
        console.log(`captured blocks 0, 1 (header) and ${numbers.join(', ')}; RegisterKeys ${txId}`);
    } finally {
        ledger.close();
        rmSync(keyringDir, { recursive: true, force: true });
    }
}

main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
