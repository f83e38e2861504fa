// The vm-sizes and vcpu-quota checks (preflight/checks/compute.ts) run in-process against a fake ARM that answers the
// two reads they make the way the REST API does:
// - GET .../providers/Microsoft.Compute/skus?$filter=location eq '<loc>' (azure-rest-api-specs
//   specification/compute/resource-manager/Microsoft.Compute/Skus/stable/2021-07-01/examples/skus/
//   ListAvailableResourceSkusForARegion.json: resourceType, name, family, capabilities in that order, locationInfo[].zones;
//   restrictions as the Azure docs show them, articles/azure-resource-manager/troubleshooting/error-sku-not-available.md:
//   type "Location" with values [region], type "Zone" with restrictionInfo.zones, reasonCode NotAvailableForSubscription);
// - GET .../providers/Microsoft.Compute/locations/<loc>/usages (ComputeRP examples computeRPCommonExamples/
//   Usage_List_MaximumSet_Gen.json: name.value is the quota, a VM family or "cores", with localizedValue, currentValue, limit).
// Every expected number is worked out by hand next to it: Standard_D4ds_v5 has 4 vCPUs, Standard_E8ds_v5 8; preflight
// warns when less than 10% of a quota's limit would be left at maxCount, and fails when the quota is exceeded.
import * as assert from "node:assert/strict";
import type { ResourceSku, ResourceSkusListOptionalParams, Usage, UsageListOptionalParams } from "@azure/arm-compute";
import type { Clients } from "../../../preflight/azure";
import { vcpuQuota, vmSizes } from "../../../preflight/checks/compute";
import type { CheckContext, CheckResult, Shared } from "../../../preflight/run-checks";
import type { ArmResource } from "../../../preflight/stack";
import { factsWith, managedCluster, pool } from "../../support/arm-plan";
import { checkContext } from "../../support/check-context";

const SUBSCRIPTION = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";

/** A VM size as the spec example reports it: capabilities in its order (vCPUs is not the first), no restrictions field. */
function vmSku(
    name: string,
    family: string,
    vcpus: string,
    location: string,
    over: Partial<ResourceSku> = {},
): ResourceSku {
    return {
        resourceType: "virtualMachines",
        name,
        tier: "Standard",
        size: name.replace(/^Standard_/, ""),
        family,
        locations: [location],
        locationInfo: [{ location, zones: ["1", "3", "2"] }],
        capabilities: [
            { name: "MaxResourceVolumeMB", value: "153600" },
            { name: "OSVhdSizeMB", value: "1047552" },
            { name: "vCPUs", value: vcpus },
            { name: "MemoryGB", value: "16" },
        ],
        ...over,
    };
}
const d4 = (location: string, over: Partial<ResourceSku> = {}) =>
    vmSku("Standard_D4ds_v5", "standardDDSv5Family", "4", location, over);
const e8 = (location: string, over: Partial<ResourceSku> = {}) =>
    vmSku("Standard_E8ds_v5", "standardEDSv5Family", "8", location, over);

function usage(value: string, localizedValue: string | undefined, currentValue: number, limit: number): Usage {
    return {
        unit: "Count",
        currentValue,
        limit,
        name: localizedValue === undefined ? { value } : { value, localizedValue },
    };
}
const cores = (currentValue: number, limit: number) => usage("cores", "Total Regional vCPUs", currentValue, limit);
const ddsv5 = (currentValue: number, limit: number) =>
    usage("standardDDSv5Family", "Standard DDSv5 Family vCPUs", currentValue, limit);
const edsv5 = (currentValue: number, limit: number) =>
    usage("standardEDSv5Family", "Standard EDSv5 Family vCPUs", currentValue, limit);

interface Arm {
    skus: Record<string, ResourceSku[]>;
    usages: Record<string, Usage[]>;
}

/** The part of the compute client the checks call; paged lists as async generators, as the SDK's iterators yield. */
interface FakeCompute {
    resourceSkus: { list(options: ResourceSkusListOptionalParams): AsyncIterable<ResourceSku> };
    usage: { list(location: string, options: UsageListOptionalParams): AsyncIterable<Usage> };
}

async function* pages<T>(items: T[]): AsyncGenerator<T> {
    for (const item of items) {
        await Promise.resolve();
        yield item;
    }
}

