// What a real subscription would have failed on, each fixed and pinned here (issue 11): a Kubernetes minor in AKS
// support, Container Insights that collects, role-assignment names that survive a re-created identity, and the DR
// stack's standby mode as the plan shows it.
// Sources: AKS release calendar (MicrosoftDocs/azure-aks-docs supported-kubernetes-versions.md); Azure CLI
// addonconfiguration.py and microsoft/Docker-Provider existingClusterOnboarding.json for the Container Insights rule;
// azure-docs role-based-access-control/troubleshooting.md for RoleAssignmentUpdateNotPermitted.
import * as assert from "node:assert/strict";
import { roleAssignmentName } from "../../components/roles";
import { capture, type Capture } from "../../offline/program";
import { main as plan } from "../../plan/cli";
import { kubernetesSupport, kubernetesSupportFinding } from "../../stacks/perishable";
import { all, at, baseConfig, idOf, one, run, stackInput, stackSetting, withConfig } from "../support/stacks";
import { lazy } from "../../cli/lazy";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const CLUSTER = T.ManagedCluster;
const DCR = T.DataCollectionRule;
const DCRA = T.DataCollectionRuleAssociation;
const ROLE = T.RoleAssignment;

describe("a real subscription", () => {
    sharedCaptures();
    describe("Kubernetes version", () => {
        // Deliberately judged on today's date: once a committed stack's minor leaves support, AKS would refuse to create
        // it, and this fails until the stacks (and stacks/perishable.ts) move on. The plan warns 60 days earlier.
        it("pins a minor AKS still creates clusters on in every committed stack", () => {
            for (const stack of ["dev", "prod", "prod-northeurope"]) {
                const version = stackSetting<{ kubernetesVersion?: string }>(stack, "aks").kubernetesVersion;
                assert.match(version ?? "", /^1\.\d{2}$/, `${stack}: a minor only, AKS picks the patch`);
                const status = kubernetesSupport(version!, "KubernetesOfficial", new Date());
                assert.ok(
                    status.kind === "ok" || status.kind === "ending",
                    `${stack}: ${version} must be in standard support: ${JSON.stringify(status)}`,
                );
            }
        });

        it("knows the published end of standard support and of LTS per minor", () => {
            // "Unless an explicit date is provided, the End of Life (EOL) date is the last day of the specified month".
            const day = new Date("2026-11-25T12:00:00Z");
            assert.deepEqual(kubernetesSupport("1.33", "KubernetesOfficial", day), {
                kind: "ended",
                endsOn: "2026-07-31",
                daysLeft: -117,
            });
            assert.deepEqual(kubernetesSupport("1.34", "KubernetesOfficial", day), {
                kind: "ending",
                endsOn: "2026-11-30",
                daysLeft: 5,
            });
            assert.deepEqual(kubernetesSupport("1.35", "KubernetesOfficial", day), {
                kind: "ok",
                endsOn: "2027-03-31",
                daysLeft: 126,
            });
            assert.deepEqual(kubernetesSupport("1.34", "AKSLongTermSupport", day), {
                kind: "ok",
                endsOn: "2027-11-30",
                daysLeft: 370,
            });
            assert.deepEqual(kubernetesSupport("1.99", "KubernetesOfficial", day), { kind: "unknown" });
        });

        it("warns from 60 days before the end, not 61", () => {
            assert.equal(
                kubernetesSupport("1.35", "KubernetesOfficial", new Date("2027-01-30T00:00:00Z")).kind,
                "ending",
            ); // 60 days
            assert.equal(kubernetesSupport("1.35", "KubernetesOfficial", new Date("2027-01-29T00:00:00Z")).kind, "ok"); // 61 days
            assert.equal(
                kubernetesSupport("1.35", "KubernetesOfficial", new Date("2027-04-01T00:00:00Z")).kind,
                "ended",
            );
        });

        it("says what to change in the finding", () => {
            const ended = kubernetesSupportFinding("1.33", "KubernetesOfficial", new Date("2026-11-25T00:00:00Z"));
            assert.match(
                ended ?? "",
                /^Kubernetes 1\.33 left AKS standard support on 2026-07-31 .*set aks\.kubernetesVersion to a supported minor$/,
            );
            const ending = kubernetesSupportFinding("1.34", "KubernetesOfficial", new Date("2026-11-25T00:00:00Z"));
            assert.match(ending ?? "", /leaves AKS standard support on 2026-11-30 \(in 5 days/);
            assert.equal(
                kubernetesSupportFinding(undefined, "KubernetesOfficial", new Date()),
                undefined,
                "no pin: the region's default",
            );
        });

        it("hands a minor and the support plan to AKS unchanged", async () => {
            const c = await run(
                withConfig(baseConfig("prod"), {
                    aks: { kubernetesVersion: "1.35", skuTier: "Premium", supportPlan: "AKSLongTermSupport" },
                }),
            );
            const cluster = one(c, CLUSTER).inputs;
            assert.equal(cluster.kubernetesVersion, "1.35");
            assert.equal(cluster.supportPlan, "AKSLongTermSupport");
            assert.deepEqual(cluster.sku, { name: "Base", tier: "Premium" });
            const none = await run(withConfig(baseConfig("dev"), { aks: { kubernetesVersion: undefined } }));
            assert.equal(one(none, CLUSTER).inputs.kubernetesVersion, undefined, "absent means the region's default");
        });
    });

    describe("Container Insights", () => {
        let prod: Capture;
        before(async () => {
            prod = await run(baseConfig("prod"));
        });

        it("creates the data collection rule the omsagent add-on needs, as the Azure CLI does", () => {
            const rule = one(prod, DCR, "-aks-insights-dcr").inputs;
            assert.equal(rule.dataCollectionRuleName, "MSCI-westeurope-aks-prod-westeurope");
            assert.equal(rule.kind, "Linux");
            const [source] = at(rule, "dataSources.extensions") as {
                name: string;
                extensionName: string;
                streams: string[];
                extensionSettings: unknown;
            }[];
            assert.equal(source.name, "ContainerInsightsExtension");
            assert.equal(source.extensionName, "ContainerInsights");
            assert.ok(
                source.streams.includes("Microsoft-ContainerLogV2") &&
                    source.streams.includes("Microsoft-KubePodInventory"),
            );
            assert.equal(at(source.extensionSettings, "dataCollectionSettings.enableContainerLogV2"), true);
            const workspace = idOf(prod, one(prod, T.Workspace));
            assert.deepEqual(rule.destinations, {
                logAnalytics: [{ name: "ciworkspace", workspaceResourceId: workspace }],
            });
            assert.deepEqual(rule.dataFlows, [{ streams: source.streams, destinations: ["ciworkspace"] }]);
            assert.equal(
                at(one(prod, CLUSTER).inputs, "addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID"),
                workspace,
                "the add-on and the rule name one workspace",
            );
        });

        it("associates it with the cluster", () => {
            const association = one(prod, DCRA, "-aks-insights-dcra").inputs;
            assert.equal(association.associationName, "ContainerInsightsExtension");
            assert.equal(association.resourceUri, idOf(prod, one(prod, CLUSTER)));
            assert.equal(association.dataCollectionRuleId, idOf(prod, one(prod, DCR, "-aks-insights-dcr")));
        });

        it("cuts the rule name to 64 characters, and creates nothing when Container Insights is off", async () => {
            const long = await run(
                withConfig(baseConfig("prod"), {
                    location: "australiasoutheast",
                    clusterName: "prod-a-very-long-cluster-name-for-tests",
                    flux: {
                        kustomizations: { cluster: { path: "./clusters/prod-a-very-long-cluster-name-for-tests" } },
                    },
                }),
            );
            assert.equal(String(one(long, DCR, "-aks-insights-dcr").inputs.dataCollectionRuleName).length, 64);
            const dev = await run(baseConfig("dev"));
            assert.equal(all(dev, DCR).length + all(dev, DCRA).length, 0);
        });
    });

    describe("role-assignment names", () => {
        it("derive from the principal's object id: a re-created identity gets a new name, the same one keeps its name", async () => {
            const input = stackInput(baseConfig("prod"));
            const first = await capture(input, () => lazy.program()(), { seed: "first" });
            const again = await capture(input, () => lazy.program()(), { seed: "first" });
            const recreated = await capture(input, () => lazy.program()(), { seed: "after-az-group-delete" });
            const names = (c: Capture) =>
                all(c, ROLE)
                    .map((r) => `${r.name}=${String(r.inputs.roleAssignmentName)}`)
                    .sort();
            assert.deepEqual(names(again), names(first), "stable run to run");
            const decrypt = (c: Capture) => one(c, ROLE, "-flux-identity-decrypt").inputs;
            assert.notEqual(decrypt(recreated).principalId, decrypt(first).principalId);
            assert.notEqual(
                decrypt(recreated).roleAssignmentName,
                decrypt(first).roleAssignmentName,
                "a new principal must not meet its predecessor's orphan",
            );
            assert.equal(
                decrypt(first).roleAssignmentName,
                roleAssignmentName(
                    {
                        scopeKey: "vault/kv-test-sops-prod",
                        roleKey: String(decrypt(first).roleDefinitionId).split("/").pop()!,
                    },
                    String(decrypt(first).principalId),
                ),
            );
        });

        it("are GUIDs that change with scope, principal and role", () => {
            const base = { scopeKey: "vault/kv-a", roleKey: "12338af0-0e69-4776-bea7-57ae8d297424" };
            const principal = "1f0e6a52-9c3b-4d7e-8a21-6b5c4d3e2f10";
            const name = roleAssignmentName(base, principal);
            assert.match(name, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
            assert.equal(
                roleAssignmentName(base, principal.toUpperCase()),
                name,
                "object ids compare case-insensitively",
            );
            assert.notEqual(roleAssignmentName({ ...base, scopeKey: "vault/kv-b" }, principal), name);
            assert.notEqual(
                roleAssignmentName({ ...base, roleKey: "4d97b98b-1d4f-4787-a291-c67834d212e7" }, principal),
                name,
            );
            assert.notEqual(roleAssignmentName(base, "2f0e6a52-9c3b-4d7e-8a21-6b5c4d3e2f10"), name);
        });
    });

    describe("the plan of a stack on standby", () => {
        it("shows what activating creates and its critical path: cluster, extension, configuration", async () => {
            const result = await plan(["--stack", "prod-northeurope", "--json"]);
            assert.equal(result.code, 0);
            const doc = JSON.parse(result.text) as {
                activation: { path: { type: string }[]; estimatedMinutes: number; creates: string[] };
                criticalPath: { estimatedMinutes: number };
            };
            assert.deepEqual(
                doc.activation.path.map((s) => s.type),
                [T.ManagedCluster, T.Extension, T.FluxConfiguration],
            );
            assert.equal(
                doc.activation.estimatedMinutes,
                13,
                "8 (cluster) + 4 (extension) + 1 (configuration), from plan/estimates.ts",
            );
            assert.ok(
                doc.activation.creates.every(
                    (urn) => !urn.includes("PublicIPPrefix") && !urn.includes("UserAssignedIdentity"),
                ),
                "standby already holds these",
            );
            const text = await plan(["--stack", "prod-northeurope"]);
            assert.match(
                text.text,
                /On standby\. Activating \(pulumi config set standby false; pulumi up\) creates \d+ resources, ~13 min:/,
            );
        });
    });
});
