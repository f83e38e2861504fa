// Entry point: one stack = one AKS cluster that reconciles its fleet path with Flux.
// Config is read and validated first; a mistake stops the program before any resource is registered.
import { getClientConfig } from "@pulumi/azure-native/authorization";
import { GitOpsCluster, gitOpsClusterArgs } from "./components/GitOpsCluster";
import { ConfigError, loadStackConfig } from "./stacks/load";
import { subscriptionRules } from "./stacks/schema";

export = async () => {
    const config = loadStackConfig();
    // The subscription and tenant are needed as plain values (ids of resources to adopt, role definition ids).
    const { subscriptionId, tenantId } = await getClientConfig();
    // The config rule that needs the subscription (stacks/schema.ts, with every other rule).
    const issues = subscriptionRules(config.sops.admitEgressPrefixIds, subscriptionId);
    if (issues.length > 0) {
        throw new ConfigError(issues);
    }
    const cluster = new GitOpsCluster(config.clusterName, gitOpsClusterArgs(config, { subscriptionId, tenantId }));
    return cluster.outputs;
};
