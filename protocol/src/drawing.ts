import { CryptoError, SealpactError } from './errors';

/**
 * The user's drawing and its key points, the geometric half of the file password (docs/password.md).
 *
 * Coordinates are whole units of the drawing area's plane, 0..width by 0..height, with the axes as
 * the drawing area has them (the rules use only the numbers). Integers are required so that every
 * test here is exact: with coordinates at most 2^20, all orientation and dot products fit in the 53-bit
 * mantissa of a double, the bend test's squares are done in BigInt, and crossings are exact
 * rationals rounded by one stated rule. Two implementations in any language therefore find the
 * same key points, which the known-answer tests depend on.
 */

/** A point of the drawing area's plane, in whole units. */
export interface Point {
    readonly x: number;
    readonly y: number;
}

/** A drawing: the area's size and the strokes in the order they were drawn, each a list of points. */
export interface Drawing {
    readonly width: number;
    readonly height: number;
    readonly strokes: ReadonlyArray<ReadonlyArray<Point>>;
}

/** Why a point is a key point; only x and y enter the initial data. */
export type KeyPointKind = 'start' | 'bend' | 'end' | 'crossing';

export interface KeyPoint extends Point {
    readonly kind: KeyPointKind;
}

/** Largest width or height; keeps every product in the exact range of a double (see the header). */
export const MAX_DIMENSION = 2 ** 20;
/** Most points in all strokes together; bounds the crossing search (worst case about 0.1 s on a small VM). */
export const MAX_POINTS = 10_000;
/** Most crossings; a pathological zig-zag could otherwise produce tens of millions of them. */
export const MAX_CROSSINGS = 10_000;

function badDrawing(message: string): SealpactError {
    return new CryptoError('BAD_DRAWING', message);
}

/**
 * Name what kind of value a wrong one is, never the value itself: a drawing is password material,
 * so an error may say where it is wrong (field, indices) but must not quote its text or numbers.
 */
