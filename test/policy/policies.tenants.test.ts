// The policy pack's tenant rules (issue 23): every tenant namespace has a quota and a default network policy; no tenant
// group holds a cluster-scoped role; a tenant's source is namespace-scoped. Hand-made resources in the shape the pack
// evaluates (test/support/tenants.ts), the engine's unknowns of a preview through @pulumi/policy's own proxy, and the
// fixture stacks.
import * as assert from "node:assert/strict";
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import * as policySdk from "@pulumi/policy";
import type { Registration } from "../../offline/monitor";
import type { Capture } from "../../offline/program";
import { planStack } from "../../offline/program";
import { evaluatePolicies } from "../../policy/offline";
import { policies } from "../../policy/policies";
import {
    AKS_ID,
    captureOf,
    fluxConfiguration,
    managedNamespace,
    namespaceId,
    namespaceProperties,
    ROLE,
    roleAssignment,
    roleId,
    urn,
} from "../support/tenants";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const policy = (name: string) => {
    const p = policies.find((x) => x.name === name);
    assert.ok(p, `no policy ${name}`);
    return p;
};

/** The findings of one policy on hand-made resources, in prod: [resource name, message]. */
async function findings(name: string, ...resources: Registration[]): Promise<[string | undefined, string][]> {
    const found = await evaluatePolicies(captureOf(...resources), "prod", [policy(name)]);
    assert.ok(found.every((f) => f.policy === name));
    return found.map((f) => [f.urn?.split("::").pop(), f.message]);
}

const TEAM = "5b0d6a3e-7c1f-4e2a-9d8b-3f6e1a2c4d5e";
const OTHER_TEAM = "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a";
const ADMINS = "fc8f4d1d-ed2b-4a11-aa97-0b40cd6980ab";
const ROLES_ALLOWED =
    "Azure Kubernetes Service Namespace User, Azure Kubernetes Service RBAC Reader, Azure Kubernetes Service RBAC Writer, Azure Kubernetes Service RBAC Admin";

const ns = (props: Record<string, unknown>) => managedNamespace("payments-ns", "payments", props);
const withQuota = (quota: Record<string, unknown> | undefined) =>
    ns({ ...namespaceProperties(), defaultResourceQuota: quota });
const withNetwork = (policyRule: Record<string, unknown> | undefined) =>
    ns({ ...namespaceProperties(), defaultNetworkPolicy: policyRule });

