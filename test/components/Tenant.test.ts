// A team on the cluster (components/Tenant.ts) under the mock runtime: the managed namespace ARM holds, the groups' roles
// at that namespace's id, and the namespace-scoped Flux configuration pulling the team's repository. Role GUIDs as
// azure-docs articles/role-based-access-control/built-in-roles.md (Containers) publishes them; the managed namespace's
// id shape from ManagedNamespace.tsp (segment "managedNamespaces" under the managed cluster).
import * as assert from "node:assert/strict";
import type { Capture } from "../../offline/program";
import {
    all,
    azureValue,
    baseConfig,
    idOf,
    isSecretValue,
    one,
    revealed,
    run,
    runCommitted,
    TEST_SSH_KEY,
    withConfig,
} from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const NAMESPACE_USER = "c9f76ca8-b262-4b10-8ed2-09cf0948aa35";
const RBAC_READER = "7f6c6a51-bcf8-42ba-9220-52d62157d7db";
const RBAC_WRITER = "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb";
const GROUP_ID = "0b5e7a1c-3d44-4f7e-9a11-2c6f3e8d9b70";
const REPO = "ssh://git@ssh.dev.azure.com/v3/contoso/payments/payments-api";
const TEAM_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\npayments-only-key\n-----END OPENSSH PRIVATE KEY-----\n";

const tenants = {
    payments: {
        groups: ["payments-developers", GROUP_ID],
        namespaces: ["payments", "payments-jobs"],
        access: "writer",
        repo: { url: REPO, branch: "release", path: "./deploy/{namespace}/overlays/{environment}" },
        quota: { cpuRequest: "500m", cpuLimit: "4", memoryRequest: "1Gi", memoryLimit: "8Gi" },
        networkPolicy: { ingress: "DenyAll" },
        adoptionPolicy: "IfIdentical",
        deletePolicy: "Delete",
    },
};
const secrets = { gitSshPrivateKey: TEST_SSH_KEY, "tenantGitSshPrivateKey-payments": TEAM_KEY };

