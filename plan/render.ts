// Human-readable views of a plan: a text tree for the terminal and a Mermaid flowchart for pull-request comments.
import { ESTIMATES, UNKNOWN_TYPE_MINUTES } from "./estimates";
import type { Plan, PlanResource } from "./model";
import { shortType } from "./model";

/** The properties worth a glance per type, as dotted paths into the inputs. */
const KEY_PROPERTIES: Record<string, string[]> = {
    "azure-native:resources:ResourceGroup": ["resourceGroupName", "location"],
    "azure-native:containerservice:ManagedCluster": [
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
    "azure-native:containerservice:ManagedNamespace": [
        "managedNamespaceName",
        "properties.defaultResourceQuota",
        "properties.defaultNetworkPolicy",
        "properties.adoptionPolicy",
        "properties.deletePolicy",
    ],
    "azure-native:containerservice:MaintenanceConfiguration": [
        "configName",
        "maintenanceWindow.schedule",
        "maintenanceWindow.startTime",
    ],
    "azure-native:keyvault:Vault": [
        "vaultName",
        "properties.enableRbacAuthorization",
        "properties.enablePurgeProtection",
        "properties.softDeleteRetentionInDays",
        "properties.networkAcls.defaultAction",
        "properties.networkAcls.ipRules",
    ],
    "azure-native:keyvault:Key": [
        "keyName",
        "properties.keySize",
        "properties.keyOps",
        "properties.rotationPolicy.attributes.expiryTime",
    ],
    "azure-native:managedidentity:UserAssignedIdentity": ["resourceName"],
    "azure-native:managedidentity:FederatedIdentityCredential": ["subject", "issuer"],
    "azure-native:authorization:RoleAssignment": ["roleDefinitionId", "principalId", "principalType", "scope"],
    "azure-native:authorization:RoleDefinition": ["roleName", "permissions", "assignableScopes"],
    "azure-native:kubernetesconfiguration:Extension": [
        "extensionType",
        "version",
        "releaseTrain",
        "autoUpgradeMinorVersion",
    ],
    "azure-native:kubernetesconfiguration:FluxConfiguration": [
        "fluxConfigurationName",
        "scope",
        "namespace",
        "gitRepository.url",
        "gitRepository.repositoryRef.branch",
        "kustomizations",
    ],
    "azure-native:network:PublicIPPrefix": ["publicIpPrefixName", "location", "prefixLength"],
    "azure-native:monitor:DiagnosticSetting": ["name", "resourceUri", "logs"],
};

function at(value: unknown, path: string): unknown {
    return path
        .split(".")
        .reduce<unknown>(
            (node, key) =>
                node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined,
            value,
        );
}

function brief(value: unknown): string {
    const text = typeof value === "string" && !value.includes("\n") ? value : JSON.stringify(value);
    return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

export function renderTree(plan: Plan): string {
    const byParent = new Map<string | null, PlanResource[]>();
    const known = new Set(plan.resources.map((r) => r.urn));
    for (const r of plan.resources) {
        const parent = r.parent && known.has(r.parent) ? r.parent : null;
        byParent.set(parent, [...(byParent.get(parent) ?? []), r]);
    }
    const names = new Map(plan.resources.map((r) => [r.urn, r.name]));
    const onPath = new Set(plan.criticalPath.urns);
    const custom = plan.resources.filter((r) => r.custom);
    const lines: string[] = [
        `Plan for ${plan.project}/${plan.stack}: ${plan.resources.length} resources (${custom.length} custom)`,
        `Critical path from scratch ~${plan.criticalPath.estimatedMinutes} min (all ${custom.length} one after another: ${plan.criticalPath.serialMinutes} min)`,
        "",
        "Legend:",
        "  custom      a resource Azure creates (the others are components that group them)",
        "  *           on the critical path from scratch",
        "  [secret]    a secret value, never shown",
        "  ${r.out}    a value only Azure knows, shown as the resource output it comes from",
        "  protected / retained / adopted   pulumi destroy stops at it / leaves it in Azure / imported, not created",
        ...(plan.missingSecrets && plan.missingSecrets.length > 0
            ? [
                  "",
                  "Not set in this stack, but the real `pulumi up` needs (planned with a placeholder):",
                  ...plan.missingSecrets.map(
                      (k) =>
                          `  ${k}: pulumi config set --secret ${k.replace(/^aks-gitops:/, "")} < <file> --stack ${plan.stack}`,
                  ),
              ]
            : []),
        "",
    ];
    const walk = (parent: string | null, indent: string) => {
        const kids = byParent.get(parent) ?? [];
        kids.forEach((r, i) => {
            const last = i === kids.length - 1;
            const branch = parent === null ? "" : last ? "└─ " : "├─ ";
            const mark = onPath.has(r.urn) ? " *" : "";
            const flags = [
                r.options.protect ? "protected" : "",
                r.options.retainOnDelete ? "retained" : "",
                r.options.importId ? "adopted" : "",
            ].filter(Boolean);
            lines.push(
                `${indent}${branch}${shortType(r.type)} ${r.name}${mark}${flags.length ? ` [${flags.join(", ")}]` : ""}`,
            );
            const inner = indent + (parent === null ? "" : last ? "   " : "│  ");
            const detail = (text: string) =>
                lines.push(`${inner}${(byParent.get(r.urn) ?? []).length > 0 ? "│ " : "  "}  ${text}`);
            for (const path of KEY_PROPERTIES[r.type] ?? []) {
                const v = at(r.inputs, path);
                if (v !== undefined) {
                    detail(`${path}: ${brief(v)}`);
                }
            }
            if (r.custom && r.dependsOn.length > 0) {
                const implicit = new Map<string, string[]>();
                for (const [prop, urns] of Object.entries(r.propertyDependencies)) {
                    for (const u of urns) {
                        implicit.set(u, [...(implicit.get(u) ?? []), prop]);
                    }
                }
                const waits = r.dependsOn.map(
                    (u) =>
                        `${names.get(u) ?? u}${implicit.has(u) ? ` (via ${implicit.get(u)!.join(", ")})` : " (dependsOn)"}`,
                );
                detail(`waits for: ${waits.join("; ")}`);
            }
            walk(r.urn, inner);
        });
    };
    walk(null, "");

    lines.push("", "Resources by type:");
    const counts = new Map<string, number>();
    for (const r of plan.resources) {
        counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    }
    for (const [type, n] of [...counts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(`  ${String(n).padStart(3)}  ${type}`);
    }

    lines.push("", `Critical path (* above), ~${plan.criticalPath.estimatedMinutes} min:`);
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    let elapsed = 0;
    for (const urn of plan.criticalPath.urns) {
        const r = byUrn.get(urn)!;
        elapsed += r.estimatedMinutes;
        lines.push(`  ${elapsed.toFixed(1).padStart(5)} min  ${shortType(r.type)} ${r.name} (+${r.estimatedMinutes})`);
    }
    if (plan.activation) {
        const a = plan.activation;
        lines.push(
            "",
            `On standby. Activating (pulumi config set standby false; pulumi up) creates ${a.creates.length} resources, ~${a.estimatedMinutes} min:`,
        );
        let at = 0;
        for (const step of a.path) {
            at += step.estimatedMinutes;
            lines.push(
                `  ${at.toFixed(1).padStart(5)} min  ${shortType(step.type)} ${step.name} (+${step.estimatedMinutes})`,
            );
        }
    }
    const unestimated = [
        ...new Set(
            custom
                .filter((r) => !Object.hasOwn(ESTIMATES, r.type) && r.estimatedMinutes === UNKNOWN_TYPE_MINUTES)
                .map((r) => r.type),
        ),
    ];
    if (unestimated.length > 0) {
        lines.push(`  (no estimate for ${unestimated.join(", ")}: assumed ${UNKNOWN_TYPE_MINUTES} min each)`);
    }

    lines.push("", "Outputs:");
    for (const [k, v] of Object.entries(plan.outputs)) {
        lines.push(`  ${k}: ${brief(v)}`);
    }
    const mandatory = plan.policy.filter((f) => f.enforcementLevel === "mandatory").length;
    lines.push(
        "",
        `Policy (policy/ pack): ${mandatory} mandatory, ${plan.policy.length - mandatory} advisory finding(s)`,
    );
    for (const f of plan.policy) {
        lines.push(
            `  [${f.enforcementLevel}] ${f.policy}${f.urn ? ` (${names.get(f.urn) ?? f.urn})` : ""}: ${f.message}`,
        );
    }
    return `${lines.join("\n")}\n`;
}

/** Mermaid flowchart: an arrow means "before". Custom resources grouped by component; the critical path in red. */
export function renderMermaid(plan: Plan): string {
    const custom = plan.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    const ids = new Map(custom.map((r, i) => [r.urn, `r${i}`]));
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const lines = ["flowchart LR"];
    const groups = new Map<string, PlanResource[]>();
    for (const r of custom) {
        const key = r.parent && byUrn.has(r.parent) ? r.parent : "";
        groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const node = (r: PlanResource) =>
        `${ids.get(r.urn)}["${shortType(r.type)}<br/>${r.name}<br/>~${r.estimatedMinutes} min"]`;
    groups.forEach((members, parent) => {
        if (parent) {
            const p = byUrn.get(parent)!;
            lines.push(`  subgraph g${[...groups.keys()].indexOf(parent)}["${shortType(p.type)} ${p.name}"]`);
            members.forEach((r) => lines.push(`    ${node(r)}`));
            lines.push("  end");
        } else {
            members.forEach((r) => lines.push(`  ${node(r)}`));
        }
    });
    const critical = new Set<string>();
    for (let i = 1; i < plan.criticalPath.urns.length; i++) {
        critical.add(`${plan.criticalPath.urns[i - 1]}->${plan.criticalPath.urns[i]}`);
    }
    const criticalLinks: number[] = [];
    let link = 0;
    for (const r of custom) {
        for (const dep of r.dependsOn) {
            if (!ids.has(dep)) {
                continue;
            }
            lines.push(`  ${ids.get(dep)} --> ${ids.get(r.urn)}`);
            if (critical.has(`${dep}->${r.urn}`)) {
                criticalLinks.push(link);
            }
            link++;
        }
    }
    lines.push("  classDef critical fill:#fde2e1,stroke:#c0392b,stroke-width:2px");
    const onPath = plan.criticalPath.urns.filter((u) => ids.has(u)).map((u) => ids.get(u));
    if (onPath.length > 0) {
        lines.push(`  class ${onPath.join(",")} critical`);
    }
    if (criticalLinks.length > 0) {
        lines.push(`  linkStyle ${criticalLinks.join(",")} stroke:#c0392b,stroke-width:3px`);
    }
    return `${lines.join("\n")}\n`;
}
