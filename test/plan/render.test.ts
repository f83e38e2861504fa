// The plan's text tree and Mermaid flowchart (plan/render.ts) for a small hand-made plan, against the literal text:
// tree branches and indentation, the legend, flags, key properties (shortened past 160 characters), waits with
// their reasons, counts by type, the critical path and activation with running totals, outputs and findings.
import * as assert from "node:assert/strict";
import { planWithActivation } from "../../plan/cli";
import type { Plan } from "../../plan/model";
import { renderMermaid, renderTree } from "../../plan/render";
import { AKS, CLUSTER, IP, ODD, ORPHAN, plan, PROVIDER, resource, RG } from "../support/plan";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const TREE = `Plan for aks-gitops/prod: 7 resources (6 custom)
Critical path from scratch ~8.3 min (all 6 one after another: 9.6 min)

Legend:
  custom      a resource Azure creates (the others are components that group them)
  *           on the critical path from scratch
  [secret]    a secret value, never shown
  \${r.out}    a value only Azure knows, shown as the resource output it comes from
  protected / retained / adopted   pulumi destroy stops at it / leaves it in Azure / imported, not created

Not set in this stack, but the real \`pulumi up\` needs (planned with a placeholder):
  aks-gitops:gitSshPrivateKey: pulumi config set --secret gitSshPrivateKey < <file> --stack prod

GitOpsCluster prod
├─ resources:ResourceGroup rg [protected]
│      resourceGroupName: rg-aks-prod
│      location: westeurope
└─ containerservice:ManagedCluster aks * [protected, retained, adopted]
       resourceName: aks-prod
       sku.tier: Standard
       apiServerAccessProfile: {"authorizedIPRanges":["203.0.113.0/24"]}
       disableLocalAccounts: true
       waits for: rg (via resourceGroupName, location); egress (via networkProfile.loadBalancerProfile); orphan (dependsOn)
network:PublicIPPrefix egress *
    publicIpPrefixName: ${"x".repeat(157)}...
    location: "line one\\nline two"
    prefixLength: 31
example:Unmodelled odd
    waits for: egress (dependsOn)
pulumi:providers:azure-native default
managedidentity:UserAssignedIdentity orphan [retained]

Resources by type:
    1  aks-gitops:index:GitOpsCluster
    1  azure-native:containerservice:ManagedCluster
    1  azure-native:example:Unmodelled
    1  azure-native:managedidentity:UserAssignedIdentity
    1  azure-native:network:PublicIPPrefix
    1  azure-native:resources:ResourceGroup
    1  pulumi:providers:azure-native

Critical path (* above), ~8.3 min:
    0.3 min  network:PublicIPPrefix egress (+0.3)
    8.3 min  containerservice:ManagedCluster aks (+8)
  (no estimate for azure-native:example:Unmodelled: assumed 1 min each)

Outputs:
  clusterName: aks-prod
  note: "two\\nlines"
  standby: false

Policy (policy/ pack): 1 mandatory, 2 advisory finding(s)
  [mandatory] aks-authorized-ip-ranges (aks): apiServerAccessProfile must | be set
  [advisory] stack-audit-logs: no diagnostic setting
  [advisory] elsewhere (urn:pulumi:prod::aks-gitops::x:y:Z::gone): a resource the plan does not list
`;

