// The resource-providers and features checks and the plan readers they share with compute.ts
// (preflight/checks/providers.ts), run in-process against a fake ARM answering as the REST API does:
// - Providers_Get (GET /subscriptions/{id}/providers/{namespace}; azure-rest-api-specs specification/resources/
//   resource-manager/Microsoft.Resources/resources/examples/2025-04-01/GetProvider.json): registrationState is a free
//   string; the values a provider passes through are Registered, NotRegistered, Registering and Unregistering
//   (Azure/azure-docs-sdk-dotnet xml/Microsoft.Azure.Management.Resources.Models/ProviderRegistrationState.xml);
// - Features_Get (GET .../providers/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost;
//   specification/resources/resource-manager/Microsoft.Features/features/stable/2021-07-01/features.json):
//   properties.state is a free string, spelled "registered" / "unregistered" in that spec's own examples
//   (examples/registerFeature.json, unregisterFeature.json); the feature registration states the same API version
//   knows are NotSpecified, NotRegistered, Pending, Registering, Registered, Unregistering and Unregistered
//   (@azure/arm-features KnownSubscriptionFeatureRegistrationState).
// A namespace or feature ARM does not know answers 404; any other error propagates, for run-checks to report.
import * as assert from "node:assert/strict";
import type { FeatureResult, FeaturesGetOptionalParams } from "@azure/arm-features";
import type { Provider, ProvidersGetOptionalParams } from "@azure/arm-resources";
import type { Clients } from "../../../preflight/azure";
import { statusOf } from "../../../preflight/azure";
import {
    addonNamespaces,
    features,
    namespacesOf,
    poolsOf,
    resourceProviders,
} from "../../../preflight/checks/providers";
import type { CheckContext } from "../../../preflight/run-checks";
import type { ArmResource } from "../../../preflight/stack";
import { armResource, factsWith, managedCluster, pool } from "../../support/arm-plan";
import { checkContext } from "../../support/check-context";

const SUBSCRIPTION = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";

/** What the Azure SDK throws for an error response (a RestError carries statusCode and code; the checks read the status). */
const restError = (statusCode: number, code: string) =>
    Object.assign(new Error(`${code} (${statusCode})`), { name: "RestError", statusCode, code });

/** The answers: a provider's registrationState (undefined: the field is absent; null: 404), the feature's state. */
interface Arm {
    providers?: Record<string, string | undefined | null>;
    /** undefined: properties absent; null: 404; an Error: thrown as is. */
    feature?: string | undefined | null | Error;
    providerError?: Error;
}

interface FakeClients {
    resources: { providers: { get(ns: string, options: ProvidersGetOptionalParams): Promise<Provider> } };
    features: {
        features: { get(rp: string, name: string, options: FeaturesGetOptionalParams): Promise<FeatureResult> };
    };
}

