import { isSealpactError } from './errors';
import { parseSigningStatement, signingStatement, SigningStatementFields } from './statements';

const FIELDS: SigningStatementFields = {
    fileId: 'contract-2026-001',
    digestAlgorithm: 'sm3',
    plaintextCommitment: 'a'.repeat(64),
    ciphertextDigest: 'b'.repeat(64),
    signer: 'Org2MSP/bob@org2.example.com',
    signingKey: 'c'.repeat(64),
};

function refusal(text: string): unknown {
    try {
        parseSigningStatement(text);
    } catch (err) {
        return err;
    }
    return undefined;
}

describe('signing statement', () => {
    it('parses back the statement it writes', () => {
        expect(parseSigningStatement(signingStatement(FIELDS))).toEqual(FIELDS);
    });

    it.each([
        ['an empty value', 'file-id: contract-2026-001\n', 'file-id: \n'],
        ['a tab in a value', 'signer: Org2MSP/bob@org2.example.com\n', 'signer: Org2MSP/bob@org2\texample.com\n'],
        ['a CR before the LF', `signing-key: ${'c'.repeat(64)}\n`, `signing-key: ${'c'.repeat(64)}\r\n`],
    ])('refuses %s, which writing refuses too: one encoding per statement', (_case, line, replacement) => {
        const text = signingStatement(FIELDS).replace(line, replacement);
        const err = refusal(text);
        expect(isSealpactError(err, 'BAD_ARGUMENT')).toBe(true);
        expect((err as Error).message).toMatch(
            /^BAD_ARGUMENT: statement field [a-z-]+ is empty or holds a control character$/,
        );
    });
});
