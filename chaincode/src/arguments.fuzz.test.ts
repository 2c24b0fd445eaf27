/**
 * Fuzz suite: the chaincode's argument validators, the signing-statement parser, and transactions
 * with fuzzed arguments on the in-process test peer. Every refusal is a SealpactError (on the wire:
 * one line "CODE: text"); what is accepted is canonical; a tampered signature never records.
 */
import fc from 'fast-check';
import {
    ContractRecord,
    FileRecord,
    parseSigningStatement,
    planHash,
    planOf,
    signingStatement,
    SigningStatementFields,
} from '@sealpact/protocol';
import { defined } from '../../protocol/src/test-support/defined';
import { StubIdentityName } from './test-support/fixtures';
import {
    contractArgs,
    credentialFor,
    PARTY,
    shareArgs,
    shareFile,
    signatureArgs,
    standardParties,
} from './test-support/scenarios';
import { StubNetwork } from './test-support/stub-network';
import * as validate from './validate';
import { attempt, FUZZ_TIMEOUT_MS, fuzz, mutationsOf, REFUSED, textMutationsOf } from './test-support/fuzz';

jest.setTimeout(FUZZ_TIMEOUT_MS);

/** Any string, from control characters to astral planes, and valid examples with a few edits. */
function stringsLike(...examples: string[]): fc.Arbitrary<string> {
    return fc.oneof(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.string({ maxLength: 3000 }),
        fc.constantFrom(...examples).chain(textMutationsOf),
        fc.constantFrom(...examples),
    );
}

describe('argument validators', () => {
    const ARGUMENT_CODES = ['BAD_ARGUMENT', 'FIELD_TOO_LARGE'] as const;
    const hex = 'ab'.repeat(32);
    // [name, validator, examples, what an accepted value must satisfy]
    const validators: [string, (v: string) => unknown, string[], (v: string, out: unknown) => boolean][] = [
        ['fileId', validate.fileId, ['f1', 'contract-2025.v2:final'], (v, out) => out === v],
        ['partyId', validate.partyId, [PARTY.alice, PARTY.bob], (v, out) => out === v],
        ['mspId', validate.mspId, ['Org1MSP'], (v, out) => out === v],
        ['hex32', (v) => validate.hex32(v, 'digest'), [hex], (v, out) => out === v],
        ['locator', validate.locator, ['fs://store/f1', 's3://bucket/key?x=1'], (v, out) => out === v],
        ['token', (v) => validate.token(v, 'serial', 64), ['L2', 'a+b/c=='], (v, out) => out === v],
        ['suite', validate.suite, ['gm', 'intl'], (v, out) => out === v],
        ['size', validate.size, ['0', '1048576', '9007199254740991'], (v, out) => String(out) === v],
        [
            'pageSize',
            validate.pageSize,
            ['1', '100'],
            (v, out) => String(out) === v && (out as number) >= 1 && (out as number) <= 100,
        ],
        [
            'base64',
            (v) => validate.base64(v, 'envelope', 64),
            ['AAAA', 'q83vEjRWeJA='],
            (v, out) => (out as Buffer).toString('base64') === v,
        ],
        [
            'isoTime',
            (v) => validate.isoTime(v, 'expiresAt'),
            ['2025-01-01T00:00:00Z', '2024-02-29T23:59:59.999Z'],
            (v, out) => validate.isoTime(out as string, 'again') === out && out.slice(0, 19) === v.slice(0, 19),
        ],
        [
            'deadline',
            (v) => validate.deadline(v, '2025-01-01T00:00:00.000Z'),
            ['2025-06-30T12:00:00Z', '2034-12-31T23:59:59.999Z', '2035-01-01T00:00:00Z'],
            (v, out) =>
                (out as string) > '2025-01-01T00:00:00.000Z' &&
                (out as string) <= '2035-01-01T00:00:00.000Z' &&
                (out as string).slice(0, 19) === v.slice(0, 19),
        ],
        [
            'reason',
            validate.reason,
            ['Clause 7 is not what we agreed', '条款不符', '😀'.repeat(500)],
            (v, out) => out === v && Array.from(v).length <= 500 && v.trim() !== '' && !/\p{Cc}/u.test(v),
        ],
    ];

    test.each(validators)(
        '%s: accepts a canonical value or refuses with a typed error',
        (_name, check, examples, sound) => {
            for (const example of examples) {
                expect(sound(example, check(example))).toBe(true);
            }
            fuzz(
                fc.property(stringsLike(...examples), (value) => {
                    const out = attempt(() => check(value), ARGUMENT_CODES);
                    expect(out === REFUSED || sound(value, out)).toBe(true);
                }),
                800,
            );
        },
    );

    test('JSON validators: array and stringObject accept what they promise, refuse the rest', () => {
        const keys = ['partyId', 'envelope'] as const;
        fuzz(
            fc.property(fc.jsonValue(), (value) => {
                const list = attempt(() => validate.array(value, 'credentials', 3), ['BAD_JSON', 'FIELD_TOO_LARGE']);
                expect(list === REFUSED || (Array.isArray(list) && list.length <= 3)).toBe(true);
                const object = attempt(() => validate.stringObject(value, 'credential', keys), ['BAD_JSON']);
                // Refused, or an object of exactly those members.
                expect(object === REFUSED ? [...keys].sort() : Object.keys(object).sort()).toEqual([...keys].sort());
            }),
            1000,
        );
    });
});