/** A context for one run; `calls` records each ARM read (and whether it carried the run's signal). */
function contextFor(resources: ArmResource[], arm: Arm, shared?: Shared): { ctx: CheckContext; calls: string[] } {
    const calls: string[] = [];
    const signal = new AbortController().signal;
    const compute: FakeCompute = {
        resourceSkus: {
            list(options) {
                calls.push(`skus ${options.filter}${options.abortSignal === signal ? "" : " (no signal)"}`);
                const location = /^location eq '([a-z0-9]+)'$/.exec(options.filter ?? "")?.[1];
                return pages(location ? (arm.skus[location] ?? []) : []);
            },
        },
        usage: {
            list(location, options) {
                calls.push(`usages ${location}${options.abortSignal === signal ? "" : " (no signal)"}`);
                return pages(arm.usages[location] ?? []);
            },
        },
    };
    const clients = { subscriptionId: SUBSCRIPTION, compute } as unknown as Clients;
    return { ctx: checkContext(factsWith(resources), clients, { signal, ...(shared ? { shared } : {}) }), calls };
}

/** The prod stack's cluster: system 3..5 and user 3..10 nodes of Standard_D4ds_v5 in zones 1-3 of westeurope. */
const prodWesteurope = () =>
    managedCluster("aks-prod-westeurope", "westeurope", [
        pool("system", { maxCount: 5 }),
        pool("user", { maxCount: 10 }),
    ]);

const fixFor = (location: string, quota: string, limit: number) =>
    `az quota update --scope /subscriptions/${SUBSCRIPTION}/providers/Microsoft.Compute/locations/${location} --resource-name ${quota} --limit-object value=${limit} --resource-type dedicated`;

