// Entry point: one stack = one AKS cluster that reconciles its fleet path with Flux.
// Config is read and validated first; a mistake stops the program before any resource is registered.
import { getClientConfig } from "@pulumi/azure-native/authorization";
import { GitOpsCluster } from "./components/GitOpsCluster";
import { loadStackConfig } from "./stacks/load";

export = async () => {
    const config = loadStackConfig();
    // The subscription and tenant are needed as plain values (ids of resources to adopt, role definition ids).
    const { subscriptionId, tenantId } = await getClientConfig();
    const cluster = new GitOpsCluster(config.clusterName, { config, azure: { subscriptionId, tenantId } });
    return cluster.outputs;
};
