// Stack discovery (ci/stacks.ts): environment, ring and role come from each stack's configuration, the rollout runs a
// vault's owner before its users and again after them when it admits their egress prefixes, and the matrices CI
// consumes hold every committed stack — a fourth and a hundredth synthetic stack included, with no workflow edit. The
// whole rollout walked against a simulated subscription: test/ci/stacks.rollout.e2e.test.ts.
import * as assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import {
    azureMatrix,
    azureOutputs,
    creatorOf,
    describeStack,
    discover,
    discoverInputs,
    RolloutStack,
    githubOutputs,
    main,
    rollout,
    rolloutPosition,
    WAVES,
} from "../../ci/stacks";
import { loadStackFile, stackNames } from "../../stacks/files";
import { ROOT } from "../../stacks/paths";
import { UsageError } from "../../cli/usage";
import { ENVIRONMENTS } from "../../stacks/schema";
import { githubOutputsOf, otherClusterOf, projectCopy, StackDoc, writeStack } from "../support/fleet";

const owners = () =>
    new Map(
        discover()
            .stacks.filter((s) => s.role === "primary")
            .map((s) => [s.environment, s]),
    );

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
            const admits = (sops as { admitEgressPrefixIds?: string[] }).admitEgressPrefixIds ?? [];
            assert.deepEqual(
                s.waves,
                s.role === "primary" ? (admits.length > 0 ? ["vault", "admit"] : ["vault"]) : ["clusters"],
                s.stack,
            );
            assert.equal(s.wave, s.waves[0]);
            assert.deepEqual(s.admits, admits);
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
            const project = parse(readFileSync(join(dir, "Pulumi.yaml"), "utf8")) as {
                config: Record<string, unknown>;
            };
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

    it("orders the rollout ring by ring: a vault's owner, then the stacks that use the vault, then the owner again to admit their prefixes", () => {
        const { stacks } = discover();
        assert.deepEqual(WAVES, ["vault", "clusters", "admit"]);
        for (let i = 1; i < stacks.length; i++) {
            const [a, b] = [stacks[i - 1], stacks[i]];
            assert.ok(
                a.ring < b.ring || (a.ring === b.ring && WAVES.indexOf(a.wave) <= WAVES.indexOf(b.wave)),
                `${a.stack} before ${b.stack}`,
            );
        }
        assert.deepEqual(rollout(stacks), [
            { ring: 0, environment: "dev", vault: ["dev"], clusters: [], admit: [] },
            { ring: 1, environment: "staging", vault: ["staging"], clusters: [], admit: [] },
            { ring: 2, environment: "prod", vault: ["prod"], clusters: ["prod-northeurope"], admit: ["prod"] },
        ]);
        // Every prefix an owner admits is created by a stack of a later wave than the owner's vault run, and an earlier
        // one than its admit run.
        for (const owner of stacks.filter((s) => s.admits.length > 0)) {
            for (const id of owner.admits) {
                const creator = creatorOf(stacks, id);
                assert.ok(creator, `${owner.stack}: no stack creates ${id}`);
                const at = rolloutPosition(creator.ring, creator.wave);
                assert.ok(
                    rolloutPosition(owner.ring, "vault") < at && at < rolloutPosition(owner.ring, "admit"),
                    `${creator.stack} between ${owner.stack}'s runs`,
                );
            }
        }
    });

    it("knows the egress prefix each stack creates (none when it uses an existing one) and the ones an owner admits", () => {
        const dr = describeStack(loadStackFile("prod-northeurope"));
        assert.equal(
            dr.egressPrefixId,
            "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope",
        );
        assert.deepEqual(dr.admits, []);
        const prod = loadStackFile("prod");
        assert.deepEqual(describeStack(prod).admits, [
            "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope",
        ]);
        const aks = JSON.parse(prod.config["aks-gitops:aks"] ?? "{}") as Record<string, unknown>;
        const existing = "/resourceGroups/rg-net/providers/Microsoft.Network/publicIPPrefixes/pip-shared";
        const own = describeStack({
            ...prod,
            config: {
                ...prod.config,
                "aks-gitops:aks": JSON.stringify({ ...aks, network: { egress: { publicIpPrefixId: existing } } }),
            },
        });
        assert.equal(own.egressPrefixId, undefined);
        // Ids compare case-insensitively, with or without the subscription part.
        const sub = `/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90${dr.egressPrefixId.toUpperCase()}`;
        assert.equal(creatorOf(discover().stacks, sub)?.stack, "prod-northeurope");
        assert.equal(creatorOf(discover().stacks, existing), undefined);
    });

    it("reports an invalid stack file instead of leaving it out silently", () => {
        const dir = projectCopy();
        try {
            writeFileSync(join(dir, "Pulumi.broken.yaml"), "config:\n  aks-gitops:environment: qa\n");
            const found = discover(dir);
            assert.deepEqual(
                found.invalid.map((i) => i.stack),
                ["broken"],
            );
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
        const gh = Object.fromEntries(
            githubOutputs(stacks)
                .trimEnd()
                .split("\n")
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
        const expected = [
            "stacks",
            "standby",
            ...ENVIRONMENTS.flatMap((_, r) => [`ring${r}`, `ring${r}_vault`, `ring${r}_clusters`, `ring${r}_admit`]),
        ];
        assert.deepEqual(Object.keys(gh).sort(), expected.sort());
        assert.deepEqual(
            (JSON.parse(gh.stacks) as { include: RolloutStack[] }).include.map((s) => s.stack),
            stacks.map((s) => s.stack),
        );
        assert.equal(gh.ring0_clusters, "", "an empty wave is an empty output: its job is skipped");
        // A wave's matrix entries say which wave they are in: the vault owner appears in two, once each.
        const prodRing = ENVIRONMENTS.indexOf("prod");
        for (const wave of WAVES) {
            const entries = (JSON.parse(gh[`ring${prodRing}_${wave}`]) as { include: RolloutStack[] }).include;
            assert.deepEqual(
                entries.map((e) => [e.stack, e.wave]),
                rollout(stacks)[prodRing][wave].map((stack) => [stack, wave]),
            );
        }

        const legs = azureMatrix(stacks);
        for (const [leg, vars] of Object.entries(legs)) {
            assert.match(leg, /^[A-Za-z0-9_]+$/, "Azure matrix leg names: letters, digits, underscores");
            assert.ok(
                stacks.some(
                    (s) => s.stack === vars.STACK && s.environment === vars.ENVIRONMENT && s.wave === vars.WAVE,
                ),
            );
        }
        assert.equal(
            Object.keys(
                azureMatrix([
                    ...stacks,
                    {
                        ...stacks[0],
                        stack:
                            stacks[0].stack.replace(/-/g, "_") === stacks[0].stack
                                ? `${stacks[0].stack}.x`
                                : stacks[0].stack.replace(/-/g, "_"),
                    },
                ]),
            ).length,
            stacks.length + 1,
            "legs stay distinct",
        );
        const azure = azureOutputs(stacks);
        assert.match(azure, /^##vso\[task\.setvariable variable=stacks;isOutput=true\]\{/m);
        assert.match(
            azure,
            new RegExp(`^##vso\\[task\\.setvariable variable=stacks_count;isOutput=true\\]${stacks.length}$`, "m"),
        );
    });

    it("filters by ring, role and stack, and rejects what does not exist", () => {
        const dr = discover().stacks.find((s) => s.role === "standby")!;
        const only = JSON.parse(main(["--matrix", "--stack", dr.stack]).text) as { include: RolloutStack[] };
        assert.deepEqual(
            only.include.map((s) => s.stack),
            [dr.stack],
        );
        const everything = JSON.parse(main(["--matrix", "--stack", ""]).text) as { include: RolloutStack[] };
        assert.equal(
            everything.include.length,
            stackNames().length,
            "an empty --stack (a blank dispatch input) means all",
        );
        const ring = JSON.parse(main(["--matrix", "--ring", String(dr.ring), "--role", "standby"]).text) as {
            include: RolloutStack[];
        };
        assert.ok(ring.include.every((s) => s.ring === dr.ring && s.role === "standby"));
        assert.throws(() => main(["--matrix", "--stack", "nope"]), /unknown stack "nope"/);
        assert.throws(() => main(["--ring", "9"]), /--ring must be/);
        assert.throws(() => main(["--role", "leader"]), /--role must be/);
        assert.throws(() => main(["--json", "--matrix"]), /choose one/);
        assert.throws(() => main(["--github-output"], ROOT, {}), /GITHUB_OUTPUT/);
        assert.match(main([]).text, /^stack\s+environment\s+ring\s+waves\s+role/);
        assert.match(main([]).text, /^prod\s+prod\s+2\s+vault\+admit\s+primary\s/m);
    });

    it("puts a fourth stack (Pulumi.prod-eastus2.yaml) into the matrices with no other change", () => {
        const dir = projectCopy();
        try {
            const before = githubOutputsOf(dir);
            writeStack(dir, "prod-eastus2", otherClusterOf(owners().get("prod")!, "prod-eastus2", "eastus2"));
            const after = githubOutputsOf(dir);
            const prodRing = ENVIRONMENTS.indexOf("prod");
            assert.deepEqual(
                after.stacks.filter((s) => !before.stacks.includes(s)),
                ["prod-eastus2"],
            );
            assert.deepEqual(
                after[`ring${prodRing}_clusters`],
                ["prod-eastus2", "prod-northeurope"],
                "another prod cluster deploys with the DR stack, after prod's vault",
            );
            assert.deepEqual(after[`ring${prodRing}_vault`], ["prod"]);
            assert.deepEqual(after[`ring${prodRing}_admit`], ["prod"]);
            assert.deepEqual(after.standby, before.standby, "an active cluster is not drilled");
            assert.equal(discover(dir).stacks.find((s) => s.stack === "prod-eastus2")?.role, "secondary");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("handles a hundred stacks: each in its ring's waves, in rollout order", () => {
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
                    writeStack(
                        dir,
                        name,
                        otherClusterOf(
                            own.get(environment)!,
                            name,
                            regions[i % regions.length],
                            environment === "prod" && i % 5 === 0,
                        ),
                    );
                    n++;
                }
            }
            const out = githubOutputsOf(dir);
            assert.equal(out.stacks.length, 100);
            assert.ok(out.stacks.length <= 256, "GitHub's matrix limit: 256 jobs");
            const waves = ENVIRONMENTS.flatMap((_, r) => WAVES.map((w) => out[`ring${r}_${w}`]));
            assert.deepEqual(
                [...new Set(waves.flat())],
                out.stacks,
                "the ring waves cover the fleet, in rollout order",
            );
            assert.equal(
                waves.flat().length,
                out.stacks.length + ENVIRONMENTS.filter((_, r) => out[`ring${r}_admit`].length > 0).length,
                "only the owners that admit prefixes run twice",
            );
            assert.ok(out.standby.includes("prod-c005") && out.standby.every((s) => out.stacks.includes(s)));
            assert.ok(out.stacks.includes("prod-c032"), "the hundredth stack (4 committed, 96 synthetic) is in");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
