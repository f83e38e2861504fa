// Signing in to Azure for the command-line tools that read ARM (preflight, verify): where the subscription comes from,
// and the one-line hint when no credential works — never the credential chain's own dump.
import { execFile } from "node:child_process";
import type { TokenCredential } from "@azure/identity";
import { ARM_SCOPE } from "./azure";
import { SIGN_IN_HINT, UsageError } from "./usage";

export { SIGN_IN_HINT };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which subscription a tool works in, and where that came from (both are printed). */
export interface Subscription {
    id: string;
    /** Its display name, where known: the Azure CLI keeps it; a flag or a variable gives only the id. */
    name?: string;
    /** The Azure CLI's `state` when it is not Enabled (Warned, PastDue, Disabled: ARM refuses writes to some). */
    state?: string;
    source: "--subscription" | "AZURE_SUBSCRIPTION_ID" | "ARM_SUBSCRIPTION_ID" | "az";
}

const MISSING =
    "a subscription id is required: --subscription <id>, AZURE_SUBSCRIPTION_ID / ARM_SUBSCRIPTION_ID, or the Azure CLI's default subscription (az login, then az account set --subscription <id>)";

/** The subscription given by --subscription, AZURE_SUBSCRIPTION_ID or ARM_SUBSCRIPTION_ID (in that order), if any; says what is wrong with a malformed one. */
export function givenSubscription(
    flag: string | undefined,
    env: Record<string, string | undefined>,
): Subscription | undefined {
    // An empty flag is a mistake (said as such); an empty variable is one that is not set.
    if (flag !== undefined) {
        return { id: subscriptionId(flag, "--subscription"), source: "--subscription" };
    }
    for (const source of ["AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"] as const) {
        if (env[source]) {
            return { id: subscriptionId(env[source], source), source };
        }
    }
    return undefined;
}

/** The subscription from --subscription, AZURE_SUBSCRIPTION_ID or ARM_SUBSCRIPTION_ID; says what is wrong with a malformed one. */
export function subscriptionFrom(flag: string | undefined, env: Record<string, string | undefined>): string {
    const given = givenSubscription(flag, env);
    if (!given) {
        throw new UsageError(MISSING);
    }
    return given.id;
}

/**
 * The subscription given (flag, then AZURE_SUBSCRIPTION_ID, then ARM_SUBSCRIPTION_ID), else the Azure CLI's default
 * subscription (`az account show`, run with `env`); a usage error (exit 2) saying why when there is none.
 */
export async function resolveSubscription(
    flag: string | undefined,
    env: Record<string, string | undefined>,
): Promise<Subscription> {
    return givenSubscription(flag, env) ?? azureCliDefault(env);
}

/** One line: the id, the name where known, where it came from. */
export function describeSubscription(s: Subscription): string {
    const from = {
        "--subscription": "from --subscription",
        AZURE_SUBSCRIPTION_ID: "from AZURE_SUBSCRIPTION_ID",
        ARM_SUBSCRIPTION_ID: "from ARM_SUBSCRIPTION_ID",
        az: "the Azure CLI's default subscription, az account show",
    }[s.source];
    return `${s.id}${s.name ? ` "${s.name}"` : ""} (${from}${s.state ? `; state ${s.state}` : ""})`;
}

/** How long `az account show` may take (it starts Python and reads the CLI's profile; no network call). */
export const AZ_TIMEOUT_MS = 30_000;

/** What `az account show --output json` printed, as execFile reports it. */
export interface AzRun {
    error: (Error & { code?: unknown; killed?: boolean }) | null;
    stdout: string;
    stderr: string;
}

/**
 * Runs `az account show --output json` as the Azure SDK runs the CLI (azure-sdk-for-js,
 * sdk/identity/identity/src/credentials/azureCliCredential.ts: execFile "az" from a safe working directory, /bin or
 * %SystemRoot%, so that no az in the current directory is picked up). A shell only on Windows, where az is az.cmd and
 * Node cannot start a .cmd without one (Node's child_process documentation, "Spawning .bat and .cmd files on Windows").
 */
