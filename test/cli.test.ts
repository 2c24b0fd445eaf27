import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { signalMidWrite, startCli } from '../client/src/test-support/cli-process';
import { profile, PROFILE_PATH, ROOT, runId } from './support/fabric';
import { defined } from '../protocol/src/test-support/defined';

/** The `sealpact` ledger commands as a user types them, against the real network (run `npm run build` first; npm test does). */

jest.setTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), 'sealpact-cli-e2e-'));
const id = runId();

const CLI = join(ROOT, 'client', 'dist', 'cli', 'main.js');
const MIB = 1024 * 1024;

/** The built command itself, in its own process, as a user runs it. */
function sealpact(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...argv], (error, stdout, stderr) => {
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
        });
    });
}

/** Run as one identity with its own keyring; everyone shares the store. */
function as(identity: string, ...argv: string[]) {
    return sealpact(...asArgs(identity, ...argv));
}

function asArgs(identity: string, ...argv: string[]): string[] {
    const [who = identity] = identity.split('@', 1);
    return [
        ...argv,
        '--identity',
        identity,
        '--profile',
        PROFILE_PATH,
        '--store',
        `fs://${join(dir, 'blobs')}`,
        '--keyring',
        join(dir, who),
        '--passphrase-file',
        join(dir, 'pass'),
    ];
}

beforeAll(() => writeFileSync(join(dir, 'pass'), 'cli test passphrase\n'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('registers, verifies, sends, receives, signs and audits with one-line results', async () => {
    expect((await as('alice@org1.example.com', 'register', '--alg', 'sm2')).code).toBe(0);
    const bob = await as('bob@org2.example.com', 'register', '--alg', 'rsa', '--bits', '2048', '--json');
    expect(bob.code).toBe(0);
    const bobId = (JSON.parse(bob.stdout) as { partyId: string }).partyId;
    expect(bobId).toBe('Org2MSP/bob@org2.example.com');
    const verified = await as(
        'verifier@authority.example.com',
        'verify',
        '--party',
        bobId,
        '--serial',
        `hmac-${id}`,
        '--level',
        'high',
    );
    expect(verified.stdout).toMatch(/^verified Org2MSP\/bob@org2.example.com \(tx [0-9a-f]{64}\)\n$/);
    expect((await as('alice@org1.example.com', 'party', '--id', bobId)).stdout).toMatch(
        /^Org2MSP\/bob@org2.example.com \(verified\)\n/,
    );

    writeFileSync(join(dir, 'contract.txt'), `contract ${id}\n`.repeat(1000));
    const sent = await as(
        'alice@org1.example.com',
        'send',
        '--to',
        bobId,
        '--suite',
        'intl',
        '--in',
        join(dir, 'contract.txt'),
        '--file-id',
        `${id}-cli`,
        '--json',
    );
    expect(JSON.parse(sent.stdout)).toMatchObject({ ok: true, fileId: `${id}-cli`, alreadySent: false });
    expect((await as('bob@org2.example.com', 'inbox')).stdout).toContain(
        `${id}-cli  from Org1MSP/alice@org1.example.com`,
    );

    expect(
        (await as('bob@org2.example.com', 'get', '--file-id', `${id}-cli`, '--out', join(dir, 'got.txt'))).code,
    ).toBe(0);
    expect(readFileSync(join(dir, 'got.txt'))).toEqual(readFileSync(join(dir, 'contract.txt')));
    const signed = await as('bob@org2.example.com', 'sign', '--file-id', `${id}-cli`, '--in', join(dir, 'got.txt'));
    expect(signed.stdout).toMatch(/^signed .* as Org2MSP\/bob@org2.example.com/);

    // bob hands out the file's commitment key; with it the contract checks against his signature.
    const revealed = await as('bob@org2.example.com', 'commitment-key', '--file-id', `${id}-cli`, '--json');
    const { commitmentKey, digestAlgorithm } = JSON.parse(revealed.stdout) as {
        commitmentKey: string;
        digestAlgorithm: string;
    };
    expect(digestAlgorithm).toBe('sha256');
    const contract = join(dir, 'contract.txt');
    const mac = execFileSync('openssl', [
        'dgst',
        '-sha256',
        '-mac',
        'HMAC',
        '-macopt',
        `hexkey:${commitmentKey}`,
        '-r',
        contract,
    ]);
    const commitment = mac.toString().split(' ')[0];
    expect(commitment).toMatch(/^[0-9a-f]{64}$/);

    const audit = await as('auditor@auditor.example.com', 'audit', '--file-id', `${id}-cli`);
    expect(audit.stdout.split('\n').filter((line) => / (shared|signed) /.test(line))).toHaveLength(3);
    expect(audit.stdout).toContain(`RSA signature over hmac-sha256:${commitment}`);
});

it('acts as an identity given by its MSP folder', async () => {
    const org1 = defined(profile().orgs.Org1MSP, 'Org1MSP in the connection profile');
    const msp = defined(org1.identities['alice@org1.example.com']?.msp, "alice's MSP folder");
    const result = await sealpact('party', '--identity', `msp:Org1MSP:${msp}`, '--profile', PROFILE_PATH, '--json');
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, party: { partyId: 'Org1MSP/alice@org1.example.com' } });
});

it('names the problem in one line: an unverified recipient, a non-authority verifying', async () => {
    expect((await as('carol@org2.example.com', 'register', '--alg', 'sm2')).code).toBe(0);
    await as('verifier@authority.example.com', 'unverify', '--party', 'Org2MSP/carol@org2.example.com');
    writeFileSync(join(dir, 'c.txt'), 'x');
    const refused = await as(
        'alice@org1.example.com',
        'send',
        '--to',
        'Org2MSP/carol@org2.example.com',
        '--suite',
        'gm',
        '--in',
        join(dir, 'c.txt'),
    );
    expect(refused).toMatchObject({
        code: 1,
        stderr: 'sealpact: NOT_VERIFIED: Org2MSP/carol@org2.example.com is not verified by an identity authority\n',
    });
    const notAuthority = await as(
        'alice@org1.example.com',
        'verify',
        '--party',
        'Org2MSP/carol@org2.example.com',
        '--serial',
        's',
        '--level',
        'high',
    );
    expect(notAuthority.code).toBe(1);
    expect(notAuthority.stderr).toMatch(/^sealpact: WRONG_ORG: .+\n$/);
});

it('leaves no plaintext behind when get is stopped by SIGINT or SIGTERM mid-way', async () => {
    const big = join(dir, 'big.bin');
    await pipeline(function* () {
        for (let i = 0; i < 200; i++) {
            yield randomBytes(MIB);
        }
    }, createWriteStream(big));
    const bob = 'Org2MSP/bob@org2.example.com';
    const sent = await as(
        'alice@org1.example.com',
        'send',
        '--to',
        bob,
        '--suite',
        'intl',
        '--in',
        big,
        '--file-id',
        `${id}-big`,
    );
    expect(sent.code).toBe(0);
    const out = join(dir, 'interrupted');
    mkdirSync(out);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        const get = asArgs('bob@org2.example.com', 'get', '--file-id', `${id}-big`, '--out', join(out, 'contract.bin'));
        const { child, exit } = startCli([CLI], get);
        // A whole chunk of the contract decrypted on disk, as the issue found left behind.
        await signalMidWrite(child, out, signal, MIB);
        expect(await exit).toMatchObject({ code: 128 + constants.signals[signal], signal: null });
        expect(readdirSync(out)).toEqual([]);
    }
});
