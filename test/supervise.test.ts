import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support/fabric';

/**
 * network/scripts/supervise.mjs, which network:up runs every orderer, peer and chaincode server
 * under (issue 15, item 2): a command that dies is started again after a back-off, the restarts are
 * recorded, and a stopped supervisor stops its command for good. Runs `sleep` in a temp folder.
 */

jest.setTimeout(60_000);

const SUPERVISE = join(ROOT, 'network', 'scripts', 'supervise.mjs');
const dirs: string[] = [];
const supervisors: ChildProcess[] = [];

interface State {
    pid: number;
    restarts: number;
    lastExit?: { code: number | null; signal: string | null; ranMs: number };
    restartingAt?: string;
}

function supervise(dir: string, ...extra: string[]): ChildProcess {
    const child = spawn(
        process.execPath,
        [SUPERVISE, '--name=sleeper', `--run-dir=${dir}`, `--log=${join(dir, 'sleeper.log')}`, ...extra],
        { stdio: 'ignore' },
    );
    supervisors.push(child);
    return child;
}

function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'sealpact-supervise-'));
    dirs.push(dir);
    return dir;
}

const pidIn = (dir: string) =>
    existsSync(join(dir, 'sleeper.pid')) ? Number(readFileSync(join(dir, 'sleeper.pid'), 'utf8')) : undefined;
const stateIn = (dir: string) => JSON.parse(readFileSync(join(dir, 'sleeper.supervisor.json'), 'utf8')) as State;
const alive = (pid: number) => {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
};

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => child.once('exit', () => resolve()));

afterAll(() => {
    for (const child of supervisors) child.kill('SIGKILL');
    for (const dir of dirs) {
        const pid = pidIn(dir);
        if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
        rmSync(dir, { recursive: true, force: true });
    }
});

describe('supervise.mjs', () => {
    it('restarts a killed command after 1 s, then 2 s, and records each restart and how the run ended', async () => {
        const dir = tempDir();
        supervise(dir, '--', 'sleep', '600');
        const first = await until('the first pid', () => pidIn(dir));
        expect(stateIn(dir)).toMatchObject({ restarts: 0 });

        const killedAt = Date.now();
        process.kill(first, 'SIGKILL');
        const second = await until('a new pid', () => (pidIn(dir) !== first ? pidIn(dir) : undefined));
        const firstDelay = Date.now() - killedAt;
        expect(stateIn(dir)).toMatchObject({ restarts: 1, lastExit: { code: null, signal: 'SIGKILL' } });

        const killedAgainAt = Date.now();
        process.kill(second, 'SIGTERM');
        const third = await until('a third pid', () => (pidIn(dir) !== second ? pidIn(dir) : undefined));
        const secondDelay = Date.now() - killedAgainAt;
        expect(stateIn(dir)).toMatchObject({ restarts: 2, lastExit: { code: null, signal: 'SIGTERM' } });
        expect(alive(third)).toBe(true);

        // The back-off doubles while the command keeps dying young.
        expect(firstDelay).toBeGreaterThanOrEqual(1000);
        expect(secondDelay).toBeGreaterThanOrEqual(2000);
        expect(readFileSync(join(dir, 'sleeper.log'), 'utf8')).toMatch(/restart 2 in 2 s/);
    });

    it('restarts a command that exits by itself, with its exit code recorded', async () => {
        const dir = tempDir();
        supervise(dir, '--', 'sh', '-c', 'sleep 0.2; exit 3');
        await until('a restart', () =>
            existsSync(join(dir, 'sleeper.supervisor.json')) && stateIn(dir).restarts >= 1 ? true : undefined,
        );
        expect(stateIn(dir).lastExit).toMatchObject({ code: 3, signal: null });
    });

    it('on SIGTERM stops its command for good and removes its pid and state files', async () => {
        const dir = tempDir();
        const supervisor = supervise(dir, '--', 'sleep', '600');
        const pid = await until('the pid', () => pidIn(dir));
        supervisor.kill('SIGTERM');
        await exited(supervisor);
        expect(supervisor.exitCode).toBe(0);
        expect(alive(pid)).toBe(false);
        expect(existsSync(join(dir, 'sleeper.pid'))).toBe(false);
        expect(existsSync(join(dir, 'sleeper.supervisor.json'))).toBe(false);
    });

    it('stops its command when the process it watches is gone', async () => {
        const dir = tempDir();
        const parent = spawn('sleep', ['600']);
        const supervisor = supervise(dir, `--watch-parent=${parent.pid}`, '--', 'sleep', '600');
        const pid = await until('the pid', () => pidIn(dir));
        parent.kill('SIGKILL');
        await exited(supervisor);
        expect(alive(pid)).toBe(false);
    });

    it('refuses a command line without a command, naming what is missing (exit 2)', () => {
        const dir = tempDir();
        const result = spawnSync(
            process.execPath,
            [SUPERVISE, '--name=sleeper', `--run-dir=${dir}`, `--log=${join(dir, 'x.log')}`],
            { encoding: 'utf8' },
        );
        expect(result.status).toBe(2);
        expect(result.stderr.trim()).toBe(
            '[network] supervise.mjs: no command to run (put it after --) (--help lists the options)',
        );
    });
});
