// stacks/names.ts: every physical name of a stack, from one place, within Azure's limits. The limits are stated here
// literally from "Naming rules and restrictions for Azure resources"
// (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules) and, for Grafana, from
// Microsoft.Dashboard grafana.json (23 characters before API 2024-10-01).
import * as assert from "node:assert/strict";
import { loadStackFile, withSecretPlaceholders } from "../../stacks/files";
import { settingsFrom } from "../../stacks/load";
import { cutAtWord, grafanaName, physicalNames } from "../../stacks/names";

const settingsOf = (stack: string, overrides: Record<string, string> = {}) => {
    const { config } = withSecretPlaceholders(loadStackFile(stack));
    return settingsFrom({ ...config, ...overrides });
};

describe("physical names (stacks/names.ts)", () => {
    it("names every resource of the prod stack as it has been deployed (aks- only on the AKS-derived names)", () => {
        const n = physicalNames(settingsOf("prod"));
        assert.equal(n.resourceGroupName, "rg-aks-prod-westeurope");
        assert.equal(n.aksCluster, "aks-prod-westeurope");
        assert.equal(n.dnsPrefix, "aks-prod-westeurope");
        assert.equal(n.nodeResourceGroup, "aks-prod-westeurope-nodes");
        assert.equal(n.controlPlaneIdentity, "id-aks-prod-westeurope");
        assert.equal(n.egressPrefix, "pip-egress-aks-prod-westeurope");
        assert.equal(
            n.egressPrefixId,
            "/resourceGroups/rg-aks-prod-westeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-westeurope",
        );
        assert.equal(n.logWorkspace, "log-prod-westeurope");
        assert.equal(n.fluxIdentity, "id-flux-prod-westeurope");
        assert.equal(n.insightsDataCollectionRule, "MSCI-westeurope-aks-prod-westeurope");
        assert.equal(n.monitorWorkspace, "amw-aks-prod-westeurope");
        assert.equal(n.prometheusDataCollectionEndpoint, "MSProm-westeurope-aks-prod-westeurope");
        assert.equal(n.actionGroup, "ag-flux-aks-prod-westeurope");
        assert.equal(n.prometheusRuleGroup, "flux-reconciliation-aks-prod-westeurope");
        assert.equal(n.grafana, "graf-prod-westeurope");
        assert.equal(n.grafanaGrantKey, "graf-aks-prod-westeurope");
        assert.equal(n.sopsDecryptRoleName, `SOPS decrypt (${n.sopsVaultName})`);
    });

    it("has no egress prefix id of its own when the stack names an existing prefix", () => {
        const id = "/resourceGroups/rg-net/providers/Microsoft.Network/publicIPPrefixes/pip-shared";
        const n = physicalNames(
            settingsOf("dev", { "aks-gitops:aks": JSON.stringify({ network: { egress: { publicIpPrefixId: id } } }) }),
        );
        assert.equal(n.egressPrefixId, undefined);
    });

    it("takes a DR stack's vault, key and group from the existing key's id, not from the environment's defaults", () => {
        const id = "/resourceGroups/rg-shared-keys/providers/Microsoft.KeyVault/vaults/kv-fleet-keys/keys/fleet-sops";
        const n = physicalNames(
            settingsOf("prod-northeurope", { "aks-gitops:sops": JSON.stringify({ existingKeyId: id }) }),
        );
        assert.equal(n.sopsMode, "existing");
        assert.equal(n.sopsResourceGroupName, "rg-shared-keys");
        assert.equal(n.sopsVaultName, "kv-fleet-keys");
        assert.equal(n.sopsKeyName, "fleet-sops");
        assert.equal(n.sopsKeyUrl, "https://kv-fleet-keys.vault.azure.net/keys/fleet-sops");
        assert.equal(physicalNames(settingsOf("prod")).sopsMode, "owner");
    });

    it("keeps the longest names the schema allows within Azure's limits", () => {
        // clusterName: at most 40 characters; location: at most 30 (stacks/schema.ts).
        const clusterName = `prod-${"x".repeat(35)}`;
        const location = `a${"b".repeat(29)}`;
        const n = physicalNames({ ...settingsOf("prod"), clusterName, location });
        const limits: [string, number][] = [
            [n.resourceGroupName, 90], // Microsoft.Resources resourcegroups 1-90
            [n.nodeResourceGroup, 90],
            [n.aksCluster, 63], // Microsoft.ContainerService managedClusters 1-63
            [n.controlPlaneIdentity, 128], // Microsoft.ManagedIdentity userAssignedIdentities 3-128
            [n.fluxIdentity, 128],
            [n.egressPrefix, 80], // Microsoft.Network publicIPPrefixes 1-80
            [n.logWorkspace, 63], // Microsoft.OperationalInsights workspaces 4-63
            [n.actionGroup, 260], // Microsoft.Insights actionGroups 1-260
            [n.prometheusRuleGroup, 260], // Microsoft.AlertsManagement prometheusRuleGroups 1-260
            [n.insightsDataCollectionRule, 64],
            [n.prometheusDataCollectionRule, 64],
            [n.prometheusDataCollectionEndpoint, 44],
            [n.grafana, 23],
        ];
        for (const [name, limit] of limits) {
            assert.ok(name.length <= limit, `${name}: ${name.length} > ${limit}`);
            assert.match(name, /^[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]$/, name);
        }
        assert.equal(n.grafana, "graf-prod");
    });

    it("cuts the Grafana name at a hyphen, never inside a word", () => {
        assert.equal(grafanaName("prod-westeurope"), "graf-prod-westeurope");
        assert.equal(grafanaName("prod-northeurope"), "graf-prod-northeurope");
        // 31 characters: "-blue-green" goes, not "een".
        assert.equal(grafanaName("prod-westeurope-blue-green"), "graf-prod-westeurope");
        // Exactly 23 characters stays whole.
        assert.equal(grafanaName("prod-australiaeast"), "graf-prod-australiaeast");
        assert.equal(cutAtWord("abc-def", 5), "abc");
        assert.equal(cutAtWord("abc--def", 6), "abc");
        assert.equal(cutAtWord("abcdefgh", 5), "abcde");
        // Every hyphen the cut leaves at the end goes; a hyphen only at the start is no word boundary.
        assert.equal(cutAtWord("abc---def", 7), "abc");
        assert.equal(cutAtWord("-abcdefgh", 5), "-abcd");
    });
});
