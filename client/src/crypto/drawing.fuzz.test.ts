/**
 * Fuzz suite: the drawing parser and the key points (docs/password.md). Inputs are arbitrary JSON,
 * mutated JSON text of valid drawings, and valid drawings with one value replaced by a hostile
 * one carrying a canary. Everything is a drawing or a typed one-line refusal that never quotes
 * the input (a drawing is password material), and key points stay inside the drawing area.
 */
import fc from 'fast-check';
import {
    attempt,
    checkRefusal,
    FUZZ_TIMEOUT_MS,
    fuzz,
    REFUSED,
    textMutationsOf,
} from '../../../chaincode/src/test-support/fuzz';
import { defined } from '../../../protocol/src/test-support/defined';
import { Drawing, keyPoints, MAX_DIMENSION, parseDrawing } from '@sealpact/protocol';
import { generateFilePassword } from './password';

jest.setTimeout(FUZZ_TIMEOUT_MS);

const DRAWING_CODES = ['BAD_DRAWING', 'DRAWING_TOO_LARGE'] as const;

/** Parse `input`; when it is a drawing, its key points must be integers inside its area. */
function checkDrawing(input: unknown): void {
    const drawing = attempt(() => parseDrawing(input), DRAWING_CODES);
    if (drawing === REFUSED) {
        return;
    }
    const points = attempt(() => keyPoints(drawing), ['DRAWING_TOO_LARGE']);
    if (points === REFUSED) {
        return;
    }
    for (const { x, y } of points) {
        expect(Number.isSafeInteger(x) && x >= 0 && x <= drawing.width).toBe(true);
        expect(Number.isSafeInteger(y) && y >= 0 && y <= drawing.height).toBe(true);
    }
}

const validDrawing: fc.Arbitrary<Drawing> = fc
    .record({
        width: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constant(MAX_DIMENSION)),
        height: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constant(MAX_DIMENSION)),
        shape: fc.array(
            fc.array(fc.tuple(fc.double({ min: 0, max: 1 }), fc.double({ min: 0, max: 1 })), {
                minLength: 1,
                maxLength: 12,
            }),
            {
                minLength: 1,
                maxLength: 5,
            },
        ),
    })
    .map(({ width, height, shape }) => ({
        width,
        height,
        strokes: shape.map((stroke) =>
            stroke.map(([u, v]) => ({ x: Math.round(u * width), y: Math.round(v * height) })),
        ),
    }));

test('arbitrary JSON is a drawing or a typed refusal', () => {
    fuzz(fc.property(fc.jsonValue(), checkDrawing), 1000);
});

test('mutated JSON text of a valid drawing is a drawing or a typed refusal', () => {
    const mutatedText = validDrawing.chain((drawing) => textMutationsOf(JSON.stringify(drawing)));
    fuzz(
        fc.property(mutatedText, (text) => {
            let json: unknown;
            try {
                json = JSON.parse(text);
            } catch {
                return; // not JSON: reading the file is the CLI's job (client/src/cli/inputs.ts)
            }
            checkDrawing(json);
        }),
        600,
    );
});

const CANARY = 'CANARY';
const CANARY_DIGITS = '7654321';
/** Values a hostile or broken drawing file could hold, each carrying the canary and invalid wherever it is put. */
const hostile = fc.constantFrom<unknown>(
    CANARY,
    `${CANARY}\nsecond line`,
    Number(CANARY_DIGITS),
    -Number(CANARY_DIGITS),
    Number(`0.${CANARY_DIGITS}`),
    Number(`${CANARY_DIGITS}e300`),
    [Number(CANARY_DIGITS)],
    { [CANARY]: CANARY },
    { x: Number(CANARY_DIGITS), y: CANARY },
    null,
    true,
);

/** The drawing with the value at one place (picked by `at`) replaced. */
function plant(drawing: Drawing, at: number, value: unknown): unknown {
    // A deep copy in which every place can take any value.
    const strokes = drawing.strokes.map((points) => points.map((point): Record<string, unknown> => ({ ...point })));
    const copy: Record<string, unknown> = { width: drawing.width, height: drawing.height, strokes };
    const s = at % strokes.length;
    const stroke = defined(strokes[s], 'a stroke');
    const p = at % stroke.length;
    const point = defined(stroke[p], 'a point');
    const places = [
        () => (copy.width = value),
        () => (copy.height = value),
        () => (copy.strokes = value),
        () => ((strokes as unknown[])[s] = value),
        () => ((stroke as unknown[])[p] = value),
        () => (point.x = value),
        () => (point.y = value),
    ];
    defined(places[at % places.length], 'a place')();
    return copy;
}

test('a hostile value anywhere in a drawing is refused without being quoted', () => {
    fuzz(
        fc.property(validDrawing, fc.nat(), hostile, (drawing, at, value) => {
            const input = plant(drawing, at, value);
            let refusal: unknown;
            try {
                generateFilePassword({ drawing: input as Drawing, minKeyPoints: 1 });
            } catch (err) {
                refusal = err;
            }
            checkRefusal(refusal, DRAWING_CODES);
            expect((refusal as Error).message).not.toContain(CANARY);
            expect((refusal as Error).message).not.toContain(CANARY_DIGITS);
        }),
        1000,
    );
});
