import { join } from 'node:path';
import { defined } from '../../../protocol/src/test-support/defined';
import { useStandardParties } from '../test-support/stub-parties';
import { ContractNotice, InboxEvent } from './watch';

const world = useStandardParties();

const share = (fileId: string, to: string) =>
    world.alice.send(world.parties.contract(`${fileId}.txt`, 100), { to: [to], suite: 'intl', fileId });

/** Let a watcher that was just asked for its next share open its event stream. */
const started = () => new Promise((resolve) => setImmediate(resolve));

/** The shares a watcher hands out until `last`, calling `done` on each. */
async function sharesUntil(watcher: AsyncGenerator<InboxEvent>, last: string): Promise<string[]> {
    const seen: string[] = [];
    for await (const event of watcher) {
        seen.push(event.fileId);
        await event.done();
        if (event.fileId === last) break;
    }
    return seen;
}

describe('watchInbox', () => {
    it('hands out the shares and grants to this party committed after it started, and no others', async () => {
        const { alice, bob, ids } = world;
        await share('f-before', ids.bob);
        const watcher = bob.watchInbox();
        const first = watcher.next();
        await started();
        await share('f-for-dave', ids.dave);
        await alice.grant('f-for-dave', [ids.bob]);
        await share('f-for-bob', ids.bob);

        const granted = (await first).value as InboxEvent;
        expect(granted).toMatchObject({
            kind: 'share',
            schema: 'sealpact/event/access/v1',
            fileId: 'f-for-dave',
            owner: ids.alice,
        });
        expect(granted.kind === 'share' && granted.recipients.map((r) => r.partyId)).toEqual([ids.bob]);
        await granted.done();
        expect(await sharesUntil(watcher, 'f-for-bob')).toEqual(['f-for-bob']);
        await watcher.return(undefined);
    });

    it('resumes after the last share marked done: a restart neither misses nor repeats one', async () => {
        const { parties, bob, ids } = world;
        const checkpointFile = join(parties.dir, 'watch.checkpoint');
        const watcher = bob.watchInbox({ checkpointFile });
        const first = watcher.next();
        await started();
        await share('f-handled', ids.bob);
        await ((await first).value as InboxEvent).done();
        await share('f-unhandled', ids.bob);
        expect(((await watcher.next()).value as InboxEvent).fileId).toBe('f-unhandled'); // no done()
        await watcher.return(undefined);

        await share('f-while-down', ids.bob);
        await share('f-not-bobs', ids.dave);
        await share('f-after', ids.bob);
        const restarted = bob.watchInbox({ checkpointFile });
        expect(await sharesUntil(restarted, 'f-after')).toEqual(['f-unhandled', 'f-while-down', 'f-after']);
    });

    it('ends when its signal is aborted', async () => {
        const { bob } = world;
        const controller = new AbortController();
        const watcher = bob.watchInbox({ signal: controller.signal });
        const next = watcher.next();
        await started();
        controller.abort();
        expect(await next).toEqual({ done: true, value: undefined });
    });
});

