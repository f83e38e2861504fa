// fleet/cli.ts fleetFiles: the files `npm run fleet` writes, read from what the program registered (the FleetManifests
// component's outputs and its Kubernetes children, the stack output sopsCreationRule). A program that registered
// something else is refused with a message that says what is missing, never a TypeError, and nothing is written.
import * as assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fleetFiles, runCli } from "../../fleet/cli";
import { lazy } from "../../cli/lazy";
import type { Capture } from "../../offline/program";
import { runProgram } from "../../offline/program";
import { loadStackFile, withSecretPlaceholders } from "../../stacks/files";
import { runCliInProcess } from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const NO_COMPONENT = "the program registered no FleetManifests component with its outputs";
const NOT_ONE_RULE = "the stack output sopsCreationRule is not a single .sops.yaml creation rule";
const DEV_RULE = [
    "- path_regex: (^|/)(clusters/dev-[^/]+|apps/[^/]+/overlays/dev)/.*\\.enc\\.ya?ml$",
    "  encrypted_regex: ^(data|stringData)$",
    "  azure_keyvault: https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev",
    "",
].join("\n");

describe("fleetFiles: what npm run fleet reads from the program", () => {
    sharedCaptures();
    let dev: Capture;
    let component: string;
    before(async () => {
        dev = await runProgram(withSecretPlaceholders(loadStackFile("dev")));
        component = dev.resources.find((r) => r.type === T.FleetManifests)!.urn;
    });
    const withOutput = (value: unknown): Capture => ({
        ...dev,
        outputs: { ...dev.outputs, sopsCreationRule: { ...dev.outputs.sopsCreationRule, value } },
    });

    it("states the rule the dev stack outputs (the literal above)", () => {
        assert.equal(dev.outputs.sopsCreationRule.value, DEV_RULE);
    });

    it("refuses a program without the FleetManifests component, or one that registered no layout", () => {
        const without = { ...dev, resources: dev.resources.filter((r) => r.type !== T.FleetManifests) };
        assert.throws(() => fleetFiles(without), { message: NO_COMPONENT });
        assert.throws(() => fleetFiles({ ...dev, registeredOutputs: new Map() }), { message: NO_COMPONENT });
        const noLayout = new Map(dev.registeredOutputs);
        noLayout.set(component, { ...dev.registeredOutputs.get(component), layout: undefined });
        assert.throws(() => fleetFiles({ ...dev, registeredOutputs: noLayout }), { message: NO_COMPONENT });
    });

    it("refuses a sopsCreationRule output that is missing or not exactly one creation rule", () => {
        const others = Object.fromEntries(Object.entries(dev.outputs).filter(([k]) => k !== "sopsCreationRule"));
        assert.throws(() => fleetFiles({ ...dev, outputs: others }), { message: NOT_ONE_RULE });
        for (const value of [
            "[]\n",
            `${DEV_RULE}${DEV_RULE}`,
            DEV_RULE.replace(/^- /, "").replace(/\n {2}/g, "\n"),
            "",
            42,
        ]) {
            assert.throws(() => fleetFiles(withOutput(value)), { message: NOT_ONE_RULE }, JSON.stringify(value));
        }
        assert.ok(fleetFiles(withOutput(DEV_RULE)).has(".sops.yaml"), "the one-rule list is taken");
    });

    it("writes only the component's Kubernetes objects, not the render provider or another component's objects", () => {
        const files = fleetFiles(dev);
        const policy = dev.resources.find(
            (r) =>
                r.parent !== null && r.type === "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
        )!;
        const elsewhere: Capture = {
            ...dev,
            resources: [
                ...dev.resources,
                {
                    ...policy,
                    urn: `${policy.urn}-other`,
                    name: "other-policy",
                    parent: "urn:pulumi:dev::aks-gitops::aks-gitops:index:SomethingElse::other",
                    inputs: {
                        ...policy.inputs,
                        metadata: { ...(policy.inputs.metadata as object), name: "other-policy" },
                    },
                },
            ],
        };
        assert.deepEqual([...fleetFiles(elsewhere)], [...files]);
        assert.deepEqual(
            [...files.keys()].filter((p) => p.includes("render")),
            [],
            "the render provider (a child too) is no object",
        );
    });

    it("names .sops.yaml in a refusal when no path is given", () => {
        assert.throws(
            () => fleetFiles(dev, "creation_rules: [unclosed\n"),
            (e: Error) => {
                assert.equal(e.name, "ConfigFileError");
                assert.ok(e.message.startsWith(".sops.yaml: is not valid YAML: "), e.message);
                return true;
            },
        );
    });

    it("npm run fleet says so in one line (exit 1, no stack trace) and writes nothing", async () => {
        const out = mkdtempSync(join(tmpdir(), "fleet-files-"));
        const real = lazy.offlineProgram;
        const broken = { ...dev, resources: dev.resources.filter((r) => r.type !== T.FleetManifests) };
        lazy.offlineProgram = () => ({ ...real(), planStack: () => Promise.resolve(broken) });
        try {
            assert.deepEqual(await runCliInProcess(runCli, ["--stack", "dev", "--out", out]), {
                status: 1,
                stdout: "",
                stderr: `fleet failed: ${NO_COMPONENT}\n`,
            });
            assert.deepEqual(readdirSync(out), []);
        } finally {
            lazy.offlineProgram = real;
            rmSync(out, { recursive: true, force: true });
        }
    });
});
