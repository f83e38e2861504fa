// Resource providers and preview features the plan needs. A namespace must be Registered on the subscription before
// ARM accepts its resource types (Provider.registrationState: Registered / NotRegistered / Registering / Unregistering;
// azure-rest-api-specs specification/resources/.../Microsoft.Resources/resources/examples/2025-04-01/GetProvider.json). Host encryption needs the
// Microsoft.Compute/EncryptionAtHost feature (AKS docs enable-host-encryption.md "Before you begin"), after which
// Microsoft.Compute must be re-registered for the feature to propagate. FeatureResult.properties.state is a free string
// (specification/resources/.../Microsoft.Features/features/stable/2021-07-01/features.json, FeatureProperties) that the
// spec's own examples spell "registered" (examples/registerFeature.json), while the same API version's registration
// states are capitalised (NotSpecified, NotRegistered, Pending, Registering, Registered, Unregistering, Unregistered;
// @azure/arm-features KnownSubscriptionFeatureRegistrationState): Registered in either spelling passes.
import type { Check, CheckContext, CheckResult } from "../run-checks";
import type { ArmResource } from "../stack";
import { NAMESPACE } from "../stack";
import { ifExists } from "../azure";

/** Namespaces of every ARM type in the plan (the template uses the same types). */
export function namespacesOf(resources: ArmResource[]): string[] {
    return [...new Set(resources.map((r) => NAMESPACE(r.type)))].sort((a, b) => a.localeCompare(b));
}

/**
 * Namespaces a cluster's add-ons need registered although the plan creates none of their resource types, with why:
 * - the Azure Policy add-on (addonProfiles.azurepolicy): Microsoft.PolicyInsights (azure-docs
 *   articles/governance/policy/concepts/policy-for-kubernetes.md, "Install Azure Policy Add-on for AKS", Prerequisites);
 * - Managed Prometheus (azureMonitorProfile.metrics): Microsoft.ContainerService, Microsoft.Insights,
 *   Microsoft.AlertsManagement and Microsoft.Monitor in the cluster's subscription (azure-docs
 *   articles/azure-monitor/containers/kubernetes-monitoring-enable.md, "Managed Prometheus prerequisites").
 */
export function addonNamespaces(resources: ArmResource[]): Map<string, string> {
    const needs = new Map<string, string>();
    const need = (ns: string, why: string) => needs.set(ns, needs.has(ns) ? `${needs.get(ns)}; ${why}` : why);
    for (const r of resources.filter((x) => x.type === "Microsoft.ContainerService/managedClusters")) {
        const addons = (r.inputs.addonProfiles ?? {}) as Record<string, { enabled?: unknown } | undefined>;
        if (addons.azurepolicy?.enabled === true) {
            need("Microsoft.PolicyInsights", `the Azure Policy add-on of ${r.names[0]}`);
        }
        if (
            (r.inputs.azureMonitorProfile as { metrics?: { enabled?: unknown } } | undefined)?.metrics?.enabled === true
        ) {
            for (const ns of [
                "Microsoft.ContainerService",
                "Microsoft.Insights",
                "Microsoft.AlertsManagement",
                "Microsoft.Monitor",
            ]) {
                need(ns, `Managed Prometheus on ${r.names[0]}`);
            }
        }
    }
    return needs;
}

interface PoolFacts {
    cluster: string;
    name: string;
    vmSize: string;
    maxCount: number;
    availabilityZones: string[];
    encryptionAtHost: boolean;
    location: string;
}