describe("policy pack: tenants (issue 23)", () => {
    sharedCaptures();
    describe("tenant-namespace-quota", () => {
        const key = " (config: aks-gitops:org.tenants.<team>.quota)";

        it("passes a namespace with CPU and memory requests and limits", async () => {
            assert.deepEqual(await findings("tenant-namespace-quota", ns(namespaceProperties())), []);
        });

        it("names each missing or empty quota field", async () => {
            assert.deepEqual(await findings("tenant-namespace-quota", withQuota(undefined)), [
                [
                    "payments-ns",
                    `properties.defaultResourceQuota must set cpuRequest, cpuLimit, memoryRequest, memoryLimit${key}`,
                ],
            ]);
            assert.deepEqual(
                await findings(
                    "tenant-namespace-quota",
                    withQuota({ cpuRequest: "1", cpuLimit: "", memoryRequest: "2Gi" }),
                ),
                [["payments-ns", `properties.defaultResourceQuota must set cpuLimit, memoryLimit${key}`]],
            );
        });

        it("fails a namespace registered without properties at all", async () => {
            const bare = managedNamespace("payments-ns", "payments");
            delete bare.inputs.properties;
            assert.deepEqual(await findings("tenant-namespace-quota", bare), [
                [
                    "payments-ns",
                    `properties.defaultResourceQuota must set cpuRequest, cpuLimit, memoryRequest, memoryLimit${key}`,
                ],
            ]);
        });
    });

    describe("tenant-namespace-network-policy", () => {
        const key = " (config: aks-gitops:org.tenants.<team>.networkPolicy)";

        it("passes both directions stated, whichever of the three rules", async () => {
            assert.deepEqual(await findings("tenant-namespace-network-policy", ns(namespaceProperties())), []);
            assert.deepEqual(
                await findings(
                    "tenant-namespace-network-policy",
                    withNetwork({ ingress: "DenyAll", egress: "DenyAll" }),
                ),
                [],
            );
            assert.deepEqual(
                await findings(
                    "tenant-namespace-network-policy",
                    withNetwork({ ingress: "AllowAll", egress: "AllowSameNamespace" }),
                ),
                [],
            );
        });

        it("fails a missing policy, a missing direction and a value AKS does not know", async () => {
            assert.deepEqual(await findings("tenant-namespace-network-policy", withNetwork(undefined)), [
                [
                    "payments-ns",
                    `properties.defaultNetworkPolicy.egress must be set (DenyAll, AllowSameNamespace, AllowAll)${key}`,
                ],
                [
                    "payments-ns",
                    `properties.defaultNetworkPolicy.ingress must be set (DenyAll, AllowSameNamespace, AllowAll)${key}`,
                ],
            ]);
            assert.deepEqual(await findings("tenant-namespace-network-policy", withNetwork({ ingress: "DenyAll" })), [
                [
                    "payments-ns",
                    `properties.defaultNetworkPolicy.egress must be set (DenyAll, AllowSameNamespace, AllowAll)${key}`,
                ],
            ]);
            assert.deepEqual(
                await findings("tenant-namespace-network-policy", withNetwork({ ingress: "Open", egress: "AllowAll" })),
                [
                    [
                        "payments-ns",
                        `properties.defaultNetworkPolicy.ingress is Open, not one of DenyAll, AllowSameNamespace, AllowAll${key}`,
                    ],
                ],
            );
        });
    });

    describe("tenant-namespace-ingress-isolated", () => {
        it("passes ingress from the same namespace only, or none", async () => {
            assert.deepEqual(await findings("tenant-namespace-ingress-isolated", ns(namespaceProperties())), []);
            assert.deepEqual(
                await findings(
                    "tenant-namespace-ingress-isolated",
                    withNetwork({ ingress: "DenyAll", egress: "AllowAll" }),
                ),
                [],
            );
        });

        it("reports ingress from every namespace as advisory, in every environment", async () => {
            for (const environment of ["dev", "staging", "prod"]) {
                const found = await evaluatePolicies(
                    captureOf(withNetwork({ ingress: "AllowAll", egress: "AllowAll" })),
                    environment,
                    [policy("tenant-namespace-ingress-isolated")],
                );
                assert.deepEqual(
                    found.map((f) => [f.enforcementLevel, f.urn, f.message]),
                    [
                        [
                            "advisory",
                            urn(T.ManagedNamespace, "payments-ns"),
                            "properties.defaultNetworkPolicy.ingress is AllowAll: pods of every other namespace can reach this namespace's pods (config: aks-gitops:org.tenants.<team>.networkPolicy.ingress)",
                        ],
                    ],
                    environment,
                );
            }
        });
    });

    describe("tenant-namespace-roles", () => {
        it("passes Namespace User and RBAC Reader, Writer and Admin at a managed namespace, GUIDs in any case", async () => {
            assert.deepEqual(
                await findings(
                    "tenant-namespace-roles",
                    roleAssignment("user", TEAM, namespaceId("payments"), ROLE.namespaceUser),
                    roleAssignment("reader", TEAM, namespaceId("payments"), ROLE.rbacReader),
                    roleAssignment("writer", TEAM, namespaceId("payments"), ROLE.rbacWriter.toUpperCase()),
                    roleAssignment("admin", TEAM, namespaceId("payments"), ROLE.rbacAdmin),
                ),
                [],
            );
        });

        it("fails RBAC Cluster Admin and any other role at a managed namespace, naming it", async () => {
            // Contributor b24988ac-…, and Namespace Contributor 289d8817-… (creates and deletes managed namespaces):
            // MicrosoftDocs/azure-docs built-in-roles.md.
            assert.deepEqual(
                await findings(
                    "tenant-namespace-roles",
                    roleAssignment("a-cluster-admin", TEAM, namespaceId("payments"), ROLE.rbacClusterAdmin),
                    roleAssignment(
                        "b-contributor",
                        TEAM,
                        namespaceId("payments"),
                        "b24988ac-6180-42a0-ab88-20f7382dd24c",
                    ),
                    roleAssignment(
                        "c-namespace-contributor",
                        TEAM,
                        namespaceId("payments"),
                        "289d8817-ee69-43f1-a0af-43a45505b488",
                    ),
                ),
                [
                    [
                        "a-cluster-admin",
                        `a-cluster-admin: role Azure Kubernetes Service RBAC Cluster Admin (b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b) at managed namespace payments is none of ${ROLES_ALLOWED}`,
                    ],
                    [
                        "b-contributor",
                        `b-contributor: role b24988ac-6180-42a0-ab88-20f7382dd24c at managed namespace payments is none of ${ROLES_ALLOWED}`,
                    ],
                    [
                        "c-namespace-contributor",
                        `c-namespace-contributor: role 289d8817-ee69-43f1-a0af-43a45505b488 at managed namespace payments is none of ${ROLES_ALLOWED}`,
                    ],
                ],
            );
        });

        it("leaves roles at other scopes to the other rules", async () => {
            assert.deepEqual(
                await findings(
                    "tenant-namespace-roles",
                    roleAssignment("admins", ADMINS, AKS_ID, ROLE.rbacClusterAdmin),
                ),
                [],
            );
        });
    });

    describe("tenant-no-cluster-role", () => {
        const key = " (config: aks-gitops:org.tenants.<team>.groups)";

        it("passes a tenant's roles in its managed namespaces, and leaves principals that are no tenant's alone", async () => {
            assert.deepEqual(
                await findings(
                    "tenant-no-cluster-role",
                    roleAssignment("user", TEAM, namespaceId("payments"), ROLE.namespaceUser),
                    roleAssignment("writer", TEAM, namespaceId("payments"), ROLE.rbacWriter),
                    roleAssignment("writer-2", TEAM, namespaceId("payments-jobs"), ROLE.rbacWriter),
                    roleAssignment("other", OTHER_TEAM, namespaceId("orders"), ROLE.rbacReader),
                    roleAssignment("admins", ADMINS, AKS_ID, ROLE.rbacClusterAdmin),
                ),
                [],
            );
        });

        it("fails a tenant principal's role at the cluster, its namespace pseudo-scope or the subscription, whatever the id's case", async () => {
            assert.deepEqual(
                await findings(
                    "tenant-no-cluster-role",
                    roleAssignment("writer", TEAM, namespaceId("payments"), ROLE.rbacWriter),
                    roleAssignment("x-cluster-user", TEAM.toUpperCase(), AKS_ID, ROLE.clusterUser),
                    roleAssignment("y-pseudo", TEAM, `${AKS_ID}/namespaces/payments`, ROLE.rbacWriter),
                    roleAssignment(
                        "z-subscription",
                        TEAM,
                        "/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                        ROLE.rbacReader,
                    ),
                ),
                [
                    [
                        "x-cluster-user",
                        `x-cluster-user: principal ${TEAM.toUpperCase()} is a tenant's (writer at managed namespace payments) and may hold roles at managed namespaces only, not at ${AKS_ID}${key}`,
                    ],
                    [
                        "y-pseudo",
                        `y-pseudo: principal ${TEAM} is a tenant's (writer at managed namespace payments) and may hold roles at managed namespaces only, not at ${AKS_ID}/namespaces/payments${key}`,
                    ],
                    [
                        "z-subscription",
                        `z-subscription: principal ${TEAM} is a tenant's (writer at managed namespace payments) and may hold roles at managed namespaces only, not at /subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0${key}`,
                    ],
                ],
            );
        });
    });

    describe("tenant-source-namespace-scoped", () => {
        const platform = fluxConfiguration("platform", "flux-system", "flux-system", "cluster");
        const payments = managedNamespace("payments-ns", "payments");

        it("passes the platform's cluster-scoped configuration and a tenant's namespace-scoped one in its namespace", async () => {
            assert.deepEqual(
                await findings(
                    "tenant-source-namespace-scoped",
                    payments,
                    platform,
                    fluxConfiguration("source", "tenant-payments", "payments", "namespace"),
                    // A platform-owned namespace-scoped configuration outside any tenant is not a tenant's source.
                    fluxConfiguration("tools", "tools", "tools", "namespace"),
                ),
                [],
            );
        });

        it("fails a tenant's source that is cluster-scoped, stated or by ARM's default", async () => {
            assert.deepEqual(
                await findings(
                    "tenant-source-namespace-scoped",
                    payments,
                    fluxConfiguration("a-stated", "tenant-payments", "payments", "cluster"),
                    fluxConfiguration("b-default", "tenant-payments", "payments", undefined),
                    // In a managed namespace, whatever its name.
                    fluxConfiguration("c-by-namespace", "apps", "payments", "cluster"),
                ),
                [
                    [
                        "a-stated",
                        "a-stated: a tenant's source (tenant-payments in namespace payments) must have scope namespace, not cluster",
                    ],
                    [
                        "b-default",
                        "b-default: a tenant's source (tenant-payments in namespace payments) must have scope namespace, not cluster",
                    ],
                    [
                        "c-by-namespace",
                        "c-by-namespace: a tenant's source (apps in namespace payments) must have scope namespace, not cluster",
                    ],
                ],
            );
        });

        it("fails a tenant's source outside the stack's managed namespaces (no ARM-held tenant label there)", async () => {
            assert.deepEqual(
                await findings(
                    "tenant-source-namespace-scoped",
                    payments,
                    fluxConfiguration("a-unmanaged", "tenant-orders", "orders", "namespace"),
                    fluxConfiguration("b-platform-ns", "tenant-sneaky", "flux-system", "namespace"),
                ),
                [
                    [
                        "a-unmanaged",
                        "a-unmanaged: a tenant's source (tenant-orders) must deploy into a managed namespace of the stack, not orders",
                    ],
                    [
                        "b-platform-ns",
                        "b-platform-ns: a tenant's source (tenant-sneaky) must deploy into a managed namespace of the stack, not flux-system",
                    ],
                ],
            );
        });

        it("fails a cluster-scoped configuration anywhere but flux-system, the namespace ARM defaults to included", async () => {
            assert.deepEqual(
                await findings(
                    "tenant-source-namespace-scoped",
                    platform,
                    fluxConfiguration("a-tools", "tools", "tools", "cluster"),
                    fluxConfiguration("b-default", "extra", undefined, undefined),
                ),
                [
                    [
                        "a-tools",
                        "a-tools: only the platform's configuration, in namespace flux-system, may be cluster-scoped; tools is in namespace tools",
                    ],
                    [
                        "b-default",
                        "b-default: only the platform's configuration, in namespace flux-system, may be cluster-scoped; extra is in namespace default",
                    ],
                ],
            );
        });
    });

    describe("inputs a preview does not know yet", () => {
        // @pulumi/policy's sentinel for an unknown string (proxy.js unknownStringValue), read through the pack's own
        // proxy: reading it throws UnknownValueError, as in `pulumi preview`.
        const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        // Exported by the package's index, typed @internal (its declaration is stripped).
        const { unknownCheckingProxy } = policySdk as unknown as {
            unknownCheckingProxy: <V extends object>(props: V) => V;
        };
        const resource = (
            type: string,
            name: string,
            props: Record<string, unknown>,
            propertyDependencies: Record<string, PolicyResource[]> = {},
        ) =>
            ({
                type,
                name,
                urn: urn(type, name),
                props: unknownCheckingProxy(props),
                propertyDependencies,
                dependencies: Object.values(propertyDependencies).flat(),
            }) as unknown as PolicyResource;
        const namespace = resource(T.ManagedNamespace, "payments-ns", { managedNamespaceName: "payments" });
        const cluster = resource(T.ManagedCluster, "aks", { resourceName: "aks-t" });
        const grant = (
            name: string,
            principalId: string,
            role: string,
            scopeFrom: PolicyResource[],
            principalFrom: PolicyResource[] = [],
        ) =>
            resource(
                T.RoleAssignment,
                name,
                { principalId, scope: UNKNOWN_STRING, roleDefinitionId: role === UNKNOWN_STRING ? role : roleId(role) },
                { scope: scopeFrom, principalId: principalFrom },
            );
        async function run(name: string, ...resources: PolicyResource[]): Promise<string[]> {
            const reports: string[] = [];
            await (policy(name) as StackValidationPolicy).validateStack(
                {
                    resources: [namespace, cluster, ...resources],
                    stackTags: new Map(),
                    getConfig: () => ({}) as never,
                    notApplicable: () => undefined as never,
                },
                (m) => void reports.push(m),
            );
            return reports;
        }

        it("reads the sentinel as unknown, as the pack does", () => {
            assert.throws(() => grant("g", TEAM, ROLE.rbacWriter, []).props.scope, {
                name: "Error",
                message: /can't be known during preview/,
            });
        });

        it("judges a scope taken from a ManagedNamespace as that namespace", async () => {
            assert.deepEqual(
                await run("tenant-namespace-roles", grant("writer", TEAM, ROLE.rbacWriter, [namespace])),
                [],
            );
            assert.deepEqual(
                await run("tenant-namespace-roles", grant("cluster-admin", TEAM, ROLE.rbacClusterAdmin, [namespace])),
                [
                    `cluster-admin: role Azure Kubernetes Service RBAC Cluster Admin (b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b) at managed namespace payments is none of ${ROLES_ALLOWED}`,
                ],
            );
        });

        it("judges a scope taken from any other resource as not a managed namespace", async () => {
            assert.deepEqual(
                await run(
                    "tenant-no-cluster-role",
                    grant("writer", TEAM, ROLE.rbacWriter, [namespace]),
                    grant("cluster-user", TEAM, ROLE.clusterUser, [cluster]),
                ),
                [
                    `cluster-user: principal ${TEAM} is a tenant's (writer at managed namespace payments) and may hold roles at managed namespaces only, not at the id of aks (config: aks-gitops:org.tenants.<team>.groups)`,
                ],
            );
        });

        it("judges an unknown principal by the resource it comes from", async () => {
            const identity = resource(T.UserAssignedIdentity, "team-identity", { resourceName: "id-team" });
            assert.deepEqual(
                await run(
                    "tenant-no-cluster-role",
                    grant("writer", UNKNOWN_STRING, ROLE.rbacWriter, [namespace], [identity]),
                    grant("cluster-user", UNKNOWN_STRING, ROLE.clusterUser, [cluster], [identity]),
                    grant("elsewhere", UNKNOWN_STRING, ROLE.clusterUser, [cluster], [cluster]),
                ),
                [
                    "cluster-user: the principal of team-identity is a tenant's (writer at managed namespace payments) and may hold roles at managed namespaces only, not at the id of aks (config: aks-gitops:org.tenants.<team>.groups)",
                ],
            );
        });

        it("judges an unknown role taken from a custom role of the stack as no built-in", async () => {
            const custom = resource(T.RoleDefinition, "custom-role", {
                roleDefinitionId: "6f1e2d3c-0000-4000-8000-000000000001",
            });
            const unknownRole = resource(
                T.RoleAssignment,
                "custom",
                { principalId: TEAM, scope: namespaceId("payments"), roleDefinitionId: UNKNOWN_STRING },
                { roleDefinitionId: [custom] },
            );
            assert.deepEqual(await run("tenant-namespace-roles", custom, unknownRole), [
                `custom: role 6f1e2d3c-0000-4000-8000-000000000001 at managed namespace payments is none of ${ROLES_ALLOWED}`,
            ]);
        });

        it("does not judge what stays unknown: a scope, principal or role that comes from no resource of the stack", async () => {
            const all = [
                grant("writer", TEAM, ROLE.rbacWriter, [namespace]),
                grant("scope-unknown", TEAM, ROLE.rbacClusterAdmin, []),
                grant("principal-unknown", UNKNOWN_STRING, ROLE.clusterUser, [cluster]),
                grant("role-unknown", TEAM, UNKNOWN_STRING, [namespace]),
            ];
            assert.deepEqual(await run("tenant-namespace-roles", ...all), []);
            assert.deepEqual(await run("tenant-no-cluster-role", ...all), []);
        });

        it("judges a Flux configuration's unknown namespace by its source, and leaves an unknown scope alone", async () => {
            const config = (
                name: string,
                props: Record<string, unknown>,
                deps: Record<string, PolicyResource[]> = {},
            ) => resource(T.FluxConfiguration, name, { fluxConfigurationName: name, ...props }, deps);
            assert.deepEqual(
                await run(
                    "tenant-source-namespace-scoped",
                    config("apps", { namespace: UNKNOWN_STRING, scope: "cluster" }, { namespace: [namespace] }),
                    config("tenant-later", { namespace: "payments", scope: UNKNOWN_STRING }),
                    config("unknown-both", { namespace: UNKNOWN_STRING, scope: "cluster" }),
                ),
                ["apps: a tenant's source (apps in namespace payments) must have scope namespace, not cluster"],
            );
            // Named as a tenant's, namespace unknown and from no resource: the scope is judged, the namespace is not.
            // Name unknown, in a managed namespace: a tenant's, and the message says the name is not known yet.
            assert.deepEqual(
                await run(
                    "tenant-source-namespace-scoped",
                    config("tenant-search", { namespace: UNKNOWN_STRING, scope: "cluster" }),
                    config("unnamed", {
                        fluxConfigurationName: UNKNOWN_STRING,
                        namespace: "payments",
                        scope: "cluster",
                    }),
                ),
                [
                    "tenant-search: a tenant's source (tenant-search in namespace (not known yet)) must have scope namespace, not cluster",
                    "unnamed: a tenant's source ((name not known yet) in namespace payments) must have scope namespace, not cluster",
                ],
            );
        });

        it("reads the offline plan's [unknown] marker the same way", async () => {
            const offlineNamespace = managedNamespace("payments-ns", "payments");
            const unknownScope = roleAssignment("cluster-admin", TEAM, "[unknown]", ROLE.rbacClusterAdmin, {
                propertyDependencies: { scope: [offlineNamespace.urn] },
            });
            assert.deepEqual(await findings("tenant-namespace-roles", offlineNamespace, unknownScope), [
                [
                    "cluster-admin",
                    `cluster-admin: role Azure Kubernetes Service RBAC Cluster Admin (b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b) at managed namespace payments is none of ${ROLES_ALLOWED}`,
                ],
            ]);
        });
    });

    describe("the fixture stacks, with the example tenant payments", () => {
        const tenantPolicies = policies.filter((p) => p.name.startsWith("tenant-"));
        const captures = new Map<string, Capture>();
        before(async () => {
            for (const stack of ["dev", "staging", "prod"]) {
                captures.set(stack, await planStack(stack));
            }
        });
        const prod = () => captures.get("prod")!;

        /** The captured inputs the fixtures below edit. */
        interface Inputs {
            [input: string]: unknown;
            properties: { defaultResourceQuota?: unknown; defaultNetworkPolicy?: { ingress?: string } };
        }
        /** A copy of prod with `change` applied to the inputs of the one resource named `name`. */
        function breaking(name: string, change: (inputs: Inputs) => void): Capture {
            const copy = structuredClone(prod());
            const target = copy.resources.filter((r) => r.name === name);
            assert.equal(target.length, 1, `fixture has no resource ${name}`);
            change(target[0].inputs as Inputs);
            return copy;
        }
        /** Every policy of the pack (not only the tenant rules) on a broken prod: [policy, level, resource, message]. */
        const everyFinding = async (c: Capture) =>
            (await evaluatePolicies(c, "prod")).map((f) => [
                f.policy,
                f.enforcementLevel,
                f.urn?.split("::").pop(),
                f.message,
            ]);

        const NS = "prod-westeurope-tenant-payments-ns-payments";
        const READER = "prod-westeurope-tenant-payments-payments-group0-rbac-reader";
        const SOURCE = "prod-westeurope-tenant-payments-payments-source";
        const NAMESPACE_ID =
            "/subscriptions/a66b50a3-c2aa-43c8-a2fa-31f53abf518b/resourceGroups/rg-aks-prod-westeurope/providers/Microsoft.ContainerService/managedClusters/aks-prod-westeurope/managedNamespaces/payments";

        it("registers the tenant the rules judge, and passes every tenant rule in every environment", async () => {
            for (const [stack, capture] of captures) {
                const of = (type: string) => capture.resources.filter((r) => r.type === type);
                assert.deepEqual(
                    of(T.ManagedNamespace).map((r) => r.inputs.managedNamespaceName),
                    ["payments"],
                    stack,
                );
                assert.deepEqual(
                    of(T.RoleAssignment)
                        .filter((r) => String(r.inputs.scope).endsWith("/managedNamespaces/payments"))
                        .map((r) => String(r.inputs.roleDefinitionId).split("/").pop())
                        .sort(),
                    [ROLE.rbacReader, ROLE.namespaceUser].sort(),
                    stack,
                );
                assert.deepEqual(
                    of(T.FluxConfiguration).map((r) => [
                        r.inputs.fluxConfigurationName,
                        r.inputs.namespace,
                        r.inputs.scope,
                    ]),
                    [
                        ["flux-system", "flux-system", "cluster"],
                        ["tenant-payments", "payments", "namespace"],
                    ],
                    stack,
                );
                assert.deepEqual(await evaluatePolicies(capture, stack, tenantPolicies), [], stack);
            }
            assert.equal(
                prod().resources.find((r) => r.name === READER)?.inputs.scope,
                NAMESPACE_ID,
                "the grant is at the managed namespace's id",
            );
        });

        it("fails exactly tenant-namespace-quota when the quota is removed", async () => {
            assert.deepEqual(await everyFinding(breaking(NS, (i) => delete i.properties.defaultResourceQuota)), [
                [
                    "tenant-namespace-quota",
                    "mandatory",
                    NS,
                    "properties.defaultResourceQuota must set cpuRequest, cpuLimit, memoryRequest, memoryLimit (config: aks-gitops:org.tenants.<team>.quota)",
                ],
            ]);
        });

        it("fails exactly tenant-namespace-network-policy when the network policy is removed", async () => {
            assert.deepEqual(await everyFinding(breaking(NS, (i) => delete i.properties.defaultNetworkPolicy)), [
                [
                    "tenant-namespace-network-policy",
                    "mandatory",
                    NS,
                    "properties.defaultNetworkPolicy.egress must be set (DenyAll, AllowSameNamespace, AllowAll) (config: aks-gitops:org.tenants.<team>.networkPolicy)",
                ],
                [
                    "tenant-namespace-network-policy",
                    "mandatory",
                    NS,
                    "properties.defaultNetworkPolicy.ingress must be set (DenyAll, AllowSameNamespace, AllowAll) (config: aks-gitops:org.tenants.<team>.networkPolicy)",
                ],
            ]);
        });

        it("reports only the advisory tenant-namespace-ingress-isolated when ingress is opened to all", async () => {
            assert.deepEqual(
                await everyFinding(breaking(NS, (i) => (i.properties.defaultNetworkPolicy!.ingress = "AllowAll"))),
                [
                    [
                        "tenant-namespace-ingress-isolated",
                        "advisory",
                        NS,
                        "properties.defaultNetworkPolicy.ingress is AllowAll: pods of every other namespace can reach this namespace's pods (config: aks-gitops:org.tenants.<team>.networkPolicy.ingress)",
                    ],
                ],
            );
        });

        it("fails exactly tenant-namespace-roles when the data-plane role becomes RBAC Cluster Admin", async () => {
            const broken = breaking(READER, (i) => {
                i.roleDefinitionId = String(i.roleDefinitionId).replace(ROLE.rbacReader, ROLE.rbacClusterAdmin);
            });
            assert.deepEqual(await everyFinding(broken), [
                [
                    "tenant-namespace-roles",
                    "mandatory",
                    READER,
                    `${READER}: role Azure Kubernetes Service RBAC Cluster Admin (b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b) at managed namespace payments is none of ${ROLES_ALLOWED}`,
                ],
            ]);
        });

        it("fails exactly tenant-no-cluster-role when the tenant's group is also the SOPS encryptors' group", async () => {
            // The encryptor group (platform-sops-encryptors) holds Key Vault Crypto User at the vault in the fixture.
            const encryptors = "4e715843-e6cb-4a92-ac88-baace7314277";
            const broken = breaking(READER, (i) => (i.principalId = encryptors));
            assert.deepEqual(await everyFinding(broken), [
                [
                    "tenant-no-cluster-role",
                    "mandatory",
                    "prod-westeurope-sops-encryptor-0",
                    `prod-westeurope-sops-encryptor-0: principal ${encryptors} is a tenant's (${READER} at managed namespace payments) and may hold roles at managed namespaces only, not at /subscriptions/a66b50a3-c2aa-43c8-a2fa-31f53abf518b/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod (config: aks-gitops:org.tenants.<team>.groups)`,
                ],
            ]);
        });

        it("fails exactly tenant-source-namespace-scoped when the tenant's configuration becomes cluster-scoped", async () => {
            assert.deepEqual(await everyFinding(breaking(SOURCE, (i) => (i.scope = "cluster"))), [
                [
                    "tenant-source-namespace-scoped",
                    "mandatory",
                    SOURCE,
                    `${SOURCE}: a tenant's source (tenant-payments in namespace payments) must have scope namespace, not cluster`,
                ],
            ]);
        });
    });
});
