// The test peer first: it quietens fabric-contract-api's logging before the library loads.
import { StubNetwork } from './stub-network';
import { Context, Contract } from 'fabric-contract-api';
import { defined } from '../../../protocol/src/test-support/defined';

/** What the probe's Range answers with a page size. */
interface RangePage {
    values: string[];
    bookmark: string;
    count: number;
}

/** One entry of the probe's History. */
interface HistoryEntry {
    txId: string;
    isDelete: boolean;
    value: string;
    seconds: number;
}

/** What the probe's Whoami answers. */
interface Who {
    msp: string;
    id: string;
    tx: string;
}

/** A probe contract exercising the test peer through the real ChaincodeStub. */
class Probe extends Contract {
    constructor() {
        super('probe');
    }

    async Put(ctx: Context, key: string, value: string): Promise<string> {
        await ctx.stub.putState(key, Buffer.from(value));
        return Buffer.from(await ctx.stub.getState(key)).toString();
    }

    async Delete(ctx: Context, key: string): Promise<void> {
        await ctx.stub.deleteState(key);
    }

    async PutThenFail(ctx: Context, key: string): Promise<void> {
        await ctx.stub.putState(key, Buffer.from('never'));
        ctx.stub.setEvent('Lost', Buffer.from('x'));
        throw new Error('FAILED: on purpose');
    }

    TwoEvents(ctx: Context): Promise<void> {
        ctx.stub.setEvent('First', Buffer.from('1'));
        ctx.stub.setEvent('Second', Buffer.from('2'));
        return Promise.resolve();
    }

    async PutComposite(ctx: Context, count: string): Promise<void> {
        for (let i = 0; i < Number(count); i++) {
            await ctx.stub.putState(
                ctx.stub.createCompositeKey('item', ['a', String(i).padStart(4, '0')]),
                Buffer.from(String(i)),
            );
        }
        await ctx.stub.putState(ctx.stub.createCompositeKey('item', ['b', '0']), Buffer.from('other'));
    }

    async Range(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
        const size = Number(pageSize);
        if (size === 0) {
            const values: string[] = [];
            for await (const kv of ctx.stub.getStateByPartialCompositeKey('item', ['a'])) {
                values.push(Buffer.from(kv.value).toString());
            }
            return JSON.stringify(values);
        }
        const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
            'item',
            ['a'],
            size,
            bookmark,
        );
        const values: string[] = [];
        for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
            values.push(Buffer.from(r.value.value).toString());
        }
        // No metadata for an empty last page, as fabric-shim on a real peer (the simulator does the same).
        const { bookmark: next = '', fetchedRecordsCount: count = 0 } = (metadata as typeof metadata | undefined) ?? {};
        const page: RangePage = { values, bookmark: next, count };
        return JSON.stringify(page);
    }

    async PageThenWrite(ctx: Context): Promise<void> {
        await ctx.stub.getStateByPartialCompositeKeyWithPagination('item', ['a'], 1, '');
        await ctx.stub.putState('k', Buffer.from('v'));
    }

    async History(ctx: Context, key: string): Promise<string> {
        const entries: HistoryEntry[] = [];
        for await (const m of ctx.stub.getHistoryForKey(key)) {
            entries.push({
                txId: m.txId,
                isDelete: m.isDelete,
                value: Buffer.from(m.value).toString(),
                seconds: Number(m.timestamp.seconds),
            });
        }
        return JSON.stringify(entries);
    }

    Whoami(ctx: Context): Promise<string> {
        const who: Who = { msp: ctx.clientIdentity.getMSPID(), id: ctx.clientIdentity.getID(), tx: ctx.stub.getTxID() };
        return Promise.resolve(JSON.stringify(who));
    }
}

describe('the test peer', () => {
    let ledger: StubNetwork;
    beforeEach(() => {
        ledger = new StubNetwork({ contracts: [Probe] });
    });

    it('does not show a transaction its own writes, and commits only successful submits', async () => {
        expect((await ledger.submit('alice', 'Put', 'k', 'v1')).payload).toBe('');
        expect((await ledger.submit('alice', 'Put', 'k', 'v2')).payload).toBe('v1');
        await ledger.evaluate('alice', 'Put', 'k', 'evaluated');
        await expect(ledger.submit('alice', 'PutThenFail', 'k')).rejects.toThrow('FAILED: on purpose');
        expect((await ledger.submit('alice', 'Put', 'k', 'v3')).payload).toBe('v2');
        expect(ledger.events).toEqual([]);
    });

    it('keeps only the last event of a transaction, as Fabric does', async () => {
        const { txId } = await ledger.submit('alice', 'TwoEvents');
        expect(ledger.events).toEqual([{ txId, name: 'Second', payload: '2' }]);
    });

    it('answers composite-key range queries in key order, in batches and with bookmarks', async () => {
        await ledger.submit('alice', 'PutComposite', '250');
        const all = JSON.parse(await ledger.evaluate('alice', 'Range', '0', '')) as string[];
        expect(all).toHaveLength(250);
        expect(all[249]).toBe('249');
        const first = JSON.parse(await ledger.evaluate('alice', 'Range', '100', '')) as RangePage;
        expect(first.values).toHaveLength(100);
        expect(first.count).toBe(100);
        const rest = JSON.parse(await ledger.evaluate('alice', 'Range', '200', first.bookmark)) as RangePage;
        expect(rest.values[0]).toBe('100');
        expect(rest.values).toHaveLength(150);
        expect(rest.bookmark).toBe('');
        await expect(ledger.submit('alice', 'PageThenWrite')).rejects.toThrow(/read-write transaction/);
    });

    it('keeps key history across transactions, newest first, deletes included', async () => {
        const a = await ledger.submit('alice', 'Put', 'k', 'v1');
        const b = await ledger.submit('bob', 'Put', 'k', 'v2');
        const c = await ledger.submit('alice', 'Delete', 'k');
        const history = JSON.parse(await ledger.evaluate('alice', 'History', 'k')) as HistoryEntry[];
        expect(history.map((h) => h.txId)).toEqual([c.txId, b.txId, a.txId]);
        const [newest, , oldest] = history;
        expect(newest).toMatchObject({ isDelete: true, value: '' });
        expect(oldest?.seconds).toBeLessThan(defined(newest).seconds);
    });

    it('builds the client identity from the X.509 certificate', async () => {
        const who = JSON.parse(await ledger.evaluate('bob', 'Whoami')) as Who;
        expect(who.msp).toBe('Org2MSP');
        expect(who.id).toBe(
            'x509::/C=US/O=org2.example.com/OU=client/CN=bob@org2.example.com::/C=US/O=org2.example.com/CN=ca.org2.example.com',
        );
        expect(who.tx).toMatch(/^[0-9a-f]{64}$/);
    });
});
