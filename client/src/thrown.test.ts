import { messageOf } from './thrown';

describe('messageOf', () => {
    test.each([
        ['an Error', new Error('disk full'), 'disk full'],
        ['an Error with an empty message', new Error(''), ''],
        ['an object with a message', { message: 'from a library' }, 'from a library'],
        ['an object whose message is undefined', { message: undefined }, '[object Object]'],
        ['a string', 'plain text', 'plain text'],
        ['a number', 42, '42'],
        ['null', null, 'null'],
        ['undefined', undefined, 'undefined'],
    ])('%s', (_what, thrown, expected) => {
        expect(messageOf(thrown)).toBe(expected);
    });
});
