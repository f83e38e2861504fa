// Entry point: one stack = one AKS cluster that reconciles its fleet path with Flux.
// Config is read and validated first; a mistake stops the program before any resource is registered.
import { getClientConfig } from "@pulumi/azure-native/authorization";
import { GitOpsCluster, gitOpsClusterArgs } from "./components/GitOpsCluster";
import { ConfigError, loadStackConfig } from "./stacks/load";
import { parseArmId } from "./stacks/schema";

export = async () => {
    const config = loadStackConfig();
    // The subscription and tenant are needed as plain values (ids of resources to adopt, role definition ids).
    const { subscriptionId, tenantId } = await getClientConfig();
    // The owner reads the admitted prefixes with the stack's own provider, so they must be in the same subscription.
    const foreign = config.sops.admitEgressPrefixIds.findIndex((id) => {
        const sub = parseArmId(id).subscriptionId;
        return sub !== undefined && sub.toLowerCase() !== subscriptionId.toLowerCase();
    });
    if (foreign >= 0) {
        throw new ConfigError([
            {
                path: ["sops", "admitEgressPrefixIds", foreign],
                message: `must be in the subscription this stack deploys to (${subscriptionId}); leave the /subscriptions/<id> part out`,
            },
        ]);
    }
    const cluster = new GitOpsCluster(config.clusterName, gitOpsClusterArgs(config, { subscriptionId, tenantId }));
    return cluster.outputs;
};
