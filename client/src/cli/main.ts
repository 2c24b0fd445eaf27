#!/usr/bin/env node
import { constants } from 'node:os';
import { ErrorCode, SealpactError, UsageError } from '@sealpact/protocol';
import { removeUnfinishedFilesSync } from '../atomic-file';
import { messageOf } from '../thrown';
import { Command, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseOptions, usageOf } from './command';
import { fileCommands } from './file-commands';

/**
 * Every command, loaded only when needed: the ledger's commands bring in the Fabric gateway, gRPC
 * and the S3 client, which `encrypt` and `decrypt` of a large file would carry in memory for nothing.
 */
async function allCommands(): Promise<Command[]> {
    return (await import('./commands')).commands;
}

function overview(commands: Command[]): string {
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
        process.stdout.write(overview(await allCommands()) + '\n');
        return name === undefined ? EXIT_USAGE : EXIT_OK;
    }
    const named = (c: Command) => c.name === name;
    const command = fileCommands.find(named) ?? (await allCommands()).find(named);
    const wantsJson = rest.includes('--json');
    try {
        if (command === undefined) {
            throw new UsageError('USAGE', `unknown command "${name}"; run 'sealpact --help' for the list`);
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
        const { code, message } = describeError(err);
        if (wantsJson) {
            process.stdout.write(JSON.stringify({ ok: false, error: { code, message } }) + '\n');
        }
        process.stderr.write(`sealpact: ${message}\n`);
        return code === 'USAGE' ? EXIT_USAGE : EXIT_FAILURE;
    }
}

/**
 * The code and one-line message of a failure. SealpactError messages are written to name the
 * problem without secrets; anything else is cut to its first line, so no stack or buffer dump
 * reaches the terminal, and a SyntaxError (JSON.parse's, which quotes the start of its input) to
 * its type. As a last defence every control character, line breaks included, becomes a space.
 */
function describeError(err: unknown): { code: ErrorCode; message: string } {
    const code = err instanceof SealpactError ? err.code : 'UNEXPECTED';
    let message: string;
    if (err instanceof SealpactError) {
        message = err.message;
    } else if (err instanceof SyntaxError) {
        message = `${code}: an input is not valid JSON`;
    } else {
        const [firstLine] = messageOf(err).split('\n', 1);
        message = `${code}: ${firstLine ?? ''}`;
    }
    // eslint-disable-next-line no-control-regex
    return { code, message: message.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim() };
}

/**
 * Stopped by a signal, remove every unfinished output file (decrypted bytes, a key being written)
 * before exiting with 128 + the signal's number, as a shell reports it.
 */
function exitCleanlyOnSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
        process.on(signal, () => {
            removeUnfinishedFilesSync();
            process.stderr.write(`sealpact: INTERRUPTED: stopped by ${signal}; unfinished output removed\n`);
            process.exit(128 + constants.signals[signal]);
        });
    }
}

if (require.main === module) {
    exitCleanlyOnSignals();
    run(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (err: unknown) => {
            // run() turns every failure of a command into an exit code; this is one of the CLI itself.
            process.stderr.write(`sealpact: ${describeError(err).message}\n`);
            process.exitCode = EXIT_FAILURE;
        },
    );
}
