import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Capture } from "../../offline/program";
import {
    at,
    azureValue,
    baseConfig,
    isSecretValue,
    one,
    revealed,
    run,
    TEST_SSH_KEY,
    withConfig,
} from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const EXTENSION = T.Extension;
const CONFIGURATION = T.FluxConfiguration;
const CREDENTIAL = T.FederatedIdentityCredential;
const ROLE = T.RoleAssignment;

const decode = (b64: unknown) => Buffer.from(String(b64), "base64").toString("utf8");

// Published host-key fingerprints, stated literally: Azure DevOps ("RSA key fingerprint is
// SHA256:ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og", MicrosoftDocs/azure-devops-docs
// docs/repos/git/use-ssh-keys-to-authenticate.md) and GitHub's Ed25519 key (github/docs
// content/authentication/keeping-your-account-and-data-secure/githubs-ssh-key-fingerprints.md).
const AZURE_DEVOPS_RSA = "SHA256:ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og";
const GITHUB_ED25519 = "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU";

/** `host type SHA256:<fingerprint>` per known_hosts line, computed as `ssh-keygen -lf` does (unpadded base64 SHA-256 of the key blob). */
function fingerprints(knownHosts: string): string[] {
    return knownHosts
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.startsWith("#"))
        .map((l) => {
            const [host, type, key] = l.trim().split(/\s+/);
            return `${host} ${type} SHA256:${createHash("sha256").update(Buffer.from(key, "base64")).digest("base64").replace(/=+$/, "")}`;
        });
}

