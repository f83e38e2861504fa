// Entry point: one stack = one AKS cluster that reconciles its fleet path with Flux.
// Config is read and validated first; a mistake stops the program before any resource is registered.
import { GitOpsCluster } from "./components/GitOpsCluster";
import { loadStackConfig } from "./stacks/load";

export = async () => {
    const config = loadStackConfig();
    const cluster = new GitOpsCluster(config.clusterName, { config });
    return cluster.outputs;
};
