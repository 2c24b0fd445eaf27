import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPair } from '../client/src/crypto/keys';
import { Sealpact } from '../client/src/sdk/sealpact';
import { expectRejection } from '../protocol/src/test-support/expect-error';
import { Parties, PASSPHRASE } from './support/parties';
import { PROFILE_PATH, ROOT, runId } from './support/fabric';

/**
 * Contracts with a lifecycle on the real network (issue 11): the chaincode on every endorsing peer
 * enforces the plan, whatever a client sends; parallel signers of one step both land although
 * their transactions conflict on the contract record (the SDK submits a conflicting one again).
 */

jest.setTimeout(240_000);

const run = runId();
const parties = new Parties();
const dir = mkdtempSync(join(tmpdir(), 'sealpact-lifecycle-'));
const contract = join(dir, 'contract.txt');

let alice: Sealpact;
let bob: Sealpact;
let carol: Sealpact;
let dave: Sealpact;
const id = { alice: '', bob: '', carol: '', dave: '' };

/** Each party's decrypted copy of the file, for signing it. */
async function copies(fileId: string, ...who: ('bob' | 'carol' | 'dave')[]): Promise<Record<string, string>> {
    const paths: Record<string, string> = {};
    for (const name of who) {
        paths[name] = join(dir, `${fileId}-${name}.txt`);
        await { bob, carol, dave }[name].receive(fileId, paths[name]);
    }
    return paths;
}

let files = 0;
/** A contract from alice to bob, carol and dave with `signers`; its file id. */
async function contractTo(signers: string[][], deadline?: Date): Promise<string> {
    const sent = await alice.send(contract, {
        to: [id.bob, id.carol, id.dave],
        suite: 'gm',
        signers,
        deadline,
        fileId: `${run}-contract-${++files}`,
    });
    return sent.fileId;
}

beforeAll(async () => {
    alice = await parties.as('alice');
    bob = await parties.as('bob');
    carol = await parties.as('carol');
    dave = await parties.as('dave');
    const verifier = await parties.as('verifier');
    for (const [name, party] of Object.entries({ alice, bob, carol, dave })) {
        await party.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
        id[name as keyof typeof id] = (await party.whoAmI()).partyId;
    }
    for (const partyId of [id.bob, id.carol, id.dave]) {
        await verifier.recordVerification(partyId, { serial: `hmac-${run}`, level: 'high' });
    }
    writeFileSync(contract, `The lifecycle contract ${run}\n`.repeat(100));
    writeFileSync(join(dir, 'pass'), PASSPHRASE);
});

afterAll(() => {
    parties.close();
    rmSync(dir, { recursive: true, force: true });
});

