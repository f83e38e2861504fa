// Reads a Flux configuration as ARM reports it (GET fluxConfigurations, api-version 2023-05-01) and decides whether the
// cluster has reconciled, is still on its way, or is failing. Field names and values: Azure/azure-rest-api-specs
// kubernetesconfiguration stable/2023-05-01 fluxconfiguration.json and examples/GetFluxConfiguration.json.
import type { FluxConfiguration, ObjectStatusDefinition } from "@azure/arm-kubernetesconfiguration";

export interface ObjectState {
    /** kind/name, e.g. Kustomization/flux-system-cluster. */
    name: string;
    ready: boolean;
    reason?: string;
    message?: string;
}

export interface Assessment {
    state: "reconciled" | "progressing" | "failing";
    /** One line for the progress log. */
    summary: string;
    kustomizations: ObjectState[];
    /** The objects (or the configuration itself) that are failing, with Flux's reason and message. */
    failing: ObjectState[];
}

// Ready=False reasons that mean "not yet" rather than "broken" (Flux kustomize-controller and source-controller).
const PENDING_REASONS = new Set([
    "Progressing",
    "DependencyNotReady",
    "ProgressingWithRetry",
    "ReconciliationInProgress",
    "ArtifactInStorage",
    "",
]);

function readyOf(status: ObjectStatusDefinition): ObjectState {
    const ready = status.statusConditions?.find((c) => c.type === "Ready");
    return {
        name: `${status.kind ?? "Object"}/${status.name ?? "?"}`,
        ready: ready?.status === "True",
        reason: ready?.reason,
        message: ready?.message,
    };
}

export function assess(config: FluxConfiguration): Assessment {
    const statuses = (config.statuses ?? []).filter((s): s is ObjectStatusDefinition => s !== null && s !== undefined);
    const kustomizations = statuses.filter((s) => s.kind === "Kustomization").map(readyOf);
    const sources = statuses
        .filter((s) => s.kind === "GitRepository" || s.kind === "Bucket" || s.kind === "AzureBlob")
        .map(readyOf);
    const expected = Object.keys(config.kustomizations ?? {}).map((k) => `Kustomization/${config.name}-${k}`);
    const ready = kustomizations.filter((k) => k.ready).length;
    const counts = `${ready}/${kustomizations.length} kustomizations ready`;

    if (config.provisioningState === "Failed") {
        const failing = [
            {
                name: `FluxConfiguration/${config.name}`,
                ready: false,
                reason: "ProvisioningFailed",
                message: config.errorMessage || "provisioning failed",
            },
        ];
        return { state: "failing", summary: `provisioning failed: ${failing[0].message}`, kustomizations, failing };
    }
    if (config.suspend || config.complianceState === "Suspended") {
        const failing = [
            {
                name: `FluxConfiguration/${config.name}`,
                ready: false,
                reason: "Suspended",
                message: "the configuration is suspended",
            },
        ];
        return { state: "failing", summary: "suspended", kustomizations, failing };
    }
    const broken = [...sources, ...kustomizations].filter(
        (o) => !o.ready && o.reason !== undefined && !PENDING_REASONS.has(o.reason),
    );
    if (broken.length > 0) {
        return {
            state: "failing",
            summary: `${config.complianceState ?? "Unknown"}, ${counts}; failing: ${broken.map((b) => `${b.name} (${b.reason})`).join(", ")}`,
            kustomizations,
            failing: broken,
        };
    }
    const missing = expected.filter((name) => !kustomizations.some((k) => k.name === name));
    if (
        config.complianceState === "Compliant" &&
        kustomizations.length > 0 &&
        ready === kustomizations.length &&
        missing.length === 0
    ) {
        return { state: "reconciled", summary: `Compliant, ${counts}`, kustomizations, failing: [] };
    }
    const waiting = kustomizations.filter((k) => !k.ready).map((k) => `${k.name}${k.reason ? ` (${k.reason})` : ""}`);
    const detail = [...waiting, ...missing.map((m) => `${m} (not reported yet)`)];
    return {
        state: "progressing",
        summary: `${config.complianceState ?? "Unknown"}, ${counts}${detail.length > 0 ? `; waiting for ${detail.join(", ")}` : ""}`,
        kustomizations,
        failing: [],
    };
}