describe("preflight vm-sizes (compute.ts)", () => {
    it("passes each pool whose size is offered in the region and its zones, reading the region's SKUs once", async () => {
        const { ctx, calls } = contextFor([prodWesteurope()], { skus: { westeurope: [d4("westeurope")] }, usages: {} });
        assert.deepEqual(await vmSizes.run(ctx), [
            {
                id: "vm-sizes",
                status: "ok",
                resource: "aks-prod-westeurope/system",
                detail: "Standard_D4ds_v5 offered in westeurope zones 1, 2, 3",
            },
            {
                id: "vm-sizes",
                status: "ok",
                resource: "aks-prod-westeurope/user",
                detail: "Standard_D4ds_v5 offered in westeurope zones 1, 2, 3",
            },
        ]);
        assert.deepEqual(calls, ["skus location eq 'westeurope'"]);
    });

    it("says no zones for a pool without zones, and needs no zone information for it", async () => {
        const cluster = managedCluster("aks-dev-westeurope", "westeurope", [pool("system", { availabilityZones: [] })]);
        const sku = d4("westeurope", { locationInfo: undefined });
        const { ctx } = contextFor([cluster], { skus: { westeurope: [sku] }, usages: {} });
        assert.deepEqual(await vmSizes.run(ctx), [
            {
                id: "vm-sizes",
                status: "ok",
                resource: "aks-dev-westeurope/system",
                detail: "Standard_D4ds_v5 offered in westeurope",
            },
        ]);
    });

    it("fails a size the region does not offer, with the az command listing that size's versions there", async () => {
        const cluster = managedCluster("aks-prod-westeurope", "westeurope", [
            pool("system"),
            pool("user", { vmSize: "Standard_E8ds_v5" }),
            pool("promo", { vmSize: "Standard_D2_v2_Promo", availabilityZones: [] }),
        ]);
        const { ctx } = contextFor([cluster], { skus: { westeurope: [d4("westeurope")] }, usages: {} });
        assert.deepEqual(await vmSizes.run(ctx), [
            {
                id: "vm-sizes",
                status: "ok",
                resource: "aks-prod-westeurope/system",
                detail: "Standard_D4ds_v5 offered in westeurope zones 1, 2, 3",
            },
            {
                id: "vm-sizes",
                status: "fail",
                resource: "aks-prod-westeurope/user",
                detail: "Standard_E8ds_v5 is not offered in westeurope",
                // `--size` filters by substring: without its _v5 the command lists every version of the size.
                fix: "az vm list-skus --location westeurope --resource-type virtualMachines --size Standard_E8ds --output table",
            },
            {
                id: "vm-sizes",
                status: "fail",
                resource: "aks-prod-westeurope/promo",
                detail: "Standard_D2_v2_Promo is not offered in westeurope",
                // only a trailing version is dropped
                fix: "az vm list-skus --location westeurope --resource-type virtualMachines --size Standard_D2_v2_Promo --output table",
            },
        ]);
    });

    it("matches size names case-insensitively and only among virtualMachines SKUs", async () => {
        const cluster = managedCluster("aks-dev-westeurope", "westeurope", [
            pool("system", { vmSize: "standard_d4ds_v5", availabilityZones: [] }),
        ]);
        // A SKU of another resource type under the same name is not a VM size (the list holds disks, hosts, ...).
        const other: ResourceSku = { resourceType: "disks", name: "Standard_D4ds_v5", locations: ["westeurope"] };
        const { ctx } = contextFor([cluster], { skus: { westeurope: [other] }, usages: {} });
        assert.deepEqual(await vmSizes.run(ctx), [
            {
                id: "vm-sizes",
                status: "fail",
                resource: "aks-dev-westeurope/system",
                detail: "standard_d4ds_v5 is not offered in westeurope",
                fix: "az vm list-skus --location westeurope --resource-type virtualMachines --size standard_d4ds --output table",
            },
        ]);
        const offered = contextFor([cluster], { skus: { westeurope: [other, d4("westeurope")] }, usages: {} });
        assert.deepEqual(await vmSizes.run(offered.ctx), [
            {
                id: "vm-sizes",
                status: "ok",
                resource: "aks-dev-westeurope/system",
                detail: "standard_d4ds_v5 offered in westeurope",
            },
        ]);
    });

    it("fails a size with a Location restriction naming this region, and only this region", async () => {
        const cluster = managedCluster("aks-prod-westeurope", "westeurope", [pool("system")]);
        const restricted = (values: string[], reasonCode?: "NotAvailableForSubscription") =>
            d4("westeurope", {
                restrictions: [
                    {
                        type: "Location",
                        values,
                        restrictionInfo: { locations: values },
                        ...(reasonCode ? { reasonCode } : {}),
                    },
                ],
            });
        const run = async (sku: ResourceSku) =>
            vmSizes.run(contextFor([cluster], { skus: { westeurope: [sku] }, usages: {} }).ctx);
        const fix =
            "az vm list-skus --location westeurope --resource-type virtualMachines --size Standard_D4ds --output table";
        assert.deepEqual(await run(restricted(["northeurope", "WestEurope"], "NotAvailableForSubscription")), [
            {
                id: "vm-sizes",
                status: "fail",
                resource: "aks-prod-westeurope/system",
                detail: "Standard_D4ds_v5 is restricted in westeurope for this subscription (NotAvailableForSubscription)",
                fix,
            },
        ]);
        assert.deepEqual(await run(restricted(["westeurope"])), [
            {
                id: "vm-sizes",
                status: "fail",
                resource: "aks-prod-westeurope/system",
                detail: "Standard_D4ds_v5 is restricted in westeurope for this subscription (Location)",
                fix,
            },
        ]);
        const elsewhere = [
            {
                id: "vm-sizes",
                status: "ok",
                resource: "aks-prod-westeurope/system",
                detail: "Standard_D4ds_v5 offered in westeurope zones 1, 2, 3",
            },
        ];
        assert.deepEqual(await run(restricted(["northeurope"], "NotAvailableForSubscription")), elsewhere);
        assert.deepEqual(await run(restricted([])), elsewhere);
    });

    it("fails a pool whose zones the size is restricted from or not offered in, saying which zones remain", async () => {
        const cluster = managedCluster("aks-prod-westeurope", "westeurope", [pool("system"), pool("user")]);
        const zoneRestricted = (zones: string[]) =>
            d4("westeurope", {
                restrictions: [
                    {
                        type: "Zone",
                        values: ["westeurope"],
                        restrictionInfo: { locations: ["westeurope"], zones },
                        reasonCode: "NotAvailableForSubscription",
                    },
                ],
            });
        const run = async (sku: ResourceSku) =>
            vmSizes.run(contextFor([cluster], { skus: { westeurope: [sku] }, usages: {} }).ctx);
        const fix =
            "az vm list-skus --location westeurope --resource-type virtualMachines --size Standard_D4ds --output table";
        const failing = (detail: string): CheckResult[] =>
            ["system", "user"].map((p) => ({
                id: "vm-sizes",
                status: "fail",
                resource: `aks-prod-westeurope/${p}`,
                detail,
                fix,
            }));
        // locationInfo zones are ["1", "3", "2"]: what remains is listed sorted
        assert.deepEqual(
            await run(zoneRestricted(["2"])),
            failing("Standard_D4ds_v5 is not available in zone 2 of westeurope (available: 1, 3)"),
        );
        assert.deepEqual(
            await run(zoneRestricted(["3", "2"])),
            failing("Standard_D4ds_v5 is not available in zones 2, 3 of westeurope (available: 1)"),
        );
        assert.deepEqual(
            await run(zoneRestricted(["1", "2", "3"])),
            failing("Standard_D4ds_v5 is not available in zones 1, 2, 3 of westeurope (available: none)"),
        );
        // not restricted, just offered in two zones only (a zone list of another region does not count)
        assert.deepEqual(
            await run(
                d4("westeurope", {
                    locationInfo: [
                        { location: "northeurope", zones: ["1", "2", "3"] },
                        { location: "WestEurope", zones: ["2", "1"] },
                    ],
                }),
            ),
            failing("Standard_D4ds_v5 is not available in zone 3 of westeurope (available: 1, 2)"),
        );
        // a size offered in the region but in no zone of it (locationInfo without zones)
        assert.deepEqual(
            await run(d4("westeurope", { locationInfo: [{ location: "westeurope" }] })),
            failing("Standard_D4ds_v5 is not available in zones 1, 2, 3 of westeurope (available: none)"),
        );
        // a Zone restriction without zone details restricts none
        assert.deepEqual(await run(d4("westeurope", { restrictions: [{ type: "Zone", values: ["westeurope"] }] })), [
            {
                id: "vm-sizes",
                status: "ok",
                resource: "aks-prod-westeurope/system",
                detail: "Standard_D4ds_v5 offered in westeurope zones 1, 2, 3",
            },
            {
                id: "vm-sizes",
                status: "ok",
                resource: "aks-prod-westeurope/user",
                detail: "Standard_D4ds_v5 offered in westeurope zones 1, 2, 3",
            },
        ]);
    });

    it("passes a plan without agent pools without asking Azure", async () => {
        const { ctx, calls } = contextFor([], { skus: {}, usages: {} });
        assert.deepEqual(await vmSizes.run(ctx), [
            { id: "vm-sizes", status: "ok", detail: "the plan creates no agent pool" },
        ]);
        assert.deepEqual(calls, []);
    });
});

