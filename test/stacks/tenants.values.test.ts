// A tenant's values at their edges (stacks/schema.ts): every value ARM's ManagedNamespace takes for a network policy,
// access level, adoption and delete policy is accepted and a near miss refused; quantities, namespace and team names
// and repository paths just inside and just outside their patterns. Messages and keys literal. Sources: ManagedNamespace.tsp
// (azure-rest-api-specs specification/containerservice/resource-manager/Microsoft.ContainerService/aks): PolicyRule
// "DenyAll" | "AllowAll" | "AllowSameNamespace", AdoptionPolicy "Never" | "IfIdentical" | "Always", DeletePolicy
// "Keep" | "Delete", ResourceQuota CPU "in one-thousandth CPU form", memory "in the power-of-two equivalents form".
import * as assert from "node:assert/strict";
import { sameArmId, leavesOutIfMissing } from "../../stacks/schema";
import { baseConfig, type ConfigObject, refusals, TEST_SSH_KEY, withConfig } from "../support/stacks";
import { payments, TENANT_REPO as REPO, tenantKeys, withTenants } from "../support/tenant-config";

const KEYS = tenantKeys("payments");

/** The refusals of a dev stack whose one tenant, payments, has `change` merged in. */
function refusalsWith(change: ConfigObject): string[] {
    return refusals(withTenants("dev", { payments: { ...payments, ...change } }), KEYS);
}

const KEY = "aks-gitops:org.tenants.payments";