function contextFor(resources: ArmResource[], arm: Arm): { ctx: CheckContext; calls: string[] } {
    const calls: string[] = [];
    const signal = new AbortController().signal;
    const signed = (options: { abortSignal?: unknown }) => (options.abortSignal === signal ? "" : " (no signal)");
    const fake: FakeClients = {
        resources: {
            providers: {
                async get(ns, options) {
                    calls.push(`provider ${ns}${signed(options)}`);
                    await Promise.resolve();
                    if (arm.providerError) {
                        throw arm.providerError;
                    }
                    const state = arm.providers && ns in arm.providers ? arm.providers[ns] : "Registered";
                    if (state === null) {
                        throw restError(404, "InvalidResourceNamespace");
                    }
                    return {
                        id: `/subscriptions/${SUBSCRIPTION}/providers/${ns}`,
                        namespace: ns,
                        registrationPolicy: "RegistrationRequired",
                        resourceTypes: [],
                        ...(state === undefined ? {} : { registrationState: state }),
                    };
                },
            },
        },
        features: {
            features: {
                async get(rp, name, options) {
                    calls.push(`feature ${rp}/${name}${signed(options)}`);
                    await Promise.resolve();
                    if (arm.feature instanceof Error) {
                        throw arm.feature;
                    }
                    if (arm.feature === null) {
                        throw restError(404, "FeatureNotFound");
                    }
                    return {
                        id: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Features/providers/${rp}/features/${name}`,
                        name: `${rp}/${name}`,
                        type: "Microsoft.Features/providers/features",
                        ...(arm.feature === undefined ? {} : { properties: { state: arm.feature } }),
                    };
                },
            },
        },
    };
    const clients = { subscriptionId: SUBSCRIPTION, ...fake } as unknown as Clients;
    return { ctx: checkContext(factsWith(resources), clients, { signal }), calls };
}

const vault = armResource("Microsoft.KeyVault/vaults", ["kv-contoso-sops-prod"], { location: "westeurope" });
const group = armResource("Microsoft.Resources/resourceGroups", ["rg-aks-prod-westeurope"], { location: "westeurope" });
/** The prod cluster's add-ons: Azure Policy and Managed Prometheus. */
const prodCluster = (pools = [pool("system"), pool("user", { maxCount: 10 })]) =>
    managedCluster("aks-prod-westeurope", "westeurope", pools, {
        addonProfiles: { azurepolicy: { enabled: true }, omsagent: { enabled: true } },
        azureMonitorProfile: { metrics: { enabled: true } },
    });

describe("preflight plan readers (providers.ts)", () => {
    it("namespacesOf: each ARM namespace of the plan once, sorted", () => {
        assert.deepEqual(
            namespacesOf([vault, prodCluster(), group, armResource("Microsoft.KeyVault/vaults/keys", ["kv", "sops"])]),
            ["Microsoft.ContainerService", "Microsoft.KeyVault", "Microsoft.Resources"],
        );
    });

    it("addonNamespaces: Azure Policy needs Microsoft.PolicyInsights, Managed Prometheus four namespaces, per cluster", () => {
        assert.deepEqual(
            [
                ...addonNamespaces([
                    prodCluster(),
                    managedCluster("aks-dev-westeurope", "westeurope", [], {
                        addonProfiles: { azurepolicy: { enabled: true } },
                    }),
                ]),
            ],
            [
                [
                    "Microsoft.PolicyInsights",
                    "the Azure Policy add-on of aks-prod-westeurope; the Azure Policy add-on of aks-dev-westeurope",
                ],
                ["Microsoft.ContainerService", "Managed Prometheus on aks-prod-westeurope"],
                ["Microsoft.Insights", "Managed Prometheus on aks-prod-westeurope"],
                ["Microsoft.AlertsManagement", "Managed Prometheus on aks-prod-westeurope"],
                ["Microsoft.Monitor", "Managed Prometheus on aks-prod-westeurope"],
            ],
        );
        // only enabled: true counts; add-ons of other resource types are none
        const off = managedCluster("aks-dev-westeurope", "westeurope", [], {
            addonProfiles: { azurepolicy: { enabled: "true" }, omsagent: { enabled: true } },
            azureMonitorProfile: { metrics: { enabled: "true" } },
        });
        assert.deepEqual(
            [...addonNamespaces([off, { ...vault, inputs: { addonProfiles: { azurepolicy: { enabled: true } } } }])],
            [],
        );
        assert.deepEqual([...addonNamespaces([managedCluster("aks-dev-westeurope", "westeurope", [])])], []);
    });

    it("poolsOf: each pool's size, node ceiling, zones, host encryption and its cluster's region", () => {
        const cluster = managedCluster("aks-prod-westeurope", "westeurope", [
            pool("system", { maxCount: 5 }),
            // a fixed-size pool runs `count` nodes; autoscaling without maxCount falls back to count, then to 1
            pool("fixed", { enableAutoScaling: false, count: 4, maxCount: 9, enableEncryptionAtHost: false }),
            pool("nomax", { maxCount: undefined, count: 2, availabilityZones: undefined }),
            pool("bare", {
                maxCount: undefined,
                count: undefined,
                enableEncryptionAtHost: "true",
                availabilityZones: [1, 2],
            }),
        ]);
        // a separate AgentPool resource of a planned cluster takes its name from the ARM name and the cluster's region
        const extra = armResource(
            "Microsoft.ContainerService/managedClusters/agentPools",
            ["aks-prod-westeurope", "gpu"],
            {
                vmSize: "Standard_NC4as_T4_v3",
                enableAutoScaling: true,
                maxCount: 2,
            },
        );
        assert.deepEqual(poolsOf([vault, extra, cluster]), [
            {
                cluster: "aks-prod-westeurope",
                name: "gpu",
                vmSize: "Standard_NC4as_T4_v3",
                maxCount: 2,
                availabilityZones: [],
                encryptionAtHost: false,
                location: "westeurope",
            },
            {
                cluster: "aks-prod-westeurope",
                name: "system",
                vmSize: "Standard_D4ds_v5",
                maxCount: 5,
                availabilityZones: ["1", "2", "3"],
                encryptionAtHost: true,
                location: "westeurope",
            },
            {
                cluster: "aks-prod-westeurope",
                name: "fixed",
                vmSize: "Standard_D4ds_v5",
                maxCount: 4,
                availabilityZones: ["1", "2", "3"],
                encryptionAtHost: false,
                location: "westeurope",
            },
            {
                cluster: "aks-prod-westeurope",
                name: "nomax",
                vmSize: "Standard_D4ds_v5",
                maxCount: 2,
                availabilityZones: [],
                encryptionAtHost: true,
                location: "westeurope",
            },
            {
                cluster: "aks-prod-westeurope",
                name: "bare",
                vmSize: "Standard_D4ds_v5",
                maxCount: 1,
                availabilityZones: ["1", "2"],
                encryptionAtHost: false,
                location: "westeurope",
            },
        ]);
        assert.deepEqual(poolsOf([vault, group]), []);
    });
});

describe("preflight resource-providers (providers.ts)", () => {
    const plan = [group, vault, prodCluster()];
    // the plan's namespaces and the add-ons' (Microsoft.ContainerService is both), in order
    const all = [
        "Microsoft.AlertsManagement",
        "Microsoft.ContainerService",
        "Microsoft.Insights",
        "Microsoft.KeyVault",
        "Microsoft.Monitor",
        "Microsoft.PolicyInsights",
        "Microsoft.Resources",
    ];

    it("passes when every namespace the plan and its add-ons need is Registered, asking for each once", async () => {
        const { ctx, calls } = contextFor(plan, {});
        assert.deepEqual(await resourceProviders.run(ctx), [
            {
                id: "resource-providers",
                status: "ok",
                detail: `7 namespaces registered: ${all.join(", ")}`,
            },
        ]);
        assert.deepEqual(
            [...calls].sort(),
            all.map((ns) => `provider ${ns}`),
        );
    });

    it("fails each namespace in every other state, saying which add-on needs a namespace the plan does not create", async () => {
        const { ctx } = contextFor(plan, {
            providers: {
                "Microsoft.AlertsManagement": "NotRegistered",
                "Microsoft.ContainerService": "Registering",
                "Microsoft.KeyVault": "Unregistering",
                "Microsoft.Monitor": null,
                "Microsoft.PolicyInsights": undefined,
            },
        });
        const fix = (ns: string) => `az provider register --namespace ${ns} --wait`;
        assert.deepEqual(await resourceProviders.run(ctx), [
            {
                id: "resource-providers",
                status: "fail",
                resource: "Microsoft.AlertsManagement",
                detail: "Microsoft.AlertsManagement is NotRegistered on the subscription (Managed Prometheus on aks-prod-westeurope needs it)",
                fix: fix("Microsoft.AlertsManagement"),
            },
            {
                id: "resource-providers",
                status: "fail",
                resource: "Microsoft.ContainerService",
                // the plan creates its clusters: no add-on to name
                detail: "Microsoft.ContainerService is still Registering; wait until it is Registered",
                fix: fix("Microsoft.ContainerService"),
            },
            {
                id: "resource-providers",
                status: "fail",
                resource: "Microsoft.KeyVault",
                detail: "Microsoft.KeyVault is Unregistering on the subscription",
                fix: fix("Microsoft.KeyVault"),
            },
            {
                id: "resource-providers",
                status: "fail",
                resource: "Microsoft.Monitor",
                detail: "Microsoft.Monitor is NotFound on the subscription (Managed Prometheus on aks-prod-westeurope needs it)",
                fix: fix("Microsoft.Monitor"),
            },
            {
                id: "resource-providers",
                status: "fail",
                resource: "Microsoft.PolicyInsights",
                detail: "Microsoft.PolicyInsights is Unknown on the subscription (the Azure Policy add-on of aks-prod-westeurope needs it)",
                fix: fix("Microsoft.PolicyInsights"),
            },
        ]);
    });

    it("lets an error other than 404 through, for run-checks to report what it could not read", async () => {
        const { ctx } = contextFor(plan, { providerError: restError(403, "AuthorizationFailed") });
        await assert.rejects(resourceProviders.run(ctx), (e) => statusOf(e) === 403);
    });
});

describe("preflight features (providers.ts)", () => {
    const fix =
        "az feature register --namespace Microsoft.Compute --name EncryptionAtHost && az provider register --namespace Microsoft.Compute";
    // host encryption on two of three pools
    const plan = [prodCluster([pool("system"), pool("user"), pool("batch", { enableEncryptionAtHost: false })])];

    it("passes without asking Azure when no pool uses host encryption", async () => {
        const { ctx, calls } = contextFor(
            [
                prodCluster([
                    pool("system", { enableEncryptionAtHost: false }),
                    pool("user", { enableEncryptionAtHost: undefined }),
                ]),
            ],
            { feature: null },
        );
        assert.deepEqual(await features.run(ctx), [
            { id: "features", status: "ok", detail: "no pool uses host encryption; no feature registration needed" },
        ]);
        assert.deepEqual(calls, []);
    });

    it("passes when EncryptionAtHost is Registered, however ARM capitalises it, naming the pools that use it", async () => {
        for (const state of ["Registered", "registered"]) {
            const { ctx, calls } = contextFor(plan, { feature: state });
            assert.deepEqual(await features.run(ctx), [
                {
                    id: "features",
                    status: "ok",
                    detail: "Microsoft.Compute/EncryptionAtHost is Registered (host encryption on aks-prod-westeurope/system, aks-prod-westeurope/user)",
                },
            ]);
            assert.deepEqual(calls, ["feature Microsoft.Compute/EncryptionAtHost"]);
        }
    });

    it("fails in every other state, and when ARM knows no such feature registration (404) or reports no state", async () => {
        const cases: [string | undefined | null, string][] = [
            ["NotRegistered", "NotRegistered"],
            ["Pending", "Pending"],
            ["Registering", "Registering"],
            ["Unregistering", "Unregistering"],
            ["Unregistered", "Unregistered"],
            ["unregistered", "unregistered"],
            ["NotSpecified", "NotSpecified"],
            [null, "NotRegistered"],
            [undefined, "NotRegistered"],
        ];
        for (const [feature, said] of cases) {
            const { ctx } = contextFor(plan, { feature });
            assert.deepEqual(await features.run(ctx), [
                {
                    id: "features",
                    status: "fail",
                    resource: "Microsoft.Compute/EncryptionAtHost",
                    detail: `Microsoft.Compute/EncryptionAtHost is ${said}; pools aks-prod-westeurope/system, aks-prod-westeurope/user enable host encryption`,
                    fix,
                },
            ]);
        }
    });

    it("lets an error other than 404 through", async () => {
        const { ctx } = contextFor(plan, { feature: restError(403, "AuthorizationFailed") });
        await assert.rejects(features.run(ctx), (e) => statusOf(e) === 403);
    });
});