/** Agent pools from the planned clusters (agentPoolProfiles) and any separate AgentPool resources. */
export function poolsOf(resources: ArmResource[]): PoolFacts[] {
    const pools: PoolFacts[] = [];
    const location = new Map(
        resources
            .filter((r) => r.type === "Microsoft.ContainerService/managedClusters")
            .map((r) => [r.names[0], String(r.inputs.location)]),
    );
    for (const r of resources) {
        const profiles =
            r.type === "Microsoft.ContainerService/managedClusters"
                ? ((r.inputs.agentPoolProfiles as Record<string, unknown>[] | undefined) ?? [])
                : r.type === "Microsoft.ContainerService/managedClusters/agentPools"
                  ? [{ ...r.inputs, name: r.names[1] }]
                  : [];
        for (const p of profiles) {
            pools.push({
                cluster: r.names[0],
                name: String(p.name),
                vmSize: String(p.vmSize),
                maxCount: Number(p.enableAutoScaling === false ? (p.count ?? 1) : (p.maxCount ?? p.count ?? 1)),
                availabilityZones: Array.isArray(p.availabilityZones) ? p.availabilityZones.map(String) : [],
                encryptionAtHost: p.enableEncryptionAtHost === true,
                location: location.get(r.names[0]) ?? String(r.inputs.location),
            });
        }
    }
    return pools;
}

export const resourceProviders: Check = {
    id: "resource-providers",
    reads: "resource provider registrations",
    needs: "Reader on the subscription",
    async run(ctx: CheckContext): Promise<CheckResult[]> {
        const addons = addonNamespaces(ctx.facts.resources);
        const namespaces = [...new Set([...namespacesOf(ctx.facts.resources), ...addons.keys()])].sort((a, b) =>
            a.localeCompare(b),
        );
        const states = await Promise.all(
            namespaces.map(async (ns) => {
                // GET /subscriptions/{id}/providers/{namespace}; 404 means the namespace is unknown to ARM.
                const provider = await ifExists(() =>
                    ctx.clients.resources.providers.get(ns, { abortSignal: ctx.signal }),
                );
                return { ns, state: provider ? (provider.registrationState ?? "Unknown") : "NotFound" };
            }),
        );
        const missing = states.filter((s) => s.state !== "Registered");
        if (missing.length === 0) {
            return [
                {
                    id: this.id,
                    status: "ok",
                    detail: `${namespaces.length} namespaces registered: ${namespaces.join(", ")}`,
                },
            ];
        }
        const why = (ns: string) =>
            addons.has(ns) && !namespacesOf(ctx.facts.resources).includes(ns) ? ` (${addons.get(ns)} needs it)` : "";
        return missing.map((s) => ({
            id: this.id,
            status: "fail" as const,
            resource: s.ns,
            detail:
                s.state === "Registering"
                    ? `${s.ns} is still Registering; wait until it is Registered${why(s.ns)}`
                    : `${s.ns} is ${s.state} on the subscription${why(s.ns)}`,
            fix: `az provider register --namespace ${s.ns} --wait`,
        }));
    },
};

export const features: Check = {
    id: "features",
    reads: "preview feature registrations",
    needs: "Reader on the subscription",
    async run(ctx: CheckContext): Promise<CheckResult[]> {
        const hostEncryption = poolsOf(ctx.facts.resources).filter((p) => p.encryptionAtHost);
        if (hostEncryption.length === 0) {
            return [
                { id: this.id, status: "ok", detail: "no pool uses host encryption; no feature registration needed" },
            ];
        }
        // GET /subscriptions/{id}/providers/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost
        const feature = await ifExists(() =>
            ctx.clients.features.features.get("Microsoft.Compute", "EncryptionAtHost", { abortSignal: ctx.signal }),
        );
        const state = feature?.properties?.state ?? "NotRegistered";
        const pools = hostEncryption.map((p) => `${p.cluster}/${p.name}`).join(", ");
        if (state.toLowerCase() === "registered") {
            return [
                {
                    id: this.id,
                    status: "ok",
                    detail: `Microsoft.Compute/EncryptionAtHost is Registered (host encryption on ${pools})`,
                },
            ];
        }
        return [
            {
                id: this.id,
                status: "fail",
                resource: "Microsoft.Compute/EncryptionAtHost",
                detail: `Microsoft.Compute/EncryptionAtHost is ${state}; pools ${pools} enable host encryption`,
                fix: "az feature register --namespace Microsoft.Compute --name EncryptionAtHost && az provider register --namespace Microsoft.Compute",
            },
        ];
    },
};
