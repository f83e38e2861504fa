// Each agent pool's VM size exists in the region for this subscription and in the pool's zones, and the regional vCPU
// quota covers every pool at maxCount.
// Resource SKUs (GET /subscriptions/{id}/providers/Microsoft.Compute/skus?$filter=location eq '<loc>'; azure-rest-api-specs
// specification/compute/.../Skus/examples/ListAvailableResourceSkusForARegion.json): resourceType "virtualMachines",
// name, family, capabilities[{name:"vCPUs"}], locationInfo[].zones, restrictions[] of type "Location" (the size is not
// offered to this subscription there; reasonCode NotAvailableForSubscription) or "Zone" (restrictionInfo.zones are not).
// Usage (GET .../locations/{loc}/usages; ComputeRP examples computeRPCommonExamples/Usage_List_MaximumSet_Gen.json): name.value is the family ("standardDDSv5Family") or
// "cores" (Total Regional vCPUs), with currentValue and limit.
import type { ResourceSku, Usage } from "@azure/arm-compute";
import { all } from "../azure";
import type { Check, CheckContext, CheckResult, Shared } from "../run-checks";
import { poolsOf } from "./providers";

/** Warn when maxCount leaves less than this share of a quota free: a node image upgrade's surge nodes and other workloads need room. */
export const QUOTA_HEADROOM = 0.1;

const skuCache = new WeakMap<Shared, Map<string, Promise<ResourceSku[]>>>();

function vmSkus(ctx: CheckContext, location: string): Promise<ResourceSku[]> {
    const perRun = skuCache.get(ctx.shared) ?? new Map<string, Promise<ResourceSku[]>>();
    skuCache.set(ctx.shared, perRun);
    if (!perRun.has(location)) {
        perRun.set(
            location,
            all(
                ctx.clients.compute.resourceSkus.list({ filter: `location eq '${location}'`, abortSignal: ctx.signal }),
            ).then((skus) => skus.filter((s) => s.resourceType === "virtualMachines")),
        );
    }
    return perRun.get(location)!;
}

