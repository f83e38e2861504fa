import * as assert from "node:assert/strict";
import type { Capture } from "../harness/run";
import { at, azureValue, baseConfig, one, run, withConfig } from "./support";

const CLUSTER = "azure-native:containerservice:ManagedCluster";
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
        const lookups = c.calls.filter((x) => x.token === "azuread:index/getGroup:getGroup");
        assert.deepEqual(lookups.map((x) => x.inputs.displayName), ["aks-admins", "sops-encryptors"], "only names are looked up");
        assert.deepEqual(at(cluster(c), "aadProfile.adminGroupObjectIDs"), [azureValue(c, "getGroup(aks-admins).objectId"), id]);
    });

    it("has a tainted system pool and a user pool on autoscaling scale sets with room for 50+ pods", () => {
        for (const c of [prod, dev]) {
            assert.deepEqual(pools(c).map((p) => p.mode).sort(), ["System", "User"]);
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
        const privateProd = await run(withConfig(baseConfig("prod"), { aks: { apiServer: { authorizedIpRanges: [], privateCluster: true } } }));
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
        assert.deepEqual(one(prod, CLUSTER).options.ignoreChanges, ["agentPoolProfiles[*].count", "kubernetesVersion", "agentPoolProfiles[*].orchestratorVersion"]);
        const pinned = await run(withConfig(baseConfig("dev"), { aks: { upgradeChannel: "none" } }));
        assert.deepEqual(one(pinned, CLUSTER).options.ignoreChanges, ["agentPoolProfiles[*].count"], "without a channel, versions are managed here");
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