describe('watchInbox and contracts', () => {
    /** [kind, fileId] of the notice `result` holds, marked done. */
    async function handled(result: Promise<IteratorResult<InboxEvent>>): Promise<[string, string]> {
        const event = (await result).value as InboxEvent;
        await event.done();
        return [event.kind, event.fileId];
    }

    /** The first notice (already asked for) and the `more` after it. */
    async function notices(
        watcher: AsyncGenerator<InboxEvent>,
        first: Promise<IteratorResult<InboxEvent>>,
        more: number,
    ) {
        const seen = [await handled(first)];
        while (seen.length <= more) seen.push(await handled(watcher.next()));
        return seen;
    }

    it('tells each party its turn, and everyone concerned how the contract closed', async () => {
        const { parties, alice, bob, dave, ids } = world;
        const watchers = [alice.watchInbox(), bob.watchInbox(), dave.watchInbox()] as const;
        const firsts = watchers.map((watcher) => watcher.next());
        await started();
        const path = parties.contract('f-turns.txt', 100);
        const plan = { to: [ids.bob, ids.dave], suite: 'gm', signers: [[ids.bob], [ids.dave]] } as const;
        await alice.send(path, { ...plan, fileId: 'f-turns' });
        await bob.sign('f-turns', path);
        await dave.sign('f-turns', path);
        await alice.send(path, { ...plan, fileId: 'f-declines' });
        await bob.decline('f-declines', 'not this one');
        // bob is a viewer of this one: none of its contract events concern him.
        await alice.send(path, { ...plan, fileId: 'f-voids', signers: [[ids.dave]] });
        await alice.void('f-voids', 'sent by mistake');
        await alice.revoke('f-voids', ids.bob); // AccessRevoked: no notice to anyone
        await share('f-after-contracts', ids.bob);

        // The owner's own credential makes every send a share to it too, as before.
        expect(await notices(watchers[0], defined(firsts[0]), 5)).toEqual([
            ['share', 'f-turns'],
            ['completed', 'f-turns'],
            ['share', 'f-declines'],
            ['declined', 'f-declines'],
            ['share', 'f-voids'],
            ['voided', 'f-voids'],
        ]);
        expect(await notices(watchers[1], defined(firsts[1]), 7)).toEqual([
            ['share', 'f-turns'],
            ['your-turn', 'f-turns'],
            ['completed', 'f-turns'],
            ['share', 'f-declines'],
            ['your-turn', 'f-declines'],
            ['declined', 'f-declines'],
            ['share', 'f-voids'],
            ['share', 'f-after-contracts'],
        ]);
        expect(await notices(watchers[2], defined(firsts[2]), 7)).toEqual([
            ['share', 'f-turns'],
            ['your-turn', 'f-turns'],
            ['completed', 'f-turns'],
            ['share', 'f-declines'],
            ['declined', 'f-declines'],
            ['share', 'f-voids'],
            ['your-turn', 'f-voids'],
            ['voided', 'f-voids'],
        ]);
        await Promise.all(watchers.map((watcher) => watcher.return(undefined)));
    });

    it('a contract notice carries the event; reasons and turns come with it', async () => {
        const { parties, alice, bob, ids } = world;
        const watcher = bob.watchInbox();
        const first = watcher.next();
        await started();
        const path = parties.contract('f-notice.txt', 100);
        const sent = await alice.send(path, { to: [ids.bob], suite: 'intl', fileId: 'f-notice', signers: [[ids.bob]] });
        expect(await handled(first)).toEqual(['share', 'f-notice']);
        const turn = (await watcher.next()).value as ContractNotice;
        expect(turn).toMatchObject({
            kind: 'your-turn',
            schema: 'sealpact/event/contract/v1',
            action: 'created',
            fileId: 'f-notice',
            owner: ids.alice,
            by: ids.alice,
            state: 'open',
            step: 0,
            turn: [ids.bob],
            txId: sent.txId,
        });
        await turn.done();
        // A file without a plan: its signature's event is no notice.
        const plain = parties.contract('f-plain.txt', 100);
        await alice.send(plain, { to: [ids.bob], suite: 'intl', fileId: 'f-plain' });
        await bob.sign('f-plain', plain);
        await bob.decline('f-notice', 'see my letter of 3 May');
        expect(await handled(watcher.next())).toEqual(['share', 'f-plain']);
        const declined = (await watcher.next()).value as ContractNotice;
        expect(declined).toMatchObject({ kind: 'declined', reason: 'see my letter of 3 May', turn: [], by: ids.bob });
        await watcher.return(undefined);
    });

    it('an event that gave two notices is checkpointed once both are done', async () => {
        const { parties, alice, bob, ids } = world;
        const checkpointFile = join(parties.dir, 'contract-watch.checkpoint');
        const watcher = bob.watchInbox({ checkpointFile });
        const first = watcher.next();
        await started();
        await share('f-before-two', ids.bob); // the first checkpoint
        const plan = { to: [ids.bob], suite: 'gm', signers: [[ids.bob]] } as const;
        await alice.send(parties.contract('f-two.txt', 100), { ...plan, fileId: 'f-two' });
        expect(await handled(first)).toEqual(['share', 'f-before-two']);
        const shared = (await watcher.next()).value as InboxEvent;
        await shared.done();
        await shared.done(); // twice counts once
        const turn = (await watcher.next()).value as InboxEvent;
        expect([turn.kind, turn.fileId]).toEqual(['your-turn', 'f-two']);
        await watcher.return(undefined); // the turn not done: a restart hands out the event again

        await share('f-after-two', ids.bob);
        const restarted = bob.watchInbox({ checkpointFile });
        expect(await notices(restarted, restarted.next(), 2)).toEqual([
            ['share', 'f-two'],
            ['your-turn', 'f-two'],
            ['share', 'f-after-two'],
        ]);
        await restarted.return(undefined);
        const again = bob.watchInbox({ checkpointFile });
        const next = again.next();
        await started();
        await share('f-after-restart', ids.bob);
        expect(await handled(next)).toEqual(['share', 'f-after-restart']);
        await again.return(undefined);
    });
});
