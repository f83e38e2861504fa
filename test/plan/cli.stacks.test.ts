import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStackFile, stackNames, withSecretPlaceholders } from "../../stacks/files";
import { planStack, runProgram } from "../../offline/program";
import { main, planFailure as failure } from "../../plan/cli";
import { diffPlans, renderDiffMarkdown } from "../../plan/diff";
import { buildPlan, criticalPath, Plan, PlanResource } from "../../plan/model";
import { renderMermaid, renderTree } from "../../plan/render";
import { PROJECT } from "../../stacks/load";
import { sopsDecryptRoleGuid } from "../../components/roles";
import { T } from "../support/tokens";
import { BUILT_IN_ROLE_GUIDS } from "../support/built-in-roles";
import { sharedCaptures } from "../support/share-captures";

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe("offline plan", () => {
    sharedCaptures();
    const plans = new Map<string, Plan>();
    before(async () => {
        for (const stack of stackNames()) {
            plans.set(stack, buildPlan(await planStack(stack)));
        }
    });

    it("plans every committed stack in all three formats", async () => {
        // The CLI once per stack; the other two formats of the same plan through the renderers the CLI calls.
        for (const stack of stackNames()) {
            const json = await main(["--stack", stack, "--json"]);
            assert.equal(json.code, 0);
            const plan = JSON.parse(json.text) as Plan;
            assert.equal(plan.stack, stack);
            const tree = renderTree(plan);
            assert.match(tree, new RegExp(`^Plan for aks-gitops/${stack}: \\d+ resources`));
            assert.match(tree, /Critical path \(\* above\)/);
            assert.match(renderMermaid(plan), /^flowchart LR\n/);
        }
        const tree = await main(["--stack", "dev"]);
        assert.equal(tree.code, 0);
        assert.equal(tree.text, renderTree(JSON.parse((await main(["--stack", "dev", "--json"])).text) as Plan));
        assert.match((await main(["--stack", "dev", "--mermaid"])).text, /^flowchart LR\n/);
    });

    it("produces byte-identical JSON on two runs", async () => {
        const a = await main(["--stack", "prod", "--json"]);
        const b = await main(["--stack", "prod", "--json"]);
        assert.equal(a.text, b.text);
    });

    it("has the documented JSON shape", () => {
        const plan = plans.get("prod")!;
        assert.deepEqual(Object.keys(plan).sort(), [
            "criticalPath",
            "outputs",
            "policy",
            "project",
            "resources",
            "stack",
        ]);
        for (const r of plan.resources) {
            for (const key of ["urn", "type", "name", "custom", "parent", "dependsOn", "inputs", "options"]) {
                assert.ok(key in r, `${r.name} lacks ${key}`);
            }
            assert.deepEqual(
                Object.keys(r.options)
                    .filter((k) => k !== "importId")
                    .sort(),
                ["customTimeouts", "ignoreChanges", "protect", "retainOnDelete"],
            );
        }
        assert.deepEqual(Object.keys(plan.criticalPath).sort(), ["estimatedMinutes", "serialMinutes", "urns"]);
        assert.ok(Array.isArray(plan.policy));
    });

    it("shows values only Azure knows as references to the output they come from, never as fake values", () => {
        // Real GUIDs may appear: built-in role ids, configured group object ids, the derived role assignment names.
        const real = [
            ...BUILT_IN_ROLE_GUIDS,
            sopsDecryptRoleGuid("prod", "kv-contoso-sops-prod"),
            "6f1c2b9e-3d4a-4c1e-9b7a-2e8f0d5c4a31",
        ];
        const text = real
            .reduce((t, g) => t.split(g).join(""), JSON.stringify(plans.get("prod")))
            .replace(/roleAssignmentName":"[^"]+"/g, "");
        assert.doesNotMatch(text, GUID, "no mock GUIDs may leak into the plan");
        const fic = plans.get("prod")!.resources.find((r) => r.name.endsWith("-kustomize-controller"))!;
        assert.equal(fic.inputs.issuer, "${prod-westeurope-aks-cluster.oidcIssuerProfile.issuerURL}");
        const grant = plans.get("prod")!.resources.find((r) => r.name.endsWith("-decrypt"))!;
        assert.equal(grant.inputs.scope, "${prod-westeurope-sops-vault.id}");
        assert.equal(
            grant.inputs.roleDefinitionId,
            `/subscriptions/\${azure.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${sopsDecryptRoleGuid("prod", "kv-contoso-sops-prod")}`,
        );
    });

    it("shows secrets as [secret] and never their placeholder or encoding", () => {
        const flux = plans.get("prod")!.resources.find((r) => r.type === T.FluxConfiguration)!;
        assert.equal(flux.inputs.configurationProtectedSettings, "[secret]");
        assert.doesNotMatch(
            JSON.stringify(plans.get("prod")),
            /W3NlY3JldF0=/,
            "the base64 of the placeholder must not appear",
        );
    });

    it("records explicit and implicit dependencies from the engine request", () => {
        const plan = plans.get("prod")!;
        const find = (suffix: string) => plan.resources.find((r) => r.custom && r.name.endsWith(suffix))!;
        const config = find("-flux-configuration");
        assert.ok(config.dependsOn.includes(find("-flux-extension").urn), "explicit dependsOn");
        assert.deepEqual(
            config.propertyDependencies.clusterName,
            [find("-aks-cluster").urn],
            "implicit, through the clusterName input",
        );
    });

    it("finds the critical path egress -> cluster -> extension -> configuration and estimates it below the serial sum", () => {
        const plan = plans.get("prod")!;
        const names = plan.criticalPath.urns.map((u) => plan.resources.find((r) => r.urn === u)!.name);
        assert.deepEqual(names, [
            "prod-westeurope-rg",
            "prod-westeurope-aks-egress",
            "prod-westeurope-aks-egress-join",
            "prod-westeurope-aks-cluster",
            "prod-westeurope-flux-extension",
            "prod-westeurope-flux-configuration",
        ]);
        // ResourceGroup 0.1 + PublicIPPrefix 0.3 + RoleAssignment 0.2 + ManagedCluster 8 + Extension 4 + FluxConfiguration 1,
        // the figures plan/estimates.ts documents.
        assert.equal(plan.criticalPath.estimatedMinutes, 13.6);
        assert.ok(plan.criticalPath.estimatedMinutes < plan.criticalPath.serialMinutes);
    });

    it("computes the longest path, not the first one found", () => {
        const r = (name: string, minutes: number, deps: string[]): PlanResource => ({
            urn: name,
            type: "t",
            name,
            custom: true,
            parent: null,
            dependsOn: deps,
            propertyDependencies: {},
            inputs: {},
            options: { protect: false, retainOnDelete: false, ignoreChanges: [], customTimeouts: null },
            estimatedMinutes: minutes,
        });
        const path = criticalPath([
            r("a", 1, []),
            r("b", 5, []),
            r("c", 1, ["a", "b"]),
            r("d", 2, ["c"]),
            r("e", 0.5, ["a"]),
        ]);
        assert.deepEqual(path.urns, ["b", "c", "d"]);
        assert.equal(path.estimatedMinutes, 8);
        assert.equal(path.serialMinutes, 9.5);
    });

    it("draws every custom resource in Mermaid and highlights the critical path", () => {
        const plan = plans.get("dev")!;
        const text = renderMermaid(plan);
        for (const r of plan.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))) {
            assert.ok(text.includes(`<br/>${r.name}<br/>`), `${r.name} missing`);
        }
        const classLine = text.split("\n").find((l) => l.trim().startsWith("class "))!;
        assert.equal(classLine.trim().split(" ")[1].split(",").length, plan.criticalPath.urns.length);
        assert.match(text, /linkStyle [\d,]+ stroke:#c0392b/);
    });

    it("diffs a real change (a node count) down to the property", async () => {
        const before = plans.get("prod")!;
        const input = withSecretPlaceholders(loadStackFile("prod"));
        const aks = JSON.parse(input.config[`${PROJECT}:aks`]) as Record<string, unknown>;
        input.config[`${PROJECT}:aks`] = JSON.stringify({ ...aks, userPool: { minCount: 4 } });
        const after = buildPlan(await runProgram(input));
        const d = diffPlans(before, after);
        assert.equal(d.added.length + d.removed.length, 0);
        const cluster = d.changed.find((c) => c.after.type === T.ManagedCluster)!;
        assert.deepEqual(
            cluster.changes.map((c) => [c.path, c.before, c.after]),
            [
                ["inputs.agentPoolProfiles[1].count", 3, 4],
                ["inputs.agentPoolProfiles[1].minCount", 3, 4],
            ],
        );
        const md = renderDiffMarkdown(d);
        assert.match(md, /\*\*0 to add, 1 to change, 0 to remove\*\*/);
        assert.match(md, /\| `inputs\.agentPoolProfiles\[1\]\.minCount` \| `3` \| `4` \|/);
    });

    it("diffs plan files through the command line", async () => {
        const dir = mkdtempSync(join(tmpdir(), "plan-"));
        const a = join(dir, "a.json");
        const b = join(dir, "b.json");
        writeFileSync(a, JSON.stringify(plans.get("prod")));
        const changed = JSON.parse(readFileSync(a, "utf8")) as Plan;
        changed.resources = changed.resources.filter((r) => !r.name.endsWith("-encryptor-0"));
        writeFileSync(b, JSON.stringify(changed));
        const result = await main(["diff", a, b]);
        assert.match(result.text, /\| - \| `prod-westeurope-sops-encryptor-0` \| authorization:RoleAssignment \|/);
        assert.match((await main(["diff", a, a])).text, /No changes/);
    });

    it("answers bad usage, unknown stacks and invalid config with exit code 2 and a message, no stack trace", async () => {
        const unknown = failure(await main(["--stack", "qa-nowhere"]).catch((e: unknown) => e));
        assert.equal(unknown.code, 2);
        assert.match(unknown.message, /unknown stack "qa-nowhere".*Committed stacks: dev, prod/s);
        assert.equal(failure(await main([]).catch((e: unknown) => e)).code, 2);
        assert.equal(failure(await main(["--stack", "prod", "--json", "--mermaid"]).catch((e: unknown) => e)).code, 2);
        assert.equal(failure(await main(["diff", "only-one.json"]).catch((e: unknown) => e)).code, 2);

        const dir = mkdtempSync(join(tmpdir(), "stacks-"));
        writeFileSync(join(dir, "Pulumi.yaml"), "name: aks-gitops\n");
        writeFileSync(
            join(dir, "Pulumi.broken.yaml"),
            "config:\n  aks-gitops:environment: prod\n  aks-gitops:location: West Europe\n",
        );
        const invalid = failure(await planStack("broken", dir).catch((e: unknown) => e));
        assert.equal(invalid.code, 2);
        assert.match(invalid.message, /aks-gitops:location: must be an Azure region name/);
        assert.doesNotMatch(invalid.message, /\n\s+at /, "no stack trace");
        writeFileSync(join(dir, "Pulumi.garbled.yaml"), "config: [unclosed\n");
        assert.equal(failure(await planStack("garbled", dir).catch((e: unknown) => e)).code, 2);
    });
});
