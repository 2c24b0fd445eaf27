import {
    ChaincodeError,
    CodeOf,
    ERROR_CODES,
    ErrorCode,
    isCodeOf,
    isSealpactError,
    LedgerError,
    SealpactError,
    UsageError,
} from '.';

// The registry is the closed list of codes; the classes and the docs' tables come from it.

test('every code is UPPER_SNAKE and has a one-line meaning in at least one layer', () => {
    for (const [code, meanings] of Object.entries(ERROR_CODES)) {
        expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
        const texts: string[] = Object.values(meanings);
        expect(texts.length).toBeGreaterThan(0);
        for (const text of texts) {
            expect(text).not.toMatch(/\n|\|/); // one table cell
        }
    }
});

test('the merged synonyms are gone', () => {
    for (const synonym of ['INVALID_ARGUMENT', 'BAD_INPUT', 'BAD_OPTION']) {
        expect(Object.hasOwn(ERROR_CODES, synonym)).toBe(false);
    }
});

test('isCodeOf tells the codes a layer raises', () => {
    expect(isCodeOf('NOT_VERIFIED', 'chaincode')).toBe(true);
    expect(isCodeOf('USAGE', 'chaincode')).toBe(false);
    expect(isCodeOf('NO_SUCH_CODE', 'chaincode')).toBe(false);
    expect(isCodeOf('toString', 'chaincode')).toBe(false);
});

test('layer classes: "CODE: text", their own name, still a SealpactError', () => {
    const refusal = new ChaincodeError('NOT_FOUND', 'no file f1');
    expect(refusal).toMatchObject({ code: 'NOT_FOUND', message: 'NOT_FOUND: no file f1', name: 'ChaincodeError' });
    expect(refusal).toBeInstanceOf(SealpactError);
    expect(isSealpactError(refusal, 'NOT_FOUND')).toBe(true);
    expect(isSealpactError(refusal, 'ACCESS_DENIED')).toBe(false);
    expect(new LedgerError('TIMEOUT', 'slow').name).toBe('LedgerError');
    expect(new SealpactError('BAD_PEM', 'x').name).toBe('SealpactError');
    expect(isSealpactError(new Error('BAD_PEM: x'))).toBe(false);
});

test('a class accepts only its layer codes (checked by the compiler)', () => {
    const usage: CodeOf<'cli'> = 'USAGE';
    // @ts-expect-error USAGE is not a chaincode code
    const notChaincode: CodeOf<'chaincode'> = 'USAGE';
    // @ts-expect-error not a code at all
    const notACode: ErrorCode = 'REVOKED';
    expect(new UsageError(usage, 'x').code).toBe('USAGE');
    expect([notChaincode, notACode]).toHaveLength(2);
});
