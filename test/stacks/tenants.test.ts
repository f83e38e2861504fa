// Tenants (issue 23) as configuration: what a stack runs, with every default written out, and each refusal's message
// with the key it names, before anything is registered. Expected values are literal.
import * as assert from "node:assert/strict";
import { stackTenants, tenantPath } from "../../stacks/tenants";
import { settingsFrom } from "../../stacks/load";
import { baseConfig, type ConfigObject, refusals, stackInput, withConfig } from "../support/stacks";
import { payments, TENANT_REPO as REPO, tenantKeys as keys, withTenants } from "../support/tenant-config";

const tenantsOf = (config: ConfigObject, secrets: Record<string, string>) =>
    stackTenants(settingsFrom(stackInput(config, secrets).config));

describe("tenants in the stack configuration (org.tenants, tenants)", () => {
    it("runs a tenant with every default written out: reader, main, ./deploy/overlays/<env>, AKS's network defaults", () => {
        assert.deepEqual(tenantsOf(withTenants("dev", { payments }), keys("payments")), [
            {
                team: "payments",
                groups: ["payments-developers"],
                namespaces: ["payments"],
                access: "reader",
                repo: { url: REPO, branch: "main" },
                paths: { payments: "./deploy/overlays/dev" },
                quota: { cpuRequest: "1", cpuLimit: "2", memoryRequest: "2Gi", memoryLimit: "4Gi" },
                networkPolicy: { ingress: "AllowSameNamespace", egress: "AllowAll" },
                adoptionPolicy: "Never",
                deletePolicy: "Keep",
            },
        ]);
    });

    it("fills {environment} and {namespace} per namespace", () => {
        const t = tenantsOf(
            withTenants("prod", {
                payments: {
                    ...payments,
                    namespaces: ["payments", "payments-jobs"],
                    repo: { url: REPO, path: "./deploy/{namespace}/overlays/{environment}" },
                },
            }),
            keys("payments"),
        );
        assert.deepEqual(t[0].paths, {
            payments: "./deploy/payments/overlays/prod",
            "payments-jobs": "./deploy/payments-jobs/overlays/prod",
        });
        assert.equal(tenantPath("./x/{environment}/{environment}", "staging", "n"), "./x/staging/staging");
    });

    it("runs a tenant only in its environments, or the stack's own selection", () => {
        const prodOnly = {
            payments: { ...payments, environments: ["prod"] },
            search: { ...payments, namespaces: ["search"] },
        };
        assert.deepEqual(
            tenantsOf(withTenants("dev", prodOnly), keys("search")).map((t) => t.team),
            ["search"],
        );
        assert.deepEqual(
            tenantsOf(withTenants("prod", prodOnly), keys("payments", "search")).map((t) => t.team),
            ["payments", "search"],
        );
        assert.deepEqual(
            tenantsOf(withTenants("prod", prodOnly, { tenants: ["search"] }), keys("search")).map((t) => t.team),
            ["search"],
        );
        assert.deepEqual(tenantsOf(baseConfig("dev"), keys()), []);
    });

    it("refuses a system, platform or shared namespace, naming the key", () => {
        assert.deepEqual(
            refusals(
                withTenants("dev", {
                    payments: {
                        ...payments,
                        namespaces: ["kube-system", "flux-system", "kube-anything", "payments"],
                        repo: { url: REPO, path: "./deploy/{namespace}" },
                    },
                    search: {
                        ...payments,
                        namespaces: ["payments", "cert-manager"],
                        repo: { url: REPO, path: "./deploy/{namespace}" },
                    },
                }),
                keys("payments", "search"),
            ),
            [
                'aks-gitops:org.tenants.payments.namespaces[0]: "kube-system" is a system or platform namespace; a tenant\'s namespaces must be its own',
                'aks-gitops:org.tenants.payments.namespaces[1]: "flux-system" is a system or platform namespace; a tenant\'s namespaces must be its own',
                'aks-gitops:org.tenants.payments.namespaces[2]: "kube-anything" is a system or platform namespace; a tenant\'s namespaces must be its own',
                'aks-gitops:org.tenants.search.namespaces[0]: "payments" is already tenant payments\'s namespace',
                'aks-gitops:org.tenants.search.namespaces[1]: "cert-manager" is a system or platform namespace; a tenant\'s namespaces must be its own',
            ],
        );
        assert.deepEqual(
            refusals(
                withTenants(
                    "dev",
                    { payments: { ...payments, namespaces: ["my-service"] } },
                    { fleet: { apps: ["my-service"] } },
                ),
                keys("payments"),
            ),
            [
                'aks-gitops:org.tenants.payments.namespaces[0]: "my-service" is the namespace of the platform\'s app my-service (fleet.apps)',
            ],
        );
    });

    it("refuses a path that leaves the repository, a stray placeholder, and several namespaces sharing one directory", () => {
        const path = (p: string, namespaces = ["payments"]) =>
            refusals(
                withTenants("dev", { payments: { ...payments, namespaces, repo: { url: REPO, path: p } } }),
                keys("payments"),
            );
        assert.deepEqual(path("./deploy/../../secrets"), [
            'aks-gitops:org.tenants.payments.repo.path: must be a path inside the repository starting with "./", e.g. "./deploy/overlays/{environment}" (no "..", no "//")',
        ]);
        assert.deepEqual(path("/etc/deploy"), [
            'aks-gitops:org.tenants.payments.repo.path: must be a path inside the repository starting with "./", e.g. "./deploy/overlays/{environment}" (no "..", no "//")',
        ]);
        assert.deepEqual(path("./deploy/{team}"), [
            "aks-gitops:org.tenants.payments.repo.path: may use only the placeholders {environment} and {namespace}",
        ]);
        assert.deepEqual(path("./deploy/overlays/{environment}", ["payments", "payments-jobs"]), [
            'aks-gitops:org.tenants.payments.repo.path: must contain {namespace} when the tenant has several namespaces (each namespace\'s Flux configuration applies its own directory), e.g. "./deploy/{namespace}/overlays/{environment}"',
        ]);
        assert.deepEqual(path("./deploy/{namespace}/{environment}", ["payments", "payments-jobs"]), []);
    });

    it("holds the team's repository to the fleet repo's rules: known hosts, credentials in secret config only", () => {
        assert.deepEqual(
            refusals(
                withTenants("dev", {
                    payments: { ...payments, repo: { url: "ssh://git@github.com/contoso/payments.git" } },
                }),
                keys("payments"),
            ),
            [
                "aks-gitops:org.tenants.payments.repo.knownHosts: is required for ssh host github.com (known_hosts lines); built in only for: ssh.dev.azure.com",
            ],
        );
        assert.deepEqual(
            refusals(
                withTenants("dev", {
                    payments: { ...payments, repo: { url: "https://bot:hunter2@github.com/contoso/payments.git" } },
                }),
                keys(),
            ),
            [
                "aks-gitops:org.tenants.payments.repo.url: must not embed credentials; use the secret keys tenantGitHttpsPassword-<team> / tenantGitSshPrivateKey-<team>",
            ],
        );
        assert.deepEqual(refusals(withTenants("dev", { payments }), keys()), [
            "aks-gitops:tenantGitSshPrivateKey-payments: is required for tenant payments's ssh:// repository; set it with `pulumi config set --secret tenantGitSshPrivateKey-payments < deploy-key`",
        ]);
        assert.deepEqual(
            refusals(
                withTenants("dev", {
                    payments: { ...payments, repo: { url: "https://github.com/contoso/payments.git" } },
                }),
                keys("payments"),
            ),
            ["aks-gitops:tenantGitSshPrivateKey-payments: only applies to ssh:// repositories (tenant payments)"],
        );
        // An https:// repository's token is taken for a tenant the stack runs.
        assert.deepEqual(
            refusals(
                withTenants("dev", {
                    payments: {
                        ...payments,
                        repo: { url: "https://github.com/contoso/payments.git", httpsUser: "flux" },
                    },
                }),
                { ...keys(), "tenantGitHttpsPassword-payments": "a-token" },
            ),
            [],
        );
        // An ssh:// repository reads no token: one set beside the deploy key is refused, not silently unused.
        assert.deepEqual(
            refusals(withTenants("dev", { payments }), {
                ...keys("payments"),
                "tenantGitHttpsPassword-payments": "a-token",
            }),
            ["aks-gitops:tenantGitHttpsPassword-payments: only applies to https:// repositories (tenant payments)"],
        );
        // A key for a team the stack does not run (a typo, or a tenant of another environment) is not silently unused.
        assert.deepEqual(refusals(withTenants("dev", { payments }), keys("payments", "paymnets")), [
            "aks-gitops:tenantGitSshPrivateKey-paymnets: no tenant paymnets runs on this stack (org.tenants, tenants)",
        ]);
    });

    it("refuses a stack's selection of a tenant that does not exist or does not run in its environment", () => {
        assert.deepEqual(
            refusals(
                withTenants(
                    "dev",
                    { payments: { ...payments, environments: ["prod"] } },
                    { tenants: ["payments", "search"] },
                ),
                keys(),
            ),
            [
                "aks-gitops:tenants[0]: tenant payments does not run in dev (org.tenants.payments.environments: prod)",
                'aks-gitops:tenants[1]: "search" is not a tenant of org.tenants (defined: payments)',
            ],
        );
        // Every defined tenant listed; and an organisation with none says so.
        assert.deepEqual(
            refusals(
                withTenants(
                    "dev",
                    {
                        payments: { ...payments, environments: ["staging", "prod"] },
                        search: { ...payments, namespaces: ["search"] },
                    },
                    { tenants: ["payments", "orders"] },
                ),
                keys(),
            ),
            [
                "aks-gitops:tenants[0]: tenant payments does not run in dev (org.tenants.payments.environments: staging, prod)",
                'aks-gitops:tenants[1]: "orders" is not a tenant of org.tenants (defined: payments, search)',
            ],
        );
        assert.deepEqual(refusals(withConfig(baseConfig("dev"), { tenants: ["orders"] }), keys()), [
            'aks-gitops:tenants[0]: "orders" is not a tenant of org.tenants (none defined)',
        ]);
    });

    it("refuses a Kubernetes minor older than 1.30, which does not serve the tenant boundary's admission policy", () => {
        const at = (version: string) =>
            refusals(withConfig(baseConfig("dev"), { aks: { kubernetesVersion: version } }));
        assert.deepEqual(at("1.29"), [
            "aks-gitops:aks.kubernetesVersion: must be 1.30 or later, got 1.29: the fleet's tenant boundary is a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, Kubernetes 1.30+)",
        ]);
        assert.deepEqual(at("1.30"), []);
    });

    it("refuses malformed tenant fields, naming each key and what is allowed", () => {
        assert.deepEqual(
            refusals(
                withTenants("dev", {
                    Payments: payments,
                    search: {
                        groups: [],
                        namespaces: ["Search"],
                        access: "owner",
                        repo: { url: REPO },
                        quota: { cpuRequest: "2 cores", memoryLimit: "4GB" },
                        networkPolicy: { ingress: "Open" },
                        adoptionPolicy: "Sometimes",
                        deletePolicy: "Purge",
                    },
                }),
                keys("search"),
            ),
            [
                "aks-gitops:org.tenants.Payments: has an invalid key: must be 2-30 lowercase letters, digits or hyphens, starting with a letter",
                "aks-gitops:org.tenants.search.groups: must have at least 1 entry",
                "aks-gitops:org.tenants.search.namespaces[0]: must be a Kubernetes namespace name: 1-56 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
                'aks-gitops:org.tenants.search.access: must be "reader", "writer" or "admin"',
                'aks-gitops:org.tenants.search.quota.cpuRequest: must be CPU as whole cores ("2") or millicores ("500m")',
                'aks-gitops:org.tenants.search.quota.memoryLimit: must be memory in power-of-two units, e.g. "512Mi" or "4Gi"',
                'aks-gitops:org.tenants.search.networkPolicy.ingress: must be "AllowAll", "AllowSameNamespace" or "DenyAll"',
                'aks-gitops:org.tenants.search.adoptionPolicy: must be "Never", "IfIdentical" or "Always"',
                'aks-gitops:org.tenants.search.deletePolicy: must be "Keep" or "Delete"',
            ],
        );
        // What a tenant must have, left out: each named with the kind of value it takes.
        assert.deepEqual(refusals(withTenants("dev", { payments: { groups: ["g"], repo: {} } }), keys()), [
            "aks-gitops:org.tenants.payments.namespaces: is required (array)",
            "aks-gitops:org.tenants.payments.repo.url: is required (string)",
        ]);
        // An unknown key: a near miss named with the key meant, another with what is allowed only.
        const allowed =
            "(allowed: access, adoptionPolicy, deletePolicy, environments, groups, namespaces, networkPolicy, quota, repo)";
        const unknown = (extra: object) =>
            refusals(withTenants("dev", { payments: { ...payments, ...extra } }), keys("payments"));
        assert.deepEqual(unknown({ namespace: ["payments"] }), [
            `aks-gitops:org.tenants.payments: has unknown key "namespace"; did you mean "namespaces"? ${allowed}`,
        ]);
        assert.deepEqual(unknown({ owner: "x" }), [
            `aks-gitops:org.tenants.payments: has unknown key "owner" ${allowed}`,
        ]);
    });
});
