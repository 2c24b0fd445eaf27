import * as nodeCrypto from 'node:crypto';
import * as nodeOs from 'node:os';
import fc from 'fast-check';
import { DigestAlgorithm, Drawing, ErrorCode, parseDrawing } from '@sealpact/protocol';
import {
    DEFAULT_MIN_KEY_POINTS,
    FILE_PASSWORD_INFO,
    deriveFilePassword,
    drawingDigest,
    generateFilePassword,
    initialData,
} from './password';
import { expectError } from '../../../protocol/src/test-support/expect-error';
import {
    KAT_DIGEST,
    KAT_DRAWING as KAT_DRAWING_JSON,
    KAT_INITIAL_DATA,
    KAT_MEMORY,
    KAT_PASSWORD,
    KAT_RANDOM,
    KAT_TIME,
} from '../../../protocol/src/test-support/password-example';

const KAT_DRAWING = parseDrawing(KAT_DRAWING_JSON);
const HASHES: DigestAlgorithm[] = ['sm3', 'sha256'];

// The CSPRNG and os.freemem stay real unless a test queues a known answer with mock*Once.
jest.mock('node:crypto', () => {
    const actual = jest.requireActual<typeof nodeCrypto>('node:crypto');
    return { ...actual, randomBytes: jest.fn(actual.randomBytes) };
});
jest.mock('node:os', () => {
    const actual = jest.requireActual<typeof nodeOs>('node:os');
    return { ...actual, freemem: jest.fn(actual.freemem) };
});
const randomBytes = nodeCrypto.randomBytes as unknown as jest.Mock<Buffer, [number]>;
const freemem = nodeOs.freemem as unknown as jest.Mock<number, []>;

afterEach(() => jest.restoreAllMocks());

describe('initial data and drawing digest (known answers)', () => {
    it('lays out key points, time and memory exactly', () => {
        const points = [
            { x: 10, y: 10 },
            { x: 0, y: 1048576 },
        ];
        expect(initialData(points, 1, 0)).toBe('10,10;0,1048576|1|0');
        expect(initialData([], 0, 0)).toBe('|0|0');
    });

    it.each(HASHES)('gives the pinned initial data and %s digest for the known-answer drawing', (hash) => {
        const result = drawingDigest(KAT_DRAWING, { deviceTimeMs: KAT_TIME, freeMemoryBytes: KAT_MEMORY, hash });
        expect(result.keyPoints.map((p) => p.kind)).toEqual([
            'start',
            'bend',
            'end',
            'start',
            'end',
            'start',
            'bend',
            'end',
            'crossing',
        ]);
        expect(result.initialData).toBe(KAT_INITIAL_DATA);
        // Independent of the code under test: hash the literal here.
        const expected = nodeCrypto.createHash(hash).update(Buffer.from(KAT_INITIAL_DATA, 'ascii')).digest('hex');
        expect(expected).toBe(KAT_DIGEST[hash]);
        expect(result.digest.toString('hex')).toBe(KAT_DIGEST[hash]);
    });

    it.each(HASHES)('derives the pinned %s HKDF output', (hash) => {
        const password = deriveFilePassword(KAT_RANDOM, Buffer.from(KAT_DIGEST[hash], 'hex'), hash);
        expect(password.toString('hex')).toBe(KAT_PASSWORD[hash]);
    });

    it.each(HASHES)('generateFilePassword(%s) = HKDF(CSPRNG bytes ‖ digest) end to end', (hash) => {
        randomBytes.mockReturnValueOnce(Buffer.from(KAT_RANDOM));
        const password = generateFilePassword({
            drawing: KAT_DRAWING,
            hash,
            now: () => KAT_TIME,
            freeMemory: () => KAT_MEMORY,
        });
        expect(randomBytes).toHaveBeenLastCalledWith(32);
        expect(password.toString('hex')).toBe(KAT_PASSWORD[hash]);
    });

    it('uses SM3 by default, and Date.now and os.freemem unless injected', () => {
        randomBytes.mockReturnValueOnce(Buffer.from(KAT_RANDOM));
        freemem.mockReturnValueOnce(KAT_MEMORY);
        jest.spyOn(Date, 'now').mockReturnValue(KAT_TIME);
        expect(generateFilePassword({ drawing: KAT_DRAWING }).toString('hex')).toBe(KAT_PASSWORD.sm3);
    });

    it('changes the digest with the time and the free memory', () => {
        const base = { deviceTimeMs: KAT_TIME, freeMemoryBytes: KAT_MEMORY, hash: 'sm3' as const };
        const digest = drawingDigest(KAT_DRAWING, base).digest;
        expect(drawingDigest(KAT_DRAWING, { ...base, deviceTimeMs: KAT_TIME + 1 }).digest).not.toEqual(digest);
        expect(drawingDigest(KAT_DRAWING, { ...base, freeMemoryBytes: KAT_MEMORY + 1 }).digest).not.toEqual(digest);
    });
});

