// Reads the summary table of Caliper 0.6's HTML report (the only form in which it keeps its
// results): one row of {column: text} per round.
import fs from 'node:fs';

/** The rows of a table: header cells (<th>) name the columns of the data rows (<td>). */
function rowsOf(html) {
    let columns = [];
    const rows = [];
    for (const [, row] of html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)) {
        const cells = [...row.matchAll(/<(th|td)>([\s\S]*?)<\/\1>/g)];
        if (cells.length === 0) continue;
        if (cells[0][1] === 'th') columns = cells.map(([, , text]) => text.trim());
        else rows.push(Object.fromEntries(cells.map(([, , text], i) => [columns[i], text.trim()])));
    }
    return rows;
}

/**
 * Caliper's summary row per round label: Name, Succ, Fail, Send Rate (TPS), Max Latency (s), Min
 * Latency (s), Avg Latency (s), Throughput (TPS).
 */
export function readCaliperSummary(file) {
    const html = fs.readFileSync(file, 'utf8');
    const from = html.indexOf('id="benchmarksummary"');
    if (from < 0) throw new Error(`${file} has no summary table`);
    const table = html.slice(from, html.indexOf('</table>', from));
    return new Map(rowsOf(table).map((row) => [row.Name, row]));
}
