import { gateway, peer } from '@hyperledger/fabric-protos';
import { Transaction } from '@hyperledger/fabric-gateway';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../client/src/crypto/keys';
import { connect } from '../client/src/sdk/connect';
import { Sealpact } from '../client/src/sdk/sealpact';
import { defined } from '../protocol/src/test-support/defined';
import { memberMspIds, PROFILE_PATH, ROOT, runId } from './support/fabric';
import { PASSPHRASE } from './support/parties';
import { endorsementsOf } from './support/tamper';

/**
 * Issue 13, item 2: a new organisation joins the running channel. npm run network:add-org -- --name
 * Org3 enrolls Org3 through its own CA, adds it to the channel configuration with the signatures of
 * a MAJORITY of the members' admins, joins its peer and approves the committed chaincode for it.
 * Then a file bob received before is still readable, erin@Org3 registers, is verified and receives
 * a file from alice, and Org3's endorsement counts toward the channel's MAJORITY, now of five.
 *
 * The suites share one network: from here on it has five organisations for every later test file
 * (they count members from network/.data/state.json). On a network Org3 joined already, add-org
 * says so and checks it is up, and "before" means before this run's add-org.
 */

jest.setTimeout(600_000);

const ADD_ORG = join(ROOT, 'network', 'scripts', 'add-org.mjs');
const ERIN = 'Org3MSP/erin@org3.example.com';
const IDENTITY = {
    alice: 'Org1MSP/alice@org1.example.com',
    bob: 'Org2MSP/bob@org2.example.com',
    verifier: 'AuthorityOrgMSP/verifier@authority.example.com',
    erin: ERIN,
};
type Who = keyof typeof IDENTITY;

const run = runId();
const dir = mkdtempSync(join(tmpdir(), 'sealpact-add-org-'));
const sessions = new Map<Who, Sealpact>();
let firstRun: { status: number | null; stdout: string; stderr: string };
let earlier: { fileId: string; path: string };

/** `who`'s SDK session, its keyring kept in `dir` across sessions; opened on the connection profile as it is now. */
async function as(who: Who): Promise<Sealpact> {
    let session = sessions.get(who);
    if (!session) {
        session = await connect({
            profile: PROFILE_PATH,
            identity: IDENTITY[who],
            store: `fs://${join(dir, 'blobs')}`,
            keyring: { dir: join(dir, 'keyrings', who), passphrase: PASSPHRASE },
        });
        sessions.set(who, session);
    }
    return session;
}

/**
 * Closes every session: a session holds the trust anchors it was opened with, and a party trusts
 * a new organisation's CA only once it has it (docs/operations.md#trust-anchors).
 */
function closeSessions(): void {
    for (const session of sessions.values()) session.close();
    sessions.clear();
}

