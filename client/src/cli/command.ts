import { parseArgs } from 'node:util';
import { SealpactError } from '@sealpact/chaincode/dist/lib/errors';

/** Exit codes, documented in docs/cli.md. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** `verify` ran correctly and the signature is not valid. */
export const EXIT_INVALID = 3;

export interface OptionSpec {
    type: 'string' | 'boolean';
    required?: boolean;
    description: string;
}

export type Options = Record<string, string | boolean | undefined>;

/** What a command returns: a result for --json and the human line(s) for the terminal. */
export interface CommandResult {
    json: Record<string, unknown>;
    text: string;
    exitCode?: number;
}

export interface Command {
    name: string;
    summary: string;
    options: Record<string, OptionSpec>;
    run(options: Options): Promise<CommandResult>;
}

/** Options every command takes. */
const COMMON: Record<string, OptionSpec> = {
    json: { type: 'boolean', description: 'print the result as one JSON object on stdout' },
    help: { type: 'boolean', description: 'show this help' },
};

export function usageOf(command: Command): string {
    const lines = [`sealpact ${command.name}: ${command.summary}`, '', 'options:'];
    for (const [name, spec] of Object.entries({ ...command.options, ...COMMON })) {
        const value = spec.type === 'string' ? ' <value>' : '';
        const required = spec.required ? ' (required)' : '';
        lines.push(`  --${name}${value}${required}  ${spec.description}`);
    }
    return lines.join('\n');
}

/** Parse argv for one command; unknown or missing options are usage errors naming the option. */
export function parseOptions(command: Command, argv: string[]): Options {
    const specs = { ...command.options, ...COMMON };
    let values: Options;
    try {
        const parsed = parseArgs({
            args: argv,
            options: Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }])),
            strict: true,
            allowPositionals: false,
        });
        values = parsed.values as Options;
    } catch (err) {
        throw new SealpactError('USAGE', `${command.name}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (values.help) {
        return values;
    }
    for (const [name, spec] of Object.entries(command.options)) {
        if (spec.required && (values[name] === undefined || values[name] === '')) {
            throw new SealpactError('USAGE', `${command.name}: --${name} is required`);
        }
    }
    return values;
}

/** A string option that parseOptions already checked is present. */
export function required(options: Options, name: string): string {
    const value = options[name];
    if (typeof value !== 'string' || value === '') {
        throw new SealpactError('USAGE', `--${name} is required`);
    }
    return value;
}
