import { expect } from '@jest/globals';
import fc from 'fast-check';
import { Drawing, MAX_CROSSINGS, MAX_DIMENSION, MAX_POINTS, Point, keyPoints, parseDrawing } from './drawing';
import { expectError } from './test-support/expect-error';

type XY = [number, number];

/** A 100 x 100 drawing from strokes written as [x, y] pairs. */
function drawing(...strokes: XY[][]): Drawing {
    return { width: 100, height: 100, strokes: strokes.map((s) => s.map(([x, y]) => ({ x, y }))) };
}

/** Key points as "kind x,y" strings, which read like the hand computation. */
function kp(d: Drawing): string[] {
    return keyPoints(d).map((p) => `${p.kind} ${p.x},${p.y}`);
}

describe('key points (hand-computed known answers)', () => {
    it('a straight line has its start and end only', () => {
        expect(
            kp(
                drawing([
                    [0, 0],
                    [5, 5],
                    [10, 10],
                    [20, 20],
                ]),
            ),
        ).toEqual(['start 0,0', 'end 20,20']);
    });

    it('an L has start, bend, end', () => {
        expect(
            kp(
                drawing([
                    [10, 10],
                    [10, 50],
                    [40, 50],
                ]),
            ),
        ).toEqual(['start 10,10', 'bend 10,50', 'end 40,50']);
    });

    it('a V has start, bend at the tip, end', () => {
        expect(
            kp(
                drawing([
                    [0, 0],
                    [10, 30],
                    [20, 0],
                ]),
            ),
        ).toEqual(['start 0,0', 'bend 10,30', 'end 20,0']);
    });

    it('two crossing strokes give each start and end, then the crossing', () => {
        expect(
            kp(
                drawing(
                    [
                        [0, 0],
                        [10, 10],
                    ],
                    [
                        [0, 10],
                        [10, 0],
                    ],
                ),
            ),
        ).toEqual(['start 0,0', 'end 10,10', 'start 0,10', 'end 10,0', 'crossing 5,5']);
    });

    it('a self-crossing stroke (an hourglass) has two bends and one crossing', () => {
        expect(
            kp(
                drawing([
                    [0, 0],
                    [10, 10],
                    [10, 0],
                    [0, 10],
                ]),
            ),
        ).toEqual(['start 0,0', 'bend 10,10', 'bend 10,0', 'end 0,10', 'crossing 5,5']);
    });

    it('the 30 degree threshold: atan(5/10) = 26.6 degrees is no bend, atan(6/10) = 31.0 degrees is', () => {
        expect(
            kp(
                drawing([
                    [0, 0],
                    [10, 0],
                    [20, 5],
                ]),
            ),
        ).toEqual(['start 0,0', 'end 20,5']);
        expect(
            kp(
                drawing([
                    [0, 0],
                    [10, 0],
                    [20, 6],
                ]),
            ),
        ).toEqual(['start 0,0', 'bend 10,0', 'end 20,6']);
    });

    it('a gentle curve of small turns has no bends though it turns 66 degrees in all', () => {
        expect(
            kp(
                drawing([
                    [0, 0],
                    [10, 0],
                    [19, 4],
                    [26, 11],
                    [30, 20],
                ]),
            ),
        ).toEqual(['start 0,0', 'end 30,20']);
    });

    it('ignores duplicate consecutive points, measuring direction across them', () => {
        expect(
            kp(
                drawing([
                    [0, 0],
                    [0, 0],
                    [5, 0],
                    [5, 0],
                    [10, 0],
                ]),
            ),
        ).toEqual(['start 0,0', 'end 10,0']);
        expect(
            kp(
                drawing([
                    [0, 0],
                    [5, 0],
                    [5, 0],
                    [5, 0],
                    [5, 5],
                ]),
            ),
        ).toEqual(['start 0,0', 'bend 5,0', 'end 5,5']);
    });

    it('a stroke of one repeated point is a dot with one key point', () => {
        expect(
            kp(
                drawing(
                    [
                        [7, 7],
                        [7, 7],
                    ],
                    [[3, 4]],
                ),
            ),
        ).toEqual(['start 7,7', 'start 3,4']);
    });

    it('a reversal is a bend; overlapping, touching and T-junctions are not crossings', () => {
        expect(
            kp(
                drawing([
                    [0, 0],
                    [10, 0],
                    [5, 0],
                ]),
            ),
        ).toEqual(['start 0,0', 'bend 10,0', 'end 5,0']);
        expect(
            kp(
                drawing(
                    [
                        [0, 5],
                        [10, 5],
                    ],
                    [
                        [5, 5],
                        [5, 10],
                    ],
                ),
            ),
        ).toEqual(['start 0,5', 'end 10,5', 'start 5,5', 'end 5,10']);
        expect(
            kp(
                drawing(
                    [
                        [0, 0],
                        [10, 0],
                    ],
                    [
                        [2, 0],
                        [8, 0],
                    ],
                ),
            ),
        ).toHaveLength(4);
    });

    it('rounds crossings to the nearest integer, halves up', () => {
        // (0,0)-(2,1) meets x = 1 at y = 0.5 -> 1; (0,33)-(99,40) meets x = 60 at y = 37.24 -> 37.
        expect(
            kp(
                drawing(
                    [
                        [1, 0],
                        [1, 4],
                    ],
                    [
                        [0, 0],
                        [2, 1],
                    ],
                ),
            ).pop(),
        ).toBe('crossing 1,1');
        expect(
            kp(
                drawing(
                    [
                        [60, 10],
                        [60, 60],
                    ],
                    [
                        [0, 33],
                        [99, 40],
                    ],
                ),
            ).pop(),
        ).toBe('crossing 60,37');
        // (0,1)-(2,0) meets x = 1 at y = 0.5 -> 1 as well (the rule does not depend on direction).
        expect(
            kp(
                drawing(
                    [
                        [1, 4],
                        [1, 0],
                    ],
                    [
                        [2, 0],
                        [0, 1],
                    ],
                ),
            ).pop(),
        ).toBe('crossing 1,1');
    });

    it('orders crossings by (stroke, segment, stroke, segment)', () => {
        // A comb: stroke 0 is horizontal at y = 5; stroke 1 zig-zags through it three times;
        // stroke 2 is vertical at x = 1 and crosses stroke 0 only: leftmost, yet listed last.
        const comb = drawing(
            [
                [0, 5],
                [20, 5],
            ],
            [
                [2, 0],
                [4, 10],
                [6, 0],
                [8, 10],
            ],
            [
                [1, 0],
                [1, 10],
            ],
        );
        expect(kp(comb).filter((p) => p.startsWith('crossing'))).toEqual([
            'crossing 3,5', // (0,0) x (1,0)
            'crossing 5,5', // (0,0) x (1,1)
            'crossing 7,5', // (0,0) x (1,2)
            'crossing 1,5', // (0,0) x (2,0)
        ]);
    });

    it('handles coordinates up to the largest dimension exactly', () => {
        const M = MAX_DIMENSION;
        const big: Drawing = {
            width: M,
            height: M,
            strokes: [
                [
                    { x: 0, y: 0 },
                    { x: M, y: M - 1 },
                ],
                [
                    { x: 0, y: M },
                    { x: M, y: 1 },
                ],
            ],
        };
        // Mirror images in y = M/2, so they cross on it, at x = M^2 / (2(M - 1)) = 524288.50000048 -> 524289.
        expect(keyPoints(big).pop()).toEqual({ kind: 'crossing', x: M / 2 + 1, y: M / 2 });
    });
});

