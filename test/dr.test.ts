import * as assert from "node:assert/strict";
import type { Capture } from "../harness/run";
import { stackNames } from "../harness/run";
import { sopsDecryptRoleGuid, stableGuid, BUILT_IN_ROLES } from "../components/roles";
import { AUDIT_SETTING_NAME } from "../components/SopsKeyVault";
import { parseArmId } from "../stacks/schema";
import { all, at, azureValue, baseConfig, idOf, one, run, runCommitted, stackSetting, withConfig } from "./support";

const VAULT = "azure-native:keyvault:Vault";
const KEY = "azure-native:keyvault:Key";
const PREFIX = "azure-native:network:PublicIPPrefix";
const ROLE = "azure-native:authorization:RoleAssignment";
const CLUSTER = "azure-native:containerservice:ManagedCluster";

const setting = stackSetting;

describe("disaster recovery", () => {
    let prod: Capture;
    let dr: Capture;
    before(async () => {
        prod = await runCommitted("prod");
        dr = await runCommitted("prod-northeurope");
    });

    it("commits a DR stack: a prod cluster in the paired region with its own fleet path", () => {
        assert.ok(stackNames().includes("prod-northeurope"));
        assert.equal(setting<string>("prod-northeurope", "environment"), "prod");
        assert.equal(setting<string>("prod-northeurope", "location"), "northeurope");
        assert.deepEqual(dr.outputs.fleetPaths.value, { cluster: "./clusters/prod-northeurope" });
    });

    describe("existing-key mode", () => {
        it("creates no vault, no key and no SOPS resource group", () => {
            assert.equal(all(dr, VAULT).length, 0);
            assert.equal(all(dr, KEY).length, 0);
            assert.equal(all(dr, "azure-native:resources:ResourceGroup").filter((r) => String(r.inputs.resourceGroupName).startsWith("rg-sops")).length, 0);
        });

        it("grants its own Flux identity prod's decrypt role on prod's vault", () => {
            const grant = one(dr, ROLE, "-decrypt").inputs;
            const sub = azureValue(dr, "azure.subscriptionId");
            assert.equal(grant.scope, `/subscriptions/${sub}/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod`);
            assert.equal(grant.principalId, azureValue(dr, "prod-northeurope-flux-identity-identity.principalId"));
            assert.equal(
                grant.roleDefinitionId,
                `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${sopsDecryptRoleGuid("prod", "kv-contoso-sops-prod")}`,
                "the role prod defines, assigned without redefining it",
            );
            assert.equal(all(dr, "azure-native:authorization:RoleDefinition").length, 0);
        });

        it("uses exactly the key and rule the prod stack owns", () => {
            assert.equal(dr.outputs.sopsCreationRule.value, prod.outputs.sopsCreationRule.value);
            const lookup = dr.calls.find((c) => c.token === "azure-native:keyvault:getKey");
            assert.deepEqual(lookup?.inputs, { resourceGroupName: "rg-sops-prod", vaultName: "kv-contoso-sops-prod", keyName: "sops-prod" });
            assert.equal(one(prod, VAULT).inputs.vaultName, "kv-contoso-sops-prod");
            assert.equal(one(prod, KEY).inputs.keyName, "sops-prod");
        });

        it("accepts a full key id from another subscription as written", async () => {
            const id = "/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-x-sops-prod/keys/sops-prod";
            const c = await run(withConfig(baseConfig("prod"), { sops: { vaultName: undefined, existingKeyId: id } }));
            assert.equal(one(c, ROLE, "-decrypt").inputs.scope, id.replace(/\/keys\/sops-prod$/, ""));
        });
    });

    describe("the environment's vault admits the DR cluster before any incident", () => {
        it("prod reserves the DR egress prefix in the DR region, protected and retained", () => {
            const reserved = one(prod, PREFIX, "-reserved-prod-northeurope");
            assert.equal(reserved.inputs.publicIpPrefixName, "pip-egress-prod-northeurope");
            assert.equal(reserved.inputs.location, "northeurope");
            assert.equal(reserved.inputs.resourceGroupName, "rg-sops-prod");
            assert.ok(reserved.options.protect && reserved.options.retainOnDelete, "DR depends on this address");
        });

        it("prod's vault firewall lists the reserved prefix next to prod's own egress", () => {
            const rules = (at(one(prod, VAULT).inputs, "properties.networkAcls.ipRules") as { value: string }[]).map((r) => r.value);
            assert.ok(rules.includes(azureValue(prod, "prod-westeurope-sops-reserved-prod-northeurope.ipPrefix")));
            assert.ok(rules.includes(azureValue(prod, "prod-westeurope-aks-egress.ipPrefix")));
            assert.equal(at(one(prod, VAULT).inputs, "properties.networkAcls.defaultAction"), "Deny");
        });

        it("the DR cluster sends its outbound traffic through that very prefix", () => {
            const id = `/subscriptions/${azureValue(dr, "azure.subscriptionId")}/resourceGroups/rg-sops-prod/providers/Microsoft.Network/publicIPPrefixes/pip-egress-prod-northeurope`;
            assert.deepEqual(at(one(dr, CLUSTER).inputs, "networkProfile.loadBalancerProfile.outboundIPPrefixes.publicIPPrefixes"), [{ id }]);
            assert.equal(one(dr, ROLE, "-egress-join").inputs.scope, id);
            assert.equal(all(dr, PREFIX).length, 0, "the DR stack creates no prefix of its own");
        });

        it("every committed stack that uses an existing key or prefix finds it owned by a stack of its environment", async () => {
            const captures = new Map<string, Capture>();
            for (const s of stackNames()) {
                captures.set(s, await runCommitted(s));
            }
            for (const s of stackNames()) {
                const env = setting<string>(s, "environment");
                const owners = stackNames().filter((o) => o !== s && setting<string>(o, "environment") === env);
                const keyId = setting<{ existingKeyId?: string }>(s, "sops").existingKeyId;
                if (keyId) {
                    const { resourceGroupName, names } = parseArmId(keyId);
                    assert.ok(
                        owners.some((o) => {
                            const c = captures.get(o)!;
                            return all(c, VAULT).some((v) => v.inputs.vaultName === names[0] && v.inputs.resourceGroupName === resourceGroupName) && all(c, KEY).some((k) => k.inputs.keyName === names[1]);
                        }),
                        `${s}: no ${env} stack owns ${keyId}`,
                    );
                }
                const prefixId = setting<{ network?: { egress?: { publicIpPrefixId?: string } } }>(s, "aks").network?.egress?.publicIpPrefixId;
                if (prefixId) {
                    const { resourceGroupName, names } = parseArmId(prefixId);
                    assert.ok(
                        owners.some((o) => all(captures.get(o)!, PREFIX).some((p) => p.inputs.publicIpPrefixName === names[0] && p.inputs.resourceGroupName === resourceGroupName && p.inputs.location === setting(s, "location"))),
                        `${s}: no ${env} stack reserves ${prefixId} in ${setting(s, "location")}`,
                    );
                }
            }
        });
    });

    describe("destroy cannot take prod's key", () => {
        it("protects and retains the SOPS group, vault, key, decrypt role and reserved prefixes; retains the rest", () => {
            const sops = prod.resources.filter((r) => r.custom && r.parent?.endsWith("::prod-westeurope-sops"));
            assert.ok(sops.length >= 7);
            for (const r of sops) {
                assert.equal(r.options.retainOnDelete, true, `${r.name} must survive pulumi destroy`);
            }
            for (const type of ["azure-native:resources:ResourceGroup", VAULT, KEY, "azure-native:authorization:RoleDefinition", PREFIX]) {
                for (const r of sops.filter((x) => x.type === type)) {
                    assert.equal(r.options.protect, true, `${r.name} must be protected`);
                }
            }
        });
    });

    describe("rebuilding prod from empty state (sops.adopt)", () => {
        let adopted: Capture;
        before(async () => {
            adopted = await run(withConfig(baseConfig("prod"), { sops: { adopt: true, reservedEgress: [{ cluster: "prod-northeurope", location: "northeurope" }] } }));
        });

        it("imports every retained SOPS resource by its ARM id instead of creating it", () => {
            const sub = azureValue(adopted, "azure.subscriptionId");
            const group = `/subscriptions/${sub}/resourceGroups/rg-sops-prod`;
            const vault = `${group}/providers/Microsoft.KeyVault/vaults/kv-test-sops-prod`;
            const expected: Record<string, string> = {
                "prod-westeurope-sops-rg": group,
                "prod-westeurope-sops-vault": vault,
                "prod-westeurope-sops-key": `${vault}/keys/sops-prod`,
                "prod-westeurope-sops-audit": `${vault}/providers/Microsoft.Insights/diagnosticSettings/${AUDIT_SETTING_NAME}`,
                "prod-westeurope-sops-decrypt-role": `${group}/providers/Microsoft.Authorization/roleDefinitions/${sopsDecryptRoleGuid("prod", "kv-test-sops-prod")}`,
                "prod-westeurope-sops-reserved-prod-northeurope": `${group}/providers/Microsoft.Network/publicIPPrefixes/pip-egress-prod-northeurope`,
                "prod-westeurope-sops-encryptor-0": `${vault}/providers/Microsoft.Authorization/roleAssignments/${stableGuid("vault/kv-test-sops-prod", "group/sops-encryptors", BUILT_IN_ROLES.keyVaultCryptoUser)}`,
            };
            for (const [name, id] of Object.entries(expected)) {
                const r = adopted.resources.find((x) => x.name === name);
                assert.ok(r, `${name} missing`);
                assert.equal(r.options.importId, id, `${name} must be adopted by id`);
            }
            const encryptor = one(adopted, ROLE, "-encryptor-0");
            assert.equal(encryptor.inputs.roleAssignmentName, expected["prod-westeurope-sops-encryptor-0"].split("/").pop(), "the import id names the assignment the program declares");
        });

        it("adopts nothing else: the cluster side is created anew", () => {
            for (const r of adopted.resources.filter((x) => x.custom && !x.parent?.endsWith("::prod-westeurope-sops"))) {
                assert.equal(r.options.importId, null, `${r.name} must not be imported`);
            }
        });

        it("is off by default", () => {
            assert.ok(prod.resources.every((r) => r.options.importId === null));
        });
    });

    it("shows the DR stack's vault scope as prod's vault id in the plan", () => {
        assert.equal(idOf(prod, one(prod, VAULT)).replace(azureValue(prod, "azure.subscriptionId"), "S"), String(one(dr, ROLE, "-decrypt").inputs.scope).replace(azureValue(dr, "azure.subscriptionId"), "S"));
    });
});