const vcpus = (sku: ResourceSku) => Number(sku.capabilities?.find((c) => c.name === "vCPUs")?.value ?? NaN);
const sameName = (a: string | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();

export const vmSizes: Check = {
    id: "vm-sizes",
    reads: "the VM sizes offered in the region (resource SKUs)",
    needs: "Reader on the subscription",
    async run(ctx: CheckContext): Promise<CheckResult[]> {
        const pools = poolsOf(ctx.facts.resources);
        if (pools.length === 0) {
            return [{ id: this.id, status: "ok", detail: "the plan creates no agent pool" }];
        }
        const results: CheckResult[] = [];
        for (const pool of pools) {
            const resource = `${pool.cluster}/${pool.name}`;
            const skus = await vmSkus(ctx, pool.location);
            const sku = skus.find((s) => sameName(s.name, pool.vmSize));
            const sizes = `az vm list-skus --location ${pool.location} --resource-type virtualMachines --size ${pool.vmSize.replace(/_v\d+$/, "")} --output table`;
            if (!sku) {
                results.push({
                    id: this.id,
                    status: "fail",
                    resource,
                    detail: `${pool.vmSize} is not offered in ${pool.location}`,
                    fix: sizes,
                });
                continue;
            }
            const restrictions = sku.restrictions ?? [];
            const blocked = restrictions.find(
                (r) => r.type === "Location" && (r.values ?? []).some((v) => sameName(v, pool.location)),
            );
            if (blocked) {
                results.push({
                    id: this.id,
                    status: "fail",
                    resource,
                    detail: `${pool.vmSize} is restricted in ${pool.location} for this subscription (${blocked.reasonCode ?? "Location"})`,
                    fix: sizes,
                });
                continue;
            }
            const info = sku.locationInfo?.find((l) => sameName(l.location, pool.location));
            const restrictedZones = new Set(
                restrictions.filter((r) => r.type === "Zone").flatMap((r) => r.restrictionInfo?.zones ?? []),
            );
            const zones = (info?.zones ?? []).filter((z) => !restrictedZones.has(z)).sort();
            const missing = pool.availabilityZones.filter((z) => !zones.includes(z));
            if (missing.length > 0) {
                results.push({
                    id: this.id,
                    status: "fail",
                    resource,
                    detail: `${pool.vmSize} is not available in zone${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${pool.location} (available: ${zones.join(", ") || "none"})`,
                    fix: sizes,
                });
                continue;
            }
            results.push({
                id: this.id,
                status: "ok",
                resource,
                detail: `${pool.vmSize} offered in ${pool.location}${pool.availabilityZones.length > 0 ? ` zones ${pool.availabilityZones.join(", ")}` : ""}`,
            });
        }
        return results;
    },
};

export const vcpuQuota: Check = {
    id: "vcpu-quota",
    reads: "compute usage and quota in the region",
    needs: "Reader on the subscription",
    async run(ctx: CheckContext): Promise<CheckResult[]> {
        const pools = poolsOf(ctx.facts.resources);
        if (pools.length === 0) {
            return [{ id: this.id, status: "ok", detail: "the plan creates no agent pool" }];
        }
        const results: CheckResult[] = [];
        for (const location of [...new Set(pools.map((p) => p.location))]) {
            const skus = await vmSkus(ctx, location);
            const usages: Usage[] = await all(ctx.clients.compute.usage.list(location, { abortSignal: ctx.signal }));
            // vCPUs needed at maxCount, per quota name: each size's family and the regional total ("cores").
            const need = new Map<string, number>();
            for (const pool of pools.filter((p) => p.location === location)) {
                const sku = skus.find((s) => sameName(s.name, pool.vmSize));
                if (!sku?.family || !Number.isFinite(vcpus(sku))) {
                    continue; // vm-sizes reports unknown sizes
                }
                const cores = vcpus(sku) * pool.maxCount;
                need.set(sku.family, (need.get(sku.family) ?? 0) + cores);
                need.set("cores", (need.get("cores") ?? 0) + cores);
            }
            for (const [quota, needed] of need) {
                const usage = usages.find((u) => sameName(u.name.value, quota));
                const label = quota === "cores" ? "Total Regional vCPUs" : (usage?.name.localizedValue ?? quota);
                if (!usage) {
                    results.push({
                        id: this.id,
                        status: "warn",
                        resource: quota,
                        detail: `no quota named ${quota} reported in ${location}; ${needed} vCPUs needed at maxCount`,
                    });
                    continue;
                }
                const free = usage.limit - usage.currentValue;
                const after = free - needed;
                const detail = `${label} in ${location}: ${needed} vCPUs at maxCount, ${usage.currentValue} used of ${usage.limit}`;
                // --resource-type is Microsoft.Quota's resourceType, whose documented values are standard, dedicated,
                // lowPriority, shared and serviceSpecific (azure-rest-api-specs specification/quota/resource-manager/
                // Microsoft.Quota/stable/2021-03-15/quota.json, ResourceTypesName); az quota update's compute example
                // passes dedicated (Azure/azure-cli-extensions src/quota/azext_quota/aaz/latest/quota/_update.py).
                // Families and the regional total ("cores") are both dedicated (not Spot) vCPUs; "regional" is no value.
                const fix = `az quota update --scope /subscriptions/${ctx.subscriptionId}/providers/Microsoft.Compute/locations/${location} --resource-name ${quota} --limit-object value=${Math.ceil((usage.currentValue + needed) / (1 - QUOTA_HEADROOM))} --resource-type dedicated`;
                if (after < 0) {
                    results.push({
                        id: this.id,
                        status: "fail",
                        resource: quota,
                        detail: `${detail}: ${-after} short`,
                        fix,
                    });
                } else if (after < usage.limit * QUOTA_HEADROOM) {
                    results.push({
                        id: this.id,
                        status: "warn",
                        resource: quota,
                        detail: `${detail}: less than ${QUOTA_HEADROOM * 100}% left for upgrade surge nodes and other workloads`,
                        fix,
                    });
                } else {
                    results.push({ id: this.id, status: "ok", resource: quota, detail });
                }
            }
        }
        return results;
    },
};
