/**
 * `npm run demo` until the Fabric network lands: the patent's flow on local files, with every
 * step printed. Alice (the initiator) sends a contract to Bob (the signer) in both suites; the
 * ledger's part is only described, since no network runs yet.
 */
import { execFileSync } from 'node:child_process';

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyAlgorithm } from '@sealpact/chaincode/dist/lib/publickey';
import { Suite } from '../crypto/container-format';
import { Drawing } from '../crypto/drawing';
import { openEnvelope, sealEnvelope } from '../crypto/envelope';
import { decryptFile, encryptFile } from '../crypto/filecipher';
import { generateKeyPair } from '../crypto/keys';
import { generateFilePassword } from '../crypto/password';
import { signDetached, verifyDetached } from '../crypto/signature';

const CONTRACT_BYTES = 6 * 1024 * 1024;

let failures = 0;

function step(title: string, work: () => string | void): void {
    try {
        const detail = work();
        console.log(`  ok    ${title}${detail ? ` — ${detail}` : ''}`);
    } catch (err) {
        failures++;
        console.log(`  FAIL  ${title} — ${(err as Error).message}`);
    }
}

async function asyncStep(title: string, work: () => Promise<string | void>): Promise<void> {
    try {
        const detail = await work();
        console.log(`  ok    ${title}${detail ? ` — ${detail}` : ''}`);
    } catch (err) {
        failures++;
        console.log(`  FAIL  ${title} — ${(err as Error).message}`);
    }
}

/** A ledger step, named but not run until the network exists. */
function note(text: string): void {
    console.log(`  --    ${text} (needs the network)`);
}

/** A zig-zag with a loop, standing in for the shape a user draws in the app's drawing box. */
function sampleDrawing(): Drawing {
    const zigzag = Array.from({ length: 10 }, (_, i) => ({ x: 20 + i * 40, y: i % 2 === 0 ? 40 : 260 }));
    const loop = [
        { x: 60, y: 150 },
        { x: 420, y: 150 },
        { x: 240, y: 20 },
        { x: 240, y: 290 },
    ];
    return { width: 480, height: 320, strokes: [zigzag, loop] };
}

function sampleContract(path: string): void {
    const clause = 'The Supplier shall deliver the Goods described in Schedule 1 on the Delivery Date. ';
    const text = Buffer.from(clause.repeat(Math.ceil(CONTRACT_BYTES / clause.length))).subarray(0, CONTRACT_BYTES);
    writeFileSync(path, text);
}

async function walk(dir: string, algorithm: KeyAlgorithm, suite: Suite): Promise<void> {
    const digestAlg = suite === 'gm' ? 'sm3' : 'sha256';
    console.log(`\n== ${algorithm.toUpperCase()} keys, ${suite} suite ==`);
    const contract = join(dir, 'contract.txt');
    const container = join(dir, `contract.${suite}.sp`);
    const received = join(dir, `received.${suite}.txt`);
    const alice = generateKeyPair(algorithm, { bits: 3072 });
    const bob = generateKeyPair(algorithm, { bits: 3072 });
    step('alice and bob make key pairs', () => `bob's fingerprint ${bob.publicKey.fingerprint.slice(0, 16)}…`);
    note('on the ledger both would register their keys and the authority would verify bob');

    const password = generateFilePassword({ drawing: sampleDrawing(), hash: digestAlg });
    step(
        'alice derives a one-off file password from her drawing, the time, free memory and the CSPRNG',
        () => `${password.length * 8} bits`,
    );

    let digest = '';
    await asyncStep(`alice encrypts the ${CONTRACT_BYTES / 1048576} MiB contract in chunks`, async () => {
        const info = await encryptFile(contract, container, { suite, password, aad: `demo-${suite}` });
        digest = info.digest;
        return `${info.digestAlg}:${info.digest.slice(0, 16)}… over ${info.size} bytes`;
    });

    const forBob = sealEnvelope(bob.publicKey, password);
    const forAlice = sealEnvelope(alice.publicKey, password);
    step(
        'alice seals the password for bob (first credential) and for herself (second credential)',
        () => `${forBob.length} and ${forAlice.length} bytes`,
    );
    note('on the ledger ShareFile would record both credentials and the ciphertext digest');

    let opened: Buffer = Buffer.alloc(0);
    step('bob opens his credential with his private key', () => {
        opened = openEnvelope(bob, forBob);
        if (!opened.equals(password)) throw new Error('the opened password differs');
    });
    step('alice can still open her own credential', () => {
        if (!openEnvelope(alice, forAlice).equals(password)) throw new Error('the opened password differs');
    });
    await asyncStep('bob checks the ciphertext digest and decrypts', async () => {
        await decryptFile(container, received, { password: opened, aad: `demo-${suite}`, expectedDigest: digest });
    });
    step('bob compares the contract byte for byte', () => {
        if (!readFileSync(received).equals(readFileSync(contract))) throw new Error('contents differ');
        return 'identical';
    });
    await asyncStep('a single flipped bit in the container is refused and leaves no file', async () => {
        const tampered = readFileSync(container);
        tampered[tampered.length >> 1] ^= 0x01;
        writeFileSync(container, tampered);
        try {
            await decryptFile(container, join(dir, 'tampered.txt'), { password: opened, aad: `demo-${suite}` });
        } catch (err) {
            return `refused: ${(err as Error).message}`;
        }
        throw new Error('the tampered container was accepted');
    });

    const signature = signDetached(bob, readFileSync(contract));
    step(
        'bob signs the contract',
        () => `${signature.length}-byte ${algorithm === 'sm2' ? 'SM2-SM3' : 'RSA-PSS'} signature`,
    );
    step('Sealpact verifies the signature', () => {
        if (!verifyDetached(bob.publicKey, readFileSync(contract), signature)) throw new Error('not valid');
    });
    step('stock openssl verifies it too', () => {
        writeFileSync(join(dir, 'bob.pub.pem'), bob.publicKey.pem);
        writeFileSync(join(dir, 'contract.sig'), signature);
        const options =
            algorithm === 'sm2'
                ? ['-sm3', '-sigopt', 'distid:1234567812345678']
                : ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'];
        return execFileSync(
            'openssl',
            ['dgst', ...options, '-verify', 'bob.pub.pem', '-signature', 'contract.sig', 'contract.txt'],
            { cwd: dir },
        )
            .toString()
            .trim();
    });
}

async function main(): Promise<void> {
    console.log('Sealpact demo — local crypto walk-through.');
    console.log('The Fabric network is not part of this build yet, so the ledger steps are only named.');
    const dir = mkdtempSync(join(tmpdir(), 'sealpact-demo-'));
    try {
        sampleContract(join(dir, 'contract.txt'));
        await walk(dir, 'sm2', 'gm');
        await walk(dir, 'rsa', 'intl');
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
    console.log(failures === 0 ? '\nVERDICT: every step passed.' : `\nVERDICT: ${failures} step(s) FAILED.`);
    process.exitCode = failures === 0 ? 0 : 1;
}

main().catch((err) => {
    console.error(`demo failed: ${(err as Error).message}`);
    process.exitCode = 1;
});
