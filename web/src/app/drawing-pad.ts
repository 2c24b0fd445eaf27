import { Drawing, KeyPoint, keyPoints, Point, SealpactError } from '@sealpact/protocol';

/**
 * The patent's drawing box: strokes drawn with mouse, pen or touch (pointer events), in whole
 * units of the canvas's own grid (docs/password.md wants integers), and the key points the shared
 * code finds shown as markers while the user draws.
 */
export class DrawingPad {
    private strokes: Point[][] = [];
    private drawing = false;
    private pending = false;

    constructor(
        private readonly canvas: HTMLCanvasElement,
        private readonly markers: HTMLElement,
        private readonly onChange: (points: KeyPoint[]) => void,
    ) {
        canvas.addEventListener('pointerdown', (event) => {
            canvas.setPointerCapture(event.pointerId);
            this.drawing = true;
            this.strokes.push([this.pointOf(event)]);
            this.redraw();
        });
        canvas.addEventListener('pointermove', (event) => {
            if (!this.drawing) return;
            for (const sample of event.getCoalescedEvents().length > 0 ? event.getCoalescedEvents() : [event]) {
                this.strokes[this.strokes.length - 1]?.push(this.pointOf(sample));
            }
            this.redraw();
        });
        const end = () => {
            this.drawing = false;
            this.redraw();
        };
        canvas.addEventListener('pointerup', end);
        canvas.addEventListener('pointercancel', end);
    }

    /** The drawing as docs/password.md defines it, or undefined before the first stroke. */
    get value(): Drawing | undefined {
        return this.strokes.length === 0
            ? undefined
            : { width: this.canvas.width, height: this.canvas.height, strokes: this.strokes };
    }

    clear(): void {
        this.strokes = [];
        this.redraw();
    }

    /** The pointer's place on the canvas grid (the canvas has no border), rounded and kept inside it. */
    private pointOf(event: PointerEvent): Point {
        const box = this.canvas.getBoundingClientRect();
        const x = Math.round(((event.clientX - box.left) / box.width) * this.canvas.width);
        const y = Math.round(((event.clientY - box.top) / box.height) * this.canvas.height);
        return { x: Math.min(Math.max(x, 0), this.canvas.width), y: Math.min(Math.max(y, 0), this.canvas.height) };
    }

    /** Paint the strokes now, and the key points once per frame (finding crossings is the costly part). */
    private redraw(): void {
        const context = this.canvas.getContext('2d');
        if (context !== null) {
            context.clearRect(0, 0, this.canvas.width, this.canvas.height);
            context.lineWidth = 3;
            context.lineCap = 'round';
            context.lineJoin = 'round';
            context.strokeStyle = '#1d3557';
            for (const stroke of this.strokes) {
                context.beginPath();
                for (const [i, p] of stroke.entries()) {
                    if (i === 0) context.moveTo(p.x, p.y);
                    else context.lineTo(p.x, p.y);
                }
                context.stroke();
            }
        }
        if (!this.pending) {
            this.pending = true;
            requestAnimationFrame(() => {
                this.pending = false;
                this.showKeyPoints();
            });
        }
    }

    private showKeyPoints(): void {
        const drawing = this.value;
        let points: KeyPoint[] = [];
        if (drawing !== undefined) {
            try {
                points = keyPoints(drawing);
            } catch (error) {
                if (!(error instanceof SealpactError)) throw error;
            }
        }
        this.markers.replaceChildren(
            ...points.map((point) => {
                const marker = document.createElement('span');
                marker.className = `key-point ${point.kind}`;
                marker.dataset.testid = 'key-point';
                marker.dataset.kind = point.kind;
                marker.dataset.x = String(point.x);
                marker.dataset.y = String(point.y);
                marker.title = point.kind;
                marker.style.left = `${(100 * point.x) / this.canvas.width}%`;
                marker.style.top = `${(100 * point.y) / this.canvas.height}%`;
                return marker;
            }),
        );
        this.onChange(points);
    }
}
