import { parseArgs } from 'node:util';
import { UsageError } from '@sealpact/protocol';

/** Exit codes, documented in docs/cli.md. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** `verify` ran correctly and the signature is not valid. */
export const EXIT_INVALID = 3;

interface BaseOptionSpec {
    required?: boolean;
    description: string;
}

/** An integer option is a string on the command line, checked and converted by parseOptions. */
export interface IntegerOptionSpec extends BaseOptionSpec {
    type: 'integer';
    /** The inclusive range. */
    min: number;
    max: number;
}

export type OptionSpec = (BaseOptionSpec & { type: 'string' | 'boolean' }) | IntegerOptionSpec;

export type Options = Record<string, string | boolean | number | undefined>;

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
    /** An option that may also be given bare after the command name (`sealpact network up`). */
    positional?: string;
    run(options: Options): Promise<CommandResult>;
}

/** Options every command takes. */
const COMMON: Record<string, OptionSpec> = {
    json: { type: 'boolean', description: 'print the result as one JSON object on stdout' },
    help: { type: 'boolean', description: 'show this help' },
};

export function usageOf(command: Command): string {
    const bare = command.positional === undefined ? '' : ` [${command.positional}]`;
    const lines = [`sealpact ${command.name}${bare} [options]: ${command.summary}`, '', 'options:'];
    for (const [name, spec] of Object.entries({ ...command.options, ...COMMON })) {
        const value = { string: ' <value>', integer: ' <n>', boolean: '' }[spec.type];
        const range = spec.type === 'integer' ? ` (${rangeOf(spec)})` : '';
        const required = spec.required ? ' (required)' : '';
        lines.push(`  --${name}${value}${required}  ${spec.description}${range}`);
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
            options: Object.fromEntries(
                Object.entries(specs).map(([name, spec]) => [
                    name,
                    { type: spec.type === 'boolean' ? 'boolean' : 'string' },
                ]),
            ),
            strict: true,
            allowPositionals: command.positional !== undefined,
        });
        values = parsed.values;
        if (parsed.positionals.length > 1) {
            throw new Error(`one ${command.positional} is expected, got ${parsed.positionals.join(' ')}`);
        }
        if (command.positional !== undefined && parsed.positionals.length === 1) {
            values[command.positional] = parsed.positionals[0];
        }
    } catch (err) {
        throw new UsageError('USAGE', `${command.name}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (values.help) {
        return values;
    }
    checkRequired(command, values);
    for (const [name, spec] of Object.entries(specs)) {
        if (spec.type === 'integer' && values[name] !== undefined) {
            values[name] = parseInteger(command, name, spec, values[name] as string);
        }
    }
    return values;
}

function rangeOf(spec: IntegerOptionSpec): string {
    return `${spec.min} to ${spec.max}`;
}

/**
 * Digits only: no sign, fraction, exponent, hex or blanks, so `abc`, `-5`, `1e3` and `0x10` are
 * refused instead of becoming NaN, a negative or a surprise.
 */
function parseInteger(command: Command, name: string, spec: IntegerOptionSpec, text: string): number {
    const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (!(value >= spec.min && value <= spec.max)) {
        throw new UsageError(
            'USAGE',
            `${command.name}: --${name} must be a whole number from ${rangeOf(spec)}, not ${JSON.stringify(text)}`,
        );
    }
    return value;
}

function checkRequired(command: Command, values: Options): void {
    for (const [name, spec] of Object.entries(command.options)) {
        if (spec.required && (values[name] === undefined || values[name] === '')) {
            throw new UsageError('USAGE', `${command.name}: --${name} is required`);
        }
    }
}

/**
 * One command name with two forms told apart by one option, e.g. `verify --party …` (an
 * authority records a verification) and `verify --pub …` (check a signature). Each form keeps
 * its own required options; the help lists both.
 */
export function eitherCommand(marker: string, withMarker: Command, otherwise: Command): Command {
    const relaxed = (command: Command) =>
        Object.fromEntries(Object.entries(command.options).map(([name, spec]) => [name, { ...spec, required: false }]));
    return {
        name: withMarker.name,
        summary: `${withMarker.summary}; or, without --${marker}, ${otherwise.summary}`,
        options: { ...relaxed(otherwise), ...relaxed(withMarker) },
        async run(options) {
            const chosen = options[marker] !== undefined ? withMarker : otherwise;
            checkRequired(chosen, options);
            return chosen.run(options);
        },
    };
}

/**
 * A string option that must be one of `choices` (`fallback` when it is absent, if given); anything
 * else is a USAGE error listing them.
 */
export function oneOf<T extends string>(options: Options, name: string, choices: readonly T[], fallback?: T): T {
    const value = options[name] === undefined && fallback !== undefined ? fallback : required(options, name);
    if (!(choices as readonly string[]).includes(value)) {
        const listed = `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
        throw new UsageError('USAGE', `--${name} must be ${listed}, not ${JSON.stringify(value)}`);
    }
    return value as T;
}

/** A string option that parseOptions already checked is present. */
export function required(options: Options, name: string): string {
    const value = options[name];
    if (typeof value !== 'string' || value === '') {
        throw new UsageError('USAGE', `--${name} is required`);
    }
    return value;
}