export function runAzAccountShow(env: Record<string, string | undefined>): Promise<AzRun> {
    const windows = process.platform === "win32";
    return new Promise((resolve) => {
        execFile(
            "az",
            ["account", "show", "--output", "json"],
            {
                cwd: windows ? (env.SystemRoot ?? process.env.SystemRoot) : "/bin",
                env,
                shell: windows,
                timeout: AZ_TIMEOUT_MS,
                windowsHide: true,
            },
            (error, stdout, stderr) => resolve({ error, stdout: String(stdout), stderr: String(stderr) }),
        );
    });
}

/**
 * The Azure CLI's default subscription. `az account show` without --subscription prints the account marked isDefault
 * for the active cloud in the CLI's profile (azureProfile.json under AZURE_CONFIG_DIR, ~/.azure by default), with its
 * `id`, `name` and `state`, or fails with "Please run 'az login' to setup account." when it has none (Azure/azure-cli:
 * src/azure-cli/azure/cli/command_modules/profile/custom.py show_subscription -> src/azure-cli-core/azure/cli/core/
 * _profile.py Profile.get_subscription, _AZ_LOGIN_MESSAGE). `az login --allow-no-subscriptions` stores tenants as
 * accounts named "N/A(tenant level account)" whose id is the tenant's (_profile.py _TENANT_LEVEL_ACCOUNT_NAME,
 * _build_tenant_level_accounts): not a subscription.
 */
export async function azureCliDefault(
    env: Record<string, string | undefined>,
    run: (env: Record<string, string | undefined>) => Promise<AzRun> = runAzAccountShow,
): Promise<Subscription> {
    const { error, stdout, stderr } = await run(env);
    const why = (text: string) => new UsageError(`${MISSING}; the Azure CLI has none: ${text}`);
    if (error) {
        const said =
            stderr
                .split("\n")
                .map((l) => l.replace(/^ERROR:\s*/, "").trim())
                .find((l) => l !== "") ?? "";
        if (
            error.code === "ENOENT" ||
            /not recognized as an internal or external command|az: (command )?not found/i.test(stderr)
        ) {
            throw why("az is not installed (https://aka.ms/azure-cli)");
        }
        if (error.killed) {
            throw why(`az account show gave no answer within ${AZ_TIMEOUT_MS / 1000}s`);
        }
        if (/az login/.test(said)) {
            throw why("it is not signed in (az login)");
        }
        throw why(`az account show failed: ${said || error.message}`);
    }
    let account: { id?: unknown; name?: unknown; state?: unknown };
    try {
        account = JSON.parse(stdout) as typeof account;
    } catch {
        throw why(`az account show printed no JSON account: ${JSON.stringify(stdout.slice(0, 80))}`);
    }
    if (account?.name === "N/A(tenant level account)") {
        throw why(
            `its default account is a tenant (${String(account.id)}; az login --allow-no-subscriptions), not a subscription`,
        );
    }
    if (typeof account?.id !== "string") {
        throw why("az account show printed an account without an id");
    }
    return {
        id: subscriptionId(account.id, "the Azure CLI's default subscription"),
        ...(typeof account.name === "string" && account.name !== "" ? { name: account.name } : {}),
        ...(typeof account.state === "string" && account.state !== "Enabled" ? { state: account.state } : {}),
        source: "az",
    };
}

/** A subscription id as given, trimmed; a usage error saying what is wrong with a malformed one. */
function subscriptionId(value: string, source: string): string {
    const trimmed = value.trim();
    if (!GUID.test(trimmed)) {
        const why = /^\{.*\}$/.test(trimmed)
            ? "drop the braces"
            : /\/subscriptions\//i.test(trimmed)
              ? "give the id alone, not a resource path"
              : // Characters first: counting "x{…}" as 35 hex digits would send the user looking for a missing one.
                /[^0-9a-f-]/i.test(trimmed)
                ? "it contains characters other than hex digits and hyphens"
                : trimmed.replace(/-/g, "").length !== 32
                  ? `it has ${trimmed.replace(/-/g, "").length} hex digits instead of 32`
                  : "the hyphens are misplaced";
        throw new UsageError(
            `${source} "${value}" is not a subscription id (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): ${why}`,
        );
    }
    return trimmed;
}

/** Whether the credential yields an ARM token; any failure (no az login, no federated token) is "not signed in". */
export async function canSignIn(credential: TokenCredential): Promise<boolean> {
    try {
        await credential.getToken(ARM_SCOPE);
        return true;
    } catch {
        return false;
    }
}
