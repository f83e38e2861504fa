import * as pulumi from "@pulumi/pulumi";
import * as kubernetesconfiguration from "@pulumi/azure-native/kubernetesconfiguration";
import type { FluxSettings } from "../stacks/schema";
import { FLUX_NAMESPACE } from "./FluxIdentity";

/** What FluxGitOps takes; the settings' defaults live in the stack's profile (stacks/profiles.ts). */
export interface FluxGitOpsArgs {
    resourceGroupName: pulumi.Input<string>;
    /** The AKS resource name; passing the cluster's output makes the extension wait for the cluster. */
    clusterName: pulumi.Input<string>;
    settings: FluxSettings;
    /** Known hosts lines for the fleet repo's SSH host (plain text; encoded here). Default: none (an https:// repo). */
    knownHosts?: string;
    /** The deploy key (a pulumi secret) for an ssh:// repo. Default: none (an https:// repo). */
    sshPrivateKey?: pulumi.Input<string>;
    /** The password or token (a pulumi secret) for an https:// repo. Default: none (a public repo). */
    httpsPassword?: pulumi.Input<string>;
    /** Client id of the Flux workload identity, handed to the extension's controllers. */
    identityClientId: pulumi.Input<string>;
    tenantId: pulumi.Input<string>;
    /** Variables every kustomization of the configuration substitutes (Flux postBuild) into what it applies. */
    substitutions: Record<string, pulumi.Input<string>>;
    /**
     * What must exist before the first reconciliation, so that it can already decrypt: the kustomize-controller
     * federated credential and the decrypt role assignment.
     */
    decryptReady: pulumi.Resource[];
}

export const FLUX_EXTENSION_TYPE = "microsoft.flux";
// Source: azure-management-docs tutorial-use-gitops-flux2.md, "Azure DevOps SSH-RSA deprecation".
export const AZURE_DEVOPS_HOSTKEY_ARGS = "--ssh-hostkey-algos=rsa-sha2-512,rsa-sha2-256";

/** Extensions and Flux configurations target an AKS cluster by these two (azure-native kubernetesconfiguration). */
export const clusterTarget = {
    clusterRp: "Microsoft.ContainerService",
    clusterResourceName: "managedClusters",
} as const;

const base64 = (value: string): string => Buffer.from(value, "utf8").toString("base64");

/** A Flux configuration's git source (the fleet repo's, and each tenant's app repository). */
export function gitRepository(git: { url: string; branch: string; knownHosts?: string; httpsUser?: string }) {
    return {
        url: git.url,
        repositoryRef: { branch: git.branch },
        // The API takes known_hosts base64-encoded (GitRepositoryDefinition.sshKnownHosts).
        sshKnownHosts: git.knownHosts ? base64(git.knownHosts) : undefined,
        httpsUser: git.httpsUser,
    };
}

/**
 * A Flux configuration's credentials as protected settings, base64-encoded (the keys the az CLI sends, Azure/
 * azure-cli-extensions src/k8s-configuration consts.py: sshPrivateKey, httpsKey); a secret, and never returned by ARM.
 */
export function gitProtectedSettings(credentials: {
    sshPrivateKey?: pulumi.Input<string>;
    httpsPassword?: pulumi.Input<string>;
}): pulumi.Output<Record<string, string>> | undefined {
    const settings: Record<string, pulumi.Output<string>> = {};
    if (credentials.sshPrivateKey) {
        settings.sshPrivateKey = pulumi.output(credentials.sshPrivateKey).apply(base64);
    }
    if (credentials.httpsPassword) {
        settings.httpsKey = pulumi.output(credentials.httpsPassword).apply(base64);
    }
    return Object.keys(settings).length > 0 ? pulumi.secret(pulumi.all(settings)) : undefined;
}

/** The microsoft.flux cluster extension and the Flux configuration that points the cluster at its fleet path. */
export class FluxGitOps extends pulumi.ComponentResource {
    readonly extension: kubernetesconfiguration.Extension;
    readonly configuration: kubernetesconfiguration.FluxConfiguration;