function describe(value: unknown): string {
    if (value === null) return 'null';
    if (value === undefined) return 'nothing';
    if (Array.isArray(value)) return 'an array';
    if (typeof value === 'object') return 'an object';
    return `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkDimension(value: unknown, name: 'width' | 'height'): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) {
        const got = typeof value === 'number' ? 'another number' : describe(value);
        throw badDrawing(`${name} must be an integer from 1 to ${MAX_DIMENSION}, got ${got}`);
    }
    return value;
}

function checkCoordinate(value: unknown, where: string, axis: 'x' | 'y', limit: number): number {
    const name = `${where}.${axis}`;
    if (typeof value !== 'number') {
        throw badDrawing(`${name} must be a number, got ${describe(value)}`);
    }
    if (!Number.isFinite(value)) {
        throw badDrawing(`${name} is not finite`);
    }
    if (!Number.isInteger(value)) {
        // Refuse rather than round: a silent rounding rule is one more thing two clients could disagree on.
        throw badDrawing(`${name} must be a whole number; round plane coordinates first`);
    }
    if (value < 0 || value > limit) {
        throw badDrawing(`${name} is outside 0..${limit} (the drawing ${axis === 'x' ? 'width' : 'height'})`);
    }
    // `+ 0` turns -0 into 0, so a copy never carries a negative zero.
    return value + 0;
}

/**
 * Validate a drawing, typically the parsed JSON of `sealpact password --drawing strokes.json`:
 * `{ "width": 640, "height": 480, "strokes": [[{ "x": 10, "y": 20 }, ...], ...] }`.
 * Returns a fresh copy holding only width, height and the points' x and y (other properties, such
 * as timestamps, are ignored and do not enter the password). Throws BAD_DRAWING naming the first
 * problem by its place, with JSON indices counted from 0 (e.g. "strokes[2][5].x must be a whole
 * number") and never by its value, or DRAWING_TOO_LARGE.
 */
export function parseDrawing(json: unknown): Drawing {
    if (!isRecord(json)) {
        throw badDrawing(`the drawing must be an object { width, height, strokes }, got ${describe(json)}`);
    }
    const width = checkDimension(json.width, 'width');
    const height = checkDimension(json.height, 'height');
    const strokes = json.strokes;
    if (!Array.isArray(strokes)) {
        throw badDrawing(`strokes must be an array of strokes, got ${describe(strokes)}`);
    }
    if (strokes.length === 0) {
        throw badDrawing('the drawing has no strokes');
    }
    let total = 0;
    for (const stroke of strokes) {
        total += Array.isArray(stroke) ? stroke.length : 0;
    }
    if (total > MAX_POINTS) {
        throw new CryptoError(
            'DRAWING_TOO_LARGE',
            `the drawing has ${total} points; at most ${MAX_POINTS} are allowed`,
        );
    }
    const copy = strokes.map((stroke: unknown, i): Point[] => {
        if (!Array.isArray(stroke)) {
            throw badDrawing(`strokes[${i}] must be an array of points, got ${describe(stroke)}`);
        }
        if (stroke.length === 0) {
            throw badDrawing(`strokes[${i}] has no points`);
        }
        return stroke.map((point: unknown, k): Point => {
            const where = `strokes[${i}][${k}]`;
            if (!isRecord(point)) {
                throw badDrawing(`${where} must be an object { x, y }, got ${describe(point)}`);
            }
            return {
                x: checkCoordinate(point.x, where, 'x', width),
                y: checkCoordinate(point.y, where, 'y', height),
            };
        });
    });
    return { width, height, strokes: copy };
}

/** A segment between two consecutive distinct points of a stroke. */
interface Segment {
    readonly a: Point;
    readonly b: Point;
}

/** Drop consecutive repeated points: they carry no direction and would make zero-length segments. */
function distinctPoints(stroke: ReadonlyArray<Point>): Point[] {
    const out: Point[] = [];
    for (const p of stroke) {
        const last = out[out.length - 1];
        if (last === undefined || last.x !== p.x || last.y !== p.y) out.push(p);
    }
    return out;
}

/** The vector from a segment's first point to its second. */
function direction({ a, b }: Segment): [number, number] {
    return [b.x - a.x, b.y - a.y];
}

/**
 * Whether the direction turns by more than 30 degrees from segment u to segment v (both non-zero).
 * The threshold is fixed rather than a parameter: the exact test below is specific to it, and a
 * different threshold would give different key points and so different known answers.
 * cos(angle) = dot / (|u||v|); the turn exceeds 30° exactly when dot <= 0, or when
 * dot^2 < (3/4)|u|^2|v|^2, i.e. 4 dot^2 < 3 |u|^2 |v|^2. The squares exceed 2^53, hence BigInt.
 * An angle of exactly 30° cannot occur between integer vectors (tan 30° is irrational).
 */
function isBend(ux: number, uy: number, vx: number, vy: number): boolean {
    const dot = ux * vx + uy * vy;
    if (dot <= 0) return true;
    const d = BigInt(dot);
    const uu = BigInt(ux * ux + uy * uy);
    const vv = BigInt(vx * vx + vy * vy);
    return 4n * d * d < 3n * uu * vv;
}

/** Twice the signed area of triangle abc: > 0 left turn, < 0 right turn, 0 collinear. Exact (< 2^42). */
function orientation(a: Point, b: Point, c: Point): number {
    return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
}

/**
 * Whether s and t cross properly: each segment has the other's endpoints strictly on opposite
 * sides, so they meet at one point interior to both. Touching (at an endpoint or a T-junction),
 * collinear overlap and shared vertices are not crossings; adjacent segments of a stroke therefore
 * never cross.
 */
function crossProperly(s: Segment, t: Segment): boolean {
    const o1 = orientation(s.a, s.b, t.a);
    const o2 = orientation(s.a, s.b, t.b);
    const o3 = orientation(t.a, t.b, s.a);
    const o4 = orientation(t.a, t.b, s.b);
    return ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0));
}

/** A segment with its index in the drawing's list of segments and its bounding box. */
interface BoxedSegment {
    readonly index: number;
    readonly segment: Segment;
    readonly minX: number;
    readonly maxX: number;
    readonly minY: number;
    readonly maxY: number;
}

/**
 * The pairs [s, t] of properly crossing segments, s before t in `segments`, sorted by the
 * position of s, then of t. Only segments whose bounding boxes overlap can cross, so the search
 * sweeps the segments in order of their left edge and compares each with those starting before
 * its right edge: the naive all-pairs loop took seconds on a 10,000-point drawing of short segments.
 */
function crossingPairs(segments: ReadonlyArray<Segment>): Array<[Segment, Segment]> {
    const byLeftEdge: BoxedSegment[] = segments
        .map((segment, index) => {
            const { a, b } = segment;
            return {
                index,
                segment,
                minX: Math.min(a.x, b.x),
                maxX: Math.max(a.x, b.x),
                minY: Math.min(a.y, b.y),
                maxY: Math.max(a.y, b.y),
            };
        })
        .sort((s, t) => s.minX - t.minX);
    const pairs: Array<[BoxedSegment, BoxedSegment]> = [];
    for (const [p, s] of byLeftEdge.entries()) {
        for (let q = p + 1; q < byLeftEdge.length; q++) {
            const t = byLeftEdge[q];
            if (t === undefined || t.minX > s.maxX) break;
            if (s.maxY < t.minY || t.maxY < s.minY || !crossProperly(s.segment, t.segment)) continue;
            if (pairs.push(s.index < t.index ? [s, t] : [t, s]) > MAX_CROSSINGS) {
                throw new CryptoError(
                    'DRAWING_TOO_LARGE',
                    `the drawing has more than ${MAX_CROSSINGS} crossings; draw a simpler shape`,
                );
            }
        }
    }
    pairs.sort(([s1, t1], [s2, t2]) => s1.index - s2.index || t1.index - t2.index);
    return pairs.map(([s, t]) => [s.segment, t.segment]);
}

/** round(n / d) for n >= 0, d > 0, halves rounded up: floor((2n + d) / 2d). */
function roundHalfUp(n: bigint, d: bigint): number {
    return Number((2n * n + d) / (2n * d));
}

/**
 * The crossing point of two properly crossing segments, each coordinate rounded to the nearest
 * integer with halves rounded up. The point is s.a + (num/den)(s.b - s.a); its coordinates are
 * exact rationals computed in BigInt (the products can exceed 2^53). They are non-negative because
 * the point lies within the segments, so "half up" is also "half away from zero".
 */
function crossingPoint(s: Segment, t: Segment): Point {
    const dx = BigInt(s.b.x - s.a.x);
    const dy = BigInt(s.b.y - s.a.y);
    const ex = BigInt(t.b.x - t.a.x);
    const ey = BigInt(t.b.y - t.a.y);
    let den = dx * ey - dy * ex;
    let num = BigInt(t.a.x - s.a.x) * ey - BigInt(t.a.y - s.a.y) * ex;
    if (den < 0n) {
        den = -den;
        num = -num;
    }
    return {
        x: roundHalfUp(BigInt(s.a.x) * den + num * dx, den),
        y: roundHalfUp(BigInt(s.a.y) * den + num * dy, den),
    };
}

/**
 * The key points of a drawing, in this fixed order:
 * 1. for each stroke in order, after dropping consecutive repeated points: its start point, then
 *    each bend in order (an interior point where the direction of the incoming and outgoing
 *    segments differs by more than 30°), then its end point; a stroke whose points are all equal
 *    is a dot and gives its start point only;
 * 2. then every proper crossing between two segments (of different strokes, or of the same
 *    stroke), ordered by (stroke i, segment a, stroke j, segment b) with (i, a) < (j, b), segments
 *    numbered from 0 within their stroke after dropping repeated points; coordinates rounded to
 *    the nearest integer, halves up.
 * Validates the drawing first (see {@link parseDrawing}); throws DRAWING_TOO_LARGE above
 * {@link MAX_CROSSINGS} crossings.
 */
export function keyPoints(drawing: Drawing): KeyPoint[] {
    const { strokes } = parseDrawing(drawing);
    const points: KeyPoint[] = [];
    const segments: Segment[] = [];
    for (const stroke of strokes) {
        const p = distinctPoints(stroke);
        const [start, ...rest] = p;
        if (start === undefined) continue; // never: parseDrawing refuses a stroke without points
        points.push({ kind: 'start', ...start });
        let a = start;
        let incoming: Segment | undefined;
        for (const b of rest) {
            const segment = { a, b };
            if (incoming !== undefined && isBend(...direction(incoming), ...direction(segment))) {
                points.push({ kind: 'bend', ...segment.a });
            }
            segments.push(segment);
            incoming = segment;
            a = b;
        }
        if (incoming !== undefined) points.push({ kind: 'end', ...incoming.b });
    }
    // Segments are numbered stroke by stroke, so pairs sorted by their positions are in
    // (stroke i, segment a, stroke j, segment b) order.
    for (const [s, t] of crossingPairs(segments)) {
        points.push({ kind: 'crossing', ...crossingPoint(s, t) });
    }
    return points;
}
