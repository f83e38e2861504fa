import * as assert from "node:assert/strict";
import type { Capture } from "../../offline/program";
import { loadStackFile, stackNames } from "../../stacks/files";
import { runProgram } from "../../offline/program";
import { sopsDecryptRoleGuid, stableGuid } from "../../components/roles";
import { AUDIT_SETTING_NAME } from "../../components/SopsKeyVault";
import { parseArmId } from "../../stacks/schema";
import {
    all,
    at,
    azureValue,
    baseConfig,
    idOf,
    one,
    run,
    runCommitted,
    stackInput,
    stackSetting,
    TEST_SSH_KEY,
    withConfig,
} from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const VAULT = T.Vault;
const KEY = T.Key;
const PREFIX = T.PublicIPPrefix;
const ROLE = T.RoleAssignment;
const CLUSTER = T.ManagedCluster;

const setting = stackSetting;
const ENCRYPTORS = "5d2f7c1a-8e4b-4f3a-9c6d-1b0e2a7f4c85";

/** A committed stack's config as an object (for variations of it). */
function committedConfig(stack: string): Record<string, unknown> {
    const { config } = loadStackFile(stack);
    return Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k.replace(/^aks-gitops:/, ""), /^[[{]/.test(v) ? JSON.parse(v) : v]),
    );
}

