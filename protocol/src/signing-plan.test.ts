import { expectError } from './test-support/expect-error';
import { checkedPlan, parseUtcTime } from './signing-plan';

const ME = 'Org1MSP/alice@org1.example.com';
const NOW = new Date('2026-01-31T12:00:00.000Z');
const party = (n: number) => `Org2MSP/p${n}@org2.example.com`;
const many = (n: number) => Array.from({ length: n }, (_, i) => party(i));

describe('parseUtcTime', () => {
    it.each([
        ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.000Z'],
        ['2026-12-31T23:59:59.123Z', '2026-12-31T23:59:59.123Z'],
        ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ])('reads %s', (text, iso) => {
        expect(parseUtcTime(text)?.toISOString()).toBe(iso);
    });

    it.each([
        '2026-12-31',
        '2026-12-31T23:59:59',
        '2026-12-31T23:59:59+08:00',
        '2026-12-31T23:59:59.1Z',
        '2026-12-31 23:59:59Z',
        '2027-02-29T00:00:00Z',
        '2026-13-01T00:00:00Z',
        '2026-12-31T24:00:00Z',
        ' 2026-12-31T23:59:59Z',
    ])('refuses %j', (text) => {
        expect(parseUtcTime(text)).toBeUndefined();
    });
});

describe('checkedPlan', () => {
    it('without signers there is no plan; the steps are copied and the deadline normalised', () => {
        expect(checkedPlan({ sender: ME, to: [party(1)] }, NOW)).toBeUndefined();
        const signers = [[party(1)], [ME, party(2)]];
        const plan = checkedPlan(
            { sender: ME, to: [party(1), party(2)], signers, deadline: '2027-01-01T00:00:00Z' },
            NOW,
        );
        expect(plan).toEqual({ steps: signers, deadline: '2027-01-01T00:00:00.000Z' });
        expect(plan?.steps[0]).not.toBe(signers[0]);
        expect(checkedPlan({ sender: ME, to: [party(1)], signers: [[party(1)]] }, NOW)?.deadline).toBeNull();
    });

    it('a deadline may be exactly ten years ahead, not a millisecond more, and must be after now', () => {
        const plan = (deadline: string) => checkedPlan({ sender: ME, to: [], signers: [[ME]], deadline }, NOW);
        expect(plan('2036-01-31T12:00:00Z')?.deadline).toBe('2036-01-31T12:00:00.000Z');
        expectError(
            () => plan('2036-01-31T12:00:00.001Z'),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: deadline 2036-01-31T12:00:00\.001Z must be after now \(2026-01-31T12:00:00\.000Z\) and at most 10 years ahead$/,
        );
        expectError(() => plan('2026-01-31T12:00:00Z'), 'BAD_ARGUMENT', /must be after now/);
    });

    it('keeps to the plan bounds: 20 signers a step, 50 in a plan', () => {
        const to = many(60);
        expect(checkedPlan({ sender: ME, to, signers: [many(20)] }, NOW)?.steps[0]).toHaveLength(20);
        expectError(
            () => checkedPlan({ sender: ME, to, signers: [many(21)] }, NOW),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: step 1 of signers has 21 signers; a step has 1 to 20$/,
        );
        const fiftyOne = [0, 1, 2].map((step) => to.slice(step * 17, step * 17 + 17));
        expectError(
            () => checkedPlan({ sender: ME, to, signers: fiftyOne }, NOW),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: the plan has 51 signers; at most 50$/,
        );
    });
});
