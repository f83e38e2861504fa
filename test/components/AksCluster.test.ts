import * as assert from "node:assert/strict";
import type { ErrorHookArgs } from "@pulumi/pulumi";
import { joinGrantRetryDelay, retryClock } from "../../components/AksCluster";
import { registeredErrorHooks } from "../../offline/monitor";
import type { Capture } from "../../offline/program";
import { at, azureValue, baseConfig, one, run, withConfig } from "../support/stacks";
import { lazy } from "../../cli/lazy";
import { T } from "../support/tokens";

const CLUSTER = T.ManagedCluster;
// Published fact, stated literally: the taint AKS documents for system pools (AKS docs use-system-pools.md; CKV_AZURE_232).
const SYSTEM_POOL_TAINT = "CriticalAddonsOnly=true:NoSchedule";
type Pool = { name: string; mode: string; [key: string]: unknown };

describe("AksCluster", () => {
    let prod: Capture;
    let dev: Capture;
    before(async () => {
        prod = await run(baseConfig("prod"));
        dev = await run(baseConfig("dev"));
    });
    const cluster = (c: Capture) => one(c, CLUSTER).inputs;
    const pools = (c: Capture) => cluster(c).agentPoolProfiles as Pool[];
    const pool = (c: Capture, mode: string) => pools(c).find((p) => p.mode === mode)!;

    it("enables the OIDC issuer and workload identity, which Flux's identity federation needs", () => {
        for (const c of [prod, dev]) {
            assert.equal(at(cluster(c), "oidcIssuerProfile.enabled"), true);
            assert.equal(at(cluster(c), "securityProfile.workloadIdentity.enabled"), true);
        }
    });

    it("uses Entra ID with Azure RBAC and no local accounts", () => {
        const c = cluster(prod);
        assert.equal(at(c, "aadProfile.managed"), true);
        assert.equal(at(c, "aadProfile.enableAzureRBAC"), true);
        assert.equal(c.disableLocalAccounts, true, "local accounts would bypass Entra ID (CKV_AZURE_141)");
        assert.equal(c.enableRBAC, true);
    });

    it("resolves admin group names through Entra ID and passes object ids through", async () => {
        const id = "6f1c2b9e-3d4a-4c1e-9b7a-2e8f0d5c4a31";
        const c = await run(withConfig(baseConfig("dev"), { aks: { adminGroups: ["aks-admins", id] } }));
        const lookups = c.calls.filter((x) => x.token === T.AdGroupLookup);
        assert.deepEqual(
            lookups.map((x) => x.inputs.displayName),
            ["aks-admins", "sops-encryptors"],
            "only names are looked up",
        );
        assert.deepEqual(at(cluster(c), "aadProfile.adminGroupObjectIDs"), [
            azureValue(c, "getGroup(aks-admins).objectId"),
            id,
        ]);
    });

    it("has a tainted system pool and a user pool on autoscaling scale sets with room for 50+ pods", () => {
        for (const c of [prod, dev]) {
            assert.deepEqual(
                pools(c)
                    .map((p) => p.mode)
                    .sort(),
                ["System", "User"],
            );
            for (const p of pools(c)) {
                assert.equal(p.type, "VirtualMachineScaleSets", `${p.name}: CKV_AZURE_169`);
                assert.equal(p.enableAutoScaling, true, `${p.name}: Azure.AKS.AutoScaling`);
                assert.ok((p.maxPods as number) >= 50, `${p.name}: CKV_AZURE_168`);
                assert.ok((p.minCount as number) <= (p.maxCount as number));
            }
            assert.deepEqual(pool(c, "System").nodeTaints, [SYSTEM_POOL_TAINT], "workloads stay off the system pool");
            assert.equal(pool(c, "User").nodeTaints, undefined);
        }
    });

    it("spreads prod pools over zones 1-3 with at least 3 system nodes; dev stays zonal-free and small", () => {
        for (const p of pools(prod)) {
            assert.deepEqual(p.availabilityZones, ["1", "2", "3"], `${p.name} must be zone-redundant in prod`);
        }
        assert.ok((pool(prod, "System").minCount as number) >= 3);
        for (const p of pools(dev)) {
            assert.equal(p.availabilityZones, undefined);
        }
        assert.equal(pool(dev, "System").minCount, 1);
    });

    it("uses Azure CNI overlay with a network policy engine and its matching dataplane", () => {
        const net = cluster(prod).networkProfile as Record<string, unknown>;
        assert.equal(net.networkPlugin, "azure");
        assert.equal(net.networkPluginMode, "overlay");
        assert.equal(net.networkPolicy, "cilium");
        assert.equal(net.networkDataplane, "cilium", "the cilium policy requires the cilium dataplane");
        const calico = withConfig(baseConfig("dev"), { aks: { network: { networkPolicy: "calico" } } });
        return run(calico).then((c) => {
            assert.equal(at(cluster(c), "networkProfile.networkPolicy"), "calico");
            assert.equal(at(cluster(c), "networkProfile.networkDataplane"), "azure");
        });
    });

    it("restricts the prod API server to the configured ranges, or makes it private", async () => {
        assert.deepEqual(at(cluster(prod), "apiServerAccessProfile.authorizedIPRanges"), ["198.51.100.0/26"]);
        const privateProd = await run(
            withConfig(baseConfig("prod"), { aks: { apiServer: { authorizedIpRanges: [], privateCluster: true } } }),
        );
        assert.deepEqual(cluster(privateProd).apiServerAccessProfile, { enablePrivateCluster: true });
    });

    it("auto-upgrades the control plane on a channel and node images with NodeImage", () => {
        assert.equal(at(cluster(prod), "autoUpgradeProfile.upgradeChannel"), "patch");
        assert.equal(at(cluster(dev), "autoUpgradeProfile.upgradeChannel"), "rapid");
        for (const c of [prod, dev]) {
            assert.equal(at(cluster(c), "autoUpgradeProfile.nodeOSUpgradeChannel"), "NodeImage");
        }
    });

    it("leaves node counts to the autoscaler and versions to the upgrade channel", async () => {
        assert.deepEqual(one(prod, CLUSTER).options.ignoreChanges, [
            "agentPoolProfiles[*].count",
            "kubernetesVersion",
            "agentPoolProfiles[*].orchestratorVersion",
        ]);
        const pinned = await run(withConfig(baseConfig("dev"), { aks: { upgradeChannel: "none" } }));
        assert.deepEqual(
            one(pinned, CLUSTER).options.ignoreChanges,
            ["agentPoolProfiles[*].count"],
            "without a channel, versions are managed here",
        );
    });

    it("uses the Standard tier in prod and Free in dev", () => {
        assert.equal(at(cluster(prod), "sku.tier"), "Standard");
        assert.equal(at(cluster(dev), "sku.tier"), "Free");
    });

    it("enables the Azure Policy add-on", () => {
        assert.equal(at(cluster(prod), "addonProfiles.azurepolicy.enabled"), true);
    });

    it("exports the OIDC issuer URL Azure returns", () => {
        const issuer = azureValue(prod, "prod-westeurope-aks-cluster.oidcIssuerProfile.issuerURL");
        assert.equal(prod.outputs.oidcIssuerUrl.value, issuer);
        assert.match(issuer, /^https:\/\/westeurope\.oic\.prod-aks\.azure\.com\//);
    });
});

// A new role assignment is usable only once it has propagated: up to 10 minutes in ARM (azure-docs
// role-based-access-control/troubleshooting.md), up to 60 minutes for a cluster's managed identity (azure-aks-docs
// use-managed-identity.md). The cluster's create is retried while it fails for want of the join right on the prefix.
describe("AksCluster waits out the propagation of its control plane's join grant", () => {
    const ROLE = T.RoleAssignment;
    const HOOK = "prod-westeurope-aks-retry-until-join-grant-works";
    // ARM's LinkedAuthorizationFailed, in the shape azure-native reports a failed PUT (the wording of ARM's
    // authorization errors: azure-docs role-based-access-control/troubleshooting.md).
    const linkedFailure = (objectId: string) =>
        `creating AKS cluster: Status=403 Code="LinkedAuthorizationFailed" Message="The client '${objectId}' with object id '${objectId}' has permission to perform action 'Microsoft.ContainerService/managedClusters/write' on scope '/subscriptions/0000/resourceGroups/rg-aks-prod-westeurope/providers/Microsoft.ContainerService/managedClusters/aks-prod-westeurope'; however, it does not have permission to perform action(s) 'Microsoft.Network/publicIPPrefixes/join/action' on the linked scope(s) '/subscriptions/0000/resourceGroups/rg-aks-prod-westeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-westeurope' or the linked scope(s) are invalid."`;
    const PRINCIPAL = "11111111-2222-4333-8444-555555555555";
    const OTHER = "99999999-8888-4777-8666-555555555555";
    let prod: Capture;
    before(async () => {
        prod = await run(baseConfig("prod"));
    });

    it("creates the cluster after the join grant, with an error hook bound to its create", () => {
        const cluster = one(prod, CLUSTER);
        assert.ok(
            cluster.dependencies.includes(one(prod, ROLE, "-aks-egress-join").urn),
            "the grant exists before the cluster is created",
        );
        assert.deepEqual(cluster.options.onErrorHooks, [HOOK]);
        assert.ok(registeredErrorHooks().has(HOOK), "the hook is registered with the engine");
    });

    it("retries an authorization failure on the prefix: 30 s, doubling to 5 min, for 60 minutes in all", () => {
        const waits: number[] = [];
        for (let attempt = 1; attempt <= 20; attempt++) {
            const wait = joinGrantRetryDelay(
                "create",
                Array<string>(attempt).fill(linkedFailure(PRINCIPAL)),
                PRINCIPAL,
            );
            if (wait === undefined) {
                break;
            }
            waits.push(wait);
        }
        assert.deepEqual(waits, [30, 60, 120, 240, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300]);
        assert.ok(waits.reduce((a, b) => a + b) <= 60 * 60, "never longer than the 60 minutes AKS documents");
        assert.equal(
            joinGrantRetryDelay("update", [linkedFailure(PRINCIPAL)], PRINCIPAL),
            30,
            "an update may change the prefix",
        );
        const plain =
            "Code=\"AuthorizationFailed\" Message=\"The client does not have authorization to perform action 'Microsoft.Network/publicIPPrefixes/join/action' over scope '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/publicIPPrefixes/pip'. If access was recently granted, please refresh your credentials.\"";
        assert.equal(
            joinGrantRetryDelay("create", [plain], PRINCIPAL),
            30,
            "no principal named: the control plane's, as far as anyone can tell",
        );
    });

    it("does not retry what waiting cannot fix", () => {
        assert.equal(
            joinGrantRetryDelay("create", [linkedFailure(OTHER)], PRINCIPAL),
            undefined,
            "the deployer's own missing right (preflight checks it)",
        );
        assert.equal(
            joinGrantRetryDelay(
                "create",
                [
                    'Code="QuotaExceeded" Message="Operation could not be completed as it results in exceeding approved standardDDSv5Family Cores quota."',
                ],
                PRINCIPAL,
            ),
            undefined,
        );
        assert.equal(
            joinGrantRetryDelay(
                "create",
                [
                    'Code="AuthorizationFailed" Message="The client does not have authorization to perform action \'Microsoft.ContainerService/managedClusters/write\'."',
                ],
                PRINCIPAL,
            ),
            undefined,
            "not about the prefix",
        );
        assert.equal(joinGrantRetryDelay("delete", [linkedFailure(PRINCIPAL)], PRINCIPAL), undefined);
        assert.equal(joinGrantRetryDelay("create", [], PRINCIPAL), undefined);
    });

    it("the registered hook waits, then asks the engine to retry, naming the control plane's principal", async () => {
        const hook = registeredErrorHooks().get(HOOK)!;
        const principal = azureValue(prod, "prod-westeurope-aks-control-plane.principalId");
        const slept: number[] = [];
        const sleep = retryClock.sleep;
        retryClock.sleep = (seconds) => {
            slept.push(seconds);
            return Promise.resolve();
        };
        // Under the mock runtime the SDK logs to the console: "warning: [runtime] <message>".
        const warn = console.warn;
        const warnings: string[] = [];
        console.warn = (...line: unknown[]) => void warnings.push(line.join(" "));
        try {
            const args = (errors: string[]): ErrorHookArgs => ({
                urn: "urn",
                id: "",
                name: "prod-westeurope-aks-cluster",
                type: CLUSTER,
                failedOperation: "create",
                errors,
            });
            assert.equal(await hook.callback(args([linkedFailure(principal)])), true);
            assert.equal(await hook.callback(args([linkedFailure(principal), linkedFailure(principal)])), true);
            assert.equal(await hook.callback(args([linkedFailure(OTHER)])), false);
            assert.deepEqual(slept, [30, 60]);
            assert.deepEqual(warnings, [
                "warning: [runtime] AKS aks-prod-westeurope: the control plane's Network Contributor grant on the egress prefix is not usable yet (role assignments take up to 60 minutes to propagate to a cluster identity); retrying the create in 30 s",
                "warning: [runtime] AKS aks-prod-westeurope: the control plane's Network Contributor grant on the egress prefix is not usable yet (role assignments take up to 60 minutes to propagate to a cluster identity); retrying the create in 60 s",
            ]);
        } finally {
            console.warn = warn;
            retryClock.sleep = sleep;
        }
    });

    it("refuses to create the cluster under a Pulumi CLI older than 3.244.0, whose engine would not retry", async () => {
        // pulumi/pulumi CHANGELOG.md 3.244.0: "[engine] Forward all provider errors to error hooks for retry".
        const settings = lazy.pulumiSettings();
        const original = settings.requirePulumiVersion;
        const ranges: string[] = [];
        settings.requirePulumiVersion = (range) => {
            ranges.push(range);
            return Promise.reject(
                new Error(`Pulumi CLI version 3.243.0 does not satisfy the version range "${range}"`),
            );
        };
        try {
            await assert.rejects(
                run(baseConfig("dev")),
                /AKS aks-dev-westeurope retries its create until the egress join grant is usable, which needs Pulumi CLI >=3\.244\.0/,
            );
            assert.deepEqual(ranges, [">=3.244.0"]);
        } finally {
            settings.requirePulumiVersion = original;
        }
    });
});
