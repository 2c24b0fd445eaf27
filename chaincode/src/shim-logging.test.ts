import { getLogger as contractApiLogger } from 'fabric-contract-api/lib/logger';
import { Shim } from 'fabric-shim';
import { skipUnloggedShimLevels } from './shim-logging';

type Logged = Record<string, unknown> & { format: { transform: (...args: unknown[]) => unknown } };

describe('skipUnloggedShimLevels', () => {
    const handler = () => Shim.newLogger('lib/handler.js') as unknown as Logged;
    const serializer = () => contractApiLogger('./lib/jsontransactionserializer.js') as unknown as Logged;
    const saved = process.env.CORE_CHAINCODE_LOGGING_LEVEL;
    afterEach(() => {
        process.env.CORE_CHAINCODE_LOGGING_LEVEL = saved;
        for (const logger of [handler(), serializer()]) {
            for (const level of ['info', 'verbose', 'debug', 'silly']) {
                Reflect.deleteProperty(logger, level); // winston's own methods again
            }
        }
    });

    it.each([
        ['the shim', handler],
        ['the contract API', serializer],
    ])("stops %s's loggers formatting messages below the level, which winston formats and then drops", (_, logger) => {
        process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'WARNING';
        const format = jest.spyOn(logger().format, 'transform');
        (logger().verbose as (message: string) => void)('before');
        expect(format).toHaveBeenCalledTimes(1);

        skipUnloggedShimLevels();
        (logger().info as (message: string) => void)('after');
        (logger().debug as (message: string, ...meta: unknown[]) => void)('after %j', { x: 1 });
        expect(format).toHaveBeenCalledTimes(1);
        format.mockRestore();
    });

    it('leaves a level the environment turns on alone', () => {
        process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'DEBUG';
        const before = handler().debug;
        skipUnloggedShimLevels();
        expect(handler().debug).toBe(before);
        expect(Object.hasOwn(handler(), 'info')).toBe(false);
    });
});