describe("a tenant's values at their edges (stacks/schema.ts)", () => {
    it("takes every network policy rule ARM knows, in each direction, and refuses any other", () => {
        for (const rule of ["AllowAll", "AllowSameNamespace", "DenyAll"]) {
            assert.deepEqual(refusalsWith({ networkPolicy: { ingress: rule, egress: rule } }), [], rule);
        }
        assert.deepEqual(refusalsWith({ networkPolicy: { ingress: "Deny", egress: "allowall" } }), [
            `${KEY}.networkPolicy.ingress: must be "AllowAll", "AllowSameNamespace" or "DenyAll"`,
            `${KEY}.networkPolicy.egress: must be "AllowAll", "AllowSameNamespace" or "DenyAll"`,
        ]);
    });

    it("takes each access level, adoption and delete policy, and refuses a near miss naming the allowed ones", () => {
        for (const access of ["reader", "writer", "admin"]) {
            assert.deepEqual(refusalsWith({ access }), [], access);
        }
        for (const adoptionPolicy of ["Never", "IfIdentical", "Always"]) {
            assert.deepEqual(refusalsWith({ adoptionPolicy }), [], adoptionPolicy);
        }
        for (const deletePolicy of ["Keep", "Delete"]) {
            assert.deepEqual(refusalsWith({ deletePolicy }), [], deletePolicy);
        }
        assert.deepEqual(refusalsWith({ access: "owner", adoptionPolicy: "never", deletePolicy: "Retain" }), [
            `${KEY}.access: must be "reader", "writer" or "admin"`,
            `${KEY}.adoptionPolicy: must be "Never", "IfIdentical" or "Always"`,
            `${KEY}.deletePolicy: must be "Keep" or "Delete"`,
        ]);
    });

    it("runs a tenant in all three environments, and in none refuses", () => {
        assert.deepEqual(refusalsWith({ environments: ["dev", "staging", "prod"] }), []);
        // Not running anywhere, the team's key on this stack is refused as well.
        assert.deepEqual(refusalsWith({ environments: [] }), [
            `${KEY}.environments: must have at least 1 entry`,
            "aks-gitops:tenantGitSshPrivateKey-payments: no tenant payments runs on this stack (org.tenants, tenants)",
        ]);
    });

    it("reads CPU as whole cores (1-9999) or millicores (1m-999999m), memory as 1-9999999 of a power-of-two unit", () => {
        const cpu = (q: string) => refusalsWith({ quota: { cpuRequest: q, cpuLimit: q } });
        const memory = (q: string) => refusalsWith({ quota: { memoryRequest: q, memoryLimit: q } });
        for (const q of ["1", "9999", "1m", "500m", "999999m"]) {
            assert.deepEqual(cpu(q), [], q);
        }
        for (const q of ["1Ki", "512Mi", "4Gi", "9999999Ti", "2Pi", "1Ei"]) {
            assert.deepEqual(memory(q), [], q);
        }
        const cpuRefused = [
            `${KEY}.quota.cpuRequest: must be CPU as whole cores ("2") or millicores ("500m")`,
            `${KEY}.quota.cpuLimit: must be CPU as whole cores ("2") or millicores ("500m")`,
        ];
        for (const q of ["0", "0m", "10000", "1000000m", "01", "1.5", "500M", "x500m", "500mx", "2 "]) {
            assert.deepEqual(cpu(q), cpuRefused, q);
        }
        const memoryRefused = [
            `${KEY}.quota.memoryRequest: must be memory in power-of-two units, e.g. "512Mi" or "4Gi"`,
            `${KEY}.quota.memoryLimit: must be memory in power-of-two units, e.g. "512Mi" or "4Gi"`,
        ];
        for (const q of ["0Gi", "4G", "4gi", "10000000Mi", "4Gix", "x4Gi", "4", "1.5Gi"]) {
            assert.deepEqual(memory(q), memoryRefused, q);
        }
    });

    it("takes namespace names of 1 to 56 characters, starting and ending with a letter or digit", () => {
        const longest = `n${"-".repeat(54)}9`;
        const path = { url: REPO, path: "./deploy/{namespace}" };
        assert.deepEqual(refusalsWith({ namespaces: ["a", "7", "a-1", longest], repo: path }), []);
        const message = (i: number) =>
            `${KEY}.namespaces[${i}]: must be a Kubernetes namespace name: 1-56 lowercase letters, digits or hyphens, starting and ending with a letter or digit`;
        assert.deepEqual(refusalsWith({ namespaces: [`${longest}x`, "-a", "a-", "Payments", "a_b"], repo: path }), [
            message(0),
            message(1),
            message(2),
            message(3),
            message(4),
        ]);
    });

    it("takes team names of 2 to 30 characters, starting with a letter", () => {
        const tenants = (team: string) =>
            refusals(withConfig(baseConfig("dev"), { org: { tenants: { [team]: payments } } }), {
                gitSshPrivateKey: TEST_SSH_KEY,
                [`tenantGitSshPrivateKey-${team}`]: TEST_SSH_KEY,
            });
        for (const team of ["ab", "a1", `a${"b".repeat(28)}9`]) {
            assert.deepEqual(tenants(team), [], team);
        }
        // The team's key is refused too (as not a tenant's, or as an unknown config key when the name cannot be one).
        for (const team of ["a", "1a", "ab-", `a${"b".repeat(29)}9`, "Ab"]) {
            assert.equal(
                tenants(team)[0],
                `aks-gitops:org.tenants.${team}: has an invalid key: must be 2-30 lowercase letters, digits or hyphens, starting with a letter`,
                team,
            );
        }
    });

    it("takes a repository path of segments that do not start with a dot, a dot inside a segment included", () => {
        for (const path of ["./", "./deploy", "./deploy/overlays.v2/{environment}/", "./_x/{namespace}"]) {
            assert.deepEqual(refusalsWith({ repo: { url: REPO, path } }), [], path);
        }
        for (const path of [".", "./../x", "./.hidden", "deploy", "./a//b", "/deploy"]) {
            assert.deepEqual(
                refusalsWith({ repo: { url: REPO, path } }),
                [
                    `${KEY}.repo.path: must be a path inside the repository starting with "./", e.g. "./deploy/overlays/{environment}" (no "..", no "//")`,
                ],
                path,
            );
        }
    });

    it("defines at most 50 tenants", () => {
        const teams = (n: number) =>
            Object.fromEntries(
                Array.from({ length: n }, (_, i) => [
                    `team-${i}`,
                    { ...payments, namespaces: [`ns-${i}`], environments: ["prod"] },
                ]),
            );
        // prod's tenants only: a dev stack needs none of their keys.
        const dev = (n: number) =>
            refusals(withConfig(baseConfig("dev"), { org: { tenants: teams(n) } }), { gitSshPrivateKey: TEST_SSH_KEY });
        assert.deepEqual(dev(50), []);
        assert.deepEqual(dev(51), ["aks-gitops:org.tenants: must define at most 50 tenants"]);
    });
});

describe("ARM ids of admitted egress prefixes (stacks/schema.ts)", () => {
    const PREFIX = "/resourceGroups/rg-net/providers/Microsoft.Network/publicIPPrefixes/pip-dr";
    const SUB = "/subscriptions/6f1e2d3c-0000-4000-8000-00000000000a";

    it("compares ids without their subscription and case-insensitively, as ARM does", () => {
        assert.equal(sameArmId(PREFIX, `${SUB}${PREFIX}`), true);
        assert.equal(sameArmId(`${SUB.toUpperCase()}${PREFIX.toUpperCase()}`, PREFIX), true);
        assert.equal(sameArmId(PREFIX, `${PREFIX}-2`), false);
        assert.equal(sameArmId(`/x${PREFIX}`, PREFIX), false, "only a leading /subscriptions/<id> is left out");
    });

    it("leaves a missing prefix out only under admitExistingOnly: true, or when the list names it", () => {
        assert.equal(leavesOutIfMissing(true, PREFIX), true);
        assert.equal(leavesOutIfMissing([`${SUB}${PREFIX.toLowerCase()}`], PREFIX), true);
        assert.equal(leavesOutIfMissing([`${PREFIX}-2`], PREFIX), false);
        assert.equal(leavesOutIfMissing(false, PREFIX), false);
        assert.equal(leavesOutIfMissing(undefined, PREFIX), false);
    });
});
