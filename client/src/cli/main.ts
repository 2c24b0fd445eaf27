#!/usr/bin/env node
import { SealpactError } from '@sealpact/chaincode/dist/lib/errors';
import { Command, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseOptions, usageOf } from './command';
import { commands } from './commands';

function overview(): string {
    const width = Math.max(...commands.map((c) => c.name.length));
    const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
    return [
        'usage: sealpact <command> [options]',
        '',
        'commands:',
        ...lines,
        '',
        "'sealpact <command> --help' lists a command's options.",
    ].join('\n');
}

/** Run one CLI invocation and return its exit code; all output goes through stdout/stderr. */
export async function run(argv: string[]): Promise<number> {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === 'help') {
        process.stdout.write(overview() + '\n');
        return name === undefined ? EXIT_USAGE : EXIT_OK;
    }
    const command: Command | undefined = commands.find((c) => c.name === name);
    const wantsJson = rest.includes('--json');
    try {
        if (command === undefined) {
            throw new SealpactError('USAGE', `unknown command "${name}"; run 'sealpact --help' for the list`);
        }
        const options = parseOptions(command, rest);
        if (options.help) {
            process.stdout.write(usageOf(command) + '\n');
            return EXIT_OK;
        }
        const result = await command.run(options);
        const exitCode = result.exitCode ?? EXIT_OK;
        if (wantsJson) {
            process.stdout.write(JSON.stringify({ ok: exitCode === EXIT_OK, ...result.json }) + '\n');
        } else if (result.text !== '') {
            process.stdout.write(result.text + '\n');
        }
        return exitCode;
    } catch (err) {
        const code = err instanceof SealpactError ? err.code : 'UNEXPECTED';
        // SealpactError messages are written to name the problem without secrets; anything
        // else is reduced to its first line so no stack or buffer dump reaches the terminal.
        const message =
            err instanceof SealpactError
                ? err.message
                : `${code}: ${String((err as Error)?.message ?? err).split('\n')[0]}`;
        if (wantsJson) {
            process.stdout.write(JSON.stringify({ ok: false, error: { code, message } }) + '\n');
        }
        process.stderr.write(`sealpact: ${message}\n`);
        return code === 'USAGE' ? EXIT_USAGE : EXIT_FAILURE;
    }
}

if (require.main === module) {
    run(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
