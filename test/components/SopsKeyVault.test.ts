import * as assert from "node:assert/strict";
import { parse } from "yaml";
import type { Capture } from "../../offline/program";
import { sopsPathRegex } from "../../components/SopsKeyVault";
import { all, at, azureValue, baseConfig, idOf, one, run, withConfig } from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const VAULT = T.Vault;
const KEY = T.Key;
const RG = T.ResourceGroup;
const ROLE = T.RoleAssignment;

// Published facts, stated literally (not imported from the code under test): built-in role GUIDs from the Azure built-in
// roles reference (MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles/security.md).
const KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424";

describe("SopsKeyVault", () => {
    sharedCaptures();
    let prod: Capture;
    let dev: Capture;
    before(async () => {
        prod = await run(baseConfig("prod"));
        dev = await run(baseConfig("dev"));
    });

    it("authorizes through Azure RBAC only, with no access policies", () => {
        const props = one(prod, VAULT).inputs.properties as Record<string, unknown>;
        assert.equal(props.enableRbacAuthorization, true);
        assert.equal(props.accessPolicies, undefined);
    });

    it("keeps purge protection on and 90 days of soft delete in prod, 7 in dev", () => {
        assert.equal(at(one(prod, VAULT).inputs, "properties.enablePurgeProtection"), true);
        assert.equal(at(one(prod, VAULT).inputs, "properties.softDeleteRetentionInDays"), 90);
        assert.equal(at(one(dev, VAULT).inputs, "properties.softDeleteRetentionInDays"), 7);
        assert.equal(
            at(one(dev, VAULT).inputs, "properties.enablePurgeProtection"),
            true,
            "purge protection is the default in dev too",
        );
    });

    it("omits purge protection when dev turns it off (ARM rejects an explicit false)", async () => {
        const c = await run(withConfig(baseConfig("dev"), { sops: { purgeProtection: false } }));
        assert.equal(at(one(c, VAULT).inputs, "properties.enablePurgeProtection"), undefined);
    });

    it("creates an RSA key SOPS can encrypt and decrypt with, and nothing more", async () => {
        const key = one(prod, KEY).inputs.properties as Record<string, unknown>;
        assert.equal(key.kty, "RSA-HSM", "prod keeps the key in an HSM (CKV_AZURE_112)");
        assert.equal(at(one(dev, KEY).inputs, "properties.kty"), "RSA");
        assert.equal(key.keySize, 4096);
        assert.deepEqual(key.keyOps, ["encrypt", "decrypt"]);
        const smaller = await run(withConfig(baseConfig("dev"), { sops: { keySize: 3072 } }));
        assert.equal(at(one(smaller, KEY).inputs, "properties.keySize"), 3072);
    });

    it("protects and retains the prod group, vault and key so no destroy can take the secrets with it", () => {
        for (const r of [one(prod, RG, "-sops-rg"), one(prod, VAULT), one(prod, KEY)]) {
            assert.equal(r.options.protect, true, `${r.name} must be protected`);
            assert.equal(r.options.retainOnDelete, true, `${r.name} must be retained on delete`);
        }
        for (const r of [one(dev, RG, "-sops-rg"), one(dev, VAULT), one(dev, KEY)]) {
            assert.equal(r.options.protect, false, `${r.name}: dev stays disposable`);
        }
    });

    it("keeps the vault in its own resource group, apart from the cluster's", () => {
        assert.equal(one(prod, RG, "-sops-rg").inputs.resourceGroupName, "rg-sops-prod");
        assert.equal(one(prod, VAULT).inputs.resourceGroupName, "rg-sops-prod");
        assert.equal(one(prod, RG, "westeurope-rg").inputs.resourceGroupName, "rg-aks-prod-westeurope");
    });

    it("lets the encryptor groups use the key, at the vault", () => {
        const grant = one(prod, ROLE, "-encryptor-0").inputs;
        assert.equal(grant.scope, idOf(prod, one(prod, VAULT)));
        assert.equal(grant.principalType, "Group");
        assert.equal(grant.principalId, azureValue(prod, "getGroup(sops-encryptors).objectId"));
        assert.match(grant.roleDefinitionId as string, new RegExp(`/roleDefinitions/${KEY_VAULT_CRYPTO_USER}$`));
    });

    it("exports the vault URI, the versioned key id and the environment's .sops.yaml creation rule", () => {
        const versioned = azureValue(prod, "prod-westeurope-sops-key.keyUriWithVersion");
        assert.equal(prod.outputs.sopsKeyId.value, versioned);
        assert.match(versioned, /^https:\/\/kv-test-sops-prod\.vault\.azure\.net\/keys\/sops-prod\/[0-9a-f]{32}$/);
        assert.equal(prod.outputs.sopsVaultUri.value, "https://kv-test-sops-prod.vault.azure.net/");
        const rules = parse(prod.outputs.sopsCreationRule.value as string) as Record<string, string>[];
        assert.equal(rules.length, 1);
        assert.equal(rules[0].path_regex, sopsPathRegex("prod"));
        // Versionless, so files encrypted after a rotation use the new version without editing .sops.yaml; it must be
        // the key Azure reports (known from config so the fleet repo can be written offline).
        assert.equal(rules[0].azure_keyvault, azureValue(prod, "prod-westeurope-sops-key.keyUri"));
    });

    it("sends each environment's files, and only those, to its key", () => {
        const prodRule = new RegExp(sopsPathRegex("prod"));
        const devRule = new RegExp(sopsPathRegex("dev"));
        const prodFiles = [
            "clusters/prod-westeurope/secrets/db.enc.yaml",
            "apps/my-service/overlays/prod/secret.enc.yaml",
            "./clusters/prod-northeurope/x.enc.yml",
        ];
        const devFiles = ["clusters/dev-westeurope/db.enc.yaml", "apps/my-service/overlays/dev/secret.enc.yaml"];
        const neither = [
            "apps/my-service/base/secret.enc.yaml",
            "infrastructure/x.enc.yaml",
            "clusters/prod-westeurope/plain.yaml",
        ];
        for (const f of prodFiles) {
            assert.ok(prodRule.test(f) && !devRule.test(f), `${f} belongs to prod only`);
        }
        for (const f of devFiles) {
            assert.ok(devRule.test(f) && !prodRule.test(f), `${f} belongs to dev only`);
        }
        for (const f of neither) {
            assert.ok(!prodRule.test(f) && !devRule.test(f), `${f} must match no environment`);
        }
    });

    it("creates one vault and one key per stack", () => {
        assert.equal(all(prod, VAULT).length, 1);
        assert.equal(all(prod, KEY).length, 1);
    });
});
