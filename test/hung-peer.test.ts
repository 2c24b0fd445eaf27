import { expect } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSealpactError } from '@sealpact/protocol';
import { Sealpact } from '../client/src/sdk/sealpact';
import { majorityOfMembers, memberMspIds, memberOrgs, ROOT, runId } from './support/fabric';
import { Parties } from './support/parties';
import { defined } from '../protocol/src/test-support/defined';

/**
 * Issue 15, item 3: a hung peer (SIGSTOP, as a hung host looks) is skipped, not waited on. With
 * AuditorOrg's peer frozen every send, inbox, receive and sign still succeeds (MAJORITY needs three
 * of four, or of five once Org3 joined); with every peer but alice's and bob's frozen (two of four,
 * three of five) a send fails at once with an error naming the organisations that did not answer
 * and what the policy needs. How long each took is printed, not asserted (latencies
 * are measured, see docs/operations.md#a-hung-peer); every frozen peer is resumed whatever happens.
 */

jest.setTimeout(180_000);

const ROUNDS = 8;
const parties = new Parties();
const run = runId();
const frozen = new Set<number>();
let alice: Sealpact;
let bob: Sealpact;

/** The pid network:up recorded for an organisation's peer. */
function peerPid(mspId: string): number {
    const org = defined(
        memberOrgs().find((o) => o.mspId === mspId),
        `${mspId} among the members`,
    );
    const pid = Number(readFileSync(join(ROOT, 'network', '.data', 'run', `${org.peer.name}.pid`), 'utf8').trim());
    process.kill(pid, 0); // throws when that peer is not running
    return pid;
}

function freeze(...mspIds: string[]): void {
    for (const pid of mspIds.map(peerPid)) {
        frozen.add(pid);
        process.kill(pid, 'SIGSTOP');
    }
}

/** Resume every frozen peer; a peer that is gone already is nothing to resume. */
function thaw(): void {
    for (const pid of frozen) {
        try {
            process.kill(pid, 'SIGCONT');
        } catch {
            // not running any more
        }
    }
    frozen.clear();
}

/** "A and B", "A, B and C": as the SDK's errors list organisations. */
function listed(names: string[]): string {
    return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.slice(-1).join('')}`;
}

/** `text` as a regular expression that matches it literally. */
function escaped(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A test run killed in the middle must not leave a frozen peer behind for everyone else.
process.on('exit', thaw);

/**
 * Until every organisation's peer endorses through alice's and bob's gateways: after a thaw, gossip
 * counts a resumed peer alive again within about a second and the peer catches up on the blocks it
 * missed. Endorsing with every member organisation named asks each of them.
 */
async function untilAllAnswer(): Promise<void> {
    const endorsingOrganizations = memberMspIds();
    for (const session of [alice, bob]) {
        for (let attempt = 1; ; attempt++) {
            try {
                await session.ledger.contract.newProposal('WhoAmI', { endorsingOrganizations }).endorse();
                break;
            } catch (err) {
                if (attempt === 60) throw err;
                await new Promise((resolve) => setTimeout(resolve, 500));
            }
        }
    }
}

async function timed<T>(times: number[], call: () => Promise<T>): Promise<T> {
    const start = performance.now();
    const result = await call();
    times.push(performance.now() - start);
    return result;
}

function summary(name: string, times: number[]): string {
    const sorted = [...times].sort((a, b) => a - b);
    const median = defined(sorted[Math.floor(sorted.length / 2)], 'a timing');
    const max = defined(sorted[sorted.length - 1], 'a timing');
    return `${name} median ${Math.round(median)} ms, max ${Math.round(max)} ms (${times.map(Math.round).join(', ')})`;
}

beforeAll(async () => {
    [alice, bob] = await parties.aliceAndVerifiedBob(run);
});

beforeEach(untilAllAnswer);
afterEach(thaw);

// Leave the network as the next test file expects it: every peer back in every gateway's view.
afterAll(async () => {
    thaw();
    await untilAllAnswer();
    parties.close();
}, 60_000);

it('with one peer hung, every send, inbox, receive and sign succeeds', async () => {
    const bobId = (await bob.whoAmI()).partyId;
    const path = join(parties.dir, 'contract.txt');
    writeFileSync(path, `Contract ${run}: the Supplier shall deliver the Goods on the Delivery Date.\n`.repeat(100));
    const times = { send: [] as number[], inbox: [] as number[], receive: [] as number[], sign: [] as number[] };

    freeze('AuditorOrgMSP');
    for (let round = 0; round < ROUNDS; round++) {
        const fileId = `${run}-hung-${round}`;
        const sent = await timed(times.send, () => alice.send(path, { to: [bobId], suite: 'gm', fileId }));
        expect(sent).toMatchObject({ fileId, alreadySent: false });
        const inbox = await timed(times.inbox, () => bob.inbox());
        expect(inbox.map((entry) => entry.fileId)).toContain(fileId);
        const out = join(parties.dir, `received-${round}.txt`);
        const received = await timed(times.receive, () => bob.receive(fileId, out));
        expect(received.ciphertextDigest).toBe(sent.ciphertextDigest);
        const signed = await timed(times.sign, () => bob.sign(fileId, out));
        expect(signed.signer).toBe(bobId);
    }
    thaw();
    process.stdout.write(
        `[hung-peer] AuditorOrg's peer frozen, ${ROUNDS} rounds:\n` +
            Object.entries(times)
                .map(([name, list]) => `  ${summary(name, list)}\n`)
                .join(''),
    );
});