describe("preflight vcpu-quota (compute.ts)", () => {
    const westeurope = (usages: Usage[], skus: ResourceSku[] = [d4("westeurope")]) =>
        contextFor([prodWesteurope()], { skus: { westeurope: skus }, usages: { westeurope: usages } });

    it("passes family and regional quota that cover every pool at maxCount on top of what is used", async () => {
        // system 5 + user 10 nodes × 4 vCPUs = 60 vCPUs, of the DDSv5 family and of the regional total
        // family: 100 - 20 used = 80 free, 20 left after 60 ≥ 10% of 100; cores: 350 - 12 = 338 free, 278 left ≥ 35
        const { ctx, calls } = westeurope([cores(12, 350), ddsv5(20, 100)]);
        assert.deepEqual(await vcpuQuota.run(ctx), [
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "standardDDSv5Family",
                detail: "Standard DDSv5 Family vCPUs in westeurope: 60 vCPUs at maxCount, 20 used of 100",
            },
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "cores",
                detail: "Total Regional vCPUs in westeurope: 60 vCPUs at maxCount, 12 used of 350",
            },
        ]);
        assert.deepEqual(calls, ["skus location eq 'westeurope'", "usages westeurope"]);
    });

    it("warns at less than 10% left, not at exactly 10%, and fails only past the limit", async () => {
        const family = async (used: number) =>
            (await vcpuQuota.run(westeurope([cores(0, 350), ddsv5(used, 100)]).ctx))[0];
        // 30 used + 60 = 90 of 100: exactly 10 (10%) left
        assert.deepEqual(await family(30), {
            id: "vcpu-quota",
            status: "ok",
            resource: "standardDDSv5Family",
            detail: "Standard DDSv5 Family vCPUs in westeurope: 60 vCPUs at maxCount, 30 used of 100",
        });
        // 31 used + 60 = 91: 9 left. The fix asks for ceil(91 / 0.9) = ceil(101.1) = 102 (11 left ≥ 10.2; 101 leaves 10 < 10.1)
        assert.deepEqual(await family(31), {
            id: "vcpu-quota",
            status: "warn",
            resource: "standardDDSv5Family",
            detail: "Standard DDSv5 Family vCPUs in westeurope: 60 vCPUs at maxCount, 31 used of 100: less than 10% left for upgrade surge nodes and other workloads",
            fix: fixFor("westeurope", "standardDDSv5Family", 102),
        });
        // 40 used + 60 = 100: nothing left, still within the limit: ceil(100 / 0.9) = ceil(111.1) = 112
        assert.deepEqual(await family(40), {
            id: "vcpu-quota",
            status: "warn",
            resource: "standardDDSv5Family",
            detail: "Standard DDSv5 Family vCPUs in westeurope: 60 vCPUs at maxCount, 40 used of 100: less than 10% left for upgrade surge nodes and other workloads",
            fix: fixFor("westeurope", "standardDDSv5Family", 112),
        });
        // 41 used + 60 = 101: one short; ceil(101 / 0.9) = ceil(112.2) = 113
        assert.deepEqual(await family(41), {
            id: "vcpu-quota",
            status: "fail",
            resource: "standardDDSv5Family",
            detail: "Standard DDSv5 Family vCPUs in westeurope: 60 vCPUs at maxCount, 41 used of 100: 1 short",
            fix: fixFor("westeurope", "standardDDSv5Family", 113),
        });
    });

    it("checks the regional total like a family, with the regional fix and its own label", async () => {
        // cores: 350 - 300 used = 50 free < 60 needed: 10 short; ceil(360 / 0.9) = 400
        // cores without a localized name is still labelled Total Regional vCPUs
        const { ctx } = westeurope([usage("cores", undefined, 300, 350), ddsv5(0, 100)]);
        assert.deepEqual(await vcpuQuota.run(ctx), [
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "standardDDSv5Family",
                detail: "Standard DDSv5 Family vCPUs in westeurope: 60 vCPUs at maxCount, 0 used of 100",
            },
            {
                id: "vcpu-quota",
                status: "fail",
                resource: "cores",
                detail: "Total Regional vCPUs in westeurope: 60 vCPUs at maxCount, 300 used of 350: 10 short",
                fix: fixFor("westeurope", "cores", 400),
            },
        ]);
    });

    it("sums pools per family and all pools for the regional total", async () => {
        // system 5 × 4 = 20 DDSv5 vCPUs; user 10 × 8 = 80 EDSv5 vCPUs; regional 100
        // EDSv5: 100 - 25 = 75 free < 80: 5 short, ceil(105 / 0.9) = ceil(116.7) = 117; cores: 400 - 320 = 80 left ≥ 40
        const cluster = managedCluster("aks-prod-westeurope", "westeurope", [
            pool("system", { maxCount: 5 }),
            pool("user", { maxCount: 10, vmSize: "Standard_E8ds_v5" }),
        ]);
        const { ctx } = contextFor([cluster], {
            skus: { westeurope: [d4("westeurope"), e8("westeurope")] },
            usages: { westeurope: [cores(0, 400), ddsv5(0, 100), edsv5(25, 100)] },
        });
        assert.deepEqual(await vcpuQuota.run(ctx), [
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "standardDDSv5Family",
                detail: "Standard DDSv5 Family vCPUs in westeurope: 20 vCPUs at maxCount, 0 used of 100",
            },
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "cores",
                detail: "Total Regional vCPUs in westeurope: 100 vCPUs at maxCount, 0 used of 400",
            },
            {
                id: "vcpu-quota",
                status: "fail",
                resource: "standardEDSv5Family",
                detail: "Standard EDSv5 Family vCPUs in westeurope: 80 vCPUs at maxCount, 25 used of 100: 5 short",
                fix: fixFor("westeurope", "standardEDSv5Family", 117),
            },
        ]);
    });

    it("counts each region's pools against that region's quota", async () => {
        // westeurope: 60 vCPUs (prod cluster). northeurope: system 3 × 4 = 12 vCPUs.
        // northeurope DDSv5: 20 - 6 = 14 free, 2 left after 12 ≥ 2 (10% of 20): ok; counted with westeurope's pools it would fail
        const dr = managedCluster("aks-prod-northeurope", "northeurope", [pool("system", { maxCount: 3 })]);
        const { ctx, calls } = contextFor([prodWesteurope(), dr], {
            skus: { westeurope: [d4("westeurope")], northeurope: [d4("northeurope")] },
            usages: {
                westeurope: [cores(0, 350), ddsv5(0, 100)],
                northeurope: [cores(6, 20), ddsv5(6, 20)],
            },
        });
        assert.deepEqual(await vcpuQuota.run(ctx), [
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "standardDDSv5Family",
                detail: "Standard DDSv5 Family vCPUs in westeurope: 60 vCPUs at maxCount, 0 used of 100",
            },
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "cores",
                detail: "Total Regional vCPUs in westeurope: 60 vCPUs at maxCount, 0 used of 350",
            },
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "standardDDSv5Family",
                detail: "Standard DDSv5 Family vCPUs in northeurope: 12 vCPUs at maxCount, 6 used of 20",
            },
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "cores",
                detail: "Total Regional vCPUs in northeurope: 12 vCPUs at maxCount, 6 used of 20",
            },
        ]);
        assert.deepEqual(calls, [
            "skus location eq 'westeurope'",
            "usages westeurope",
            "skus location eq 'northeurope'",
            "usages northeurope",
        ]);
    });

    it("warns when the region reports no quota of the family, and matches quota names case-insensitively", async () => {
        const { ctx } = westeurope([usage("Cores", "Total Regional vCPUs", 0, 350)]);
        assert.deepEqual(await vcpuQuota.run(ctx), [
            {
                id: "vcpu-quota",
                status: "warn",
                resource: "standardDDSv5Family",
                detail: "no quota named standardDDSv5Family reported in westeurope; 60 vCPUs needed at maxCount",
            },
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "cores",
                detail: "Total Regional vCPUs in westeurope: 60 vCPUs at maxCount, 0 used of 350",
            },
        ]);
        // the family's usage under other casing and without a localized name: labelled by the quota name
        const other = westeurope([cores(0, 350), usage("StandardDDSv5Family", undefined, 0, 100)]);
        assert.deepEqual((await vcpuQuota.run(other.ctx))[0], {
            id: "vcpu-quota",
            status: "ok",
            resource: "standardDDSv5Family",
            detail: "standardDDSv5Family in westeurope: 60 vCPUs at maxCount, 0 used of 100",
        });
    });

    it("leaves out pools whose size is unknown, has no family or no vCPU count (vm-sizes reports the size)", async () => {
        // only the system pool's 5 × 4 = 20 vCPUs count
        const cluster = managedCluster("aks-prod-westeurope", "westeurope", [
            pool("system", { maxCount: 5 }),
            pool("user", { maxCount: 10, vmSize: "Standard_E8ds_v5" }),
            pool("batch", { maxCount: 10, vmSize: "Standard_D8ds_v5" }),
            pool("spare", { maxCount: 10, vmSize: "Standard_D16ds_v5" }),
        ]);
        const noFamily = vmSku("Standard_D8ds_v5", "standardDDSv5Family", "8", "westeurope", { family: undefined });
        const noVcpus = vmSku("Standard_D16ds_v5", "standardDDSv5Family", "16", "westeurope", {
            capabilities: [{ name: "MemoryGB", value: "64" }],
        });
        const noCapabilities = e8("westeurope", { capabilities: undefined });
        const { ctx } = contextFor([cluster], {
            skus: { westeurope: [d4("westeurope"), noFamily, noVcpus, noCapabilities] },
            usages: { westeurope: [cores(0, 350), ddsv5(0, 100)] },
        });
        assert.deepEqual(await vcpuQuota.run(ctx), [
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "standardDDSv5Family",
                detail: "Standard DDSv5 Family vCPUs in westeurope: 20 vCPUs at maxCount, 0 used of 100",
            },
            {
                id: "vcpu-quota",
                status: "ok",
                resource: "cores",
                detail: "Total Regional vCPUs in westeurope: 20 vCPUs at maxCount, 0 used of 350",
            },
        ]);
    });

    it("passes a plan without agent pools without asking Azure", async () => {
        const { ctx, calls } = contextFor([], { skus: {}, usages: {} });
        assert.deepEqual(await vcpuQuota.run(ctx), [
            { id: "vcpu-quota", status: "ok", detail: "the plan creates no agent pool" },
        ]);
        assert.deepEqual(calls, []);
    });

    it("shares one SKU listing per region with vm-sizes within a run, and only within it", async () => {
        const { ctx, calls } = westeurope([cores(0, 350), ddsv5(0, 100)]);
        await vmSizes.run(ctx);
        await vcpuQuota.run(ctx);
        assert.deepEqual(calls, ["skus location eq 'westeurope'", "usages westeurope"]);
        const next = contextFor([prodWesteurope()], { skus: { westeurope: [d4("westeurope")] }, usages: {} });
        await vmSizes.run(next.ctx);
        assert.deepEqual(next.calls, ["skus location eq 'westeurope'"]);
    });
});
