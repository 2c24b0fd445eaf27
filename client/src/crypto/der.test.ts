import { DER_OCTET_STRING, DerReader } from '@sealpact/chaincode/dist/lib/der';

// The strict DER reader shared by envelopes, signatures and SM2 private keys (chaincode/src/lib).
const reader = (hex: string) => new DerReader(Buffer.from(hex, 'hex'), 'TEST', 'input');
const octets = (hex: string) => {
    const r = reader(hex);
    const value = r.octets();
    r.end();
    return value.length;
};
const fails = (f: () => unknown) => expect(f).toThrow(expect.objectContaining({ code: 'TEST' }));

test('short, one-byte and two-byte lengths in their minimal form', () => {
    expect(octets('0400')).toBe(0);
    expect(octets('047f' + '00'.repeat(0x7f))).toBe(0x7f);
    expect(octets('048180' + '00'.repeat(0x80))).toBe(0x80);
    expect(octets('04820100' + '00'.repeat(0x100))).toBe(0x100);
});

test('non-minimal, indefinite, over-long and truncated lengths are refused', () => {
    fails(() => octets('04817f' + '00'.repeat(0x7f)));
    fails(() => octets('048200ff' + '00'.repeat(0xff)));
    fails(() => octets('0480000000'));
    fails(() => octets('0483000100' + '00'.repeat(0x100)));
    fails(() => octets('0405000000'));
    fails(() => octets('04'));
    fails(() => octets('0481'));
});

test('INTEGERs: non-negative and minimal only', () => {
    const int = (hex: string) => reader(hex).integer();
    expect(int('020100')).toBe(0n);
    expect(int('02020080')).toBe(0x80n);
    expect(int('02017f')).toBe(0x7fn);
    fails(() => int('0200'));
    fails(() => int('020180'));
    fails(() => int('0202007f'));
});

test('tags, nesting and trailing bytes; messages name offsets, not content', () => {
    const outer = reader('3006020101040100');
    const seq = outer.sequence();
    outer.end();
    expect(seq.integer()).toBe(1n);
    expect(seq.read(DER_OCTET_STRING)).toEqual(Buffer.from([0]));
    seq.end();
    fails(() => reader('3103020101').sequence());
    const trailing = reader('0400ff');
    trailing.octets();
    expect(() => trailing.end()).toThrow('TEST: input is not valid DER: unexpected bytes after byte 2');
    const inner = reader('30030201ff').sequence();
    expect(() => inner.integer()).toThrow('INTEGER at byte 2 is empty or negative');
});
