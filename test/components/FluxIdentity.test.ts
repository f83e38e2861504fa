import * as assert from "node:assert/strict";
import type { Capture } from "../../offline/program";
import { sopsDecryptRoleGuid } from "../../components/roles";
import { all, azureValue, baseConfig, idOf, one, run, withConfig } from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const IDENTITY = T.UserAssignedIdentity;
const CREDENTIAL = T.FederatedIdentityCredential;
const ROLE = T.RoleAssignment;
const VAULT = T.Vault;

// Published facts, stated literally (not imported from the code under test):
// - Key Vault Crypto User's GUID: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles/security.md;
// - a federated credential's subject is system:serviceaccount:NAMESPACE:KSA_NAME and its audience
//   api://AzureADTokenExchange (fluxcd/website content/en/flux/integrations/azure.md, "Workload Identity Federation");
//   the controllers' service accounts are named after them (content/en/flux/installation/configuration/workload-identity.md).
const KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424";

describe("FluxIdentity", () => {
    sharedCaptures();
    let c: Capture;
    before(async () => {
        c = await run(baseConfig("prod"));
    });

    it("creates one user-assigned identity for Flux", () => {
        assert.equal(one(c, IDENTITY, "-flux-identity-identity").inputs.resourceName, "id-flux-prod-westeurope");
    });

    it("federates kustomize-controller and source-controller with the cluster's issuer", () => {
        const issuer = azureValue(c, "prod-westeurope-aks-cluster.oidcIssuerProfile.issuerURL");
        const creds = all(c, CREDENTIAL);
        assert.deepEqual(creds.map((r) => r.inputs.subject).sort(), [
            "system:serviceaccount:flux-system:kustomize-controller",
            "system:serviceaccount:flux-system:source-controller",
        ]);
        for (const r of creds) {
            assert.equal(r.inputs.issuer, issuer, `${r.name} must trust this cluster's OIDC issuer`);
            assert.deepEqual(r.inputs.audiences, ["api://AzureADTokenExchange"]);
            assert.equal(r.inputs.resourceName, "id-flux-prod-westeurope");
        }
    });

    it("writes the credentials one after another (concurrent writes on one identity fail with 409)", () => {
        const kustomize = one(c, CREDENTIAL, "-kustomize-controller");
        const source = one(c, CREDENTIAL, "-source-controller");
        assert.ok(
            source.dependencies.includes(kustomize.urn),
            "source-controller's credential waits for kustomize-controller's",
        );
        assert.ok(!kustomize.dependencies.includes(source.urn));
    });

    it("adds image controllers' credentials only when they are enabled, still chained", async () => {
        const images = await run(
            withConfig(baseConfig("dev"), { flux: { controllers: { imageReflector: true, imageAutomation: true } } }),
        );
        const creds = all(images, CREDENTIAL);
        assert.equal(creds.length, 4);
        const subjects = creds.map((r) => r.inputs.subject as string);
        assert.ok(subjects.includes("system:serviceaccount:flux-system:image-reflector-controller"));
        for (let i = 1; i < creds.length; i++) {
            const previous = creds.find((r) => creds[i].dependencies.includes(r.urn));
            assert.ok(previous, `${creds[i].name} must wait for another credential`);
        }
    });

    it("grants Key Vault Crypto User on the SOPS vault to the identity, as a service principal (dev)", async () => {
        const dev = await run(baseConfig("dev"));
        const grant = one(dev, ROLE, "-decrypt").inputs;
        assert.equal(grant.principalId, azureValue(dev, "dev-westeurope-flux-identity-identity.principalId"));
        assert.equal(
            grant.principalType,
            "ServicePrincipal",
            "avoids PrincipalNotFound while Entra ID replicates the new identity",
        );
        assert.equal(
            grant.roleDefinitionId,
            `/subscriptions/${azureValue(dev, "azure.subscriptionId")}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_CRYPTO_USER}`,
        );
        assert.equal(grant.scope, idOf(dev, one(dev, VAULT)));
    });

    it("grants the narrower SOPS decrypt role in prod, after the role exists", () => {
        const grant = one(c, ROLE, "-decrypt");
        const role = one(c, T.RoleDefinition);
        assert.equal(
            grant.inputs.roleDefinitionId,
            `/subscriptions/${azureValue(c, "azure.subscriptionId")}/providers/Microsoft.Authorization/roleDefinitions/${sopsDecryptRoleGuid("prod", "kv-test-sops-prod")}`,
        );
        assert.equal(role.inputs.roleDefinitionId, sopsDecryptRoleGuid("prod", "kv-test-sops-prod"));
        assert.ok(grant.dependencies.includes(role.urn), "an assignment of a role that does not exist yet fails");
        assert.equal(grant.inputs.scope, idOf(c, one(c, VAULT)));
    });

    it("grants the Flux identity and the encryptors nothing beyond the SOPS vault", () => {
        const vaultId = idOf(c, one(c, VAULT));
        for (const r of all(c, ROLE).filter((x) => !x.name.endsWith("-egress-join"))) {
            assert.equal(r.inputs.scope, vaultId, `${r.name} must not reach beyond the vault`);
        }
    });

    it("names role assignments deterministically (a GUID derived from what they mean)", async () => {
        const again = await run(baseConfig("prod"));
        assert.deepEqual(
            all(again, ROLE).map((r) => r.inputs.roleAssignmentName),
            all(c, ROLE).map((r) => r.inputs.roleAssignmentName),
        );
        for (const r of all(c, ROLE)) {
            assert.match(
                r.inputs.roleAssignmentName as string,
                /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
            );
        }
    });
});
