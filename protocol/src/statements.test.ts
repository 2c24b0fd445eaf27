import { isSealpactError } from './errors';
import {
    parseSigningStatement,
    parseSigningStatementV2,
    signingStatement,
    SigningStatementFields,
    SigningStatementFieldsV2,
} from './statements';

const PLAN = 'd'.repeat(64);

const FIELDS: SigningStatementFields = {
    fileId: 'contract-2026-001',
    digestAlgorithm: 'sm3',
    plaintextCommitment: 'a'.repeat(64),
    ciphertextDigest: 'b'.repeat(64),
    contractPlan: PLAN,
    step: 2,
    signer: 'Org2MSP/bob@org2.example.com',
    signingKey: 'c'.repeat(64),
};

function refusal(work: () => unknown): unknown {
    try {
        work();
    } catch (err) {
        return err;
    }
    return undefined;
}

/** `err` is a SealpactError with `code` whose message matches `message`. */
function expectRefusal(err: unknown, code: 'BAD_ARGUMENT' | 'UNSUPPORTED_VERSION', message: RegExp): void {
    expect(isSealpactError(err, code)).toBe(true);
    expect((err as Error).message).toMatch(message);
}

describe('signing statement', () => {
    it('writes v3 with the plan and step after the ciphertext digest', () => {
        expect(signingStatement(FIELDS)).toBe(
            [
                'sealpact-signing-statement/v3',
                'file-id: contract-2026-001',
                'digest-algorithm: sm3',
                `plaintext-commitment: ${'a'.repeat(64)}`,
                `ciphertext-digest: ${'b'.repeat(64)}`,
                `contract-plan: ${PLAN}`,
                'step: 2',
                'signer: Org2MSP/bob@org2.example.com',
                `signing-key: ${'c'.repeat(64)}`,
                '',
            ].join('\n'),
        );
        const planLess = signingStatement({ ...FIELDS, contractPlan: null, step: null });
        expect(planLess).toContain(`ciphertext-digest: ${'b'.repeat(64)}\ncontract-plan: none\nstep: none\nsigner: `);
    });

    it.each([
        ['with a plan', FIELDS],
        ['without a plan', { ...FIELDS, contractPlan: null, step: null }],
    ])('parses back the statement it writes (%s)', (_case, fields) => {
        expect(parseSigningStatement(signingStatement(fields))).toEqual(fields);
    });

    it.each([
        ['an empty value', 'file-id: contract-2026-001\n', 'file-id: \n'],
        ['a tab in a value', 'signer: Org2MSP/bob@org2.example.com\n', 'signer: Org2MSP/bob@org2\texample.com\n'],
        ['a CR before the LF', `signing-key: ${'c'.repeat(64)}\n`, `signing-key: ${'c'.repeat(64)}\r\n`],
    ])('refuses %s, which writing refuses too: one encoding per statement', (_case, line, replacement) => {
        const text = signingStatement(FIELDS).replace(line, replacement);
        expectRefusal(
            refusal(() => parseSigningStatement(text)),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: statement field [a-z-]+ is empty or holds a control character$/,
        );
    });

    it.each([
        ['a step with a leading zero', 'step: 2\n', 'step: 02\n', /step must be "none" or a positive decimal integer/],
        ['step 0', 'step: 2\n', 'step: 0\n', /step must be "none" or a positive decimal integer/],
        ['a step in words', 'step: 2\n', 'step: two\n', /step must be "none" or a positive decimal integer/],
        ['a step past 2^53 - 1', 'step: 2\n', 'step: 9007199254740993\n', /step must be a positive integer/],
        ['a plan in capitals', `contract-plan: ${PLAN}\n`, `contract-plan: ${'D'.repeat(64)}\n`, /64 lowercase hex/],
        ['a plan spelt NONE', `contract-plan: ${PLAN}\n`, 'contract-plan: NONE\n', /64 lowercase hex/],
        ['a plan without a step', 'step: 2\n', 'step: none\n', /contract-plan and step are both none or both set/],
        ['a step without a plan', `contract-plan: ${PLAN}\n`, 'contract-plan: none\n', /both none or both set/],
        [
            'the plan and step swapped',
            `contract-plan: ${PLAN}\nstep: 2\n`,
            `step: 2\ncontract-plan: ${PLAN}\n`,
            /line 6/,
        ],
    ])('refuses %s', (_case, line, replacement, message) => {
        const text = signingStatement(FIELDS).replace(line, replacement);
        expect(text).not.toBe(signingStatement(FIELDS));
        expectRefusal(
            refusal(() => parseSigningStatement(text)),
            'BAD_ARGUMENT',
            message,
        );
    });

    it.each([
        ['a plan of another form', { contractPlan: 'none' }, /contract-plan must be 64 lowercase hex digits/],
        ['step 0', { step: 0 }, /step must be a positive integer/],
        ['a fractional step', { step: 1.5 }, /step must be a positive integer/],
        ['a plan without a step', { step: null }, /contract-plan and step are both none or both set/],
    ])('writing refuses %s', (_case, change, message) => {
        expectRefusal(
            refusal(() => signingStatement({ ...FIELDS, ...change })),
            'BAD_ARGUMENT',
            message,
        );
    });

    it.each(['v1', 'v2', 'v4'])('refuses a %s statement as another version', (version) => {
        const text = signingStatement(FIELDS).replace('/v3\n', `/${version}\n`);
        expectRefusal(
            refusal(() => parseSigningStatement(text)),
            'UNSUPPORTED_VERSION',
            new RegExp(`^UNSUPPORTED_VERSION: sealpact-signing-statement/${version} statements are not accepted`),
        );
    });
});

describe('signing statement v2 (signature records written before v3)', () => {
    const V2: SigningStatementFieldsV2 = {
        fileId: 'contract-2025-001',
        digestAlgorithm: 'sha256',
        plaintextCommitment: 'a'.repeat(64),
        ciphertextDigest: 'b'.repeat(64),
        signer: 'Org2MSP/bob@org2.example.com',
        signingKey: 'c'.repeat(64),
    };
    const text = [
        'sealpact-signing-statement/v2',
        'file-id: contract-2025-001',
        'digest-algorithm: sha256',
        `plaintext-commitment: ${'a'.repeat(64)}`,
        `ciphertext-digest: ${'b'.repeat(64)}`,
        'signer: Org2MSP/bob@org2.example.com',
        `signing-key: ${'c'.repeat(64)}`,
        '',
    ].join('\n');

    it('reads a recorded v2 statement', () => {
        expect(parseSigningStatementV2(text)).toEqual(V2);
    });

    it('reads nothing else: a v3 statement or a v2 one out of form is BAD_ARGUMENT', () => {
        expectRefusal(
            refusal(() => parseSigningStatementV2(signingStatement(FIELDS))),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: the statement must be "sealpact-signing-statement\/v2" and 6 "name: value" lines/,
        );
        expectRefusal(
            refusal(() => parseSigningStatementV2(text.replace('signer: ', 'signer:\t'))),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: statement line 6 must start with "signer: "$/,
        );
    });
});
