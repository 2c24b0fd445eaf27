import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './fabric';

/**
 * The earlier build test/upgrade.test.ts deploys first and upgrades from: the last commit before
 * signing statement v3 and the tree digests (a commit of main, which every clone holds; a tag would
 * not be cloned). Its chaincode and SDK write what the current build no longer writes.
 */
export const EARLIER_BUILD = {
    commit: 'cdc1ca5053e1de7bab0750119c5b346ae936e387',
    writes: 'signature records v2 over signing statements v2, files digested with plain sm3 and sha256',
};

/**
 * Runs a command of the preparation in `cwd`; on failure throws naming it, with the end of its
 * output. Without npm's variables: under `npm test` they name this checkout (npm_config_local_prefix),
 * and an npm command given them would work on it instead of on `cwd`.
 */
function step(what: string, file: string, args: string[], cwd: string): void {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
    try {
        execFileSync(file, args, { cwd, env, stdio: 'pipe', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
        const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
        const output = `${stderr?.toString() ?? ''}${stdout?.toString() ?? ''}`.trim().split('\n').slice(-20);
        throw new Error(
            `earlier build ${EARLIER_BUILD.commit}: ${what} failed (${file} ${args.join(' ')}):\n${output.join('\n')}`,
        );
    }
}

/**
 * The earlier build, exported from git, installed (npm ci) and built, in a folder outside the
 * repository that later runs reuse: the same commit always builds the same code. Returns its folder.
 */
export function prepareEarlierBuild(): string {
    const { commit } = EARLIER_BUILD;
    const dir = join(tmpdir(), `sealpact-build-${commit.slice(0, 12)}`);
    const built = join(dir, '.sealpact-built');
    if (existsSync(built)) return dir;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    step(
        'finding the commit (a shallow clone lacks it: git fetch --unshallow)',
        'git',
        ['cat-file', '-e', `${commit}^{commit}`],
        ROOT,
    );
    const tar = `${dir}.tar`;
    step('git archive', 'git', ['archive', '--format=tar', '-o', tar, commit], ROOT);
    step('unpacking', 'tar', ['-xf', tar, '-C', dir], ROOT);
    rmSync(tar);
    step('npm ci', 'npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], dir);
    step('npm run build', 'npm', ['run', 'build'], dir);
    writeFileSync(built, `${commit}\n`);
    return dir;
}
