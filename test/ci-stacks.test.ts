// Stack discovery (ci/stacks.ts): environment, ring and role come from each stack's configuration, the rollout order
// puts a vault's users before its owner, and the matrices CI consumes hold every committed stack — a fourth and a
// hundredth synthetic stack included, with no workflow edit.
import * as assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { azureMatrix, azureOutputs, describeStack, discover, discoverInputs, FleetStack, githubOutputs, main, rollout, WAVES } from "../ci/stacks";
import { loadStackFile, ROOT, stackNames } from "../harness/run";
import { UsageError } from "../harness/usage";
import { ENVIRONMENTS } from "../stacks/schema";
import { githubOutputsOf, otherClusterOf, projectCopy, StackDoc, writeStack } from "./fleet-fixtures";

const owners = () => new Map(discover().stacks.filter((s) => s.role === "primary").map((s) => [s.environment, s]));

describe("stack discovery (npm run stacks)", () => {
    it("reads every committed stack, its environment, ring and role from its configuration", () => {
        const { stacks, invalid } = discover();
        assert.deepEqual(invalid, []);
        assert.deepEqual(stacks.map((s) => s.stack).sort(), stackNames());
        for (const s of stacks) {
            const config = loadStackFile(s.stack).config;
            assert.equal(s.environment, config["aks-gitops:environment"]);
            assert.equal(s.ring, ENVIRONMENTS.indexOf(s.environment));
            const sops = JSON.parse(config["aks-gitops:sops"]) as { vaultName?: string; existingKeyId?: string };
            const standby = config["aks-gitops:standby"] === "true";
            assert.equal(s.role, sops.vaultName ? "primary" : standby ? "standby" : "secondary", s.stack);
            assert.equal(s.wave, s.role === "primary" ? "then" : "first");
        }
        // The committed DR stack is found by what its file says (existingKeyId, standby), not by its name.
        assert.ok(stacks.some((s) => s.role === "standby" && s.environment === "prod"));
    });

    it("takes the role from the configuration, not the file name", () => {
        const dr = discover().stacks.find((s) => s.role === "standby")!;
        const input = loadStackFile(dr.stack);
        // The same file under a primary-sounding name is still a standby stack; without standby it is a secondary.
        assert.equal(describeStack({ ...input, stack: "prod" }).role, "standby");
        const active = { ...input.config, "aks-gitops:standby": "false" };
        assert.equal(describeStack({ ...input, stack: "x", config: active }).role, "secondary");
    });

    it("honours project-level configuration (Pulumi.yaml), as the Pulumi CLI does", () => {
        const dir = projectCopy();
        try {
            const project = parse(readFileSync(join(dir, "Pulumi.yaml"), "utf8")) as { config: Record<string, unknown> };
            // An environment set once for the project reaches a stack file that does not set it.
            const dev = parse(readFileSync(join(dir, "Pulumi.dev.yaml"), "utf8")) as StackDoc;
            delete dev.config["aks-gitops:environment"];
            writeStack(dir, "dev", dev);
            project.config.environment = "dev";
            writeFileSync(join(dir, "Pulumi.yaml"), stringify(project));
            assert.equal(discover(dir).stacks.find((s) => s.stack === "dev")?.environment, "dev");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("orders the rollout ring by ring, a vault's users before its owner", () => {
        const { stacks } = discover();
        for (let i = 1; i < stacks.length; i++) {
            const [a, b] = [stacks[i - 1], stacks[i]];
            assert.ok(a.ring < b.ring || (a.ring === b.ring && WAVES.indexOf(a.wave) <= WAVES.indexOf(b.wave)), `${a.stack} before ${b.stack}`);
        }
        const prod = rollout(stacks).find((r) => r.environment === "prod")!;
        assert.ok(prod.first.length > 0 && prod.then.length > 0, "prod's DR stack goes first, then the vault owner");
        for (const owner of prod.then) {
            assert.equal(stacks.find((s) => s.stack === owner)?.role, "primary");
        }
    });

    it("reports an invalid stack file instead of leaving it out silently", () => {
        const dir = projectCopy();
        try {
            writeFileSync(join(dir, "Pulumi.broken.yaml"), "config:\n  aks-gitops:environment: qa\n");
            const found = discover(dir);
            assert.deepEqual(found.invalid.map((i) => i.stack), ["broken"]);
            const result = main(["--matrix"], dir);
            assert.equal(result.code, 2);
            assert.match(result.stderr ?? "", /Pulumi\.broken\.yaml: invalid stack configuration/);
            assert.match(discoverInputs([{ stack: "x", error: new UsageError("nope") }]).invalid[0].message, /nope/);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("emits the matrices CI consumes, for GitHub Actions and Azure Pipelines", () => {
        const { stacks } = discover();
        const gh = Object.fromEntries(githubOutputs(stacks).trimEnd().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
        const expected = ["stacks", "standby", ...ENVIRONMENTS.flatMap((_, r) => [`ring${r}`, `ring${r}_first`, `ring${r}_then`])];
        assert.deepEqual(Object.keys(gh).sort(), expected.sort());
        assert.deepEqual((JSON.parse(gh.stacks) as { include: FleetStack[] }).include.map((s) => s.stack), stacks.map((s) => s.stack));
        assert.equal(gh.ring0_first, "", "an empty wave is an empty output: its job is skipped");

        const legs = azureMatrix(stacks);
        for (const [leg, vars] of Object.entries(legs)) {
            assert.match(leg, /^[A-Za-z0-9_]+$/, "Azure matrix leg names: letters, digits, underscores");
            assert.ok(stacks.some((s) => s.stack === vars.STACK && s.environment === vars.ENVIRONMENT));
        }
        assert.equal(Object.keys(azureMatrix([...stacks, { ...stacks[0], stack: stacks[0].stack.replace(/-/g, "_") === stacks[0].stack ? `${stacks[0].stack}.x` : stacks[0].stack.replace(/-/g, "_") }])).length, stacks.length + 1, "legs stay distinct");
        const azure = azureOutputs(stacks);
        assert.match(azure, /^##vso\[task\.setvariable variable=stacks;isOutput=true\]\{/m);
        assert.match(azure, new RegExp(`^##vso\\[task\\.setvariable variable=stacks_count;isOutput=true\\]${stacks.length}$`, "m"));
    });

    it("filters by ring, role and stack, and rejects what does not exist", () => {
        const dr = discover().stacks.find((s) => s.role === "standby")!;
        const only = JSON.parse(main(["--matrix", "--stack", dr.stack]).text) as { include: FleetStack[] };
        assert.deepEqual(only.include.map((s) => s.stack), [dr.stack]);
        const everything = JSON.parse(main(["--matrix", "--stack", ""]).text) as { include: FleetStack[] };
        assert.equal(everything.include.length, stackNames().length, "an empty --stack (a blank dispatch input) means all");
        const ring = JSON.parse(main(["--matrix", "--ring", String(dr.ring), "--role", "standby"]).text) as { include: FleetStack[] };
        assert.ok(ring.include.every((s) => s.ring === dr.ring && s.role === "standby"));
        assert.throws(() => main(["--matrix", "--stack", "nope"]), /unknown stack "nope"/);
        assert.throws(() => main(["--ring", "9"]), /--ring must be/);
        assert.throws(() => main(["--role", "leader"]), /--role must be/);
        assert.throws(() => main(["--json", "--matrix"]), /choose one/);
        assert.throws(() => main(["--github-output"], ROOT, {}), /GITHUB_OUTPUT/);
        assert.match(main([]).text, /^stack\s+environment\s+ring\s+wave\s+role/);
    });

    it("puts a fourth stack (Pulumi.prod-eastus2.yaml) into the matrices with no other change", () => {
        const dir = projectCopy();
        try {
            const before = githubOutputsOf(dir);
            writeStack(dir, "prod-eastus2", otherClusterOf(owners().get("prod")!, "prod-eastus2", "eastus2"));
            const after = githubOutputsOf(dir);
            const prodRing = ENVIRONMENTS.indexOf("prod");
            assert.deepEqual(after.stacks.filter((s) => !before.stacks.includes(s)), ["prod-eastus2"]);
            assert.ok(after[`ring${prodRing}_first`].includes("prod-eastus2"), "another prod cluster deploys before prod's vault owner");
            assert.ok(after[`ring${prodRing}_then`].includes("prod"));
            assert.deepEqual(after.standby, before.standby, "an active cluster is not drilled");
            assert.equal(discover(dir).stacks.find((s) => s.stack === "prod-eastus2")?.role, "secondary");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("handles a hundred stacks: each in exactly one ring wave, in rollout order", () => {
        const dir = projectCopy();
        try {
            const own = owners();
            let n = stackNames().length;
            const regions = ["westeurope", "northeurope", "eastus2", "swedencentral", "uksouth", "francecentral"];
            for (let i = 1; n < 100; i++) {
                for (const environment of ENVIRONMENTS) {
                    if (n >= 100) {
                        break;
                    }
                    const name = `${environment}-c${String(i).padStart(3, "0")}`;
                    writeStack(dir, name, otherClusterOf(own.get(environment)!, name, regions[i % regions.length], environment === "prod" && i % 5 === 0));
                    n++;
                }
            }
            const out = githubOutputsOf(dir);
            assert.equal(out.stacks.length, 100);
            assert.ok(out.stacks.length <= 256, "GitHub's matrix limit: 256 jobs");
            const waves = ENVIRONMENTS.flatMap((_, r) => WAVES.map((w) => out[`ring${r}_${w}`]));
            assert.deepEqual(waves.flat(), out.stacks, "the ring waves partition the fleet, in rollout order");
            assert.ok(out.standby.includes("prod-c005") && out.standby.every((s) => out.stacks.includes(s)));
            assert.ok(out.stacks.includes("prod-c032"), "the hundredth stack (4 committed, 96 synthetic) is in");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
