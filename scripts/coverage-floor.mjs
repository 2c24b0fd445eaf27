#!/usr/bin/env node
// The unit tests' coverage floor, coverage-floor.json (jest.config.js's coverageThreshold), only goes
// up. `npm test` runs this first:
//
//   node scripts/coverage-floor.mjs          fails when a number in coverage-floor.json (as it is in
//                                            the working tree) is below the same number in any
//                                            committed version of the file, in its whole git history
//   node scripts/coverage-floor.mjs --raise  after a run with --coverage (npm test, npm run test:unit):
//                                            raises each number to just below what was measured
//                                            (coverage/coverage-summary.json), never lowers one
import { execFileSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const FLOOR = 'coverage-floor.json';
const SUMMARY = path.join(ROOT, 'coverage', 'coverage-summary.json');
const METRICS = ['lines', 'branches', 'functions', 'statements'];
/** How far below the measured percentage --raise sets the floor: runs differ a little (fuzzing). */
const MARGIN = 0.5;

/** The four numbers of a floor file's text; throws naming `where` when it is not one. */
function parseFloor(text, where) {
    const floor = JSON.parse(text);
    const keys = Object.keys(floor).sort();
    if (keys.join() !== [...METRICS].sort().join()) {
        throw new Error(`${where}: ${FLOOR} must have exactly the members ${METRICS.join(', ')}`);
    }
    for (const metric of METRICS) {
        const value = floor[metric];
        if (typeof value !== 'number' || !(value >= 0 && value <= 100)) {
            throw new Error(`${where}: ${metric} must be a percentage from 0 to 100`);
        }
    }
    return floor;
}

function git(...args) {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The committed versions of the floor file, oldest first, then the working tree's. */
function versions() {
    const list = [];
    let commits = [];
    try {
        commits = git('log', '--format=%H', '--', FLOOR).split('\n').filter(Boolean).reverse();
    } catch {
        console.log(`[coverage-floor] no git history here: only ${FLOOR} itself is checked`);
    }
    for (const commit of commits) {
        let text;
        try {
            text = git('show', `${commit}:${FLOOR}`);
        } catch {
            continue; // the commit deleted the file
        }
        list.push({ where: `commit ${commit.slice(0, 12)}`, floor: parseFloor(text, `commit ${commit.slice(0, 12)}`) });
    }
    list.push({ where: 'the working tree', floor: parseFloor(fs.readFileSync(path.join(ROOT, FLOOR), 'utf8'), FLOOR) });
    return list;
}

function check() {
    const list = versions();
    const current = list[list.length - 1];
    const lowered = [];
    for (const metric of METRICS) {
        const highest = list.reduce((best, version) => (version.floor[metric] > best.floor[metric] ? version : best));
        if (current.floor[metric] < highest.floor[metric]) {
            lowered.push(`${metric} is ${current.floor[metric]}, below ${highest.floor[metric]} in ${highest.where}`);
        }
    }
    if (lowered.length > 0) {
        console.error(`[coverage-floor] ${FLOOR} only goes up, but:\n  ${lowered.join('\n  ')}`);
        console.error('[coverage-floor] add tests instead, or restore the floor (README, "Tests")');
        return 1;
    }
    const shown = METRICS.map((metric) => `${metric} ${current.floor[metric]}%`).join(', ');
    console.log(`[coverage-floor] ${shown}: not below any of ${list.length - 1} committed version(s)`);
    return 0;
}

function raise() {
    if (!fs.existsSync(SUMMARY)) {
        console.error(`[coverage-floor] no ${path.relative(ROOT, SUMMARY)}: run npm run test:unit first`);
        return 1;
    }
    const total = JSON.parse(fs.readFileSync(SUMMARY, 'utf8')).total;
    const file = path.join(ROOT, FLOOR);
    const floor = parseFloor(fs.readFileSync(file, 'utf8'), FLOOR);
    const raised = { ...floor };
    for (const metric of METRICS) {
        const candidate = Math.floor((total[metric].pct - MARGIN) * 10) / 10;
        if (candidate > floor[metric]) raised[metric] = candidate;
        console.log(`[coverage-floor] ${metric}: measured ${total[metric].pct}%, floor ${raised[metric]}%`);
    }
    fs.writeFileSync(file, JSON.stringify(raised, null, 4) + '\n');
    return 0;
}

try {
    const { values } = parseArgs({ options: { raise: { type: 'boolean' } }, strict: true });
    process.exitCode = values.raise ? raise() : check();
} catch (err) {
    console.error(`[coverage-floor] ${err.message}`);
    process.exitCode = 2;
}
