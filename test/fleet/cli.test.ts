import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import type { Capture } from "../../offline/program";
import { loadStackFile, stackNames, withSecretPlaceholders } from "../../stacks/files";
import { ROOT } from "../../stacks/paths";
import { runProgram } from "../../offline/program";
import { fleetFiles, main } from "../../fleet/cli";
import { goDuration } from "../../fleet/layout";
import { all, one, stackSetting } from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const EXAMPLE = join(ROOT, "examples", "fleet");
const KUSTOMIZATION = T.FluxKustomization;

describe("fleet bootstrap (FleetManifests, npm run fleet, examples/fleet)", () => {
    sharedCaptures();
    const captures = new Map<string, Capture>();
    before(async () => {
        for (const stack of stackNames()) {
            // Standby stacks as they run once activated: the Flux configuration is what the fleet files pair with.
            const input = withSecretPlaceholders(loadStackFile(stack));
            captures.set(
                stack,
                await runProgram({ ...input, config: { ...input.config, "aks-gitops:standby": "false" } }),
            );
        }
    });
    const config = (stack: string, key: string) => stackSetting<Record<string, string> & string>(stack, key);

    it("renders one Flux Kustomization per layer, apps after infrastructure and its configs, each decrypting with SOPS", () => {
        for (const [stack, c] of captures) {
            const objects = all(c, KUSTOMIZATION).map(
                (r) => r.inputs as { metadata: { name: string; namespace: string }; spec: Record<string, unknown> },
            );
            // The staging and prod profiles turn monitoring and notifications on; dev has neither.
            const hardened = (config(stack, "environment") as unknown as string) !== "dev";
            const layers = [
                "apps",
                "infrastructure",
                "infrastructure-configs",
                ...(hardened ? ["monitoring", "notifications"] : []),
            ];
            assert.deepEqual(objects.map((o) => o.metadata.name).sort(), layers.sort(), stack);
            for (const o of objects) {
                assert.deepEqual(
                    o.spec.decryption,
                    { provider: "sops" },
                    `${stack}/${o.metadata.name}: no secretRef, workload identity decrypts`,
                );
                assert.equal(
                    o.metadata.namespace,
                    "flux-system",
                    "multi-tenancy: same namespace as the Flux configuration",
                );
                assert.deepEqual(o.spec.sourceRef, {
                    kind: "GitRepository",
                    name:
                        (config(stack, "flux") as Record<string, string> | undefined)?.configurationName ??
                        "flux-system",
                });
                assert.equal(o.spec.prune, true);
            }
            const apps = objects.find((o) => o.metadata.name === "apps")!;
            // The apps' HTTPRoutes attach to the Gateway that infrastructure-configs creates: apps wait for it.
            assert.deepEqual(apps.spec.dependsOn, [{ name: "infrastructure" }, { name: "infrastructure-configs" }]);
            assert.equal(apps.spec.path, `./clusters/${config(stack, "clusterName")}/apps`);
            assert.equal(objects.find((o) => o.metadata.name === "infrastructure")!.spec.path, "./infrastructure");
            // The objects of the charts' CRDs (Gateway, GatewayClass) apply after the charts.
            const configs = objects.find((o) => o.metadata.name === "infrastructure-configs")!;
            assert.equal(configs.spec.path, "./infrastructure/configs");
            assert.deepEqual(configs.spec.dependsOn, [{ name: "infrastructure" }]);
            // Alerts depend on nothing: they must report a failing infrastructure layer.
            const notifications = objects.find((o) => o.metadata.name === "notifications");
            assert.equal(
                notifications?.spec.dependsOn,
                undefined,
                `${stack}: notifications must not wait for other layers`,
            );
        }
    });

    it("names the GitRepository the Flux configuration creates (named after the configuration)", () => {
        for (const [, c] of captures) {
            const configuration = one(c, T.FluxConfiguration, "-flux-configuration").inputs.fluxConfigurationName;
            for (const r of all(c, KUSTOMIZATION)) {
                assert.equal((r.inputs.spec as { sourceRef: { name: string } }).sourceRef.name, configuration);
            }
        }
    });

    it("substitutes the cluster's facts, passing the identity's client id through from the Flux configuration", () => {
        for (const [stack, c] of captures) {
            for (const r of all(c, KUSTOMIZATION)) {
                assert.deepEqual((r.inputs.spec as { postBuild: unknown }).postBuild, {
                    substitute: {
                        CLUSTER_NAME: config(stack, "clusterName"),
                        ENVIRONMENT: config(stack, "environment"),
                        REGION: config(stack, "location"),
                        SOPS_KEY_VAULT_URI: c.outputs.sopsVaultUri.value,
                        FLUX_IDENTITY_CLIENT_ID: "${FLUX_IDENTITY_CLIENT_ID}",
                    },
                });
            }
            const fluxKustomizations = one(c, T.FluxConfiguration, "-flux-configuration").inputs
                .kustomizations as Record<string, { postBuild: { substitute: Record<string, string> } }>;
            for (const k of Object.values(fluxKustomizations)) {
                assert.ok(
                    k.postBuild.substitute.FLUX_IDENTITY_CLIENT_ID,
                    "the parent must define what the layers pass through",
                );
            }
        }
    });

    it("goes through a render-only Kubernetes provider, never a live cluster", () => {
        for (const [stack, c] of captures) {
            const provider = one(c, "pulumi:providers:kubernetes");
            assert.equal(provider.inputs.renderYamlToDirectory, `rendered/${config(stack, "clusterName")}`);
            assert.equal(
                provider.inputs.kubeconfig,
                undefined,
                "no kubeconfig: pulumi up needs no line to the API server",
            );
            for (const r of all(c, KUSTOMIZATION)) {
                assert.ok(r.provider?.startsWith(`${provider.urn}::`), `${r.name} must use the render provider`);
            }
        }
    });

    it("keeps examples/fleet/clusters/* exactly as the committed stacks render them (golden)", () => {
        const existingSops = readFileSync(join(EXAMPLE, ".sops.yaml"), "utf8");
        for (const [stack, c] of captures) {
            for (const [path, content] of fleetFiles(c, existingSops)) {
                const file = join(EXAMPLE, path);
                assert.ok(
                    existsSync(file),
                    `examples/fleet/${path} is missing: run npm run fleet -- --stack ${stack} --out examples/fleet`,
                );
                assert.equal(
                    readFileSync(file, "utf8"),
                    content,
                    `examples/fleet/${path} is out of date with stack ${stack}`,
                );
            }
        }
    });

    it("renders from the component's registered outputs, also when the SDK records no component inputs", async () => {
        // PULUMI_NODEJS_SKIP_COMPONENT_INPUTS=1: the SDK registers every component with empty inputs (pulumi/pulumi
        // sdk/nodejs resource.ts, ComponentResource); npm run fleet read FleetManifests' inputs and failed there.
        const input = withSecretPlaceholders(loadStackFile("prod"));
        const before = process.env.PULUMI_NODEJS_SKIP_COMPONENT_INPUTS;
        process.env.PULUMI_NODEJS_SKIP_COMPONENT_INPUTS = "1";
        let skipped: Capture;
        try {
            skipped = await runProgram(input);
        } finally {
            if (before === undefined) {
                delete process.env.PULUMI_NODEJS_SKIP_COMPONENT_INPUTS;
            } else {
                process.env.PULUMI_NODEJS_SKIP_COMPONENT_INPUTS = before;
            }
        }
        assert.deepEqual(
            one(skipped, T.FleetManifests).inputs,
            {},
            "the variable took effect: no component inputs recorded",
        );
        const existingSops = readFileSync(join(EXAMPLE, ".sops.yaml"), "utf8");
        const files = fleetFiles(skipped, existingSops);
        assert.ok(files.has("clusters/prod-westeurope/kustomization.yaml"));
        assert.deepEqual([...files], [...fleetFiles(captures.get("prod")!, existingSops)]);
    });

    it("has every committed stack's Flux configuration path in examples/fleet", () => {
        for (const [stack, c] of captures) {
            for (const path of Object.values(c.outputs.fleetPaths.value as Record<string, string>)) {
                assert.ok(
                    existsSync(join(EXAMPLE, path, "kustomization.yaml")),
                    `${stack}: ${path} must exist in examples/fleet`,
                );
            }
        }
    });

    it("gives .sops.yaml one rule per environment with its key", () => {
        const rules = (
            parse(readFileSync(join(EXAMPLE, ".sops.yaml"), "utf8")) as {
                creation_rules: { path_regex: string; azure_keyvault: string }[];
            }
        ).creation_rules;
        const environments = [...new Set(stackNames().map((s) => config(s, "environment") as string))].sort();
        assert.equal(rules.length, environments.length);
        for (const env of environments) {
            const rule = rules.find((r) => r.path_regex.includes(`clusters/${env}-`))!;
            assert.match(
                rule.azure_keyvault,
                new RegExp(`^https://kv-[a-z-]+-${env}\\.vault\\.azure\\.net/keys/sops-${env}$`),
            );
        }
    });

    it("formats intervals as Go durations", () => {
        assert.deepEqual([600, 90, 7200, 120].map(goDuration), ["10m", "90s", "2h", "2m"]);
    });

    it("writes a fleet checkout and then reports it up to date", async () => {
        const out = mkdtempSync(join(tmpdir(), "fleet-"));
        const written = await main(["--stack", "prod", "--out", out, "--scaffold"]);
        assert.equal(written.code, 0);
        assert.match(written.text, /clusters\/prod-westeurope\/infrastructure\.yaml/);
        assert.equal((await main(["--stack", "prod", "--out", out, "--check"])).code, 0);
        writeFileSync(join(out, "clusters/prod-westeurope/apps.yaml"), "tampered\n");
        const stale = await main(["--stack", "prod", "--out", out, "--check"]);
        assert.equal(stale.code, 1);
        assert.match(stale.text, /clusters\/prod-westeurope\/apps\.yaml/);
    });
});
