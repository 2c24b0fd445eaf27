import { Context } from 'fabric-contract-api';
import { BaselineContract } from './index';

function fakeContext() {
    const stub = {
        getState: jest.fn<Promise<Uint8Array>, [string]>(() => Promise.resolve(Buffer.alloc(0))),
        putState: jest.fn<Promise<void>, [string, Uint8Array]>(() => Promise.resolve()),
        setEvent: jest.fn<undefined, [string, Uint8Array]>(),
    };
    return { ctx: { stub } as unknown as Context, stub };
}

describe('BaselineContract.ReadWrite', () => {
    const contract = new BaselineContract();

    it('reads each key, writes the value under each numbered key and sets it as the event', async () => {
        const { ctx, stub } = fakeContext();
        await contract.ReadWrite(ctx, '["a","b"]', 'p', '3', 'v');
        expect(stub.getState.mock.calls).toEqual([['a'], ['b']]);
        expect(stub.putState.mock.calls.map(([key]) => key)).toEqual(['p/0', 'p/1', 'p/2']);
        expect(stub.setEvent).toHaveBeenCalledWith('ReadWrite', Buffer.from('v'));
    });

    it.each([
        ['{"a":1}', '1', 'readKeys must be a JSON array of at most 16 strings'],
        ['not json', '1', 'readKeys must be a JSON array of at most 16 strings'],
        [JSON.stringify(Array.from({ length: 17 }, (_, i) => `k${i}`)), '1', 'readKeys must be'],
        ['[]', '17', 'writes must be an integer from 0 to 16'],
        ['[]', '1.5', 'writes must be an integer from 0 to 16'],
    ])('refuses readKeys %s with writes %s', async (readKeys, writes, message) => {
        const { ctx, stub } = fakeContext();
        await expect(contract.ReadWrite(ctx, readKeys, 'p', writes, 'v')).rejects.toThrow(message);
        expect(stub.putState).not.toHaveBeenCalled();
    });
});