describe("FluxGitOps", () => {
    sharedCaptures();
    let prod: Capture;
    let dev: Capture;
    before(async () => {
        prod = await run(baseConfig("prod"));
        dev = await run(baseConfig("dev"));
    });
    const extension = (c: Capture) => one(c, EXTENSION).inputs;
    const settings = (c: Capture) => extension(c).configurationSettings as Record<string, string>;
    const configuration = (c: Capture) => one(c, CONFIGURATION).inputs;

    it("installs microsoft.flux on the AKS cluster, cluster-scoped in flux-system", () => {
        const e = extension(prod);
        assert.equal(e.extensionType, "microsoft.flux");
        assert.equal(e.clusterRp, "Microsoft.ContainerService");
        assert.equal(e.clusterResourceName, "managedClusters");
        assert.equal(e.clusterName, "aks-prod-westeurope");
        assert.deepEqual(e.scope, { cluster: { releaseNamespace: "flux-system" } });
    });

    it("hands the controllers the Flux identity through workload identity", () => {
        assert.equal(settings(prod)["workloadIdentity.enable"], "true");
        assert.equal(
            settings(prod)["workloadIdentity.azureClientId"],
            azureValue(prod, "prod-westeurope-flux-identity-identity.clientId"),
        );
        assert.equal(settings(prod)["workloadIdentity.azureTenantId"], azureValue(prod, "azure.tenantId"));
    });

    it("switches off the controllers the fleet does not use", async () => {
        assert.equal(settings(prod)["image-automation-controller.enabled"], "false");
        assert.equal(settings(prod)["image-reflector-controller.enabled"], "false");
        // On in prod: the fleet renders Flux Provider/Alerts there (fleet.notifications, clusters/<cluster>/notifications).
        assert.equal(settings(prod)["notification-controller.enabled"], "true");
        assert.equal(settings(dev)["notification-controller.enabled"], "false");
        assert.equal(settings(prod)["helm-controller.enabled"], "true", "the fleet's infrastructure is HelmReleases");
        const noHelm = await run(withConfig(baseConfig("dev"), { flux: { controllers: { helm: false } } }));
        assert.equal(settings(noHelm)["helm-controller.enabled"], "false");
    });

    it("pins the extension version in prod and follows the Stable train in dev", () => {
        assert.equal(extension(prod).version, "1.24.1");
        assert.equal(
            extension(prod).autoUpgradeMinorVersion,
            false,
            "a pinned version needs autoUpgradeMinorVersion false",
        );
        // The SDK fills releaseTrain "Stable" by default; it is ignored while autoUpgradeMinorVersion is false.
        assert.equal(extension(dev).version, undefined);
        assert.equal(extension(dev).autoUpgradeMinorVersion, true);
        assert.equal(extension(dev).releaseTrain, "Stable");
    });

    it("uses only SHA-2 host key algorithms with Azure DevOps", async () => {
        assert.equal(
            settings(prod)["source-controller.ssh-host-key-args"],
            "--ssh-hostkey-algos=rsa-sha2-512,rsa-sha2-256",
        );
        const github = await run(
            withConfig(baseConfig("dev"), {
                flux: {
                    git: {
                        url: "ssh://git@github.com/contoso/fleet.git",
                        knownHosts:
                            "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
                    },
                },
            }),
        );
        assert.equal(settings(github)["source-controller.ssh-host-key-args"], undefined);
        assert.deepEqual(
            fingerprints(decode(at(configuration(github), "gitRepository.sshKnownHosts"))),
            [`github.com ssh-ed25519 ${GITHUB_ED25519}`],
            "the configured known_hosts reach Flux as given",
        );
    });

    it("points a cluster-scoped configuration at the fleet repo over SSH with pinned host keys", () => {
        const f = configuration(prod);
        assert.equal(f.fluxConfigurationName, "flux-system");
        assert.equal(f.scope, "cluster");
        assert.equal(f.namespace, "flux-system");
        assert.equal(f.sourceKind, "GitRepository");
        assert.equal(at(f, "gitRepository.url"), "ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet");
        assert.deepEqual(at(f, "gitRepository.repositoryRef"), { branch: "main" });
        assert.equal(at(f, "gitRepository.syncIntervalInSeconds"), 300);
        assert.deepEqual(
            fingerprints(decode(at(f, "gitRepository.sshKnownHosts"))),
            [`ssh.dev.azure.com ssh-rsa ${AZURE_DEVOPS_RSA}`],
            "the key Azure DevOps publishes, and only it",
        );
    });

    it("passes the deploy key base64-encoded in protected settings, as a secret", () => {
        const protectedSettings = configuration(prod).configurationProtectedSettings;
        assert.ok(isSecretValue(protectedSettings), "protected settings must be a secret in state and in plans");
        assert.equal(decode((revealed(protectedSettings) as Record<string, string>).sshPrivateKey), TEST_SSH_KEY);
    });

    it("uses HTTPS credentials for an https:// repo", async () => {
        const https = await run(
            // known_hosts set too: they mean nothing to an https:// repo and must not reach Flux.
            withConfig(baseConfig("dev"), {
                flux: {
                    git: {
                        url: "https://dev.azure.com/contoso/platform/_git/fleet",
                        httpsUser: "flux",
                        knownHosts: "dev.azure.com ssh-rsa AAAAB3NzaC1yc2E",
                    },
                },
            }),
            { gitHttpsPassword: "pat-for-tests" },
        );
        const f = configuration(https);
        assert.equal(at(f, "gitRepository.httpsUser"), "flux");
        assert.equal(at(f, "gitRepository.sshKnownHosts"), undefined);
        assert.deepEqual(revealed(f.configurationProtectedSettings), {
            httpsKey: Buffer.from("pat-for-tests").toString("base64"),
        });
    });

    it("creates one kustomization per configured entry with path, prune, dependsOn and intervals", async () => {
        const c = await run(
            withConfig(baseConfig("dev"), {
                flux: {
                    kustomizations: {
                        infra: {
                            path: "./infrastructure",
                            syncIntervalSeconds: 900,
                            retryIntervalSeconds: 60,
                            timeoutSeconds: 300,
                        },
                        cluster: { path: "./clusters/dev-westeurope", dependsOn: ["infra"], prune: false },
                    },
                },
            }),
        );
        const k = configuration(c).kustomizations as Record<string, Record<string, unknown>>;
        assert.deepEqual(Object.keys(k).sort(), ["cluster", "infra"]);
        assert.equal(k.infra.path, "./infrastructure");
        assert.equal(k.infra.syncIntervalInSeconds, 900);
        assert.equal(k.infra.retryIntervalInSeconds, 60);
        assert.equal(k.infra.timeoutInSeconds, 300);
        assert.equal(k.infra.prune, true);
        assert.deepEqual(k.cluster.dependsOn, ["infra"]);
        assert.equal(k.cluster.prune, false);
    });

    it("substitutes the cluster's facts into what the configuration applies", () => {
        const k = configuration(prod).kustomizations as Record<string, Record<string, unknown>>;
        assert.deepEqual(at(k.cluster, "postBuild.substitute"), {
            CLUSTER_NAME: "prod-westeurope",
            ENVIRONMENT: "prod",
            REGION: "westeurope",
            SOPS_KEY_VAULT_URI: "https://kv-test-sops-prod.vault.azure.net/",
            FLUX_IDENTITY_CLIENT_ID: azureValue(prod, "prod-westeurope-flux-identity-identity.clientId"),
        });
    });

    it("waits for the extension, the kustomize-controller credential and the decrypt grant before the first reconciliation", () => {
        const deps = one(prod, CONFIGURATION).dependencies;
        assert.ok(deps.includes(one(prod, EXTENSION).urn), "the extension's CRDs must exist");
        assert.ok(
            deps.includes(one(prod, CREDENTIAL, "-kustomize-controller").urn),
            "SOPS needs kustomize-controller's token exchange",
        );
        assert.ok(deps.includes(one(prod, ROLE, "-decrypt").urn), "SOPS needs the decrypt grant");
    });

    it("does not make pulumi up wait for reconciliation (verify does that)", () => {
        assert.equal(configuration(prod).waitForReconciliation, false);
    });
});
