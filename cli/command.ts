// One way to define a command-line tool (plan, fleet, promote, verify, preflight, stacks, pulumi-stack, new-stack,
// bench, mutate): its usage text, a handler that returns an exit code (or what to print), and one mapping from what
// went wrong to the one exit-code table below, as a one-line message (never a stack trace). bin/launch.cjs calls the
// runCli it returns. Kept free of the Pulumi SDK so `--help` and usage errors stay instant.
import type { ParseArgsConfig, parseArgs } from "node:util";
import { failure, parseCli, UsageError, writeOutput } from "./usage";

/**
 * The exit codes of every tool. Each tool uses the ones its usage text lists; a code means the same thing everywhere:
 * 3 is "gave up" (an output file plan/new-stack could not write, or verify's timeout), 4 "Azure would not let us in".
 */
export const EXIT = {
    ok: 0,
    /** A check, a policy (mandatory finding), a reconciliation or an external command failed. */
    failed: 1,
    /** Bad usage, an unknown stack, invalid configuration: nothing was registered or written. */
    usage: 2,
    /** An output file could not be written (plan, new-stack). */
    output: 3,
    /** verify: the stack did not reconcile in time. */
    timedOut: 3,
    /** No Azure credential works, or the identity may not read what it must (verify, preflight). */
    notSignedIn: 4,
    /** A question closed with Ctrl+C (new-stack): the shell's 128 + SIGINT, nothing written, nothing printed. */
    interrupted: 130,
} as const;

/** What a handler may return instead of a bare exit code: text for stdout (or `out`, a file the user named), stderr. */
export interface Outcome {
    code: number;
    /** Written to `out` when given (an OutputError, exit 3, when it cannot be), else to stdout. */
    text?: string;
    out?: string;
    stderr?: string;
}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Parsed<O extends Options> = ReturnType<
    typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean }>
>;

export interface CommandDefinition<O extends Options> {
    /** The tool's name in messages: "plan failed: ...", "plan: cannot write ...". */
    name: string;
    usage: string;
    /** Its options, for node:util's parseArgs (strict: an unknown option is a usage error, exit 2). */
    options: O;
    /** Whether it takes positional arguments (a subcommand, a stack or app name). */
    allowPositionals?: boolean;
    /**
     * Does the work (reading argv with the command's parse); throws UsageError, ConfigError, ... for cli/usage.ts
     * failure to map. A handler takes argv, not parsed values, so tests call a tool's main as its users do.
     */
    run: (argv: string[]) => number | Outcome | Promise<number | Outcome>;
}

export interface Command<O extends Options> {
    name: string;
    usage: string;
    /** argv read with the command's options (cli/usage.ts parseCli: parseArgs' complaints are usage errors). */
    parse: (argv: string[]) => Parsed<O>;
    /** The entry bin/launch.cjs calls: runs, prints, sets process.exitCode; never throws. */
    runCli: (argv: string[]) => Promise<void>;
}

export function defineCommand<const O extends Options>(definition: CommandDefinition<O>): Command<O> {
    const { name, usage, options } = definition;
    const allowPositionals = definition.allowPositionals ?? false;
    return {
        name,
        usage,
        parse: (argv) => parseCli({ args: argv, options, allowPositionals }),
        runCli: (argv) =>
            Promise.resolve()
                .then(() => definition.run(argv))
                .then((result) => {
                    const { code, text, out, stderr } = typeof result === "number" ? { code: result } : result;
                    if (text !== undefined) {
                        if (out) {
                            writeOutput(out, text);
                        } else {
                            process.stdout.write(text);
                        }
                    }
                    if (stderr) {
                        process.stderr.write(stderr);
                    }
                    process.exitCode = code;
                })
                .catch((e: unknown) => {
                    const { code, message } = failure(e, usage, name);
                    if (message !== "") {
                        process.stderr.write(`${message}\n`);
                    }
                    process.exitCode = code;
                }),
    };
}

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration option ("500ms", "90s", "15m", "1h") in milliseconds; a usage error naming the option otherwise. Zero is
 * refused unless `allowZero` (verify's --failure-grace: fail at the first failed answer).
 */
export function parseDuration(
    text: string,
    option: string,
    { allowZero = false }: { allowZero?: boolean } = {},
): number {
    const m = /^(\d+)(ms|s|m|h)$/.exec(text);
    if (!m) {
        throw new UsageError(`${option} must be a duration such as 90s, 15m or 1h (got "${text}")`);
    }
    if (Number(m[1]) === 0 && !allowZero) {
        throw new UsageError(`${option} must be longer than 0 (got "${text}")`);
    }
    return Number(m[1]) * UNITS[m[2] as keyof typeof UNITS];
}