    constructor(name: string, args: FluxGitOpsArgs, opts?: pulumi.ComponentResourceOptions) {
        // The SDK records a component's inputs in the stack's state (pulumi/pulumi sdk/nodejs resource.ts,
        // ComponentResource): the git credentials are left out; the Flux configuration's protected settings carry them.
        super(
            "aks-gitops:index:FluxGitOps",
            name,
            { ...args, sshPrivateKey: undefined, httpsPassword: undefined },
            opts,
        );
        const s = args.settings;
        const pinned = s.extensionVersion !== null;
        const gitHost = new URL(s.git.url).hostname;

        this.extension = new kubernetesconfiguration.Extension(
            `${name}-extension`,
            {
                extensionName: "flux",
                extensionType: FLUX_EXTENSION_TYPE,
                ...clusterTarget,
                clusterName: args.clusterName,
                resourceGroupName: args.resourceGroupName,
                // Pinning needs autoUpgradeMinorVersion false; releaseTrain only applies while it is true
                // (azure-native kubernetesconfiguration/extension.d.ts).
                autoUpgradeMinorVersion: !pinned,
                releaseTrain: pinned ? undefined : "Stable",
                version: pinned ? s.extensionVersion! : undefined,
                // The extension is cluster-scoped and always installs into flux-system.
                scope: { cluster: { releaseNamespace: FLUX_NAMESPACE } },
                configurationSettings: extensionSettings(s, args.identityClientId, args.tenantId, gitHost),
            },
            { parent: this },
        );

        this.configuration = new kubernetesconfiguration.FluxConfiguration(
            `${name}-configuration`,
            {
                fluxConfigurationName: s.configurationName,
                ...clusterTarget,
                clusterName: args.clusterName,
                resourceGroupName: args.resourceGroupName,
                scope: "cluster",
                namespace: FLUX_NAMESPACE,
                sourceKind: "GitRepository",
                suspend: false,
                gitRepository: {
                    ...gitRepository({ ...s.git, knownHosts: args.knownHosts }),
                    syncIntervalInSeconds: s.git.syncIntervalSeconds,
                    timeoutInSeconds: s.git.timeoutSeconds,
                },
                configurationProtectedSettings: gitProtectedSettings(args),
                kustomizations: Object.fromEntries(
                    Object.entries(s.kustomizations).map(([key, k]) => [
                        key,
                        {
                            path: k.path,
                            dependsOn: k.dependsOn,
                            prune: k.prune,
                            wait: k.wait,
                            force: k.force,
                            syncIntervalInSeconds: k.syncIntervalSeconds,
                            retryIntervalInSeconds: k.retryIntervalSeconds,
                            timeoutInSeconds: k.timeoutSeconds,
                            postBuild: { substitute: args.substitutions },
                        },
                    ]),
                ),
                // `pulumi up` talks to ARM only; whether the cluster reconciled is `npm run verify`'s job.
                waitForReconciliation: false,
            },
            {
                parent: this,
                dependsOn: [this.extension, ...args.decryptReady],
                additionalSecretOutputs: ["configurationProtectedSettings"],
            },
        );

        this.registerOutputs({ extensionId: this.extension.id, configurationId: this.configuration.id });
    }
}

/** Extension settings are all strings. Keys: azure-management-docs tutorial-use-gitops-flux2.md. */
export function extensionSettings(
    s: FluxSettings,
    identityClientId: pulumi.Input<string>,
    tenantId: pulumi.Input<string>,
    gitHost: string,
): Record<string, pulumi.Input<string>> {
    const flag = (on: boolean) => (on ? "true" : "false");
    return {
        // Workload identity for the controllers (extension >= 1.8.0); the key is "enable", not "enabled".
        "workloadIdentity.enable": "true",
        "workloadIdentity.azureClientId": identityClientId,
        "workloadIdentity.azureTenantId": tenantId,
        // Configurations apply as flux-applier with no cross-namespace references (the extension's default, stated).
        "multiTenancy.enforce": "true",
        "source-controller.enabled": "true",
        "kustomize-controller.enabled": "true",
        "helm-controller.enabled": flag(s.controllers.helm),
        "notification-controller.enabled": flag(s.controllers.notification),
        "image-automation-controller.enabled": flag(s.controllers.imageAutomation),
        "image-reflector-controller.enabled": flag(s.controllers.imageReflector),
        ...(gitHost === "ssh.dev.azure.com"
            ? { "source-controller.ssh-host-key-args": AZURE_DEVOPS_HOSTKEY_ARGS }
            : {}),
    };
}

/** Controllers that get a federated credential: kustomize-controller first, since SOPS decryption needs it. */
export function workloadIdentityControllers(s: FluxSettings): string[] {
    return [
        "kustomize-controller",
        "source-controller",
        ...(s.controllers.imageReflector ? ["image-reflector-controller"] : []),
        ...(s.controllers.imageAutomation ? ["image-automation-controller"] : []),
    ];
}