describe('signing statement', () => {
    const STATEMENT_CODES = ['BAD_ARGUMENT', 'UNSUPPORTED_VERSION'] as const;
    const value = fc
        .string({ minLength: 1, maxLength: 80 })
        .filter((s) => !Array.from(s).some((c) => c < ' ' || c === '\x7f'));
    // A plan and its step, or neither.
    const plan = fc.option(
        fc.record({
            contractPlan: fc.stringMatching(/^[0-9a-f]{64}$/),
            step: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        }),
    );
    const fields: fc.Arbitrary<SigningStatementFields> = fc
        .record({
            fileId: value,
            digestAlgorithm: value,
            plaintextCommitment: value,
            ciphertextDigest: value,
            signer: value,
            signingKey: value,
        })
        .chain((f) => plan.map((p) => ({ ...f, contractPlan: p?.contractPlan ?? null, step: p?.step ?? null })));

    test('parses back every statement it writes', () => {
        fuzz(
            fc.property(fields, (f) => {
                expect(parseSigningStatement(signingStatement(f))).toEqual(f);
            }),
            1000,
        );
    });

    test('a mutated statement is refused, or is the one statement its fields write (one encoding)', () => {
        const mutated = fields.chain((f) => textMutationsOf(signingStatement(f)));
        fuzz(
            fc.property(mutated, (text) => {
                const parsed = attempt(() => parseSigningStatement(text), STATEMENT_CODES);
                // Refused, or the one statement its fields write.
                expect(parsed === REFUSED ? text : signingStatement(parsed)).toBe(text);
            }),
            1000,
        );
    });
});

