import { join } from 'node:path';
import { useStandardParties } from '../test-support/stub-parties';
import { InboxEvent } from './watch';

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
        expect(granted).toMatchObject({ schema: 'sealpact/event/access/v1', fileId: 'f-for-dave', owner: ids.alice });
        expect(granted.recipients.map((r) => r.partyId)).toEqual([ids.bob]);
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