describe('contracts with a lifecycle on the real network', () => {
    it('refuses a signature out of turn; a parallel step completes only when all of it signed, at the same moment', async () => {
        const fileId = await contractTo([[id.bob], [id.carol, id.dave]]);
        const paths = await copies(fileId, 'bob', 'carol', 'dave');
        await expectRejection(carol.sign(fileId, paths.carol ?? ''), 'NOT_YOUR_TURN', `${id.carol} signs in step 2`);
        await bob.sign(fileId, paths.bob ?? '');
        await expectRejection(bob.sign(fileId, paths.bob ?? ''), 'DUPLICATE_ID', `${id.bob} has already signed`);
        expect((await alice.contract(fileId)).state).toBe('open');
        // Both read and write the contract record: one commit conflicts and the SDK submits it again.
        await Promise.all([carol.sign(fileId, paths.carol ?? ''), dave.sign(fileId, paths.dave ?? '')]);
        const view = await alice.contract(fileId);
        expect(view.state).toBe('completed');
        expect(view.steps.flatMap((step) => step.signers.map((signer) => signer.state))).toEqual([
            'signed',
            'signed',
            'signed',
        ]);
        expect((await alice.signatures(fileId)).map((signature) => signature.signer).sort()).toEqual(
            [id.bob, id.carol, id.dave].sort(),
        );
        await expectRejection(bob.sign(fileId, paths.bob ?? ''), 'CONTRACT_CLOSED', 'is completed');
    });

    it('a decline ends the contract with its reason; the owner voids another; nobody signs either afterwards', async () => {
        const declined = await contractTo([[id.bob], [id.carol]]);
        const paths = await copies(declined, 'bob', 'carol');
        await expectRejection(alice.decline(declined, 'not mine'), 'NOT_A_SIGNER', `${id.alice} is not a signer`);
        await bob.decline(declined, 'Clause 4 cannot be met');
        expect(await alice.contract(declined)).toMatchObject({
            state: 'declined',
            closedBy: id.bob,
            reason: 'Clause 4 cannot be met',
        });
        await expectRejection(carol.sign(declined, paths.carol ?? ''), 'CONTRACT_CLOSED', 'is declined');

        const voided = await contractTo([[id.bob]]);
        await expectRejection(bob.void(voided, 'not the owner'), 'ACCESS_DENIED', 'only the owner');
        await alice.void(voided, 'wrong counterparty');
        await expectRejection(
            bob.sign(voided, (await copies(voided, 'bob')).bob ?? ''),
            'CONTRACT_CLOSED',
            'is voided',
        );
    });

    it('after the deadline nobody can sign, the contract reads as expired, and anyone with access records it', async () => {
        const deadline = new Date(Date.now() + 8_000);
        const fileId = await contractTo([[id.bob]], deadline);
        const paths = await copies(fileId, 'bob');
        await sleep(Math.max(0, deadline.getTime() - Date.now() + 500));
        await expectRejection(bob.sign(fileId, paths.bob ?? ''), 'DEADLINE_PASSED', 'has passed');
        expect(await bob.contract(fileId)).toMatchObject({ state: 'expired', expiredUnrecorded: true });
        await bob.expire(fileId);
        expect(await alice.contract(fileId)).toMatchObject({
            state: 'expired',
            expiredUnrecorded: false,
            closedBy: id.bob,
        });
    });

    it('a revoked signer cannot sign; a signer who rotated keys signs with the new key, which the record names', async () => {
        const fileId = await contractTo([[id.carol, id.dave]]);
        const paths = await copies(fileId, 'carol', 'dave');
        await alice.revoke(fileId, id.carol);
        await expectRejection(carol.sign(fileId, paths.carol ?? ''), 'ACCESS_DENIED', id.carol);
        const rotated = await dave.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
        const signed = await dave.sign(fileId, paths.dave ?? '');
        expect(signed.keyFingerprint).toBe(rotated.signingKey);
    });

    it('refuses a signature replayed from one contract onto another (the statement names the file and the plan)', async () => {
        const first = await contractTo([[id.bob]]);
        const second = await contractTo([[id.bob]]);
        const signed = await bob.sign(first, (await copies(first, 'bob')).bob ?? '');
        await expectRejection(
            bob.ledger.submit('SignContract', second, signed.statement, signed.signature),
            'STATEMENT_MISMATCH',
            `the statement's fileId must be ${second}`,
        );
    });

    it('the CLI: send --signers --deadline, contracts --awaiting-me, decline --reason, contract shows the timeline', async () => {
        const deadline = new Date(Date.now() + 3_600_000).toISOString();
        const fileId = `${run}-cli-contract`;
        const sent = await sealpact(
            'alice',
            'send',
            '--to',
            `${id.bob},${id.carol}`,
            '--in',
            contract,
            '--suite',
            'intl',
            '--signers',
            `${id.bob};${id.carol}`,
            '--deadline',
            deadline,
            '--file-id',
            fileId,
        );
        expect(sent.code).toBe(0);
        const awaiting = await sealpact('bob', 'contracts', '--awaiting-me', '--json');
        expect(awaiting.code).toBe(0);
        expect(JSON.stringify(JSON.parse(awaiting.stdout))).toContain(fileId);
        const carolsTurn = await sealpact('carol', 'contracts', '--awaiting-me', '--json');
        expect(JSON.stringify(JSON.parse(carolsTurn.stdout))).not.toContain(fileId);
        const declined = await sealpact(
            'bob',
            'decline',
            '--file-id',
            fileId,
            '--reason',
            'The price in clause 2 changed',
        );
        expect(declined.code).toBe(0);
        const timeline = await sealpact('alice', 'contract', '--file-id', fileId);
        expect(timeline.code).toBe(0);
        expect(timeline.stdout).toContain('declined');
        expect(timeline.stdout).toContain('The price in clause 2 changed');
        expect(timeline.stdout).toContain(id.carol);
        const late = await sealpact('carol', 'decline', '--file-id', fileId, '--reason', 'too late');
        expect(late.code).toBe(1);
        expect(late.stderr).toMatch(/^sealpact: CONTRACT_CLOSED: /);
    });
});

/** The built CLI as `who`, with the keyring Parties made for it. */
function sealpact(
    who: 'alice' | 'bob' | 'carol',
    ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
    const identity = {
        alice: 'Org1MSP/alice@org1.example.com',
        bob: 'Org2MSP/bob@org2.example.com',
        carol: 'Org2MSP/carol@org2.example.com',
    }[who];
    const options = ['--identity', identity, '--profile', PROFILE_PATH, '--store', `fs://${parties.storeDir}`];
    const keyring = ['--keyring', join(parties.dir, 'keyrings', who), '--passphrase-file', join(dir, 'pass')];
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [join(ROOT, 'client', 'dist', 'cli', 'main.js'), ...argv, ...options, ...keyring],
            (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
    });
}
