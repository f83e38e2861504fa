// The Kubernetes version each planned cluster pins is one AKS offers in its region today. AKS only creates clusters on
// versions its location list offers; versions past standard support stay listed only with the AKSLongTermSupport plan,
// which needs the Premium tier (KubernetesVersionListResult: values[].version is the minor, capabilities.supportPlan
// lists KubernetesOfficial and/or AKSLongTermSupport, patchVersions the patches; azure-rest-api-specs
// specification/containerservice/.../examples/KubernetesVersions_List.json; AKS docs long-term-support.md).
import type { KubernetesVersion } from "@azure/arm-containerservice";
import type { Check, CheckContext, CheckResult } from "../run-checks";
import type { ArmResource } from "../stack";

interface ClusterFacts {
    resource: ArmResource;
    location: string;
    version?: string;
    tier?: string;
    supportPlan?: string;
}

function clusters(resources: ArmResource[]): ClusterFacts[] {
    return resources
        .filter((r) => r.type === "Microsoft.ContainerService/managedClusters")
        .map((r) => ({
            resource: r,
            location: String(r.inputs.location),
            version: typeof r.inputs.kubernetesVersion === "string" ? r.inputs.kubernetesVersion : undefined,
            tier: (r.inputs.sku as { tier?: string } | undefined)?.tier,
            supportPlan: typeof r.inputs.supportPlan === "string" ? r.inputs.supportPlan : undefined,
        }));
}

const minorOf = (v: string) => v.split(".").slice(0, 2).join(".");
const byVersion = (a: string, b: string) => {
    const [x, y] = [a, b].map((v) => v.split(".").map(Number));
    return x[0] - y[0] || x[1] - y[1] || (x[2] ?? 0) - (y[2] ?? 0);
};

export function judgeVersion(cluster: ClusterFacts, offered: KubernetesVersion[], stack: string): CheckResult {
    const id = "kubernetes-version";
    const resource = cluster.resource.name;
    const standard = offered
        .filter(
            (v) =>
                v.version &&
                (v.capabilities?.supportPlan ?? ["KubernetesOfficial"]).includes("KubernetesOfficial") &&
                !v.isPreview,
        )
        .map((v) => v.version!)
        .sort(byVersion);
    const where = `in ${cluster.location}`;
    const suggest = standard[standard.length - 1];
    const fix = suggest
        ? `pulumi config set --stack ${stack} --path aks.kubernetesVersion ${suggest}`
        : `az aks get-versions --location ${cluster.location} --output table`;
    if (!cluster.version) {
        const fallback = offered.find((v) => v.isDefault)?.version;
        return {
            id,
            status: "ok",
            resource,
            detail: `no version pinned: AKS uses the region's default${fallback ? ` (${fallback} ${where})` : ""}`,
        };
    }
    const minor = minorOf(cluster.version);
    const match = offered.find((v) => v.version === minor);
    if (!match) {
        return {
            id,
            status: "fail",
            resource,
            detail: `Kubernetes ${minor} is not offered ${where} (standard support: ${standard.join(", ") || "none listed"})`,
            fix,
        };
    }
    if (cluster.version !== minor && !Object.keys(match.patchVersions ?? {}).includes(cluster.version)) {
        const patches = Object.keys(match.patchVersions ?? {}).sort(byVersion);
        return {
            id,
            status: "fail",
            resource,
            detail: `patch ${cluster.version} is not offered ${where} (${minor} patches: ${patches.join(", ") || "none"})`,
            fix: `pulumi config set --stack ${stack} --path aks.kubernetesVersion ${minor}`,
        };
    }
    const plans = match.capabilities?.supportPlan ?? ["KubernetesOfficial"];
    if (!plans.includes("KubernetesOfficial")) {
        const lts = cluster.supportPlan === "AKSLongTermSupport" && cluster.tier === "Premium";
        if (!lts) {
            return {
                id,
                status: "fail",
                resource,
                detail: `Kubernetes ${minor} is offered ${where} only with long-term support (supportPlan AKSLongTermSupport and the Premium tier); the stack has ${cluster.supportPlan ?? "KubernetesOfficial"} on ${cluster.tier ?? "Free"}`,
                fix,
            };
        }
        return {
            id,
            status: "ok",
            resource,
            detail: `Kubernetes ${cluster.version} is offered ${where} under long-term support (Premium, AKSLongTermSupport)`,
        };
    }
    if (match.isPreview) {
        return {
            id,
            status: "warn",
            resource,
            detail: `Kubernetes ${cluster.version} is in preview ${where}: no SLA, not for production`,
            fix,
        };
    }
    return {
        id,
        status: "ok",
        resource,
        detail: `Kubernetes ${cluster.version} is offered ${where} (standard support)`,
    };
}

export const kubernetesVersion: Check = {
    id: "kubernetes-version",
    reads: "the Kubernetes versions AKS offers in the region",
    needs: "Reader on the subscription",
    async run(ctx: CheckContext): Promise<CheckResult[]> {
        const found = clusters(ctx.facts.resources);
        if (found.length === 0) {
            return [{ id: this.id, status: "ok", detail: "the plan creates no AKS cluster" }];
        }
        const results: CheckResult[] = [];
        for (const cluster of found) {
            // GET /subscriptions/{id}/providers/Microsoft.ContainerService/locations/{location}/kubernetesVersions
            const list = await ctx.clients.containerService.managedClusters.listKubernetesVersions(cluster.location, {
                abortSignal: ctx.signal,
            });
            results.push(judgeVersion(cluster, list.values ?? [], ctx.facts.stack));
        }
        return results;
    },
};
