import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Capture } from "../offline/program";
import { stackNames } from "../stacks/files";
import { all, at, one, runCommitted, stackSetting, transitiveDependencies } from "./support/stacks";
import { T } from "./support/tokens";
import { sharedCaptures } from "./support/share-captures";

const CLUSTER = T.ManagedCluster;

/**
 * Whether the SDK's Args for an azure-native type accept `tags` (read from @pulumi/azure-native's declarations, e.g.
 * containerservice/managedCluster.d.ts `interface ManagedClusterArgs { ... tags?: ... }`), so a resource that forgets
 * its tags fails below instead of being skipped.
 */
function acceptsTags(type: string): boolean {
    const [, module, resource] = type.split(":");
    const file = join(
        dirname(require.resolve("@pulumi/azure-native/package.json")),
        module,
        `${resource[0].toLowerCase()}${resource.slice(1)}.d.ts`,
    );
    const text = readFileSync(file, "utf8");
    const start = text.indexOf(`export interface ${resource}Args {`);
    assert.ok(start >= 0, `${file} declares ${resource}Args`);
    const body = text.slice(start, text.indexOf("\n}", start));
    return /^\s+tags\?:/m.test(body);
}

describe("the whole program", () => {
    sharedCaptures();
    const captures = new Map<string, Capture>();
    before(async () => {
        for (const stack of stackNames()) {
            // Stacks committed on standby (DR) as they run once activated: every stack must work when it counts.
            captures.set(stack, await runCommitted(stack, { active: true }));
        }
    });

    it("has the dev and prod stacks committed", () => {
        assert.ok(stackNames().includes("dev") && stackNames().includes("prod"), `stacks: ${stackNames().join(", ")}`);
    });

    it("runs every committed stack and builds one cluster per stack", () => {
        for (const [stack, c] of captures) {
            assert.equal(all(c, CLUSTER).length, 1, `${stack} builds exactly one cluster`);
            assert.equal(
                all(c, T.FluxConfiguration).filter((f) => f.inputs.scope === "cluster").length,
                1,
                `${stack} has one cluster-scoped Flux configuration, the platform's`,
            );
        }
    });

    it("names dev-westeurope and prod-westeurope with their fleet paths", () => {
        assert.equal(one(captures.get("dev")!, CLUSTER).inputs.resourceName, "aks-dev-westeurope");
        assert.equal(one(captures.get("prod")!, CLUSTER).inputs.resourceName, "aks-prod-westeurope");
        assert.deepEqual(captures.get("prod")!.outputs.fleetPaths.value, { cluster: "./clusters/prod-westeurope" });
        assert.deepEqual(captures.get("dev")!.outputs.fleetPaths.value, { cluster: "./clusters/dev-westeurope" });
    });

    it("never makes the vault, key, identity or decrypt grant wait for the cluster", () => {
        for (const [stack, c] of captures) {
            const cluster = one(c, CLUSTER).urn;
            for (const [type, suffix] of [
                [T.Vault, ""],
                [T.Key, ""],
                [T.UserAssignedIdentity, "-flux-identity-identity"],
                [T.RoleAssignment, "-decrypt"],
            ]) {
                if (all(c, type).length === 0) {
                    continue; // a DR stack uses its environment's existing vault and key
                }
                const r = one(c, type, suffix);
                assert.ok(
                    !transitiveDependencies(c, r).has(cluster),
                    `${stack}: ${r.name} must not wait for the cluster`,
                );
            }
        }
    });

    it("chains cluster -> credentials and extension -> Flux configuration", () => {
        for (const [stack, c] of captures) {
            const cluster = one(c, CLUSTER).urn;
            for (const type of [T.FederatedIdentityCredential, T.Extension]) {
                for (const r of all(c, type)) {
                    assert.ok(transitiveDependencies(c, r).has(cluster), `${stack}: ${r.name} needs the cluster`);
                }
            }
            assert.ok(transitiveDependencies(c, one(c, T.FluxConfiguration, "-flux-configuration")).has(cluster));
        }
    });

    it("tags every Azure resource that takes tags (per the SDK's Args types) with environment, cluster and managed-by", () => {
        const types = new Set(
            [...captures.values()].flatMap((c) =>
                c.resources.filter((r) => r.custom && r.type.startsWith("azure-native:")).map((r) => r.type),
            ),
        );
        const taggable = [...types].filter(acceptsTags);
        assert.ok(
            taggable.includes(CLUSTER) && taggable.includes(T.Vault),
            `taggable types found: ${taggable.join(", ")}`,
        );
        assert.ok(!taggable.includes(T.RoleAssignment), "role assignments take no tags");
        for (const [stack, c] of captures) {
            const environment = stackSetting<string>(stack, "environment");
            const cluster = stackSetting<string>(stack, "clusterName");
            for (const r of c.resources.filter((x) => x.custom && taggable.includes(x.type))) {
                const tags = r.inputs.tags as Record<string, string> | undefined;
                assert.ok(tags, `${stack}: ${r.name} (${r.type}) takes tags but has none`);
                assert.equal(tags.environment, environment, `${stack}: ${r.name}`);
                // The environment's SOPS resources outlive any one cluster: tagged purpose sops, not with a cluster.
                if (tags.purpose === "sops") {
                    assert.equal(tags.cluster, undefined, `${stack}: ${r.name} belongs to the environment`);
                } else {
                    assert.equal(tags.cluster, cluster, `${stack}: ${r.name}`);
                }
                assert.equal(tags["managed-by"], "pulumi", `${stack}: ${r.name}`);
            }
        }
    });

    it("differs between dev and prod where the profiles say so, and only there", () => {
        const dev = one(captures.get("dev")!, CLUSTER).inputs;
        const prod = one(captures.get("prod")!, CLUSTER).inputs;
        assert.notDeepEqual(dev.sku, prod.sku);
        assert.deepEqual(dev.oidcIssuerProfile, prod.oidcIssuerProfile);
        assert.deepEqual(at(dev, "securityProfile.workloadIdentity"), at(prod, "securityProfile.workloadIdentity"));
        assert.deepEqual(at(dev, "securityProfile.imageCleaner"), at(prod, "securityProfile.imageCleaner"));
        assert.equal(at(dev, "securityProfile.defender"), undefined, "Defender is a prod cost");
        assert.equal(at(prod, "securityProfile.defender.securityMonitoring.enabled"), true);
        assert.deepEqual(
            dev.aadProfile && Object.keys(dev.aadProfile),
            prod.aadProfile && Object.keys(prod.aadProfile),
        );
    });
});