describe('generateFilePassword', () => {
    it('without a drawing is the 32 CSPRNG bytes themselves', () => {
        randomBytes.mockReturnValueOnce(Buffer.from(KAT_RANDOM));
        expect(generateFilePassword()).toEqual(Buffer.from(KAT_RANDOM));
        const a = generateFilePassword({ hash: 'sha256' });
        expect(a).toHaveLength(32);
        expect(generateFilePassword()).not.toEqual(a);
    });

    it('refuses a drawing with too few key points, naming the counts', () => {
        const line: Drawing = {
            width: 10,
            height: 10,
            strokes: [
                [
                    { x: 0, y: 0 },
                    { x: 5, y: 0 },
                    { x: 5, y: 5 },
                ],
            ],
        };
        expectError(
            () => generateFilePassword({ drawing: line }),
            'TOO_FEW_KEY_POINTS',
            /^TOO_FEW_KEY_POINTS: the drawing has 3 key points; at least 8 are required — draw a longer or more complex shape$/,
        );
        expect(generateFilePassword({ drawing: line, minKeyPoints: 3 })).toHaveLength(32);
        expect(DEFAULT_MIN_KEY_POINTS).toBe(8);
    });

    it('refuses an all-zero drawing: every stroke is a dot at the origin', () => {
        const zeros: Drawing = {
            width: 1,
            height: 1,
            strokes: [
                [{ x: 0, y: 0 }],
                [
                    { x: 0, y: 0 },
                    { x: 0, y: 0 },
                ],
            ],
        };
        expectError(() => generateFilePassword({ drawing: zeros }), 'TOO_FEW_KEY_POINTS', 'has 2 key points');
    });

    it('documents its HKDF info', () => {
        expect(FILE_PASSWORD_INFO).toBe('sealpact/v1/file-password');
    });
});