describe("plan views (plan/render.ts)", () => {
    sharedCaptures();
    it("renders the text tree: branches, flags, key properties, waits, counts, critical path, outputs, findings", () => {
        assert.equal(renderTree(plan()), TREE);
    });

    it("leaves out the missing-secrets block when nothing is missing, and shows a standby stack's activation path", () => {
        const p = plan();
        p.missingSecrets = [];
        p.criticalPath = { urns: [], estimatedMinutes: 0, serialMinutes: 0 };
        p.resources = p.resources.filter((r) => r.urn !== ODD);
        p.policy = [];
        p.activation = {
            creates: [RG, AKS, IP],
            path: [
                { urn: IP, type: T.PublicIPPrefix, name: "egress", estimatedMinutes: 0.3 },
                { urn: AKS, type: T.ManagedCluster, name: "aks", estimatedMinutes: 8 },
            ],
            estimatedMinutes: 8.3,
            serialMinutes: 8.4,
        };
        const text = renderTree(p);
        assert.ok(!text.includes("Not set in this stack"));
        assert.ok(
            text.includes(
                "  protected / retained / adopted   pulumi destroy stops at it / leaves it in Azure / imported, not created\n\nGitOpsCluster prod\n",
            ),
        );
        assert.ok(
            text.endsWith(
                [
                    "Critical path (* above), ~0 min:",
                    "",
                    "On standby. Activating (pulumi config set standby false; pulumi up) creates 3 resources, ~8.3 min:",
                    "    0.3 min  network:PublicIPPrefix egress (+0.3)",
                    "    8.3 min  containerservice:ManagedCluster aks (+8)",
                    "",
                    "Outputs:",
                    "  clusterName: aks-prod",
                    '  note: "two\\nlines"',
                    "  standby: false",
                    "",
                    "Policy (policy/ pack): 0 mandatory, 0 advisory finding(s)",
                    "",
                ].join("\n"),
            ),
            text,
        );
        assert.ok(
            text.includes("└─ containerservice:ManagedCluster aks [protected, retained, adopted]\n"),
            "off the critical path: no star",
        );
        assert.ok(!text.includes("no estimate for"), "every custom type has an estimate");
    });

    it("shortens a key property only past 160 characters", () => {
        const p = plan();
        const ip = p.resources.find((r) => r.urn === IP)!;
        ip.inputs = { publicIpPrefixName: "y".repeat(160) };
        assert.ok(renderTree(p).includes(`    publicIpPrefixName: ${"y".repeat(160)}\n`));
        ip.inputs = { publicIpPrefixName: "y".repeat(161) };
        assert.ok(renderTree(p).includes(`    publicIpPrefixName: ${"y".repeat(157)}...\n`));
    });

    it("draws custom resources grouped by component, arrows for dependencies and the critical path in red", () => {
        assert.equal(
            renderMermaid(plan()),
            [
                "flowchart LR",
                '  subgraph g0["GitOpsCluster prod"]',
                '    r0["resources:ResourceGroup<br/>rg<br/>~0.1 min"]',
                '    r1["containerservice:ManagedCluster<br/>aks<br/>~8 min"]',
                "  end",
                '  r2["network:PublicIPPrefix<br/>egress<br/>~0.3 min"]',
                '  r3["example:Unmodelled<br/>odd<br/>~1 min"]',
                '  r4["managedidentity:UserAssignedIdentity<br/>orphan<br/>~0.2 min"]',
                "  r0 --> r1",
                "  r2 --> r1",
                "  r4 --> r1",
                "  r2 --> r3",
                "  classDef critical fill:#fde2e1,stroke:#c0392b,stroke-width:2px",
                "  class r2,r1 critical",
                "  linkStyle 1 stroke:#c0392b,stroke-width:3px",
                "",
            ].join("\n"),
        );
    });

    it("draws no critical class or link style without a critical path, and skips arrows from resources it does not draw", () => {
        const p = plan();
        p.criticalPath = { urns: [AKS], estimatedMinutes: 8, serialMinutes: 8 };
        p.resources.find((r) => r.urn === ODD)!.dependsOn = [PROVIDER, CLUSTER];
        const text = renderMermaid(p);
        assert.ok(text.includes("  class r1 critical\n"));
        assert.ok(!text.includes("linkStyle"), "one resource on the path: no link between two");
        assert.ok(!text.includes("--> r3"), "the provider and the component are not drawn, so no arrow into odd");
        p.criticalPath = { urns: [], estimatedMinutes: 0, serialMinutes: 0 };
        assert.ok(!renderMermaid(p).includes("  class "));
    });

    it("joins several unestimated types, and reads a key property through a null parent as absent", () => {
        const p = plan();
        p.resources.push(
            resource("urn:pulumi:prod::aks-gitops::azure-native:example:Other::other", true, null, {
                estimatedMinutes: 1,
            }),
        );
        p.resources.find((r) => r.urn === AKS)!.inputs = {
            resourceName: "aks-prod",
            sku: null,
            networkProfile: "flat",
        };
        const text = renderTree(p);
        assert.ok(
            text.includes(
                "  (no estimate for azure-native:example:Unmodelled, azure-native:example:Other: assumed 1 min each)\n",
            ),
            text,
        );
        assert.ok(
            text.includes(
                "└─ containerservice:ManagedCluster aks * [protected, retained, adopted]\n       resourceName: aks-prod\n       waits for: ",
            ),
            text,
        );
    });

    it("draws a custom resource's properties beside the line down to its children", () => {
        const p = plan();
        const child = resource(
            "urn:pulumi:prod::aks-gitops::azure-native:containerservice:MaintenanceConfiguration::window",
            true,
            AKS,
            { inputs: { configName: "default" }, estimatedMinutes: 0.2 },
        );
        p.resources.push(child);
        p.resources.find((r) => r.urn === AKS)!.dependsOn = [];
        assert.ok(
            renderTree(p).includes(
                [
                    "└─ containerservice:ManagedCluster aks * [protected, retained, adopted]",
                    "   │   resourceName: aks-prod",
                    "   │   sku.tier: Standard",
                    '   │   apiServerAccessProfile: {"authorizedIPRanges":["203.0.113.0/24"]}',
                    "   │   disableLocalAccounts: true",
                    "   └─ containerservice:MaintenanceConfiguration window",
                    "          configName: default",
                    "",
                ].join("\n"),
            ),
            renderTree(p),
        );
    });

    it("styles every critical link and names only drawn resources in the critical class", () => {
        const p = plan();
        p.resources.find((r) => r.urn === AKS)!.dependsOn = [RG, IP, ORPHAN, ODD];
        p.criticalPath = { urns: [PROVIDER, IP, ODD, AKS], estimatedMinutes: 9.3, serialMinutes: 9.6 };
        const text = renderMermaid(p);
        assert.ok(text.includes("\n  r3 --> r1\n  r2 --> r3\n"), text);
        assert.ok(
            text.includes("\n  class r2,r3,r1 critical\n  linkStyle 3,4 stroke:#c0392b,stroke-width:3px\n"),
            text,
        );
    });
});

