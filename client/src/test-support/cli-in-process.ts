import { run } from '../cli/main';

/** What one `sealpact` invocation did: its exit code and everything it wrote. */
export interface CliOutcome {
    code: number;
    stdout: string;
    stderr: string;
}

/** Run `sealpact ...argv` in this process through run(argv), capturing stdout and stderr. */
export async function sealpact(...argv: string[]): Promise<CliOutcome> {
    let stdout = '';
    let stderr = '';
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
        const code = await run(argv);
        return { code, stdout, stderr };
    } finally {
        out.mockRestore();
        err.mockRestore();
    }
}
