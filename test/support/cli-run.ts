// A CLI entry run in this process, its output collected. Its own module, apart from test/support/stacks.ts, so a
// test file of a CLI that never plans a stack (promotion) does not load the Pulumi program with it.

export interface CliRun {
    status: number;
    stdout: string;
    stderr: string;
}

/**
 * A CLI entry's runCli, run in this process the way `node bin/launch.cjs <entry>` runs it: what it writes to stdout and
 * stderr, and the exit code it sets. Cheaper than a process per case; each CLI's test file still starts it as a
 * process at least once.
 */
export async function runCliInProcess(runCli: (argv: string[]) => Promise<void>, argv: string[]): Promise<CliRun> {
    const out: string[] = [];
    const err: string[] = [];
    const { stdout, stderr } = process;
    /* eslint-disable @typescript-eslint/unbound-method -- the originals, kept to be put back as they were, never called unbound */
    const writeOut = stdout.write;
    const writeErr = stderr.write;
    /* eslint-enable @typescript-eslint/unbound-method */
    const exitCode = process.exitCode;
    process.exitCode = undefined;
    stdout.write = (chunk: string | Uint8Array) => out.push(chunk.toString()) > 0;
    stderr.write = (chunk: string | Uint8Array) => err.push(chunk.toString()) > 0;
    try {
        await runCli(argv);
        return { status: Number(process.exitCode ?? 0), stdout: out.join(""), stderr: err.join("") };
    } finally {
        stdout.write = writeOut;
        stderr.write = writeErr;
        process.exitCode = exitCode;
    }
}
