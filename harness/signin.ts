// Signing in to Azure for the command-line tools that read ARM (preflight, verify): where the subscription comes from,
// and the one-line hint when no credential works — never the credential chain's own dump.
import type { TokenCredential } from "@azure/identity";
import { UsageError } from "./usage";

export const ARM_SCOPE = "https://management.azure.com/.default";

export const SIGN_IN_HINT =
    "not signed in to Azure: run `az login` (in CI: azure/login or AzureCLI@2 with workload identity federation, or export AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE; the ARM_USE_OIDC/ARM_CLIENT_ID variables Pulumi reads are not enough)";

/** Exit code of a tool that could not sign in or may not read what it needs. */
export const NOT_SIGNED_IN = 4;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The subscription from --subscription, AZURE_SUBSCRIPTION_ID or ARM_SUBSCRIPTION_ID; says what is wrong with a malformed one. */
export function subscriptionFrom(flag: string | undefined, env: Record<string, string | undefined>): string {
    const [value, source] = flag !== undefined ? [flag, "--subscription"] : env.AZURE_SUBSCRIPTION_ID ? [env.AZURE_SUBSCRIPTION_ID, "AZURE_SUBSCRIPTION_ID"] : [env.ARM_SUBSCRIPTION_ID, "ARM_SUBSCRIPTION_ID"];
    if (!value) {
        throw new UsageError("a subscription id is required: --subscription <id>, or AZURE_SUBSCRIPTION_ID / ARM_SUBSCRIPTION_ID");
    }
    const trimmed = value.trim();
    if (!GUID.test(trimmed)) {
        const why = /^\{.*\}$/.test(trimmed)
            ? "drop the braces"
            : /\/subscriptions\//i.test(trimmed)
              ? "give the id alone, not a resource path"
              : trimmed.replace(/-/g, "").length !== 32
                ? `it has ${trimmed.replace(/-/g, "").length} hex digits instead of 32`
                : /[^0-9a-f-]/i.test(trimmed)
                  ? "it contains characters other than hex digits and hyphens"
                  : "the hyphens are misplaced";
        throw new UsageError(`${source} "${value}" is not a subscription id (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): ${why}`);
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
