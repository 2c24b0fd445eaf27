import { ContractIndexEntry, ContractView } from '@sealpact/protocol';
import { verifyParty } from '../../../chaincode/src/test-support/scenarios';
import { Sealpact } from '../sdk/sealpact';
import { CliOutcome, sealpact } from '../test-support/cli-in-process';
import { StandardParties, standardParties, StubParty } from '../test-support/stub-parties';
import * as session from './session';

/**
 * The contract commands as a user drives them, in-process through run(argv), each ledger command
 * acting through the SDK on the stub network as the party `--identity` names (alice, bob, carol,
 * dave or auditor): alice owns the contracts, bob, carol and dave are verified recipients.
 */

let world: StandardParties;
let auditor: StubParty;
beforeAll(async () => {
    world = await standardParties();
    await verifyParty(world.parties.network, world.ids.carol);
    auditor = await world.parties.as('auditor');
});
afterAll(() => world.parties.remove());

beforeEach(() => {
    jest.spyOn(session, 'withSession').mockImplementation(async (options, _needsKeys, work) => {
        const names = { alice: world.alice, bob: world.bob, carol: world.carol, dave: world.dave, auditor };
        const party = names[options.identity as keyof typeof names];
        return work(party as unknown as Sealpact);
    });
});
afterEach(() => jest.restoreAllMocks());

/** `sealpact <command> --identity <as> ...argv`. */
const as = (identity: string, command: string, ...argv: string[]) => sealpact(command, '--identity', identity, ...argv);

/** The JSON a command printed with --json, having checked it succeeded. */
function jsonOf(result: CliOutcome): unknown {
    expect(result).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(result.stdout);
}

const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
const TX = '[0-9a-f]{16}…';

/** alice sends `fileId` to bob, carol and dave with --signers `signers` and any further options. */
async function send(fileId: string, signers: string, ...more: string[]) {
    const { parties, ids } = world;
    const to = [ids.bob, ids.carol, ids.dave].join(',');
    const path = parties.contract(`${fileId}.txt`, 500);
    const result = await as(
        'alice',
        'send',
        '--to',
        to,
        '--in',
        path,
        '--suite',
        'gm',
        '--file-id',
        fileId,
        '--signers',
        signers,
        ...more,
    );
    return { path, result };
}

describe('send --signers and --deadline', () => {
    it.each([
        ['an empty step', 'P1;;P2', '--signers: step 2 is empty (steps are separated by ";")'],
        ['a trailing ;', 'P1;', '--signers: step 2 is empty (steps are separated by ";")'],
        ['a blank step', ' ;P1', '--signers: step 1 is empty (steps are separated by ";")'],
        [
            'an empty name',
            'P1;P2,,P3',
            '--signers: name 2 of step 2 is empty (the signers of a step are separated by ",")',
        ],
        ['a trailing ,', 'P1,', '--signers: name 2 of step 1 is empty (the signers of a step are separated by ",")'],
    ])('refuses %s with one usage line, exit 2', async (_case, signers, message) => {
        const result = await as('alice', 'send', '--to', 'P1', '--in', 'x', '--suite', 'gm', '--signers', signers);
        expect(result).toEqual({ code: 2, stdout: '', stderr: `sealpact: USAGE: ${message}\n` });
    });

    it.each([
        ['2026-12-31', '"2026-12-31"'],
        ['2026-12-31T23:59:59+08:00', '"2026-12-31T23:59:59+08:00"'],
        ['2026-02-30T00:00:00Z', '"2026-02-30T00:00:00Z"'],
    ])('refuses --deadline %s: not an ISO 8601 UTC time', async (deadline, quoted) => {
        const argv = ['--to', 'P1', '--in', 'x', '--suite', 'gm', '--signers', 'P1', '--deadline', deadline];
        expect(await as('alice', 'send', ...argv)).toEqual({
            code: 2,
            stdout: '',
            stderr: `sealpact: USAGE: --deadline must be an ISO 8601 UTC time such as 2026-12-31T23:59:59Z, not ${quoted}\n`,
        });
    });

    it('refuses --deadline without --signers', async () => {
        const argv = ['--to', 'P1', '--in', 'x', '--suite', 'gm', '--deadline', '2030-01-01T00:00:00Z'];
        expect(await as('alice', 'send', ...argv)).toEqual({
            code: 2,
            stdout: '',
            stderr: 'sealpact: USAGE: --deadline applies to a contract with --signers only\n',
        });
    });

    it('a signer who is not in --to is refused by the SDK before anything is sent', async () => {
        const { ids } = world;
        const put = jest.spyOn(world.parties.store, 'put');
        const { result } = await send('f-cli-stranger', `${ids.bob};Org2MSP/erin@org2.example.com`);
        expect(result).toEqual({
            code: 1,
            stdout: '',
            stderr: 'sealpact: BAD_ARGUMENT: signer Org2MSP/erin@org2.example.com is neither the sender nor in "to"\n',
        });
        expect(put).not.toHaveBeenCalled();
    });

    it('sends a contract: steps by ";", parallel signers by ","; prints the plan', async () => {
        const { ids } = world;
        const { result } = await send(
            'f-cli-sent',
            ` ${ids.bob} ;${ids.carol}, ${ids.alice}`,
            '--deadline',
            '2030-12-31T23:59:59Z',
        );
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(
            new RegExp(
                `^sent f-cli-sent\\n  sm3-tree:[0-9a-f]{64}\\n  contract: 2 step\\(s\\), deadline 2030-12-31T23:59:59\\.000Z, plan [0-9a-f]{64}\\n  tx [0-9a-f]{64}\\n$`,
            ),
        );
        const view = jsonOf(await as('dave', 'contract', '--file-id', 'f-cli-sent', '--json')) as {
            contract: ContractView;
        };
        expect(view.contract.steps.map((step) => step.signers.map((signer) => signer.partyId))).toEqual([
            [ids.bob],
            [ids.carol, ids.alice],
        ]);
    });
});

