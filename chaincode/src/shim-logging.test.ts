import { Shim } from 'fabric-shim';
import { skipUnloggedShimDebug } from './shim-logging';

describe('skipUnloggedShimDebug', () => {
    const handler = () => Shim.newLogger('lib/handler.js');
    const saved = process.env.CORE_CHAINCODE_LOGGING_LEVEL;
    afterEach(() => {
        process.env.CORE_CHAINCODE_LOGGING_LEVEL = saved;
        delete (handler() as { debug?: unknown }).debug; // back to winston's own method
    });

    it("stops the shim's handler logger formatting debug messages it would drop", () => {
        process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'INFO';
        const format = jest.spyOn(handler().format, 'transform');
        handler().debug('before %j', { x: 1 });
        expect(format).toHaveBeenCalledTimes(1); // winston formats it, then drops it

        skipUnloggedShimDebug();
        handler().debug('after %j', { x: 1 });
        expect(format).toHaveBeenCalledTimes(1);
        format.mockRestore();
    });

    it('leaves debug alone when debug is logged', () => {
        process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'DEBUG';
        const before = handler().debug;
        skipUnloggedShimDebug();
        expect(handler().debug).toBe(before);
    });
});
