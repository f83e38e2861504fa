// Resource providers and preview features the plan needs. A namespace must be Registered on the subscription before
// ARM accepts its resource types (Provider.registrationState: Registered / NotRegistered / Registering / Unregistering;
// azure-rest-api-specs specification/resources/.../Microsoft.Resources/resources/examples/2025-04-01/GetProvider.json). Host encryption needs the
// Microsoft.Compute/EncryptionAtHost feature (FeatureResult.properties.state "Registered"; specification/resources/.../Microsoft.Features/features/stable/2021-07-01
// examples/registerFeature.json; AKS docs enable-host-encryption.md "Before you begin"), after which Microsoft.Compute must be
// re-registered for the feature to propagate.
import type { Check, CheckContext, CheckResult } from "../run";
import type { ArmResource } from "../stack";
import { NAMESPACE } from "../stack";
import { ifExists } from "../azure";

/** Namespaces of every ARM type in the plan (the template uses the same types). */
export function namespacesOf(resources: ArmResource[]): string[] {
    return [...new Set(resources.map((r) => NAMESPACE(r.type)))].sort((a, b) => a.localeCompare(b));
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
    const location = new Map(resources.filter((r) => r.type === "Microsoft.ContainerService/managedClusters").map((r) => [r.names[0], String(r.inputs.location)]));
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
        const namespaces = namespacesOf(ctx.facts.resources);
        const states = await Promise.all(
            namespaces.map(async (ns) => {
                // GET /subscriptions/{id}/providers/{namespace}; 404 means the namespace is unknown to ARM.
                const provider = await ifExists(() => ctx.clients.resources.providers.get(ns, { abortSignal: ctx.signal }));
                return { ns, state: provider ? (provider.registrationState ?? "Unknown") : "NotFound" };
            }),
        );
        const missing = states.filter((s) => s.state !== "Registered");
        if (missing.length === 0) {
            return [{ id: this.id, status: "ok", detail: `${namespaces.length} namespaces registered: ${namespaces.join(", ")}` }];
        }
        return missing.map((s) => ({
            id: this.id,
            status: "fail" as const,
            resource: s.ns,
            detail: s.state === "Registering" ? `${s.ns} is still Registering; wait until it is Registered` : `${s.ns} is ${s.state} on the subscription`,
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
            return [{ id: this.id, status: "ok", detail: "no pool uses host encryption; no feature registration needed" }];
        }
        // GET /subscriptions/{id}/providers/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost
        const feature = await ifExists(() => ctx.clients.features.features.get("Microsoft.Compute", "EncryptionAtHost", { abortSignal: ctx.signal }));
        const state = feature?.properties?.state ?? "NotRegistered";
        const pools = hostEncryption.map((p) => `${p.cluster}/${p.name}`).join(", ");
        if (state === "Registered") {
            return [{ id: this.id, status: "ok", detail: `Microsoft.Compute/EncryptionAtHost is Registered (host encryption on ${pools})` }];
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
