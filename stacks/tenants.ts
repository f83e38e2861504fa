// The tenants a stack runs (issue 23): the organisation's teams (org.tenants in Pulumi.yaml) selected for this
// cluster, with their repository path resolved per namespace. Validation lives in stacks/schema.ts (tenant, tenantRules);
// this module only reads validated settings.
import type { Environment, StackSettings, TenantDefinition } from "./schema";

/** The label that marks a tenant's namespace; ARM owns it (a managed namespace's labels cannot be changed in-cluster). */
export const TENANT_LABEL = "aks-gitops.io/tenant";

/** Secret config keys of a tenant's repository credential (stack files, `pulumi config set --secret`). */
export const tenantSecretKeys = (team: string) => ({
    sshPrivateKey: `tenantGitSshPrivateKey-${team}`,
    httpsPassword: `tenantGitHttpsPassword-${team}`,
});

/** Whether `key` (without the project namespace) names a tenant's repository credential. */
export const isTenantSecretKey = (key: string): boolean =>
    /^tenantGit(SshPrivateKey|HttpsPassword)-[a-z][a-z0-9-]*$/.test(key);

export interface StackTenant extends Omit<TenantDefinition, "environments" | "repo"> {
    team: string;
    repo: Omit<TenantDefinition["repo"], "path">;
    /** The directory Flux applies in each namespace, placeholders filled in. */
    paths: Record<string, string>;
}

/** The path template with {environment} and {namespace} filled in. */
export function tenantPath(template: string, environment: Environment, namespace: string): string {
    return template.replaceAll("{environment}", environment).replaceAll("{namespace}", namespace);
}

/**
 * The tenants this stack runs, in the order org.tenants lists them: those whose environments include the stack's,
 * and of those only the ones the stack's `tenants` names when it has that key (naming another is a config error).
 */
export function stackTenants(settings: Pick<StackSettings, "org" | "tenants" | "environment">): StackTenant[] {
    const all = settings.org?.tenants ?? {};
    const chosen = settings.tenants;
    return Object.entries(all)
        .filter(
            ([team, t]) =>
                (chosen === undefined || chosen.includes(team)) && t.environments.includes(settings.environment),
        )
        .map(([team, t]) => {
            const { path, ...source } = t.repo;
            return {
                team,
                groups: t.groups,
                namespaces: t.namespaces,
                access: t.access,
                repo: source,
                paths: Object.fromEntries(t.namespaces.map((ns) => [ns, tenantPath(path, settings.environment, ns)])),
                quota: t.quota,
                networkPolicy: t.networkPolicy,
                adoptionPolicy: t.adoptionPolicy,
                deletePolicy: t.deletePolicy,
            };
        });
}
