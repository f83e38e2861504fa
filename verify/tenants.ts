// The tenants' side of `npm run verify` (issue 23): each tenant namespace of the stack has a namespace-scoped Flux
// configuration `tenant-<namespace>` on the cluster (components/Tenant.ts), and ARM reports its reconciliation on that
// resource like the platform's: fluxconfig-agent "pushes status changes back to the associated Azure fluxConfiguration
// resources" (MicrosoftDocs/azure-management-docs articles/azure-arc/kubernetes/conceptual-gitops-flux2.md). Field names:
// Azure/azure-rest-api-specs specification/kubernetesconfiguration/resource-manager/Microsoft.KubernetesConfiguration/
// stable/2023-05-01/fluxconfiguration.json (FluxConfigurationProperties, ObjectStatusDefinition).
import type { FluxConfiguration, ObjectStatusDefinition } from "@azure/arm-kubernetesconfiguration";
import { tenantConfigurationName } from "../stacks/names";
import { assess, type Assessment } from "./assess";

/** One tenant namespace the stack declares: the team and one of its namespaces. */
export interface TenantRef {
    team: string;
    namespace: string;
}

export interface TenantTarget extends TenantRef {
    /** The namespace-scoped Flux configuration that pulls the team's repository into the namespace. */
    configurationName: string;
}

/** Each tenant namespace with its Flux configuration's name, as the program names it (stacks/names.ts). */
export function tenantTargets(refs: readonly TenantRef[]): TenantTarget[] {
    return refs.map((r) => ({ ...r, configurationName: tenantConfigurationName(r.namespace) }));
}

/** A tenant's configuration as the cluster's list of configurations has it; no configuration: not deployed. */
export interface TenantReading {
    tenant: TenantTarget;
    config?: FluxConfiguration;
    assessment?: Assessment;
}

/**
 * Finds each tenant's configuration in the cluster's configurations (one list request, every configuration of the
 * cluster: the platform's and each tenant's) by name; the others (the platform's) are not a tenant's.
 */
export function readTenants(tenants: readonly TenantTarget[], configs: readonly FluxConfiguration[]): TenantReading[] {
    return tenants.map((tenant) => {
        const config = configs.find((c) => c.name === tenant.configurationName);
        return config ? { tenant, config, assessment: assess(config) } : { tenant };
    });
}

/** How one tenant ends a run: what verify decided about it (FAILED only when it is why verify exits 1). */
export type TenantVerdict = "reconciled" | "FAILED" | "failing" | "waiting" | "not found";

/** `tenant payments, namespace payments`: how every line about a tenant names it. */
export function tenantName(t: TenantRef): string {
    return `tenant ${t.team}, namespace ${t.namespace}`;
}

function statusLine(s: ObjectStatusDefinition): string {
    const ready = s.statusConditions?.find((c) => c.type === "Ready");
    const where = s.namespace ? `${s.namespace}/${s.name ?? "?"}` : (s.name ?? "?");
    return `  ${s.kind ?? "Object"} ${where}: ${s.complianceState ?? "Unknown"}${ready?.message ? `: ${ready.message}` : ""}`;
}

/**
 * A tenant's report: one line with the verdict, the configuration's complianceState, provisioningState (with ARM's
 * errorMessage when provisioning failed) and sourceSyncedCommitId, then one line per object it reports (statuses[]:
 * kind, namespace/name, complianceState, the Ready condition's message).
 */
export function tenantReportLines(reading: TenantReading, verdict: TenantVerdict, clusterName: string): string[] {
    const { tenant, config } = reading;
    if (!config) {
        const what = `Flux configuration ${tenant.configurationName} not found on ${clusterName}`;
        return [
            verdict === "FAILED"
                ? `${tenantName(tenant)}: FAILED: ${what}: was \`pulumi up\` run for this stack since the tenant was added?`
                : `${tenantName(tenant)}: not found: ${what}`,
        ];
    }
    const provisioning = `provisioning ${config.provisioningState ?? "unknown"}${
        config.provisioningState === "Failed" && config.errorMessage ? ` (${config.errorMessage})` : ""
    }`;
    const source = `source ${config.sourceSyncedCommitId || "not synced yet"}`;
    const statuses = (config.statuses ?? []).filter((s): s is ObjectStatusDefinition => s !== null && s !== undefined);
    return [
        `${tenantName(tenant)}: ${verdict} (${tenant.configurationName} ${config.complianceState ?? "Unknown"}, ${provisioning}, ${source})`,
        ...statuses.map(statusLine),
    ];
}