describe('transactions with fuzzed arguments (test peer)', () => {
    let ledger: StubNetwork;
    let file: FileRecord;
    let keys: Awaited<ReturnType<typeof standardParties>>;
    let shared: string[];
    let signed: { statement: string; signature: string };
    const credentials = (fileId: string) => [
        credentialFor(PARTY.alice, keys.alice.encryption, fileId),
        credentialFor(PARTY.bob, keys.bob.encryption, fileId),
    ];

    beforeAll(async () => {
        ledger = new StubNetwork();
        keys = await standardParties(ledger);
        shared = shareArgs('f1', credentials('f1'));
        file = await shareFile(ledger, 'alice', 'f1', credentials('f1'));
        await ledger.submit('alice', 'ShareContract', ...contractArgs('k1', credentials('k1'), [[PARTY.bob]]));
        signed = signatureArgs(file, PARTY.bob, keys.bob.signing);
    });

    /** Run a transaction: its payload, or REFUSED when it failed with a one-line "CODE: text" error. */
    async function transact(
        mode: 'submit' | 'evaluate',
        who: StubIdentityName,
        name: string,
        args: string[],
    ): Promise<string | typeof REFUSED> {
        try {
            return mode === 'submit'
                ? (await ledger.submit(who, name, ...args)).payload
                : await ledger.evaluate(who, name, ...args);
        } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            if (!/^[A-Z][A-Z0-9_]*: [^\r\n]*$/.test(message)) {
                throw new Error(`${name} failed without a typed one-line error: ${JSON.stringify(message)}`);
            }
            return REFUSED;
        }
    }

    /** `args` with the argument at `at` replaced. */
    const replaced = (args: string[], at: number, value: string) =>
        args.map((arg, i) => (i === at % args.length ? value : arg));

    test('queries with fuzzed arguments answer or refuse', async () => {
        const any = stringsLike('f1', PARTY.bob, '10', '', 'file');
        const query = fc.constantFrom<[StubIdentityName, string, number]>(
            ['bob', 'GetFile', 1],
            ['bob', 'GetCredential', 1],
            ['alice', 'GetSignatures', 1],
            ['alice', 'GetParty', 1],
            ['alice', 'ListKeys', 3],
            ['bob', 'ListInbox', 2],
            ['auditor', 'GetHistory', 5],
            ['bob', 'GetContract', 1],
            ['bob', 'ListAwaiting', 2],
            ['alice', 'ListStarted', 3],
        );
        await fuzz(
            fc.asyncProperty(query, fc.array(any, { minLength: 5, maxLength: 5 }), async ([who, name, arity], args) => {
                await transact('evaluate', who, name, args.slice(0, arity));
            }),
            300,
        );
    });

    test('ShareFile and GrantAccess with one fuzzed argument commit or refuse', async () => {
        const credentials = defined(shared.at(-1), 'the credentials argument');
        const argument = fc.oneof(stringsLike(...shared), textMutationsOf(credentials));
        await fuzz(
            fc.asyncProperty(fc.nat(), argument, fc.boolean(), async (at, value, grant) => {
                if (grant) {
                    await transact('submit', 'alice', 'GrantAccess', replaced(['f1', credentials], at, value));
                } else {
                    await transact(
                        'submit',
                        'alice',
                        'ShareFile',
                        replaced([`f-${at}`, ...shared.slice(1)], at, value),
                    );
                }
            }),
            200,
        );
    });

    test('ShareContract with one fuzzed argument commits a contract whose plan hash holds, or refuses', async () => {
        const plan = JSON.stringify({ steps: [[PARTY.bob], [PARTY.alice]], deadline: '2026-01-01T00:00:00Z' });
        const argument = fc.oneof(stringsLike(...shared, plan), textMutationsOf(plan));
        await fuzz(
            fc.asyncProperty(fc.nat(), argument, async (at, value) => {
                const args = [...shareArgs(`k-${at}`, credentials(`k-${at}`)), plan];
                const out = await transact('submit', 'alice', 'ShareContract', replaced(args, at, value));
                const contract =
                    out === REFUSED ? undefined : (JSON.parse(out) as { contract: ContractRecord }).contract;
                // Refused, or a contract whose plan hash is its plan's.
                expect(contract && planHash(planOf(contract))).toBe(contract?.planHash);
            }),
            200,
        );
    });

    test('DeclineContract and VoidContract with a fuzzed reason record it as given, or refuse', async () => {
        let n = 0;
        await fuzz(
            fc.asyncProperty(stringsLike('Clause 7', '条款不符', ''), fc.boolean(), async (reason, decline) => {
                const fileId = `r-${n++}`;
                await ledger.submit(
                    'alice',
                    'ShareContract',
                    ...contractArgs(fileId, credentials(fileId), [[PARTY.bob]]),
                );
                const [who, name] = decline
                    ? (['bob', 'DeclineContract'] as const)
                    : (['alice', 'VoidContract'] as const);
                const out = await transact('submit', who, name, [fileId, reason]);
                const state = out === REFUSED ? 'open' : decline ? 'declined' : 'voided';
                const contract = JSON.parse(await ledger.evaluate('alice', 'GetContract', fileId)) as ContractRecord;
                expect([contract.state, contract.reason]).toEqual([state, out === REFUSED ? null : reason]);
            }),
            150,
        );
    });

    test('RecordVerification with one fuzzed argument commits or refuses', async () => {
        const args = [PARTY.carol, 'serial-1', 'L2', ''];
        await fuzz(
            fc.asyncProperty(fc.nat(), stringsLike(...args, '2030-01-01T00:00:00Z'), async (at, value) => {
                await transact('submit', 'verifier', 'RecordVerification', replaced(args, at, value));
            }),
            200,
        );
    });

    test('SignContract never records a tampered statement or signature', async () => {
        const signature = Buffer.from(signed.signature, 'base64');
        const tampered = fc.oneof(
            textMutationsOf(signed.statement).map((statement): [string, string] => [statement, signed.signature]),
            mutationsOf(signature).map((bytes): [string, string] => [signed.statement, bytes.toString('base64')]),
            textMutationsOf(signed.signature).map((text): [string, string] => [signed.statement, text]),
        );
        await fuzz(
            fc.asyncProperty(tampered, async ([statement, signatureText]) => {
                expect(await transact('submit', 'bob', 'SignContract', ['f1', statement, signatureText])).toBe(REFUSED);
            }),
            250,
        );
        // Control: the untampered pair records.
        expect(await transact('submit', 'bob', 'SignContract', ['f1', signed.statement, signed.signature])).not.toBe(
            REFUSED,
        );
    });
});