const coord = fc.integer({ min: 0, max: 50 });
const drawingArb = fc
    .array(fc.array(fc.record({ x: coord, y: coord }), { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 4 })
    .map((strokes): Drawing => ({ width: 50, height: 50, strokes }));
const hashArb = fc.constantFrom<DigestAlgorithm>('sm3', 'sha256');
const counter = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

describe('properties', () => {
    it('drawingDigest is deterministic and 32 bytes', () => {
        fc.assert(
            fc.property(drawingArb, counter, counter, hashArb, (d, deviceTimeMs, freeMemoryBytes, hash) => {
                const options = { deviceTimeMs, freeMemoryBytes, hash };
                const a = drawingDigest(d, options);
                expect(a.digest).toHaveLength(32);
                expect(drawingDigest(d, options)).toEqual(a);
                expect(a.initialData.endsWith(`|${deviceTimeMs}|${freeMemoryBytes}`)).toBe(true);
            }),
            { numRuns: 50 },
        );
    });

    it('the password is always 32 bytes and differs on every call for the same drawing and time', () => {
        fc.assert(
            fc.property(drawingArb, hashArb, (drawing, hash) => {
                const options = { drawing, hash, minKeyPoints: 1, now: () => KAT_TIME, freeMemory: () => KAT_MEMORY };
                const a = generateFilePassword(options);
                const b = generateFilePassword(options);
                expect(a).toHaveLength(32);
                expect(b).toHaveLength(32);
                expect(a.equals(b)).toBe(false);
            }),
            { numRuns: 50 },
        );
    });
});

describe('validation', () => {
    const kat = { deviceTimeMs: KAT_TIME, freeMemoryBytes: KAT_MEMORY, hash: 'sm3' as const };
    const cases: Array<[string, () => unknown, ErrorCode, string | RegExp]> = [
        [
            'an unknown hash',
            () => generateFilePassword({ hash: 'md5' as DigestAlgorithm }),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: hash must be "sm3" or "sha256"$/,
        ],
        [
            'a non-string hash',
            () => drawingDigest(KAT_DRAWING, { ...kat, hash: 1 as unknown as DigestAlgorithm }),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: hash must be "sm3" or "sha256"$/,
        ],
        [
            'minKeyPoints 0',
            () => generateFilePassword({ minKeyPoints: 0 }),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: minKeyPoints must be an integer of at least 1$/,
        ],
        ['minKeyPoints 2.5', () => generateFilePassword({ minKeyPoints: 2.5 }), 'BAD_ARGUMENT', 'minKeyPoints'],
        [
            'a NaN time',
            () => generateFilePassword({ drawing: KAT_DRAWING, now: () => NaN }),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: deviceTimeMs must be a non-negative integer$/,
        ],
        [
            'a negative time',
            () => drawingDigest(KAT_DRAWING, { ...kat, deviceTimeMs: -1 }),
            'BAD_ARGUMENT',
            'deviceTimeMs',
        ],
        [
            'an unsafe memory size',
            () => drawingDigest(KAT_DRAWING, { ...kat, freeMemoryBytes: 2 ** 53 }),
            'BAD_ARGUMENT',
            'freeMemoryBytes',
        ],
        [
            'a fractional memory size',
            () => generateFilePassword({ drawing: KAT_DRAWING, freeMemory: () => 0.5 }),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: freeMemoryBytes must be a non-negative integer$/,
        ],
        [
            'a bad drawing',
            () => generateFilePassword({ drawing: { width: 1, height: 1, strokes: [] } }),
            'BAD_DRAWING',
            'the drawing has no strokes',
        ],
        [
            'a negative key point',
            () =>
                initialData(
                    [
                        { x: 1, y: 1 },
                        { x: -1, y: 0 },
                    ],
                    0,
                    0,
                ),
            'BAD_DRAWING',
            'key point 1 must have non-negative integer coordinates',
        ],
        ['a fractional key point', () => initialData([{ x: 0.5, y: 0 }], 0, 0), 'BAD_DRAWING', 'key point 0'],
        ['a huge key point', () => initialData([{ x: 1e21, y: 0 }], 0, 0), 'BAD_DRAWING', 'key point 0'],
        [
            'a short random',
            () => deriveFilePassword(Buffer.alloc(31), Buffer.alloc(32), 'sm3'),
            'BAD_ARGUMENT',
            'random must be 32 bytes',
        ],
        [
            'a long digest',
            () => deriveFilePassword(Buffer.alloc(32), Buffer.alloc(33), 'sm3'),
            'BAD_ARGUMENT',
            'digest must be 32 bytes',
        ],
        [
            'a string digest',
            () => deriveFilePassword(Buffer.alloc(32), 'x'.repeat(32) as unknown as Buffer, 'sm3'),
            'BAD_ARGUMENT',
            'digest must be 32 bytes',
        ],
        [
            'a bad HKDF hash',
            () => deriveFilePassword(Buffer.alloc(32), Buffer.alloc(32), 'sha1' as DigestAlgorithm),
            'BAD_ARGUMENT',
            'hash must be',
        ],
    ];
    it.each(cases)('refuses %s', (_name, fn, code, message) => expectError(fn, code, message));
});