it('with only two peers left, too few for a MAJORITY, a send fails naming who did not answer and what the policy needs', async () => {
    const bobId = (await bob.whoAmI()).partyId;
    const path = join(parties.dir, 'too-few.txt');
    writeFileSync(path, `Contract ${run}: too few peers for a MAJORITY.\n`);

    // Every peer but alice's and bob's gateways: too few left for a MAJORITY of four or of five.
    const hung = memberMspIds().filter((mspId) => !['Org1MSP', 'Org2MSP'].includes(mspId));
    const all = memberMspIds().length;
    freeze(...hung);
    const start = performance.now();
    const failure = await alice.send(path, { to: [bobId], suite: 'gm', fileId: `${run}-too-few` }).then(
        () => undefined,
        (err: unknown) => err,
    );
    const took = performance.now() - start;
    // Once gossip counts those peers down (3 s without an alive message), the gateway's discovery finds
    // no MAJORITY of organisations to ask and says so at once.
    let later: unknown;
    for (let attempt = 1; attempt <= 20; attempt++) {
        later = await alice.send(path, { to: [bobId], suite: 'gm', fileId: `${run}-too-few-${attempt}` }).then(
            () => undefined,
            (err: unknown) => err,
        );
        if (String(later).includes('FAILED_PRECONDITION')) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
    thaw();
    process.stdout.write(`[hung-peer] ${hung.join(', ')} frozen: the send failed after ${Math.round(took)} ms\n`);
    expect(isSealpactError(failure, 'LEDGER_ERROR')).toBe(true);
    // Fabric's gateway asks the organisations of one layout of its plan and, when they fail, may
    // give up without asking the rest: of four organisations both frozen peers are asked; of five
    // the third frozen one may not be (seen here: Org3's), and the SDK then says the gateway
    // counts the others as down. Either way it names who did not answer and what the policy needs.
    const frozenOrg = `(?:${hung.join('|')})`;
    const allSilent = `only 2 of ${all} organisations answered (Org1MSP, Org2MSP); ${listed(hung)} did not (timeout)`;
    const someSilent =
        `${frozenOrg}(?:, ${frozenOrg})* and ${frozenOrg}` +
        escaped(" did not answer (timeout) and the gateway counts other organisations' peers as down");
    const needs = `; the endorsement policy needs ${majorityOfMembers()}`;
    expect(failure).toMatchObject({
        message: expect.stringMatching(
            new RegExp(
                `^${escaped('LEDGER_ERROR: GetParty failed at the endorse stage: ')}(?:${escaped(allSilent)}|${someSilent})${escaped(needs)}$`,
            ),
        ),
    });
    expect(isSealpactError(later, 'LEDGER_ERROR')).toBe(true);
    expect(later).toMatchObject({
        message:
            "LEDGER_ERROR: GetParty failed at the endorse stage: the gateway finds too few organisations' peers up " +
            `for the endorsement policy, which needs ${majorityOfMembers()} (9 FAILED_PRECONDITION: no combination of ` +
            'peers can be derived which satisfy the endorsement policy: no peer combination can satisfy the ' +
            'endorsement policy)',
    });
});