function addOrg(...args: string[]) {
    const result = spawnSync(process.execPath, [ADD_ORG, ...args], { encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function contract(name: string): string {
    const path = join(dir, name);
    writeFileSync(path, `Contract ${run} ${name}: the Supplier shall deliver the Goods.\n`.repeat(2000));
    return path;
}

/** The MSP IDs whose endorsements a transaction carries, sorted. */
function endorsers(transaction: Transaction): string[] {
    const prepared = gateway.PreparedTransaction.deserializeBinary(transaction.getBytes());
    return endorsementsOf(defined(prepared.getEnvelope(), 'the prepared envelope'))
        .endorsements.map((endorsement) => endorsement.mspId)
        .sort();
}

beforeAll(async () => {
    // Before Org3 joins: bob has keys, is verified, and received a file from alice.
    const [alice, bob, verifier] = [await as('alice'), await as('bob'), await as('verifier')];
    await alice.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
    await bob.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
    await verifier.recordVerification((await bob.whoAmI()).partyId, { serial: `hmac-${run}-bob`, level: 'high' });
    const path = contract('earlier.txt');
    const sent = await alice.send(path, { to: [(await bob.whoAmI()).partyId], suite: 'gm', fileId: `${run}-earlier` });
    earlier = { fileId: sent.fileId, path };
    closeSessions();

    firstRun = addOrg('--name', 'Org3');
});

afterAll(() => {
    closeSessions();
    rmSync(dir, { recursive: true, force: true });
});

describe('npm run network:add-org -- --name Org3', () => {
    it('makes Org3 the fifth member: the endorsement policy is now a MAJORITY of five', () => {
        expect(firstRun.stderr).toBe('');
        expect(firstRun.status).toBe(0);
        expect(firstRun.stdout).toMatch(
            /Org3 \(Org3MSP\) is a member of "contracts" in \S+s: 5 organisations, the endorsement policy's MAJORITY is 3 of 5\n$/,
        );
        expect(memberMspIds()).toEqual(['AuditorOrgMSP', 'AuthorityOrgMSP', 'Org1MSP', 'Org2MSP', 'Org3MSP']);
        const profile = JSON.parse(readFileSync(PROFILE_PATH, 'utf8')) as { orgs: Record<string, unknown> };
        expect(Object.keys(profile.orgs).sort()).toEqual(memberMspIds());
    });

    it('run again, says Org3 is a member already and checks that it is up', () => {
        const again = addOrg('--name', 'Org3');
        expect(again.status).toBe(0);
        expect(again.stdout).toContain('[network] Org3 is a member of "contracts" already: checking that it is up\n');
        expect(again.stdout).toContain('peer0.org3.example.com already running');
        expect(again.stdout).toContain('chaincode approve: Org3MSP approved sequence');
    });

    it('refuses an organisation topology.json does not list as joining, on one line', () => {
        expect(addOrg('--name', 'Org9')).toEqual({
            status: 2,
            stdout: '',
            stderr:
                "[network] add-org.mjs: option '--name' must be one of topology.json's joiningOrgs (Org3), " +
                'not "Org9" (--help lists the options)\n',
        });
    });
});

describe('the channel with Org3', () => {
    it('still gives bob the file alice shared with him before, intact', async () => {
        const bob = await as('bob');
        expect((await bob.inbox()).map((entry) => entry.fileId)).toContain(earlier.fileId);
        const out = join(dir, 'earlier.out');
        await bob.receive(earlier.fileId, out);
        expect(readFileSync(out).equals(readFileSync(earlier.path))).toBe(true);
    });

    it('lets erin@Org3 register keys, be verified and receive a file from alice', async () => {
        const [alice, verifier, erin] = [await as('alice'), await as('verifier'), await as('erin')];
        expect(await erin.whoAmI()).toMatchObject({ mspId: 'Org3MSP' });
        await erin.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
        const erinId = (await erin.whoAmI()).partyId;
        await verifier.recordVerification(erinId, { serial: `hmac-${run}-erin`, level: 'high' });
        expect(await alice.getParty(erinId)).toMatchObject({
            mspId: 'Org3MSP',
            verified: true,
            verification: { level: 'high', authorityMsp: 'AuthorityOrgMSP' },
        });

        const path = contract('for-erin.txt');
        const sent = await alice.send(path, { to: [erinId], suite: 'gm', fileId: `${run}-erin` });
        expect((await erin.inbox()).map((entry) => entry.fileId)).toContain(sent.fileId);
        const out = join(dir, 'for-erin.out');
        const received = await erin.receive(sent.fileId, out);
        expect(received.ciphertextDigest).toBe(sent.ciphertextDigest);
        expect(readFileSync(out).equals(readFileSync(path))).toBe(true);
    });

    it("counts Org3's endorsement toward a MAJORITY of five: three organisations commit, two do not", async () => {
        const { contract: sealpact } = (await as('erin')).ledger;
        // Org3's gateway plans enough endorsements on its own.
        expect(endorsers(await sealpact.newProposal('WhoAmI').endorse()).length).toBeGreaterThanOrEqual(3);

        const three = await sealpact
            .newProposal('WhoAmI', { endorsingOrganizations: ['Org3MSP', 'Org1MSP', 'Org2MSP'] })
            .endorse();
        expect(endorsers(three)).toEqual(['Org1MSP', 'Org2MSP', 'Org3MSP']);
        expect((await (await three.submit()).getStatus()).code).toBe(peer.TxValidationCode.VALID);

        const two = await sealpact.newProposal('WhoAmI', { endorsingOrganizations: ['Org3MSP', 'Org1MSP'] }).endorse();
        expect(endorsers(two)).toEqual(['Org1MSP', 'Org3MSP']);
        expect((await (await two.submit()).getStatus()).code).toBe(peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
    });
});
