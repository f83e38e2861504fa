// The per-cluster bootstrap that belongs in the fleet repo: one Flux Kustomization per layer, with SOPS decryption,
// and the directory layout it is written in. FleetManifests registers these objects; `npm run fleet` writes the files
// from the registered objects. This module is the only definition of both.
import { parse, stringify } from "yaml";
import type { Environment } from "../stacks/schema";

/** The subset of kustomize.toolkit.fluxcd.io/v1 Kustomization this program writes (fluxcd/website kustomizations spec). */
export interface FluxKustomization {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1";
    kind: "Kustomization";
    metadata: { name: string; namespace: string };
    spec: {
        interval: string;
        retryInterval: string;
        timeout: string;
        path: string;
        prune: boolean;
        wait: boolean;
        sourceRef: { kind: "GitRepository"; name: string };
        dependsOn?: { name: string }[];
        decryption: { provider: "sops" };
        postBuild: { substitute: Record<string, string> };
    };
}

export interface FleetLayoutArgs {
    clusterName: string;
    environment: Environment;
    /** Namespace of the Flux configuration; with multi-tenancy enforced, child objects must live in it. */
    namespace: string;
    /** The GitRepository the Flux configuration creates: it is named after the configuration. */
    gitRepositoryName: string;
    /** Apps deployed on this cluster: each is apps/<app>/overlays/<environment> in the fleet repo. */
    apps: string[];
    intervalSeconds: number;
    retryIntervalSeconds: number;
    timeoutSeconds: number;
    /** Variables substituted into everything a layer applies. */
    facts: Record<string, string>;
}

/** Go duration text Flux accepts ("10m", "90s"). */
export function goDuration(seconds: number): string {
    if (seconds % 3600 === 0) {
        return `${seconds / 3600}h`;
    }
    return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

export function clusterDir(clusterName: string): string {
    return `clusters/${clusterName}`;
}

/** Layers in apply order: shared infrastructure first, then this cluster's apps. */
export function fluxKustomizations(a: FleetLayoutArgs): FluxKustomization[] {
    const layer = (name: string, path: string, dependsOn: string[]): FluxKustomization => ({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name, namespace: a.namespace },
        spec: {
            interval: goDuration(a.intervalSeconds),
            retryInterval: goDuration(a.retryIntervalSeconds),
            timeout: goDuration(a.timeoutSeconds),
            path,
            prune: true,
            wait: true,
            // Same-namespace reference: the extension enforces multi-tenancy (no cross-namespace refs).
            sourceRef: { kind: "GitRepository", name: a.gitRepositoryName },
            ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((d) => ({ name: d })) } : {}),
            // No secretRef: kustomize-controller decrypts with its workload identity (fluxcd/website
            // content/en/flux/integrations/azure.md; Azure/azure-cli issue 26147).
            decryption: { provider: "sops" },
            postBuild: { substitute: { ...a.facts } },
        },
    });
    return [layer("infrastructure", "./infrastructure", []), layer("apps", `./${clusterDir(a.clusterName)}/apps`, ["infrastructure"])];
}

/** File name of a bootstrap object inside the cluster directory. */
export function fileFor(object: { metadata: { name: string } }): string {
    return `${object.metadata.name}.yaml`;
}

const HEADER = "# Rendered by `npm run fleet` from the aks-gitops stack. Edit the stack config, not this file.\n";

/**
 * The files of clusters/<cluster>/: one file per Flux Kustomization, the kustomization.yaml that the Flux
 * configuration applies, and apps/kustomization.yaml selecting the environment's overlay of each app.
 */
export function clusterFiles(objects: FluxKustomization[], a: Pick<FleetLayoutArgs, "clusterName" | "environment" | "apps">): Map<string, string> {
    const dir = clusterDir(a.clusterName);
    const files = new Map<string, string>();
    for (const o of objects) {
        files.set(`${dir}/${fileFor(o)}`, HEADER + stringify(o));
    }
    files.set(
        `${dir}/kustomization.yaml`,
        HEADER + stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: objects.map(fileFor) }),
    );
    files.set(
        `${dir}/apps/kustomization.yaml`,
        HEADER +
            stringify({
                apiVersion: "kustomize.config.k8s.io/v1beta1",
                kind: "Kustomization",
                resources: a.apps.map((app) => `../../../apps/${app}/overlays/${a.environment}`),
            }),
    );
    return files;
}

interface SopsRule {
    path_regex?: string;
    [key: string]: unknown;
}

/** Puts `rule` into an existing .sops.yaml (replacing the rule with the same path_regex), keeping the others. */
export function mergeSopsConfig(existing: string | undefined, rule: SopsRule): string {
    const doc = (existing ? parse(existing) : undefined) as { creation_rules?: SopsRule[] } | null | undefined;
    const rules = (doc?.creation_rules ?? []).filter((r) => r.path_regex !== rule.path_regex);
    rules.push(rule);
    rules.sort((x, y) => String(x.path_regex).localeCompare(String(y.path_regex)));
    return `# One creation rule per environment: each sends its files to that environment's key.\n${stringify({ creation_rules: rules })}`;
}