describe("Tenant", () => {
    sharedCaptures();
    let prod: Capture;
    let standby: Capture;
    before(async () => {
        prod = await run(withConfig(baseConfig("prod"), { org: { tenants } }), secrets);
        // The fixture DR stack is committed on standby; the fixture project's Pulumi.yaml has the payments tenant.
        standby = await runCommitted("prod-northeurope");
    });
    const sub = () => azureValue(prod, "azure.subscriptionId");
    const clusterId = () =>
        `/subscriptions/${sub()}/resourceGroups/rg-aks-prod-westeurope/providers/Microsoft.ContainerService/managedClusters/aks-prod-westeurope`;

    it("creates each namespace as an AKS managed namespace with the tenant's quota, network policy, label and policies", () => {
        const namespaces = all(prod, T.ManagedNamespace);
        assert.deepEqual(
            namespaces.map((n) => n.name),
            ["prod-westeurope-tenant-payments-ns-payments", "prod-westeurope-tenant-payments-ns-payments-jobs"],
        );
        const ns = namespaces[0].inputs;
        assert.equal(ns.resourceGroupName, "rg-aks-prod-westeurope");
        assert.equal(ns.resourceName, "aks-prod-westeurope");
        assert.equal(ns.managedNamespaceName, "payments");
        assert.equal(ns.location, "westeurope");
        assert.deepEqual(ns.properties, {
            labels: { "aks-gitops.io/tenant": "payments" },
            defaultResourceQuota: { cpuRequest: "500m", cpuLimit: "4", memoryRequest: "1Gi", memoryLimit: "8Gi" },
            // egress unset in config: AKS's own default, AllowAll (concepts-managed-namespaces.md).
            defaultNetworkPolicy: { ingress: "DenyAll", egress: "AllowAll" },
            adoptionPolicy: "IfIdentical",
            deletePolicy: "Delete",
        });
        assert.equal(idOf(prod, namespaces[0]), `${clusterId()}/managedNamespaces/payments`);
    });

    it("gives each group Namespace User and the access level's RBAC role at the namespace's id, never at the cluster", () => {
        const grants = all(prod, T.RoleAssignment).filter((r) => String(r.inputs.description).startsWith("tenant "));
        const named = azureValue(prod, "getGroup(payments-developers).objectId");
        const seen: unknown[][] = grants.map((r) => [
            String(r.inputs.scope),
            String(r.inputs.roleDefinitionId),
            r.inputs.principalId,
            r.inputs.principalType,
        ]);
        const expected = ["payments", "payments-jobs"].flatMap((ns) =>
            [named, GROUP_ID].flatMap((principal) =>
                [NAMESPACE_USER, RBAC_WRITER].map((role) => [
                    `${clusterId()}/managedNamespaces/${ns}`,
                    `/subscriptions/${sub()}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
                    principal,
                    "Group",
                ]),
            ),
        );
        assert.deepEqual(seen.sort(), expected.sort());
        assert.ok(
            !seen.some(([, role]) => String(role).endsWith(RBAC_READER)),
            "writer access gives no reader role besides",
        );
        assert.equal(
            grants.find(
                (g) => g.inputs.principalId === GROUP_ID && String(g.inputs.roleDefinitionId).endsWith(RBAC_WRITER),
            )?.inputs.description,
            `tenant payments: ${GROUP_ID} writer in the namespace payments`,
        );
    });

    it("pulls the team's repository with a namespace-scoped Flux configuration per namespace, after the namespace exists", () => {
        const configs = all(prod, T.FluxConfiguration).filter((c) => c.inputs.scope === "namespace");
        assert.deepEqual(
            configs.map((c) => [c.inputs.fluxConfigurationName, c.inputs.namespace]),
            [
                ["tenant-payments", "payments"],
                ["tenant-payments-jobs", "payments-jobs"],
            ],
        );
        const c = configs[1];
        assert.equal(c.inputs.clusterName, "aks-prod-westeurope");
        assert.equal(c.inputs.clusterRp, "Microsoft.ContainerService");
        assert.equal(c.inputs.clusterResourceName, "managedClusters");
        assert.equal(c.inputs.sourceKind, "GitRepository");
        assert.deepEqual(
            {
                url: (c.inputs.gitRepository as Record<string, unknown>).url,
                ref: (c.inputs.gitRepository as Record<string, unknown>).repositoryRef,
            },
            { url: REPO, ref: { branch: "release" } },
        );
        // Azure DevOps's published RSA host key, base64-encoded as the API takes known_hosts.
        assert.match(
            Buffer.from(String((c.inputs.gitRepository as Record<string, unknown>).sshKnownHosts), "base64").toString(),
            /^ssh\.dev\.azure\.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Hr1oTWqNqOlzGJOfGJ4NakVyIzf1rXYd4d7wo6jBlkLvCA4odBlL0mDUyZ0/,
        );
        assert.deepEqual(c.inputs.kustomizations, {
            apps: { path: "./deploy/payments-jobs/overlays/prod", prune: true, wait: true },
        });
        assert.equal(c.inputs.waitForReconciliation, false);
        // Suspended, the team's apps would never reconcile; the deploy key stays secret in the engine's state too.
        assert.equal(c.inputs.suspend, false);
        assert.deepEqual(c.options.additionalSecretOutputs, ["configurationProtectedSettings"]);
        const ns = one(prod, T.ManagedNamespace, "-ns-payments-jobs");
        const extension = one(prod, T.Extension);
        assert.ok(
            c.dependencies.includes(ns.urn),
            "the managed namespace first: adoptionPolicy Never would refuse one Flux made",
        );
        assert.ok(c.dependencies.includes(extension.urn));
    });

    it("hands the team's deploy key to its configurations only, as a secret, and records it nowhere else", () => {
        for (const c of all(prod, T.FluxConfiguration).filter((x) => x.inputs.scope === "namespace")) {
            const settings = c.inputs.configurationProtectedSettings;
            assert.ok(isSecretValue(settings));
            assert.deepEqual(revealed(settings), { sshPrivateKey: Buffer.from(TEAM_KEY).toString("base64") });
        }
        const platform = all(prod, T.FluxConfiguration).find((x) => x.inputs.scope === "cluster")!;
        assert.deepEqual(revealed(platform.inputs.configurationProtectedSettings), {
            sshPrivateKey: Buffer.from(TEST_SSH_KEY).toString("base64"),
        });
        const component = one(prod, T.Tenant);
        assert.ok(!JSON.stringify(component.inputs).includes("payments-only-key"), "the component's recorded inputs");
        assert.ok(!JSON.stringify(one(prod, T.GitOpsCluster).inputs).includes("payments-only-key"));
    });

    it("says in the stack outputs what each tenant has and that it decrypts nothing", () => {
        assert.deepEqual(prod.outputs.tenants.value, [
            {
                team: "payments",
                namespaces: ["payments", "payments-jobs"],
                access: "writer",
                configurations: ["tenant-payments", "tenant-payments-jobs"],
                decrypts: "nothing",
            },
        ]);
        // The component's own outputs (what `pulumi stack export` shows under it) add the groups and the paths.
        assert.deepEqual(prod.registeredOutputs.get(one(prod, T.Tenant).urn), {
            team: "payments",
            namespaces: ["payments", "payments-jobs"],
            access: "writer",
            configurations: ["tenant-payments", "tenant-payments-jobs"],
            decrypts: "nothing",
            groups: ["payments-developers", GROUP_ID],
            paths: {
                payments: "./deploy/payments/overlays/prod",
                "payments-jobs": "./deploy/payments-jobs/overlays/prod",
            },
        });
    });

    it("creates nothing of a tenant on a standby stack (no cluster to put it on)", () => {
        assert.deepEqual(all(standby, T.ManagedNamespace), []);
        assert.deepEqual(all(standby, T.Tenant), []);
        assert.equal(standby.outputs.tenants, undefined);
    });
});
