// Hand-made plan resources for in-process preflight check tests: the few ArmResource fields a check reads, shaped as the
// offline plan (preflight/stack.ts factsFrom) records them for this program's cluster (the prod stack's plan:
// agentPoolProfiles with vmSize, maxCount, availabilityZones, enableEncryptionAtHost; addonProfiles;
// azureMonitorProfile). Planning a real stack costs seconds; these cost nothing, and a test names only what it varies.
import type { ArmResource, StackFacts } from "../../preflight/stack";

const SUBSCRIPTION = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";

/** One agentPoolProfiles entry (ManagedCluster inputs), as the program plans it (autoscaled; counts from its config). */
export type PoolProfile = Record<string, unknown> & { name: string };

export function pool(name: string, fields: Record<string, unknown> = {}): PoolProfile {
    return {
        name,
        vmSize: "Standard_D4ds_v5",
        enableAutoScaling: true,
        count: 3,
        minCount: 3,
        maxCount: 5,
        availabilityZones: ["1", "2", "3"],
        enableEncryptionAtHost: true,
        mode: name === "system" ? "System" : "User",
        ...fields,
    };
}

/** A plan resource of an ARM type; the Pulumi name, URN and mock id follow the program's naming. */
export function armResource(
    type: string,
    names: string[],
    inputs: Record<string, unknown> = {},
    resourceGroup = "rg-aks-prod-westeurope",
): ArmResource {
    const token = `azure-native:${type.split("/")[0].replace("Microsoft.", "").toLowerCase()}:${type.split("/").pop()}`;
    const path = names
        .map(
            (n, i) =>
                `${type
                    .split("/")
                    .slice(0, i + 2)
                    .pop()}/${n}`,
        )
        .join("/");
    return {
        urn: `urn:pulumi:prod::aks-gitops::${token}::${names.join("-")}`,
        name: names.join("-"),
        token,
        type,
        names,
        apiVersion: "2025-09-01",
        placement: { kind: "resourceGroup", resourceGroup },
        mockId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${resourceGroup}/providers/${type.split("/")[0]}/${path}`,
        inputs,
        rawInputs: inputs,
        dependsOn: [],
    };
}

/** A planned AKS cluster (Microsoft.ContainerService/managedClusters) in `location` with the given pools and extras. */
export function managedCluster(
    name: string,
    location: string,
    pools: PoolProfile[],
    extra: Record<string, unknown> = {},
): ArmResource {
    return armResource(
        "Microsoft.ContainerService/managedClusters",
        [name],
        { location, agentPoolProfiles: pools, ...extra },
        `rg-${name}`,
    );
}

/** StackFacts holding only `resources`: the checks under test read nothing else (a partial, cast in this one place). */
export function factsWith(resources: ArmResource[]): StackFacts {
    return { resources } as Pick<StackFacts, "resources"> as StackFacts;
}
