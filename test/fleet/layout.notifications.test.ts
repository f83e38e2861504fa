// Flux alerts per cluster (fleet.notifications): config checks, the rendered Provider/Alerts, and the address Secret
// that only ever travels SOPS-encrypted.
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { ConfigError, validateStackConfig } from "../../stacks/load";
import { ALERTS_SECRET, fluxKustomizations, notificationObjects } from "../../fleet/layout";
import { clusterFiles } from "../../fleet/repo-files";
import type { FleetLayoutArgs } from "../../fleet/layout";
import { all, baseConfig, ConfigObject, run, withConfig } from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

function problems(config: ConfigObject): string[] {
    try {
        validateStackConfig(config, { gitSshPrivateKey: true });
    } catch (e) {
        assert.ok(e instanceof ConfigError, (e as Error).message);
        return e.message
            .split("\n")
            .slice(1)
            .map((l) => l.trim().replace(/^- /, ""));
    }
    return [];
}

const ARGS: FleetLayoutArgs = {
    clusterName: "staging-westeurope",
    environment: "staging",
    namespace: "flux-system",
    gitRepositoryName: "flux-system",
    apps: ["my-service"],
    intervalSeconds: 600,
    retryIntervalSeconds: 120,
    timeoutSeconds: 600,
    facts: {},
    monitoring: false,
    notifications: "msteams",
};

describe("Flux notifications (fleet.notifications)", function () {
    sharedCaptures();
    this.timeout(60000);

    it("is on in prod with the notification-controller, off in dev", () => {
        const prod = validateStackConfig(baseConfig("prod"), { gitSshPrivateKey: true });
        const dev = validateStackConfig(baseConfig("dev"), { gitSshPrivateKey: true });
        assert.deepEqual(prod.fleet.notifications, { enabled: true, provider: "msteams" });
        assert.equal(prod.flux.controllers.notification, true);
        assert.equal(dev.fleet.notifications.enabled, false);
    });

    it("rejects alerts without the notification-controller, and an unknown provider, naming the key and what is allowed", () => {
        const off = problems(withConfig(baseConfig("prod"), { flux: { controllers: { notification: false } } }));
        assert.ok(
            off.some((p) =>
                p.startsWith(
                    "aks-gitops:flux.controllers.notification: must be true while fleet.notifications.enabled is true",
                ),
            ),
            off.join("\n"),
        );
        const slack = problems(withConfig(baseConfig("dev"), { fleet: { notifications: { provider: "slack" } } }));
        assert.ok(
            slack.some(
                (p) =>
                    p.startsWith("aks-gitops:fleet.notifications.provider:") &&
                    p.includes('"msteams"') &&
                    p.includes('"generic"'),
            ),
            slack.join("\n"),
        );
    });

    it("registers Provider and Alerts in the render-only fleet, the Provider reading its address from a Secret", async () => {
        const c = await run(
            withConfig(baseConfig("dev"), {
                flux: { controllers: { notification: true } },
                fleet: { notifications: { enabled: true, provider: "generic" } },
            }),
        );
        const provider = all(c, T.FluxProvider);
        assert.equal(provider.length, 1);
        assert.deepEqual(
            (provider[0].inputs as { spec: unknown }).spec,
            { type: "generic", secretRef: { name: ALERTS_SECRET } },
            "no address in Git or config",
        );
        assert.equal(all(c, T.FluxAlert).length, 2);
        const dev = await run(baseConfig("dev"));
        assert.equal(all(dev, T.FluxProvider).length, 0);
    });

    it("alerts on every error, and on the changes Flux applies so reverted manual edits reach the channel", () => {
        const [, failures, changes] = notificationObjects(ARGS, "msteams") as { spec: Record<string, unknown> }[];
        assert.equal(failures.spec.eventSeverity, "error");
        assert.deepEqual(
            (failures.spec.eventSources as { kind: string }[]).map((s) => s.kind),
            ["GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Kustomization", "HelmRelease"],
        );
        assert.equal(changes.spec.eventSeverity, "info");
        const include = (changes.spec.inclusionList as string[]).map((r) => new RegExp(r));
        const forwarded = (message: string) => include.some((r) => r.test(message));
        // kustomize-controller's change set after reverting a `kubectl edit`, and helm-controller's drift correction.
        assert.ok(forwarded("Deployment/my-service/my-service configured"));
        assert.ok(
            forwarded("HorizontalPodAutoscaler/my-service/my-service created\nService/my-service/my-service deleted"),
        );
        assert.ok(
            forwarded(
                "Cluster state of release envoy-gateway-system-envoy-gateway.v3 has been corrected:\nDeployment/envoy-gateway-system/envoy-gateway changed",
            ),
        );
        assert.ok(forwarded("Helm upgrade succeeded for release flagger-system/flagger.v4 with chart flagger@1.44.1"));
        assert.ok(!forwarded("Health check passed in 2.1s"));
        assert.ok(!forwarded("Reconciliation finished in 1.2s, next run in 10m0s"));
        assert.ok(!forwarded("Dependencies do not meet ready condition, retrying in 30s"));
    });

    it("renders the layer with a Secret template beside it, and lists the encrypted Secret once the team adds it", () => {
        const objects = fluxKustomizations(ARGS);
        const layer = notificationObjects(ARGS, "msteams");
        const dir = "clusters/staging-westeurope/notifications";
        const before = clusterFiles(objects, ARGS, layer);
        const resources = (files: Map<string, string>) =>
            (parse(files.get(`${dir}/kustomization.yaml`)!) as { resources: string[] }).resources;
        assert.deepEqual(resources(before), [
            "provider-flux-alerts.yaml",
            "alert-reconciliation-failures.yaml",
            "alert-applied-changes.yaml",
        ]);
        assert.ok(
            before
                .get(`${dir}/${ALERTS_SECRET}.enc.yaml.example`)!
                .includes("address: <https://webhook-address-of-the-channel>"),
        );
        const after = clusterFiles(objects, ARGS, layer, (d) =>
            d === dir ? [`${ALERTS_SECRET}.enc.yaml`, `${ALERTS_SECRET}.enc.yaml.example`, "notes.txt"] : [],
        );
        assert.deepEqual(resources(after), [
            "provider-flux-alerts.yaml",
            "alert-reconciliation-failures.yaml",
            "alert-applied-changes.yaml",
            `${ALERTS_SECRET}.enc.yaml`,
        ]);
    });
});