describe("disaster recovery", () => {
    sharedCaptures();
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
            assert.equal(
                all(dr, T.ResourceGroup).filter((r) => String(r.inputs.resourceGroupName).startsWith("rg-sops")).length,
                0,
            );
        });

        it("grants its own Flux identity prod's decrypt role on prod's vault", () => {
            const grant = one(dr, ROLE, "-decrypt").inputs;
            const sub = azureValue(dr, "azure.subscriptionId");
            assert.equal(
                grant.scope,
                `/subscriptions/${sub}/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod`,
            );
            assert.equal(grant.principalId, azureValue(dr, "prod-northeurope-flux-identity-identity.principalId"));
            assert.equal(
                grant.roleDefinitionId,
                `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${sopsDecryptRoleGuid("prod", "kv-contoso-sops-prod")}`,
                "the role prod defines, assigned without redefining it",
            );
            assert.equal(all(dr, T.RoleDefinition).length, 0);
        });

        it("uses exactly the key and rule the prod stack owns, without reading prod's region", () => {
            assert.equal(dr.outputs.sopsCreationRule.value, prod.outputs.sopsCreationRule.value);
            assert.equal(dr.outputs.sopsKeyUrl.value, "https://kv-contoso-sops-prod.vault.azure.net/keys/sops-prod");
            // In an incident prod's region may be the one that failed: no lookup that only feeds an output.
            assert.deepEqual(
                dr.calls
                    .filter((c) => c.token.startsWith("azure-native:") && c.token !== T.GetClientConfig)
                    .map((c) => c.token),
                [],
            );
            assert.equal(one(prod, VAULT).inputs.vaultName, "kv-contoso-sops-prod");
            assert.equal(one(prod, KEY).inputs.keyName, "sops-prod");
        });

        it("accepts a full key id from another subscription as written", async () => {
            const id =
                "/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-x-sops-prod/keys/sops-prod";
            const c = await run(withConfig(baseConfig("prod"), { sops: { vaultName: undefined, existingKeyId: id } }));
            assert.equal(one(c, ROLE, "-decrypt").inputs.scope, id.replace(/\/keys\/sops-prod$/, ""));
        });
    });

    describe("everything the DR stack owns lives in the DR region", () => {
        it("creates its resources only in resource groups it creates in northeurope", () => {
            const groups = all(dr, T.ResourceGroup);
            assert.deepEqual(
                groups.map((g) => [g.inputs.resourceGroupName, g.inputs.location]),
                [["rg-aks-prod-northeurope", "northeurope"]],
            );
            for (const r of dr.resources.filter((x) => x.custom && "resourceGroupName" in x.inputs)) {
                assert.equal(
                    r.inputs.resourceGroupName,
                    "rg-aks-prod-northeurope",
                    `${r.name} must live in the DR region's group`,
                );
            }
            for (const r of dr.resources.filter(
                (x) => x.custom && typeof x.inputs.location === "string" && x.inputs.location !== "global",
            )) {
                assert.equal(r.inputs.location, "northeurope", `${r.name} must be located in the DR region`);
            }
        });

        it("writes to prod's region only the decrypt grant on prod's vault", () => {
            const writesThere = dr.resources.filter(
                (r) => r.custom && JSON.stringify(r.inputs).includes("rg-sops-prod"),
            );
            assert.deepEqual(
                writesThere.map((r) => r.name),
                ["prod-northeurope-flux-identity-decrypt"],
            );
        });

        it("owns its egress prefix, and its control-plane identity may attach it", () => {
            const prefix = one(dr, PREFIX);
            assert.equal(prefix.inputs.publicIpPrefixName, "pip-egress-aks-prod-northeurope");
            assert.equal(prefix.inputs.location, "northeurope");
            assert.equal(one(dr, ROLE, "-egress-join").inputs.scope, idOf(dr, prefix));
        });
    });

    describe("standby: the DR stack in peacetime", () => {
        it("is committed on standby", () => {
            assert.equal(setting<string>("prod-northeurope", "standby"), true);
            assert.equal(dr.outputs.standby.value, true);
        });

        it("holds everything the cluster needs first, and not the cluster or what hangs on it", () => {
            const created = new Set(
                dr.resources
                    .filter((r) => r.custom && !r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:"))
                    .map((r) => r.type),
            );
            for (const type of [T.ResourceGroup, PREFIX, T.UserAssignedIdentity, ROLE]) {
                assert.ok(created.has(type), `standby must create ${type}`);
            }
            for (const type of [
                CLUSTER,
                T.FederatedIdentityCredential,
                T.Extension,
                T.FluxConfiguration,
                T.MaintenanceConfiguration,
                T.DataCollectionRuleAssociation,
                T.PrometheusRuleGroup,
            ]) {
                assert.ok(!created.has(type), `standby must not create ${type}`);
            }
            assert.equal(all(dr, ROLE).length, 2, "the prefix join and the decrypt grant");
            assert.ok(
                all(dr, T.UserAssignedIdentity).some((i) => i.inputs.resourceName === "id-flux-prod-northeurope"),
            );
        });

        it("activating creates only the cluster, its credentials, the extension, the configuration and what hangs on the cluster", async () => {
            const active = await runProgram(
                stackInput(
                    withConfig(committedConfig("prod-northeurope"), { standby: false }),
                    { gitSshPrivateKey: TEST_SSH_KEY, "tenantGitSshPrivateKey-payments": TEST_SSH_KEY },
                    "prod-northeurope",
                ),
            );
            const before = new Set(dr.resources.map((r) => r.urn));
            const added = active.resources.filter((r) => r.custom && !before.has(r.urn)).map((r) => r.type);
            assert.deepEqual(
                [...new Set(added)].sort(),
                [
                    T.PrometheusRuleGroup,
                    T.MaintenanceConfiguration,
                    CLUSTER,
                    T.Extension,
                    T.FluxConfiguration,
                    T.FederatedIdentityCredential,
                    T.DataCollectionRule,
                    T.DataCollectionRuleAssociation,
                    T.DiagnosticSetting,
                    // The fixture project's tenant payments: its namespace, access and source come with the cluster.
                    T.ManagedNamespace,
                    T.RoleAssignment,
                ].sort(),
            );
            const removed = dr.resources.filter((r) => !active.resources.some((x) => x.urn === r.urn));
            assert.deepEqual(
                removed.map((r) => r.name),
                [],
                "activating replaces nothing standby created",
            );
            assert.equal(active.outputs.standby.value, false);
        });

        it("is refused for a stack that owns the environment's vault", async () => {
            await assert.rejects(
                run(withConfig(baseConfig("prod"), { standby: true })),
                /aks-gitops:standby: only applies to a DR cluster \(sops\.existingKeyId\)/,
            );
        });
    });

    describe("the environment's vault admits the DR cluster before any incident", () => {
        it("prod's vault firewall lists the DR stack's prefix (read, not owned) next to prod's own egress", () => {
            const lookup = prod.calls.find((c) => c.token === T.GetPublicIPPrefix);
            assert.deepEqual(lookup?.inputs, {
                resourceGroupName: "rg-aks-prod-northeurope",
                publicIpPrefixName: "pip-egress-aks-prod-northeurope",
            });
            const rules = (at(one(prod, VAULT).inputs, "properties.networkAcls.ipRules") as { value: string }[]).map(
                (r) => r.value,
            );
            assert.ok(rules.includes(azureValue(prod, "getPublicIPPrefix(pip-egress-aks-prod-northeurope).ipPrefix")));
            assert.ok(rules.includes(azureValue(prod, "prod-westeurope-aks-egress.ipPrefix")));
            assert.equal(at(one(prod, VAULT).inputs, "properties.networkAcls.defaultAction"), "Deny");
            assert.equal(all(prod, PREFIX).length, 1, "prod creates only its own egress prefix");
        });

        it("every prefix an owner admits is one a stack of its environment creates, in that stack's region", async () => {
            const captures = new Map<string, Capture>();
            for (const s of stackNames()) {
                captures.set(s, await runCommitted(s));
            }
            for (const s of stackNames()) {
                const env = setting<string>(s, "environment");
                const others = stackNames().filter((o) => o !== s && setting<string>(o, "environment") === env);
                const keyId = setting<{ existingKeyId?: string }>(s, "sops").existingKeyId;
                if (keyId) {
                    const { resourceGroupName, names } = parseArmId(keyId);
                    assert.ok(
                        others.some((o) => {
                            const c = captures.get(o)!;
                            return (
                                all(c, VAULT).some(
                                    (v) =>
                                        v.inputs.vaultName === names[0] &&
                                        v.inputs.resourceGroupName === resourceGroupName,
                                ) && all(c, KEY).some((k) => k.inputs.keyName === names[1])
                            );
                        }),
                        `${s}: no ${env} stack owns ${keyId}`,
                    );
                }
                for (const prefixId of setting<{ admitEgressPrefixIds?: string[] }>(s, "sops").admitEgressPrefixIds ??
                    []) {
                    const { resourceGroupName, names } = parseArmId(prefixId);
                    assert.ok(
                        others.some((o) =>
                            all(captures.get(o)!, PREFIX).some(
                                (p) =>
                                    p.inputs.publicIpPrefixName === names[0] &&
                                    p.inputs.resourceGroupName === resourceGroupName &&
                                    p.inputs.location === setting(o, "location"),
                            ),
                        ),
                        `${s}: no ${env} stack creates ${prefixId}`,
                    );
                }
            }
        });
    });

    describe("destroy cannot take prod's key", () => {
        it("protects and retains the SOPS group, vault, key and decrypt role; retains the rest", () => {
            const sops = prod.resources.filter((r) => r.custom && r.parent?.endsWith("::prod-westeurope-sops"));
            assert.ok(sops.length >= 6);
            for (const r of sops) {
                assert.equal(r.options.retainOnDelete, true, `${r.name} must survive pulumi destroy`);
            }
            for (const type of [T.ResourceGroup, VAULT, KEY, T.RoleDefinition]) {
                for (const r of sops.filter((x) => x.type === type)) {
                    assert.equal(r.options.protect, true, `${r.name} must be protected`);
                }
            }
        });
    });

    describe("rebuilding prod from empty state (sops.adopt)", () => {
        let adopted: Capture;
        before(async () => {
            adopted = await run(
                withConfig(baseConfig("prod"), { sops: { adopt: true, encryptorGroups: [ENCRYPTORS] } }),
            );
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
                "prod-westeurope-sops-encryptor-0": `${vault}/providers/Microsoft.Authorization/roleAssignments/${stableGuid("vault/kv-test-sops-prod", ENCRYPTORS, "12338af0-0e69-4776-bea7-57ae8d297424")}`,
            };
            for (const [name, id] of Object.entries(expected)) {
                const r = adopted.resources.find((x) => x.name === name);
                assert.ok(r, `${name} missing`);
                assert.equal(r.options.importId, id, `${name} must be adopted by id`);
            }
            const encryptor = one(adopted, ROLE, "-encryptor-0");
            assert.equal(
                encryptor.inputs.roleAssignmentName,
                expected["prod-westeurope-sops-encryptor-0"].split("/").pop(),
                "the import id names the assignment the program declares",
            );
        });

        it("adopts nothing else: the cluster side is created anew", () => {
            for (const r of adopted.resources.filter(
                (x) => x.custom && !x.parent?.endsWith("::prod-westeurope-sops"),
            )) {
                assert.equal(r.options.importId, null, `${r.name} must not be imported`);
            }
        });

        it("needs encryptor groups by object id: their assignments are imported by a name derived from it", async () => {
            await assert.rejects(
                run(withConfig(baseConfig("prod"), { sops: { adopt: true, encryptorGroups: ["sops-encryptors"] } })),
                /aks-gitops:sops\.encryptorGroups\[0\]: must be a group object id while sops\.adopt is true \(got the name "sops-encryptors"\)/,
            );
        });

        it("is off by default", () => {
            assert.ok(prod.resources.every((r) => r.options.importId === null));
        });
    });

    it("shows the DR stack's vault scope as prod's vault id in the plan", () => {
        assert.equal(
            idOf(prod, one(prod, VAULT)).replace(azureValue(prod, "azure.subscriptionId"), "S"),
            String(one(dr, ROLE, "-decrypt").inputs.scope).replace(azureValue(dr, "azure.subscriptionId"), "S"),
        );
    });
});

describe("admitted egress prefixes", () => {
    sharedCaptures();
    it("must be in the subscription the owner deploys to: it reads them with its own provider", async () => {
        const id =
            "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope";
        await assert.rejects(
            run(withConfig(baseConfig("prod"), { sops: { admitEgressPrefixIds: [id] } })),
            /aks-gitops:sops\.admitEgressPrefixIds\[0\]: must be in the subscription this stack deploys to \([0-9a-f-]{36}\); leave the \/subscriptions\/<id> part out/,
        );
    });
});
