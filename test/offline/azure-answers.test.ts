// The Azure mocks answer as Azure Resource Manager does: what a plan, preflight and every test read as "what Azure
// returns". Ids are checked against the PUT URL of each type's REST spec (preflight/specs.ts, itself checked
// against Azure/azure-rest-api-specs by test/preflight/specs.test.ts); the computed outputs against the formats Azure
// documents, stated literally here.
import * as assert from "node:assert/strict";
import * as network from "@pulumi/azure-native/network";
import { isNotFound } from "../../components/SopsKeyVault";
import { AzureMocks } from "../../offline/azure-answers";
import { capture, type Capture, planStack } from "../../offline/program";
import { specFor } from "../../preflight/specs";
import { apiVersionOf } from "../../preflight/stack";
import { azureValue, idOf, one, stackInput } from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

/** RFC 4122 (section 4.4): a random (version 4) UUID, variant bits 10 (the first nibble of the 4th group 8, 9, a or b). */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type State = Record<string, unknown>;

/** What the mocks answer for one resource the program registers (the engine's RegisterResource). */
function create(m: AzureMocks, type: string, name: string, inputs: State): { id?: string; state: State } {
    const r = m.newResource({ type, name, inputs, custom: true });
    return { id: r.id, state: r.state as State };
}

/** The ARM id the PUT URL template gives for these inputs: every {parameter} is an SDK input, but subscriptionId. */
function idFromPut(put: string, inputs: State, subscriptionId: string): string {
    const id = put.replace(/\{(\w+)\}/g, (_, p: string) =>
        p === "subscriptionId" ? subscriptionId : String(inputs[p]),
    );
    // "/{scope}/providers/..." with a scope that is itself an id ("/subscriptions/..."): one slash, as ARM has it.
    return id.replace(/^\/\//, "/");
}

describe("the Azure mocks: resource ids and the outputs Azure computes", () => {
    sharedCaptures();
    let prod: Capture;
    before(async () => {
        prod = await planStack("prod");
    });

    it("give every Azure resource the program registers the ARM id of its REST spec's PUT URL", () => {
        const sub = azureValue(prod, "azure.subscriptionId");
        const azure = prod.resources.filter((r) => r.custom && r.type.startsWith("azure-native:"));
        const types = new Set(azure.map((r) => r.type));
        assert.equal(types.size, 22, [...types].join(", "));
        for (const r of azure) {
            // At the API version the SDK sends for the type ("Uses Azure REST API version ..." in its module).
            const spec = specFor(r.type, apiVersionOf(r.type));
            assert.ok(spec, `${r.type} has a PUT URL in preflight/specs.ts`);
            // ARM ids compare case-insensitively (the ResourceGroup spec spells its URL "resourcegroups").
            assert.equal(
                idOf(prod, r).toLowerCase(),
                idFromPut(spec.put, r.inputs, sub).toLowerCase(),
                `${r.name} (${r.type})`,
            );
        }
    });

    it("spell the cluster's, the key's and the Flux extension's ids as ARM returns them", () => {
        const sub = azureValue(prod, "azure.subscriptionId");
        assert.match(sub, GUID);
        const rg = `/subscriptions/${sub}/resourceGroups/rg-aks-prod-westeurope`;
        const cluster = `${rg}/providers/Microsoft.ContainerService/managedClusters/aks-prod-westeurope`;
        assert.equal(idOf(prod, one(prod, T.ManagedCluster)), cluster);
        assert.equal(
            idOf(prod, one(prod, T.Key)),
            `/subscriptions/${sub}/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod/keys/sops-prod`,
        );
        // An extension resource of the cluster: the cluster's id, then its own provider segment.
        assert.equal(
            idOf(prod, one(prod, T.Extension)),
            `${cluster}/providers/Microsoft.KubernetesConfiguration/extensions/flux`,
        );
        assert.equal(prod.outputs.clusterId.value, cluster);
    });

    it("answer the AKS cluster with an OIDC issuer, an API server FQDN, identities and Succeeded", () => {
        const m = new AzureMocks();
        const uai = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id";
        const { state } = create(m, T.ManagedCluster, "aks", {
            resourceGroupName: "rg-aks",
            resourceName: "aks-dev-westeurope",
            location: "westeurope",
            dnsPrefix: "aks-dev-westeurope",
            identity: { type: "UserAssigned", userAssignedIdentities: [uai] },
        });
        const issuer = state.oidcIssuerProfile as State;
        assert.equal(issuer.enabled, true);
        // learn.microsoft.com/azure/aks/use-oidc-issuer: https://{region}.oic.prod-aks.azure.com/{tenant_id}/{uuid}/
        const oidc = new RegExp(
            `^https://westeurope\\.oic\\.prod-aks\\.azure\\.com/${m.world.tenantId}/([0-9a-f-]{36})/$`,
        ).exec(issuer.issuerURL as string);
        assert.ok(oidc, String(issuer.issuerURL));
        assert.match(oidc[1], GUID);
        // azure-rest-api-specs containerservice examples: "fqdn": "dnsprefix1-abcd1234.hcp.eastus.azmk8s.io".
        assert.match(state.fqdn as string, /^aks-dev-westeurope-[0-9a-f]{8}\.hcp\.westeurope\.azmk8s\.io$/);
        const identity = state.identity as State;
        assert.equal(identity.type, "UserAssigned");
        assert.deepEqual(identity.userAssignedIdentities, [uai]);
        assert.equal(identity.tenantId, m.world.tenantId);
        const kubelet = (state.identityProfile as { kubeletidentity: State }).kubeletidentity;
        const guids = [identity.principalId, kubelet.clientId, kubelet.objectId] as string[];
        for (const g of guids) {
            assert.match(g, GUID);
        }
        assert.equal(new Set(guids).size, 3, "the cluster's, the kubelet's client and object ids differ");
        assert.equal(state.provisioningState, "Succeeded");
        assert.equal(state.name, "aks-dev-westeurope");
        // Values only Azure knows are recorded with the output they stand for: the plan shows them as references.
        assert.equal(m.references.get(issuer.issuerURL as string), "aks.oidcIssuerProfile.issuerURL");
        assert.equal(m.references.get(state.fqdn as string), "aks.fqdn");
        assert.equal(m.references.get(identity.principalId as string), "aks.identity.principalId");
        assert.equal(m.references.get(kubelet.clientId as string), "aks.identityProfile.kubeletidentity.clientId");
        assert.equal(m.references.get(kubelet.objectId as string), "aks.identityProfile.kubeletidentity.objectId");
    });

    it("answer Key Vault with the vault URI and the key's URI, with and without a 32-hex-digit version", () => {
        const m = new AzureMocks();
        const vault = create(m, T.Vault, "vault", {
            resourceGroupName: "rg-sops",
            vaultName: "kv-test-sops",
            properties: { enableRbacAuthorization: true },
        }).state;
        // Vaults_Get (keyvault.json): properties.vaultUri, e.g. "https://sample-vault.vault.azure.net/"
        assert.deepEqual(vault.properties, {
            enableRbacAuthorization: true,
            vaultUri: "https://kv-test-sops.vault.azure.net/",
        });
        assert.equal(m.references.get("https://kv-test-sops.vault.azure.net/"), "vault.properties.vaultUri");
        const key = create(m, T.Key, "key", {
            resourceGroupName: "rg-sops",
            vaultName: "kv-test-sops",
            keyName: "sops",
        });
        assert.equal(
            key.id,
            `/subscriptions/${m.world.subscriptionId}/resourceGroups/rg-sops/providers/Microsoft.KeyVault/vaults/kv-test-sops/keys/sops`,
        );
        assert.equal(key.state.keyUri, "https://kv-test-sops.vault.azure.net/keys/sops");
        // @azure/keyvault-keys KeyVaultKeyIdentifier: https://<keyvault-name>.vault.azure.net/keys/<key-name>/<unique-version-id>
        assert.match(
            key.state.keyUriWithVersion as string,
            /^https:\/\/kv-test-sops\.vault\.azure\.net\/keys\/sops\/[0-9a-f]{32}$/,
        );
        assert.equal(m.references.get(key.state.keyUri as string), "key.keyUri");
        assert.equal(m.references.get(key.state.keyUriWithVersion as string), "key.keyUriWithVersion");
        const other = create(m, T.Key, "other", {
            resourceGroupName: "rg-sops",
            vaultName: "kv-test-sops",
            keyName: "k2",
        });
        assert.notEqual(
            (other.state.keyUriWithVersion as string).slice(-32),
            (key.state.keyUriWithVersion as string).slice(-32),
            "each key has its own version",
        );
    });

    it("answer identities, workspaces and child resources with what ARM computes", () => {
        const m = new AzureMocks();
        const identity = create(m, T.UserAssignedIdentity, "flux", {
            resourceGroupName: "rg",
            resourceName: "id-flux",
        });
        assert.match(identity.state.clientId as string, GUID);
        assert.match(identity.state.principalId as string, GUID);
        assert.equal(identity.state.tenantId, m.world.tenantId);
        assert.equal(m.references.get(identity.state.clientId as string), "flux.clientId");
        // operationalinsights Workspaces: customerId, read-only, "the ID associated with the workspace" (a GUID).
        const logs = create(m, T.Workspace, "logs", { resourceGroupName: "rg", workspaceName: "log-x" }).state;
        assert.match(logs.customerId as string, GUID);
        assert.equal(m.references.get(logs.customerId as string), "logs.customerId");
        // Azure Monitor workspace metrics.prometheusQueryEndpoint, e.g.
        // https://defaultazuremonitorworkspace-sec-amfmcbbvhpdehkfn.swedencentral.prometheus.monitor.azure.com
        const amw = create(m, T.AzureMonitorWorkspace, "amw", {
            resourceGroupName: "rg",
            azureMonitorWorkspaceName: "amw-x",
            location: "westeurope",
        }).state;
        const endpoint = (amw.metrics as State).prometheusQueryEndpoint as string;
        assert.match(endpoint, /^https:\/\/amw-x-[0-9a-z]+\.westeurope\.prometheus\.monitor\.azure\.com$/);
        assert.equal(m.references.get(endpoint), "amw.metrics.prometheusQueryEndpoint");
        const ns = create(m, T.ManagedNamespace, "ns", {
            resourceGroupName: "rg",
            resourceName: "aks-x",
            managedNamespaceName: "payments",
            properties: { labels: { team: "payments" } },
        });
        assert.equal(
            ns.id,
            `/subscriptions/${m.world.subscriptionId}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-x/managedNamespaces/payments`,
        );
        assert.deepEqual(ns.state.properties, { labels: { team: "payments" }, provisioningState: "Succeeded" });
    });

    it("answer the Flux extension with its version and the Flux configuration as Succeeded, compliance Pending", () => {
        const m = new AzureMocks();
        const cluster = {
            resourceGroupName: "rg",
            clusterRp: "Microsoft.ContainerService",
            clusterResourceName: "managedClusters",
            clusterName: "aks-x",
        };
        const pinned = create(m, T.Extension, "pinned", { ...cluster, extensionName: "flux", version: "1.18.2" });
        assert.equal(
            pinned.id,
            `/subscriptions/${m.world.subscriptionId}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-x/providers/Microsoft.KubernetesConfiguration/extensions/flux`,
        );
        assert.equal(pinned.state.provisioningState, "Succeeded");
        assert.equal(pinned.state.currentVersion, "1.18.2");
        // Unpinned, the extension follows the Stable train: the newest microsoft.flux release (stacks/perishable.ts
        // FLUX_EXTENSION, from azure-management-docs flux-gitops-release-notes.md) is what it reports.
        assert.equal(
            create(m, T.Extension, "train", { ...cluster, extensionName: "flux" }).state.currentVersion,
            "1.24.1",
        );
        // fluxconfiguration.json ComplianceStateType: Compliant, Non-Compliant, Pending, Suspended, Unknown; a new
        // configuration reports Pending until Flux first reconciles (az k8s-configuration flux create output).
        const flux = create(m, T.FluxConfiguration, "flux", { ...cluster, fluxConfigurationName: "flux-system" }).state;
        assert.equal(flux.provisioningState, "Succeeded");
        assert.equal(flux.complianceState, "Pending");
    });

    it("hand out public IP prefixes of the length asked, aligned, from the documentation range", () => {
        const m = new AzureMocks();
        const prefix = (name: string, prefixLength?: number) =>
            create(m, T.PublicIPPrefix, name, {
                resourceGroupName: "rg",
                publicIpPrefixName: `pip-${name}`,
                ...(prefixLength === undefined ? {} : { prefixLength }),
            }).state.ipPrefix as string;
        const ranges = [prefix("a", 28), prefix("b", 28), prefix("c", 30), prefix("d")];
        for (const range of ranges) {
            // RFC 5737 TEST-NET-3 (203.0.113.0/24): never a real address in a plan.
            const m4 = /^203\.0\.113\.(\d+)\/(\d+)$/.exec(range);
            assert.ok(m4, range);
            const octet = Number(m4[1]);
            assert.ok(octet <= 240 && octet % 16 === 0, `${range}: a network address of a /28 or longer`);
        }
        assert.deepEqual(
            ranges.map((r) => r.split("/")[1]),
            ["28", "28", "30", "31"],
            "the length asked; /31 (the stack's default egress prefix, stacks/schema.ts) when none is",
        );
        assert.equal(m.references.get(ranges[0]), "a.ipPrefix");
    });

    it("give the same stack the same values every run, and other resources other values", () => {
        const inputs = { resourceGroupName: "rg", resourceName: "id-x" };
        const first = create(new AzureMocks(), T.UserAssignedIdentity, "x", inputs);
        const again = create(new AzureMocks(), T.UserAssignedIdentity, "x", inputs);
        assert.deepEqual(again, first);
        const sibling = create(new AzureMocks(), T.UserAssignedIdentity, "y", { ...inputs, resourceName: "id-y" });
        assert.notEqual(sibling.state.clientId, first.state.clientId);
        assert.notEqual(first.state.clientId, first.state.principalId);
        const elsewhere = new AzureMocks("another-world");
        assert.notEqual(elsewhere.world.subscriptionId, new AzureMocks().world.subscriptionId);
        assert.notEqual(create(elsewhere, T.UserAssignedIdentity, "x", inputs).state.clientId, first.state.clientId);
    });

    it("record the subscription and tenant as the values only Azure knows, and log no call before the first", () => {
        const m = new AzureMocks();
        assert.match(m.world.subscriptionId, GUID);
        assert.match(m.world.tenantId, GUID);
        assert.notEqual(m.world.subscriptionId, m.world.tenantId);
        assert.equal(m.references.get(m.world.subscriptionId), "azure.subscriptionId");
        assert.equal(m.references.get(m.world.tenantId), "azure.tenantId");
        assert.deepEqual(m.calls, []);
    });

    it("refuse an Azure type they do not model, and an Azure resource without an explicit name", () => {
        const m = new AzureMocks();
        assert.throws(
            () => create(m, T.Thing, "thing", { thingName: "t" }),
            (e: Error) =>
                e.message ===
                "the Azure mocks do not model azure-native:test:Thing; add it to offline/azure-answers.ts MODELS",
        );
        assert.throws(
            () => create(m, T.ResourceGroup, "rg", { resourceGroupName: "", location: "westeurope" }),
            (e: Error) =>
                e.message ===
                'azure-native:resources:ResourceGroup "rg" has no explicit Azure name (input resourceGroupName)',
        );
        // Kubernetes objects and providers are echoed: their id is their name, a component has none.
        const ns = m.newResource({
            type: T.K8sNamespace,
            name: "ns",
            inputs: { metadata: { name: "x" } },
            custom: true,
        });
        assert.deepEqual(ns, { id: "ns", state: { metadata: { name: "x" } } });
        assert.deepEqual(m.newResource({ type: T.Tenant, name: "t", inputs: {}, custom: false }), {
            id: undefined,
            state: {},
        });
    });
});

describe("the Azure mocks: the get* invokes", () => {
    sharedCaptures();
    const vaultKey = { resourceGroupName: "rg-sops-prod", vaultName: "kv-contoso-sops-prod", keyName: "sops-prod" };
    const keyId = (sub: string) =>
        `/subscriptions/${sub}/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod/keys/sops-prod`;

    it("answer getClientConfig with the subscription and tenant, and the caller's client and object ids", () => {
        const m = new AzureMocks();
        const config = m.call({ token: T.GetClientConfig, inputs: {} });
        assert.equal(config.subscriptionId, m.world.subscriptionId);
        assert.equal(config.tenantId, m.world.tenantId);
        assert.match(config.clientId as string, GUID);
        assert.match(config.objectId as string, GUID);
        assert.notEqual(config.clientId, config.objectId);
        assert.equal(m.references.get(config.clientId as string), "azure.clientId");
        assert.equal(m.references.get(config.objectId as string), "azure.objectId");
        assert.deepEqual(m.calls, [{ token: T.GetClientConfig, inputs: {} }]);
    });

    it("answer getGroup with a security group's object id, one per group", () => {
        const m = new AzureMocks();
        const admins = m.call({ token: T.AdGroupLookup, inputs: { displayName: "aks-admins", securityEnabled: true } });
        const readers = m.call({ token: T.AdGroupLookup, inputs: { displayName: "aks-readers" } });
        assert.equal(admins.displayName, "aks-admins");
        assert.equal(admins.securityEnabled, true);
        assert.equal(readers.securityEnabled, true);
        assert.match(admins.objectId as string, GUID);
        assert.notEqual(admins.objectId, readers.objectId);
        assert.equal(m.references.get(admins.objectId as string), "getGroup(aks-admins).objectId");
    });

    it("answer getKey for an existing key: its id, URIs and an RSA 4096 encrypt/decrypt key", () => {
        const m = new AzureMocks();
        const key = m.call({ token: "azure-native:keyvault:getKey", inputs: vaultKey });
        const { keyUriWithVersion, ...rest } = key;
        assert.deepEqual(rest, {
            id: keyId(m.world.subscriptionId),
            name: "sops-prod",
            keyUri: "https://kv-contoso-sops-prod.vault.azure.net/keys/sops-prod",
            kty: "RSA",
            keySize: 4096,
            keyOps: ["encrypt", "decrypt"],
        });
        assert.match(
            keyUriWithVersion as string,
            /^https:\/\/kv-contoso-sops-prod\.vault\.azure\.net\/keys\/sops-prod\/[0-9a-f]{32}$/,
        );
        assert.equal(
            m.references.get(keyUriWithVersion as string),
            "getKey(kv-contoso-sops-prod/sops-prod).keyUriWithVersion",
        );
        const other = m.call({ token: "azure-native:keyvault:getKey", inputs: { ...vaultKey, keyName: "sops-2" } });
        assert.notEqual(
            (other.keyUriWithVersion as string).slice(-32),
            (keyUriWithVersion as string).slice(-32),
            "another key, another version",
        );
    });

    it("answer getPublicIPPrefix with a /31 from the documentation range, one range per prefix", () => {
        const m = new AzureMocks();
        const lookup = (publicIpPrefixName: string) =>
            m.call({
                token: T.GetPublicIPPrefix,
                inputs: { resourceGroupName: "rg-aks-prod-northeurope", publicIpPrefixName },
            });
        const dr = lookup("pip-egress-aks-prod-northeurope");
        assert.equal(dr.prefixLength, 31);
        assert.match(dr.ipPrefix as string, /^203\.0\.113\.(\d|[1-9]\d|1\d\d|2[0-4]\d|25[0-5])\/31$/);
        assert.equal(
            m.references.get(dr.ipPrefix as string),
            "getPublicIPPrefix(pip-egress-aks-prod-northeurope).ipPrefix",
        );
        assert.notEqual(lookup("pip-egress-aks-staging-northeurope").ipPrefix, dr.ipPrefix);
    });

    it("answer 404 ResourceNotFound, as the engine shows it, for a resource absent in any subscription or case", () => {
        // Absent in another subscription, spelled in another case: ARM ids compare case-insensitively and the mocks
        // have their own subscription (preflight/stack.ts planWithout).
        const absent = [
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG-SOPS-PROD/providers/Microsoft.KeyVault/vaults/KV-CONTOSO-SOPS-PROD/keys/sops-prod",
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-gone",
        ];
        const m = new AzureMocks(undefined, undefined, absent);
        const id = keyId(m.world.subscriptionId);
        // The provider's `Status=404 Code="ResourceNotFound"` wrapped by the provider ("request failed <id>") and the
        // engine ("invocation of <token> returned an error"), components/SopsKeyVault.ts isNotFound cites the sources.
        const message = `invocation of azure-native:keyvault:getKey returned an error: request failed ${id}: Status=404 Code="ResourceNotFound" Message="The Resource 'Microsoft.KeyVault/vaults/kv-contoso-sops-prod/keys/sops-prod' was not found."`;
        assert.throws(
            () => m.call({ token: "azure-native:keyvault:getKey", inputs: vaultKey }),
            (e: Error & { code?: number; details?: string }) => {
                assert.equal(e.message, message);
                // A gRPC UNKNOWN (2) error whose details are the message, as the SDK rejects a failed invoke.
                assert.equal(e.code, 2);
                assert.equal(e.details, message);
                return isNotFound(e);
            },
        );
        assert.throws(
            () =>
                m.call({
                    token: T.GetPublicIPPrefix,
                    inputs: { resourceGroupName: "rg-aks-prod-northeurope", publicIpPrefixName: "pip-gone" },
                }),
            /Status=404 Code="ResourceNotFound" Message="The Resource 'Microsoft\.Network\/publicIPPrefixes\/pip-gone' was not found\."/,
        );
        // Whatever is not listed exists, and lookups that read no ARM resource are answered as ever.
        assert.equal(
            m.call({ token: "azure-native:keyvault:getKey", inputs: { ...vaultKey, keyName: "sops-2" } }).name,
            "sops-2",
        );
        assert.equal(
            m.call({
                token: T.GetPublicIPPrefix,
                inputs: { resourceGroupName: "rg-aks-prod-northeurope", publicIpPrefixName: "pip-here" },
            }).prefixLength,
            31,
        );
        assert.equal(
            m.call({ token: T.AdGroupLookup, inputs: { displayName: "aks-admins" } }).displayName,
            "aks-admins",
        );
        assert.equal(m.call({ token: T.GetClientConfig, inputs: {} }).tenantId, m.world.tenantId);
    });

    it("reach the program through the SDK's invoke as an error the program recognises as not found", async () => {
        const gone =
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.Network/publicIPPrefixes/pip-dr";
        let caught: unknown;
        const c = await capture(
            stackInput({}, {}),
            async () => {
                await network
                    .getPublicIPPrefix({ resourceGroupName: "rg-dr", publicIpPrefixName: "pip-dr" })
                    .catch((e) => {
                        caught = e;
                    });
                return {};
            },
            { absent: [gone] },
        );
        assert.ok(isNotFound(caught), String(caught));
        assert.match(
            String((caught as Error).message),
            /getPublicIPPrefix returned an error: request failed \/subscriptions\/.+\/publicIPPrefixes\/pip-dr: Status=404/,
        );
        assert.deepEqual(
            c.calls.map((x) => x.token),
            [T.GetPublicIPPrefix],
        );
    });

    it("refuse an invoke they do not answer, naming where to add it", () => {
        for (const absent of [[], ["/subscriptions/s/resourceGroups/rg"]]) {
            assert.throws(
                () =>
                    new AzureMocks(undefined, undefined, absent).call({
                        token: "azure-native:compute:getVirtualMachine",
                        inputs: {},
                    }),
                (e: Error) =>
                    e.message ===
                    "the Azure mocks do not answer azure-native:compute:getVirtualMachine; add it to offline/azure-answers.ts",
            );
        }
    });
});