describe('sign, decline, void, expire', () => {
    it('sign names the step; a later step is refused until its turn, naming why', async () => {
        const { ids } = world;
        const { path } = await send('f-cli-sign', `${ids.bob};${ids.carol}`);
        const early = await as('carol', 'sign', '--file-id', 'f-cli-sign', '--in', path);
        expect(early).toEqual({
            code: 1,
            stdout: '',
            stderr: `sealpact: NOT_YOUR_TURN: ${ids.carol} signs in step 2; step 1 of the contract on f-cli-sign is not finished\n`,
        });
        const signed = await as('bob', 'sign', '--file-id', 'f-cli-sign', '--in', path);
        expect(signed.stdout).toMatch(
            new RegExp(`^signed f-cli-sign as ${ids.bob}, step 1 of plan [0-9a-f]{64} \\(tx [0-9a-f]{64}\\)\\n$`),
        );
        const json = jsonOf(await as('carol', 'sign', '--file-id', 'f-cli-sign', '--in', path, '--json')) as {
            ok: boolean;
            step: number;
            planHash: string;
        };
        expect(json).toMatchObject({ ok: true, step: 2 });
        expect(json.planHash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('decline and void need a reason, and print the contract closed', async () => {
        const { ids } = world;
        await send('f-cli-decline', ids.bob);
        expect(await as('bob', 'decline', '--file-id', 'f-cli-decline')).toEqual({
            code: 2,
            stdout: '',
            stderr: 'sealpact: USAGE: decline: --reason is required\n',
        });
        const declined = await as('bob', 'decline', '--file-id', 'f-cli-decline', '--reason', 'clause 4 is wrong');
        expect(declined).toMatchObject({ code: 0, stderr: '' });
        expect(declined.stdout).toMatch(/^declined the contract on f-cli-decline \(tx [0-9a-f]{64}\)\n$/);

        await send('f-cli-void', ids.bob);
        const refused = await as('bob', 'void', '--file-id', 'f-cli-void', '--reason', 'not mine');
        expect(refused).toEqual({
            code: 1,
            stdout: '',
            stderr: 'sealpact: ACCESS_DENIED: only the owner of f-cli-void may void its contract\n',
        });
        const voided = jsonOf(
            await as('alice', 'void', '--file-id', 'f-cli-void', '--reason', 'sent by mistake', '--json'),
        ) as { contract: ContractView; txId: string };
        expect(voided.contract).toMatchObject({ state: 'voided', reason: 'sent by mistake' });
        expect(voided.txId).toMatch(/^[0-9a-f]{64}$/);
    });

    it('expire before the deadline is refused, naming why', async () => {
        const { ids } = world;
        await send('f-cli-expire', ids.bob, '--deadline', '2030-01-01T00:00:00Z');
        const result = await as('bob', 'expire', '--file-id', 'f-cli-expire');
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(
            new RegExp(
                `^sealpact: WRONG_STATE: the deadline 2030-01-01T00:00:00\\.000Z of the contract on f-cli-expire has not passed at ${ISO}\\n$`,
            ),
        );
    });
});

describe('contract', () => {
    it('shows the timeline: each step, each signer with state and time, and how it closed', async () => {
        const { ids } = world;
        const { path } = await send(
            'f-cli-timeline',
            `${ids.bob};${ids.carol},${ids.dave}`,
            '--deadline',
            '2031-01-01T00:00:00Z',
        );
        await as('bob', 'sign', '--file-id', 'f-cli-timeline', '--in', path);
        await as('carol', 'sign', '--file-id', 'f-cli-timeline', '--in', path);
        const open = await as('alice', 'contract', '--file-id', 'f-cli-timeline');
        expect(open.code).toBe(0);
        expect(open.stdout).toMatch(
            new RegExp(
                [
                    `^contract on f-cli-timeline \\(owner ${ids.alice}\\): open, step 2 of 2`,
                    '  plan      [0-9a-f]{64}',
                    '  deadline  2031-01-01T00:00:00\\.000Z',
                    `  created   ${ISO}  tx ${TX}`,
                    '  step 1 of 2',
                    `    signed    ${ISO}  ${ids.bob}  tx ${TX}`,
                    '  step 2 of 2',
                    `    signed    ${ISO}  ${ids.carol}  tx ${TX}`,
                    `    awaiting  ${ISO}  ${ids.dave}\\n$`,
                ].join('\\n'),
            ),
        );
        await as('dave', 'decline', '--file-id', 'f-cli-timeline', '--reason', '价格不对 "as agreed"');
        const declined = await as('auditor', 'contract', '--file-id', 'f-cli-timeline');
        expect(declined.stdout).toMatch(
            new RegExp(
                [
                    `^contract on f-cli-timeline \\(owner ${ids.alice}\\): declined`,
                    '[^]*',
                    `    declined  ${ISO}  ${ids.dave}  tx ${TX}`,
                    `  declined  ${ISO}  by ${ids.dave}  tx ${TX}`,
                    String.raw`  reason    "价格不对 \\"as agreed\\""\n$`,
                ].join('\\n'),
            ),
        );
    });

    it('a file without a plan has no contract', async () => {
        const { parties, ids } = world;
        const path = parties.contract('f-cli-plain.txt', 100);
        await as('alice', 'send', '--to', ids.bob, '--in', path, '--suite', 'intl', '--file-id', 'f-cli-plain');
        expect(await as('bob', 'contract', '--file-id', 'f-cli-plain')).toEqual({
            code: 1,
            stdout: '',
            stderr: 'sealpact: NOT_FOUND: file f-cli-plain has no contract\n',
        });
    });
});

describe('contracts', () => {
    it('lists those awaiting you by default, or those you started, optionally by state', async () => {
        const { ids } = world;
        await send('f-cli-list', ids.dave);
        const awaiting = await as('dave', 'contracts');
        expect(awaiting.code).toBe(0);
        expect(awaiting.stdout).toMatch(
            new RegExp(`^f-cli-list  open      step 1  deadline none  owner ${ids.alice}  since ${ISO}$`, 'm'),
        );
        const same = jsonOf(await as('dave', 'contracts', '--awaiting-me', '--json')) as {
            contracts: ContractIndexEntry[];
        };
        expect(same.contracts.map((entry) => entry.fileId)).toContain('f-cli-list');

        const voided = jsonOf(await as('alice', 'contracts', '--started', '--state', 'voided', '--json')) as {
            contracts: ContractIndexEntry[];
        };
        expect(voided.contracts.map((entry) => [entry.fileId, entry.state])).toEqual([['f-cli-void', 'voided']]);
        const started = await as('alice', 'contracts', '--started');
        expect(started.stdout).toMatch(/^f-cli-decline {2}declined {2}step - {2}deadline none {2}owner /m);
        expect(await as('dave', 'contracts', '--state', 'completed')).toEqual({
            code: 0,
            stdout: 'no contracts awaiting your signature in state completed\n',
            stderr: '',
        });
        expect(await as('bob', 'contracts', '--started')).toEqual({
            code: 0,
            stdout: 'no contracts started by you\n',
            stderr: '',
        });
    });

    it('takes --awaiting-me or --started, not both, and a known state', async () => {
        expect(await as('dave', 'contracts', '--awaiting-me', '--started')).toEqual({
            code: 2,
            stdout: '',
            stderr: 'sealpact: USAGE: give --awaiting-me or --started, not both\n',
        });
        expect(await as('dave', 'contracts', '--state', 'signed')).toEqual({
            code: 2,
            stdout: '',
            stderr: 'sealpact: USAGE: --state must be open, completed, declined, voided or expired, not "signed"\n',
        });
    });
});

describe('audit and watch', () => {
    it('audit shows how a contract closed among the steps of its trail', async () => {
        const { ids } = world;
        const { path } = await send('f-cli-audit', ids.bob);
        await as('bob', 'sign', '--file-id', 'f-cli-audit', '--in', path);
        const audit = await as('auditor', 'audit', '--file-id', 'f-cli-audit');
        expect(audit.code).toBe(0);
        const lines = audit.stdout.trim().split('\n');
        expect(lines.at(-2)).toMatch(
            new RegExp(
                `^  ${ISO}  signed {4}${ids.bob} +by ${ids.bob}  tx ${TX}  SM2 signature over hmac-sm3:[0-9a-f]{64} \\(step 1\\)$`,
            ),
        );
        expect(lines.at(-1)).toMatch(
            new RegExp(
                `^  ${ISO}  completed ${ids.bob} +by ${ids.bob}  tx ${TX}  contract completed: all 1 signers of 1 step\\(s\\) signed$`,
            ),
        );
        const declined = await as('auditor', 'audit', '--file-id', 'f-cli-decline');
        expect(declined.stdout.trim().split('\n').at(-1)).toMatch(
            / {2}declined {2}.* contract declined: clause 4 is wrong$/,
        );
    });

    it('watch prints shares, turns and closings as they come', async () => {
        const { alice, bob, ids, parties } = world;
        let listening: () => void = () => undefined;
        const opened = new Promise<void>((resolve) => (listening = resolve));
        const events = bob.ledger.chaincodeEvents.bind(bob.ledger);
        jest.spyOn(bob.ledger, 'chaincodeEvents').mockImplementation(async (options) => {
            const stream = await events(options);
            listening();
            return stream;
        });
        const watching = as('bob', 'watch', '--count', '6');
        await opened;
        const path = parties.contract('f-cli-watch.txt', 100);
        await alice.send(path, { to: [ids.bob], suite: 'gm', fileId: 'f-cli-watch', signers: [[ids.bob]] });
        await bob.sign('f-cli-watch', path);
        await alice.send(path, { to: [ids.bob], suite: 'gm', fileId: 'f-cli-watch-2', signers: [[ids.bob]] });
        await bob.decline('f-cli-watch-2', 'no');
        const result = await watching;
        expect(result.code).toBe(0);
        const tx = 'tx [0-9a-f]{64}$';
        expect(result.stdout.split('\n')).toEqual([
            expect.stringMatching(new RegExp(`^${ISO}  f-cli-watch  from ${ids.alice}  ${tx}`)),
            expect.stringMatching(
                new RegExp(`^${ISO}  f-cli-watch  your turn to sign, step 1 \\(from ${ids.alice}\\)  ${tx}`),
            ),
            expect.stringMatching(new RegExp(`^${ISO}  f-cli-watch  contract completed \\(by ${ids.bob}\\)  ${tx}`)),
            expect.stringMatching(/^\S+ {2}f-cli-watch-2 {2}from /),
            expect.stringMatching(/^\S+ {2}f-cli-watch-2 {2}your turn to sign/),
            expect.stringMatching(new RegExp(`^${ISO}  f-cli-watch-2  contract declined by ${ids.bob}: "no"  ${tx}`)),
            '',
        ]);
    });
});

describe('expiry (last: it moves the stub peer past the deadline)', () => {
    it('the timeline says an expiry is not recorded yet, then who recorded it', async () => {
        const { ids, parties } = world;
        await send('f-cli-expiry', `${ids.bob};${ids.dave}`, '--deadline', '2032-01-01T00:00:00Z');
        parties.network.advanceClock(Date.parse('2032-01-01T00:00:00Z') - parties.network.nextTimestamp().getTime());
        const unrecorded = await as('bob', 'contract', '--file-id', 'f-cli-expiry');
        expect(unrecorded.stdout).toMatch(
            new RegExp(
                `^contract on f-cli-expiry \\(owner ${ids.alice}\\): expired\n[^]*\n  expired   its deadline passed; not recorded yet \\(sealpact expire --file-id f-cli-expiry\\)\n$`,
            ),
        );
        const listed = jsonOf(await as('bob', 'contracts', '--state', 'expired', '--json')) as {
            contracts: ContractIndexEntry[];
        };
        // Every contract awaiting bob whose deadline is behind the peer's clock now, in file id order.
        expect(listed.contracts.map((entry) => entry.fileId)).toEqual(['f-cli-expire', 'f-cli-expiry', 'f-cli-sent']);

        const expired = await as('dave', 'expire', '--file-id', 'f-cli-expiry');
        expect(expired.stdout).toMatch(/^recorded the expiry of the contract on f-cli-expiry \(tx [0-9a-f]{64}\)\n$/);
        const recorded = await as('alice', 'contract', '--file-id', 'f-cli-expiry');
        expect(recorded.stdout.trim().split('\n').at(-1)).toMatch(
            new RegExp(`^  expired   ${ISO}  recorded by ${ids.dave}  tx ${TX}$`),
        );
        const started = await as('alice', 'contracts', '--started', '--state', 'expired');
        expect(started.stdout).toMatch(
            /^f-cli-expiry {2}expired {3}step - {2}deadline 2032-01-01T00:00:00\.000Z {2}owner /,
        );
    });
});