describe("plan views of the committed stacks", () => {
    sharedCaptures();
    const plans = new Map<string, Plan>();
    before(async () => {
        for (const stack of ["prod", "dev", "prod-northeurope"]) {
            plans.set(stack, await planWithActivation(stack));
        }
    });

    it("shows these key properties for each type, and only these", () => {
        const shown: Record<string, Set<string>> = {};
        for (const p of plans.values()) {
            const types = new Map(p.resources.map((r) => [r.name, r.type]));
            const tree = renderTree(p).split("\n\nResources by type:")[0].split("\n");
            let current: string | undefined;
            for (const line of tree) {
                const header = /^[│├└─ ]*\S+ (\S+)( \*)?( \[[a-z, ]+\])?$/.exec(line);
                if (header && types.has(header[1])) {
                    current = types.get(header[1]);
                    continue;
                }
                const detail = /^[│ ]+([A-Za-z.]+): /.exec(line);
                if (detail && current && detail[1] !== "waits for") {
                    (shown[current] ??= new Set()).add(detail[1]);
                }
            }
        }
        assert.deepEqual(Object.fromEntries(Object.entries(shown).map(([t, s]) => [t, [...s]])), {
            [T.ResourceGroup]: ["resourceGroupName", "location"],
            [T.ManagedCluster]: [
                "resourceName",
                "kubernetesVersion",
                "sku.tier",
                "networkProfile.networkPolicy",
                "apiServerAccessProfile",
                "autoUpgradeProfile.upgradeChannel",
                "oidcIssuerProfile.enabled",
                "securityProfile.workloadIdentity.enabled",
                "disableLocalAccounts",
            ],
            [T.ManagedNamespace]: [
                "managedNamespaceName",
                "properties.defaultResourceQuota",
                "properties.defaultNetworkPolicy",
                "properties.adoptionPolicy",
                "properties.deletePolicy",
            ],
            [T.MaintenanceConfiguration]: ["configName", "maintenanceWindow.schedule", "maintenanceWindow.startTime"],
            [T.Vault]: [
                "vaultName",
                "properties.enableRbacAuthorization",
                "properties.enablePurgeProtection",
                "properties.softDeleteRetentionInDays",
                "properties.networkAcls.defaultAction",
                "properties.networkAcls.ipRules",
            ],
            [T.Key]: [
                "keyName",
                "properties.keySize",
                "properties.keyOps",
                "properties.rotationPolicy.attributes.expiryTime",
            ],
            [T.UserAssignedIdentity]: ["resourceName"],
            [T.FederatedIdentityCredential]: ["subject", "issuer"],
            [T.RoleAssignment]: ["roleDefinitionId", "principalId", "principalType", "scope"],
            [T.RoleDefinition]: ["roleName", "permissions", "assignableScopes"],
            [T.Extension]: ["extensionType", "version", "releaseTrain", "autoUpgradeMinorVersion"],
            [T.FluxConfiguration]: [
                "fluxConfigurationName",
                "scope",
                "namespace",
                "gitRepository.url",
                "gitRepository.repositoryRef.branch",
                "kustomizations",
            ],
            [T.PublicIPPrefix]: ["publicIpPrefixName", "location", "prefixLength"],
            [T.DiagnosticSetting]: ["name", "resourceUri", "logs"],
        });
    });

    it("plans a stack on standby with what activating it creates, and an active one without", () => {
        assert.equal(plans.get("prod")!.activation, undefined);
        const standby = plans.get("prod-northeurope")!;
        assert.ok(standby.activation && standby.activation.creates.length > 0);
        assert.match(
            renderTree(standby),
            /\nOn standby\. Activating \(pulumi config set standby false; pulumi up\) creates \d+ resources, ~[\d.]+ min:\n/,
        );
        for (const p of plans.values()) {
            assert.deepEqual(
                p.missingSecrets,
                ["aks-gitops:gitSshPrivateKey", "aks-gitops:tenantGitSshPrivateKey-payments"],
                "committed stacks hold no secrets: the deploy keys (the fleet's, tenant payments's) are planned with placeholders",
            );
            assert.ok(
                renderTree(p).includes(
                    `\n  aks-gitops:gitSshPrivateKey: pulumi config set --secret gitSshPrivateKey < <file> --stack ${p.stack}\n`,
                ),
            );
        }
    });
});
