// A minimal tenant as stack configuration, shared by the tenant config suites (test/stacks/tenants*.test.ts); the
// tenant resources the policy pack evaluates are in tenants.ts.
import { baseConfig, type ConfigObject, TEST_SSH_KEY, withConfig } from "./stacks";

export const TENANT_REPO = "ssh://git@ssh.dev.azure.com/v3/contoso/payments/payments-api";

/** The team payments with only what a tenant must have: a group, a namespace, its repository. */
export const payments = { groups: ["payments-developers"], namespaces: ["payments"], repo: { url: TENANT_REPO } };

/** A dev or prod stack whose organisation has the given tenants. */
export function withTenants(
    environment: "dev" | "prod",
    tenants: ConfigObject,
    overrides: ConfigObject = {},
): ConfigObject {
    return withConfig(baseConfig(environment), { org: { tenants }, ...overrides });
}

/** The stack's secret keys: the fleet repo's deploy key and each given team's. */
export const tenantKeys = (...teams: string[]): Record<string, string> => ({
    gitSshPrivateKey: TEST_SSH_KEY,
    ...Object.fromEntries(teams.map((t) => [`tenantGitSshPrivateKey-${t}`, TEST_SSH_KEY])),
});
