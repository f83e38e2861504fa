import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

// How the command-line tools (plan, fleet, verify) report what went wrong. Kept free of the Pulumi SDK so a CLI can
// load it without paying for the SDK (`plan diff`, `--help`).

/** A usage problem (bad arguments, unknown stack, unreadable file): exit code 2, message plus the tool's usage. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** A stack or project file that cannot be parsed: exit code 2 with the parser's message (line and column), no usage text. */
export class ConfigFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigFileError";
    }
}

/** Writing an output file failed (a missing folder, no permission): its own exit code, apart from policy findings. */
export class OutputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OutputError";
    }
}

export const SIGN_IN_HINT =
    "not signed in to Azure: run `az login` (in CI: azure/login or AzureCLI@2 with workload identity federation, or export AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE; the ARM_USE_OIDC/ARM_CLIENT_ID variables Pulumi reads are not enough)";

// The errors @azure/identity throws when no credential works or a token is refused (node_modules/@azure/identity
// dist errors.js: CredentialUnavailableError, AuthenticationError, AggregateAuthenticationError,
// AuthenticationRequiredError), matched by name so this module loads no SDK.
const SIGN_IN_ERRORS = new Set([
    "NotSignedInError",
    "CredentialUnavailableError",
    "AuthenticationError",
    "AggregateAuthenticationError",
    "AuthenticationRequiredError",
]);

/**
 * Maps an error to a message and exit code (cli/command.ts EXIT), never a stack trace for a user mistake: usage
 * problems and config mistakes (ConfigError, matched by name so this module needs no SDK) exit 2, an output file that
 * cannot be written 3, a sign-in that fails 4 (the one-line hint, never the credential chain's dump), a question closed
 * with Ctrl+C (inquirer's ExitPromptError) 130 and nothing printed, anything else 1.
 */
export function failure(e: unknown, usage: string, tool: string): { code: number; message: string } {
    const message = (e as Error)?.message ?? String(e);
    const name = (e as Error)?.name;
    if (e instanceof UsageError) {
        return { code: 2, message: `${message}\n\n${usage}` };
    }
    if (name === "ConfigError" || e instanceof ConfigFileError) {
        return { code: 2, message };
    }
    if (e instanceof OutputError) {
        return { code: 3, message: `${tool}: ${message}` };
    }
    if (SIGN_IN_ERRORS.has(name)) {
        return { code: 4, message: name === "NotSignedInError" ? message : SIGN_IN_HINT };
    }
    if (name === "ExitPromptError") {
        return { code: 130, message: "" };
    }
    return { code: 1, message: `${tool} failed: ${message}` };
}

/** node:util's parseArgs, its complaints (an unknown option, a missing value) as UsageErrors: exit 2 with the usage. */
export function parseCli<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
    try {
        return parseArgs(config);
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
}

/**
 * A path the user typed, resolved from the directory they ran the command in: `npm run` starts scripts in the
 * package root and leaves the caller's directory in INIT_CWD.
 */
export function userPath(path: string): string {
    return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/** Writes a result file; a missing folder or a permission problem is an OutputError (its own exit code). */
export function writeOutput(path: string, text: string): void {
    const target = userPath(path);
    try {
        writeFileSync(target, text);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why =
            code === "ENOENT"
                ? `the folder ${dirname(target)} does not exist`
                : code === "EACCES"
                  ? "permission denied"
                  : (e as Error).message;
        throw new OutputError(`cannot write ${target}: ${why}`);
    }
}
