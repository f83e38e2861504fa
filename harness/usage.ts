// How the command-line tools (plan, fleet, verify) report what went wrong. Kept free of the Pulumi SDK so a CLI can
// load it without paying for the SDK (`plan diff`, `--help`).

/** A usage problem (bad arguments, unknown stack, unreadable file): exit code 2, message plus the tool's usage. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/**
 * Maps an error to a message and exit code, never a stack trace for a user mistake: usage problems and config
 * mistakes (ConfigError, matched by name so this module needs no SDK) exit 2, anything else 1.
 */
export function failure(e: unknown, usage: string, tool: string): { code: number; message: string } {
    const message = (e as Error)?.message ?? String(e);
    if (e instanceof UsageError) {
        return { code: 2, message: `${message}\n\n${usage}` };
    }
    if ((e as Error)?.name === "ConfigError") {
        return { code: 2, message };
    }
    return { code: 1, message: `${tool} failed: ${message}` };
}