const coord = fc.integer({ min: 0, max: 100 });
const strokeArb = fc.array(fc.record({ x: coord, y: coord }), { minLength: 1, maxLength: 12 });
const drawingArb = fc
    .array(strokeArb, { minLength: 1, maxLength: 5 })
    .map((strokes): Drawing => ({ width: 200, height: 200, strokes }));

describe('key points (properties)', () => {
    it('are deterministic and integer', () => {
        fc.assert(
            fc.property(drawingArb, (d) => {
                const a = keyPoints(d);
                expect(keyPoints(d)).toEqual(a);
                for (const p of a) expect(Number.isSafeInteger(p.x) && Number.isSafeInteger(p.y)).toBe(true);
            }),
        );
    });

    it('move with a translation of the drawing: same count, every point shifted exactly', () => {
        fc.assert(
            fc.property(drawingArb, coord, coord, (d, dx, dy) => {
                const moved: Drawing = {
                    ...d,
                    strokes: d.strokes.map((s) => s.map((p) => ({ x: p.x + dx, y: p.y + dy }))),
                };
                // Integer shifts commute with rounding, so even crossings shift exactly.
                const expected = keyPoints(d).map((p) => ({ ...p, x: p.x + dx, y: p.y + dy }));
                expect(keyPoints(moved)).toEqual(expected);
            }),
        );
    });

    it('do not depend on repeating points', () => {
        fc.assert(
            fc.property(drawingArb, (d) => {
                const doubled: Drawing = { ...d, strokes: d.strokes.map((s) => s.flatMap((p) => [p, p])) };
                expect(keyPoints(doubled)).toEqual(keyPoints(d));
            }),
        );
    });
});

