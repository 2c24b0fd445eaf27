/**
 * The capacity curve as an SVG: throughput (solid, left axis) and p95 latency (dashed, right axis)
 * against operations in flight (logarithmic), one colour per workload. Plain SVG 1.1, no scripts,
 * so GitHub and any browser show it as an image.
 */

export interface Series {
    name: string;
    points: { inFlight: number; tps: number; p95: number }[];
}

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 64, right: 72, top: 48, bottom: 56 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

/** A round step for about `ticks` intervals up to `max`. */
function niceStep(max: number, ticks: number): number {
    const raw = max / ticks;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
    return step ?? 10 * power;
}

function escape(text: string): string {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Axis values from 0 to a round maximum at or above `max`. */
function axis(max: number): number[] {
    const step = niceStep(Math.max(max, 1e-9), 5);
    const top = Math.ceil(max / step) * step;
    return Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
}

export function capacityPlot(title: string, series: Series[]): string {
    const all = series.flatMap((s) => s.points);
    const levels = [...new Set(all.map((p) => p.inFlight))].sort((a, b) => a - b);
    const tpsTicks = axis(Math.max(...all.map((p) => p.tps)));
    const msTicks = axis(Math.max(...all.map((p) => p.p95)));
    const tpsTop = tpsTicks.at(-1) ?? 1;
    const msTop = msTicks.at(-1) ?? 1;
    const plotW = WIDTH - MARGIN.left - MARGIN.right;
    const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
    const [low = 1, high = low] = [levels[0], levels.at(-1)];
    const span = Math.log(high / low) || 1;
    const x = (inFlight: number) =>
        MARGIN.left + (levels.length > 1 ? (Math.log(inFlight / low) / span) * plotW : plotW / 2);
    const yTps = (tps: number) => MARGIN.top + plotH - (tps / tpsTop) * plotH;
    const yMs = (ms: number) => MARGIN.top + plotH - (ms / msTop) * plotH;
    const f = (n: number) => n.toFixed(1);
    const out: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
        `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
        `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escape(title)}</text>`,
    ];
    for (const tick of tpsTicks) {
        out.push(
            `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${f(yTps(tick))}" y2="${f(yTps(tick))}" stroke="#e5e5e5"/>`,
            `<text x="${MARGIN.left - 6}" y="${f(yTps(tick) + 4)}" text-anchor="end">${tick}</text>`,
        );
    }
    for (const tick of msTicks) {
        out.push(`<text x="${MARGIN.left + plotW + 6}" y="${f(yMs(tick) + 4)}" fill="#555">${tick}</text>`);
    }
    for (const level of levels) {
        out.push(
            `<line x1="${f(x(level))}" x2="${f(x(level))}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#f0f0f0"/>`,
            `<text x="${f(x(level))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${level}</text>`,
        );
    }
    out.push(
        `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
        `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">operations in flight (log scale)</text>`,
        `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">throughput, operations/s (solid)</text>`,
        `<text transform="translate(${WIDTH - 14} ${MARGIN.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="#555">p95 latency, ms (dashed)</text>`,
    );
    series.forEach((s, i) => {
        const colour = COLOURS[i % COLOURS.length] ?? '#000';
        const points = [...s.points].sort((a, b) => a.inFlight - b.inFlight);
        const line = (y: (p: (typeof points)[number]) => number) =>
            points.map((p) => `${f(x(p.inFlight))},${f(y(p))}`).join(' ');
        out.push(
            `<polyline points="${line((p) => yTps(p.tps))}" fill="none" stroke="${colour}" stroke-width="2.5"/>`,
            `<polyline points="${line((p) => yMs(p.p95))}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
            ...points.map((p) => `<circle cx="${f(x(p.inFlight))}" cy="${f(yTps(p.tps))}" r="3.5" fill="${colour}"/>`),
            `<line x1="${MARGIN.left + 12}" x2="${MARGIN.left + 36}" y1="${MARGIN.top + 16 + i * 18}" y2="${MARGIN.top + 16 + i * 18}" stroke="${colour}" stroke-width="2.5"/>`,
            `<text x="${MARGIN.left + 42}" y="${MARGIN.top + 20 + i * 18}">${escape(s.name)}</text>`,
        );
    });
    out.push('</svg>');
    return `${out.join('\n')}\n`;
}
