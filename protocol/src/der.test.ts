import { expect } from '@jest/globals';
import { DER_OCTET_STRING, DerReader } from './der';

// The strict DER reader shared by public keys, envelopes, signatures and SM2 private keys.
const reader = (hex: string) => new DerReader(Buffer.from(hex, 'hex'), 'BAD_ARGUMENT', 'input');
const octets = (hex: string) => {
    const r = reader(hex);
    const value = r.octets();
    r.end();
    return value.length;
};
const expectBadArgument = (f: () => unknown) => {
    expect(f).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
};

test('short, one-byte and two-byte lengths in their minimal form', () => {
    expect(octets('0400')).toBe(0);
    expect(octets('047f' + '00'.repeat(0x7f))).toBe(0x7f);
    expect(octets('048180' + '00'.repeat(0x80))).toBe(0x80);
    expect(octets('04820100' + '00'.repeat(0x100))).toBe(0x100);
});

test('non-minimal, indefinite, over-long and truncated lengths are refused', () => {
    expectBadArgument(() => octets('04817f' + '00'.repeat(0x7f)));
    expectBadArgument(() => octets('048200ff' + '00'.repeat(0xff)));
    expectBadArgument(() => octets('0480000000'));
    expectBadArgument(() => octets('0483000100' + '00'.repeat(0x100)));
    expectBadArgument(() => octets('0405000000'));
    expectBadArgument(() => octets('04'));
    expectBadArgument(() => octets('0481'));
});

test('INTEGERs: non-negative and minimal only', () => {
    const int = (hex: string) => reader(hex).integer();
    expect(int('020100')).toBe(0n);
    expect(int('02020080')).toBe(0x80n);
    expect(int('02017f')).toBe(0x7fn);
    expectBadArgument(() => int('0200'));
    expectBadArgument(() => int('020180'));
    expectBadArgument(() => int('0202007f'));
});

test('tags, nesting and trailing bytes; messages name offsets, not content', () => {
    const outer = reader('3006020101040100');
    const seq = outer.sequence();
    outer.end();
    expect(seq.integer()).toBe(1n);
    expect(seq.read(DER_OCTET_STRING)).toEqual(Buffer.from([0]));
    seq.end();
    expectBadArgument(() => reader('3103020101').sequence());
    const trailing = reader('0400ff');
    trailing.octets();
    expect(() => trailing.end()).toThrow('BAD_ARGUMENT: input is not valid DER: unexpected bytes after byte 2');
    const inner = reader('30030201ff').sequence();
    expect(() => inner.integer()).toThrow('INTEGER at byte 2 is empty or negative');
});

test('OBJECT IDENTIFIERs in dotted form, minimally encoded', () => {
    expect(reader('06072a8648ce3d0201').oid()).toBe('1.2.840.10045.2.1');
    expect(reader('06082a811ccf5501822d').oid()).toBe('1.2.156.10197.1.301');
    expect(reader('0603813403').oid()).toBe('2.100.3');
    expectBadArgument(() => reader('0600').oid());
    expectBadArgument(() => reader('06022a86').oid());
    expectBadArgument(() => reader('0603808001').oid());
});

test('BIT STRINGs of whole bytes, and NULL', () => {
    expect(reader('030300abcd').bits()).toEqual(Buffer.from([0xab, 0xcd]));
    expectBadArgument(() => reader('030301abcd').bits());
    expectBadArgument(() => reader('0300').bits());
    expect(() => {
        reader('0500').null();
    }).not.toThrow();
    expectBadArgument(() => reader('050100').null());
});