describe('parseDrawing', () => {
    const good = { width: 10, height: 20, strokes: [[{ x: 1, y: 2, t: 99 }], [{ x: -0, y: 20 }]] };

    it('returns a clean copy with x and y only', () => {
        const parsed = parseDrawing(good);
        expect(parsed).toEqual({ width: 10, height: 20, strokes: [[{ x: 1, y: 2 }], [{ x: 0, y: 20 }]] });
        expect(Object.is(parsed.strokes[1]?.[0]?.x, 0)).toBe(true);
        expect(parsed.strokes[0]).not.toBe(good.strokes[0]);
    });

    it('accepts the JSON file shape', () => {
        const json = '{"width":640,"height":480,"strokes":[[{"x":0,"y":0},{"x":640,"y":480}]]}';
        expect(kp(parseDrawing(JSON.parse(json)))).toEqual(['start 0,0', 'end 640,480']);
    });

    const withPoint = (point: unknown): unknown => ({ width: 10, height: 20, strokes: [[{ x: 0, y: 0 }, point]] });
    const cases: Array<[string, unknown, string | RegExp]> = [
        ['not an object', [1, 2], 'the drawing must be an object { width, height, strokes }, got an array'],
        ['null', null, 'got null'],
        ['width missing', { height: 1, strokes: [] }, 'width must be an integer from 1 to 1048576, got nothing'],
        [
            'width zero',
            { width: 0, height: 1, strokes: [] },
            'width must be an integer from 1 to 1048576, got another number',
        ],
        ['width fractional', { width: 1.5, height: 1, strokes: [] }, 'width must be an integer'],
        ['height too big', { width: 1, height: MAX_DIMENSION + 1, strokes: [] }, 'height must be an integer'],
        ['height a string', { width: 1, height: '5', strokes: [] }, 'got a string'],
        ['strokes not an array', { width: 1, height: 1, strokes: {} }, 'strokes must be an array of strokes'],
        ['no strokes', { width: 1, height: 1, strokes: [] }, 'the drawing has no strokes'],
        [
            'stroke not an array',
            { width: 1, height: 1, strokes: [[{ x: 0, y: 0 }], 'x'] },
            'strokes[1] must be an array',
        ],
        ['empty stroke', { width: 1, height: 1, strokes: [[]] }, 'strokes[0] has no points'],
        ['point not an object', withPoint([1, 2]), 'strokes[0][1] must be an object { x, y }, got an array'],
        ['x missing', withPoint({ y: 1 }), 'strokes[0][1].x must be a number, got nothing'],
        ['y a string', withPoint({ x: 1, y: '1' }), 'strokes[0][1].y must be a number, got a string'],
        ['x NaN', withPoint({ x: NaN, y: 1 }), /strokes\[0\]\[1\]\.x is not finite$/],
        ['y infinite', withPoint({ x: 1, y: -Infinity }), /strokes\[0\]\[1\]\.y is not finite$/],
        [
            'x fractional',
            withPoint({ x: 1.25, y: 1 }),
            'strokes[0][1].x must be a whole number; round plane coordinates first',
        ],
        ['x negative', withPoint({ x: -1, y: 1 }), 'strokes[0][1].x is outside 0..10 (the drawing width)'],
        ['y too big', withPoint({ x: 1, y: 21 }), 'strokes[0][1].y is outside 0..20 (the drawing height)'],
    ];
    it.each(cases)('refuses %s with BAD_DRAWING', (_name, input, message) => {
        expectError(() => parseDrawing(input), 'BAD_DRAWING', message);
        expectError(() => keyPoints(input as Drawing), 'BAD_DRAWING', message);
    });

    it('names where a value is wrong, never the value (a drawing is password material)', () => {
        for (const input of [
            { width: 1, height: 98765.4, strokes: [[{ x: 0, y: 0 }]] },
            { width: 123456789, height: 20, strokes: [[{ x: 0, y: 0 }]] },
            withPoint({ x: 987654, y: 1 }),
            withPoint({ x: 9876.54, y: 1 }),
            withPoint({ x: 1, y: 'secret\nline' }),
        ]) {
            expect(() => parseDrawing(input)).toThrow(
                expect.objectContaining({ code: 'BAD_DRAWING', message: expect.not.stringMatching(/9876|secret|\n/) }),
            );
        }
    });

    it('refuses more than MAX_POINTS points with DRAWING_TOO_LARGE', () => {
        const stroke = Array.from({ length: MAX_POINTS + 1 }, () => ({ x: 0, y: 0 }));
        expectError(
            () => parseDrawing({ width: 1, height: 1, strokes: [stroke] }),
            'DRAWING_TOO_LARGE',
            `the drawing has ${MAX_POINTS + 1} points; at most ${MAX_POINTS} are allowed`,
        );
    });

    it('refuses more than MAX_CROSSINGS crossings with DRAWING_TOO_LARGE', () => {
        // A grid of n horizontal and n vertical lines has n^2 crossings.
        const n = Math.ceil(Math.sqrt(MAX_CROSSINGS + 1));
        const strokes: Point[][] = [];
        for (let i = 1; i <= n; i++) {
            strokes.push([
                { x: 0, y: i },
                { x: n + 1, y: i },
            ]);
            strokes.push([
                { x: i, y: 0 },
                { x: i, y: n + 1 },
            ]);
        }
        expectError(
            () => keyPoints({ width: n + 1, height: n + 1, strokes }),
            'DRAWING_TOO_LARGE',
            `more than ${MAX_CROSSINGS} crossings`,
        );
    });
});
