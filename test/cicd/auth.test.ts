// CI/CD held to what makes it work on its second run and past its first hour (issue 20, points 3, 5 and 9):
// - every job that runs pulumi against a stack goes through ci/pulumi-stack.ts first (the stack's Azure Key Vault
//   secrets provider from its state, never a passphrase), in GitHub Actions and Azure Pipelines;
// - every step that talks to Azure and may start after a long one signs in again right before it (GitHub: azure/login;
//   Azure Pipelines: a task of its own with a token of its own);
// - one pinned Pulumi CLI everywhere; Azure DevOps URLs name the project by id.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
    chmodSync,
    existsSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    rmSync,
    writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../../stacks/paths";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment -- workflows and pipelines are read as untyped YAML (any): the assertions are their schema */
type Doc = Record<string, any>;
const WORKFLOWS = join(ROOT, ".github", "workflows");
const PIPELINES = join(ROOT, "azure-pipelines");
const read = (file: string) => readFileSync(file, "utf8");
const workflowFiles = () => readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
const pipelineFiles = () => [
    ...readdirSync(PIPELINES).filter((f) => f.endsWith(".yml")),
    ...readdirSync(join(PIPELINES, "templates")).map((f) => `templates/${f}`),
];
const workflow = (f: string): Doc => parse(read(join(WORKFLOWS, f))) as Doc;
const pipeline = (f: string): Doc => parse(read(join(PIPELINES, f))) as Doc;

/** Where a shell command starts: a line, or after ; & | ( $( then do (not a word inside an echoed sentence). */
const AT = String.raw`(?:^|[;&|(]|\bthen|\bdo)\s*`;
/** A pulumi CLI command in a script (not ci/pulumi-stack.ts, not the word in a sentence). */
const PULUMI_COMMAND = new RegExp(
    `${AT}pulumi\\s+(up|preview|refresh|destroy|config|stack|login|cancel|import|state)\\b`,
    "m",
);
/** Steps that may take long enough for the next one to start after the sign-in expired. */
const LONG = new RegExp(`${AT}(pulumi\\s+(up|preview|refresh|destroy)\\b|npm run (preflight|verify)\\b)`, "m");
/** Steps that talk to Azure: pulumi, preflight, verify, the az CLI, the stack step. */
const AZURE = new RegExp(
    `${AT}(pulumi\\s+\\w|az\\s+\\w|npm run (preflight|verify)\\b|node bin/launch\\.cjs ci/pulumi-stack\\.ts)`,
    "m",
);
/** What only ci/pulumi-stack.ts may do: sign in to the backend, select or create the stack, set a secret. */
const SELF_SETUP = new RegExp(`${AT}pulumi\\s+(login|stack\\s+(select|init)|config\\s+set\\b[^\\n]*--secret)\\b`, "m");
const SETUP = /^node bin\/launch\.cjs ci\/pulumi-stack\.ts --stack "\$STACK" --mode (deploy|preview|existing)$/;

const isPulumiAction = (s: Doc) => String(s.uses ?? "").startsWith("pulumi/actions@");
const isLogin = (s: Doc) => String(s.uses ?? "").startsWith("azure/login@");
const runsPulumi = (s: Doc) =>
    (isPulumiAction(s) && s.with?.command !== undefined) || PULUMI_COMMAND.test(String(s.run ?? ""));
const isLong = (s: Doc) =>
    (isPulumiAction(s) && ["up", "preview", "refresh", "destroy"].includes(s.with?.command)) ||
    LONG.test(String(s.run ?? ""));
const talksToAzure = (s: Doc) =>
    (isPulumiAction(s) && s.with?.command !== undefined) || AZURE.test(String(s.run ?? ""));
const label = (s: Doc) => String(s.name ?? s.run ?? s.uses);

/** GitHub: where a job runs pulumi without going through ci/pulumi-stack.ts first, or could fall back to a passphrase. */
function secretsProviderProblems(w: Doc, file: string): { problems: string[]; modes: Record<string, string> } {
    const problems: string[] = [];
    const modes: Record<string, string> = {};
    for (const [id, job] of Object.entries((w.jobs ?? {}) as Record<string, Doc>)) {
        const steps = (job.steps ?? []) as Doc[];
        const first = steps.findIndex(runsPulumi);
        if (first < 0) {
            continue;
        }
        const where = `${file}/${id}`;
        const setup = steps.findIndex((s) => SETUP.test(String(s.run ?? "")));
        if (setup < 0 || setup > first) {
            problems.push(`${where}: "${label(steps[first])}" runs pulumi before ci/pulumi-stack.ts`);
        } else {
            modes[where] = SETUP.exec(String(steps[setup].run))![1];
        }
        for (const s of steps) {
            if (SELF_SETUP.test(String(s.run ?? ""))) {
                problems.push(
                    `${where}: "${label(s)}" selects, creates or configures the stack itself; only ci/pulumi-stack.ts does`,
                );
            }
            if (isPulumiAction(s) && (s.with?.upsert !== undefined || s.with?.["secrets-provider"] !== undefined)) {
                problems.push(
                    `${where}: "${label(s)}" may create the stack with pulumi/actions (upsert, secrets-provider)`,
                );
            }
        }
        if (job.env?.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER !== "true") {
            problems.push(`${where}: PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER is not "true"`);
        }
        if (!String(job.env?.PULUMI_BACKEND_URL ?? "").startsWith("azblob://")) {
            problems.push(`${where}: PULUMI_BACKEND_URL is not the Azure Blob backend`);
        }
    }
    return { problems, modes };
}

const RUNS_AFTER_FAILURE = /\b(always|failure|cancelled)\(\)/;

/** GitHub: steps that talk to Azure and may start after the sign-in expired (no azure/login since a long step). */
function signInProblems(w: Doc, file: string): string[] {
    const problems: string[] = [];
    for (const [id, job] of Object.entries((w.jobs ?? {}) as Record<string, Doc>)) {
        let fresh = false;
        let login: Doc | undefined;
        for (const s of (job.steps ?? []) as Doc[]) {
            if (isLogin(s)) {
                fresh = true;
                login = s;
                if (job.env?.ARM_CLIENT_ID !== undefined && s.with?.["client-id"] !== job.env.ARM_CLIENT_ID) {
                    problems.push(
                        `${file}/${id}: "${label(s)}" signs in as ${s.with?.["client-id"]}, the job's ARM_CLIENT_ID is ${job.env.ARM_CLIENT_ID}`,
                    );
                }
                continue;
            }
            if (!talksToAzure(s)) {
                continue;
            }
            if (!fresh) {
                problems.push(
                    `${file}/${id}: "${label(s)}" may start after the Azure sign-in expired: azure/login right before it`,
                );
            } else if (login?.if !== s.if && (RUNS_AFTER_FAILURE.test(s.if ?? "") || login?.if !== undefined)) {
                // A step that runs after a failure (always(), failure()) needs a sign-in that runs then too.
                problems.push(
                    `${file}/${id}: "${label(s)}" runs if ${s.if}, its sign-in if ${login?.if ?? "the job has not failed"}`,
                );
            }
            if (isLong(s)) {
                fresh = false;
            }
        }
    }
    return problems;
}

/** Every step of an Azure Pipelines file, through stages, jobs, deployment strategies and `${{ if }}` blocks. */
function azureSteps(node: unknown, out: Doc[] = []): Doc[] {
    if (Array.isArray(node)) {
        node.forEach((n) => azureSteps(n, out));
    } else if (node !== null && typeof node === "object") {
        const d = node as Doc;
        if (
            d.task !== undefined ||
            d.script !== undefined ||
            d.bash !== undefined ||
            (d.template !== undefined && d.parameters?.script !== undefined)
        ) {
            out.push(d);
        }
        Object.values(d).forEach((v) => azureSteps(v, out));
    }
    return out;
}
const azureScript = (s: Doc) => String(s.script ?? s.bash ?? s.inputs?.inlineScript ?? s.parameters?.script ?? "");

/** templates/pulumi.yml's steps for one command (its `${{ if eq(parameters.command, '<command>') }}` block). */
function commandSteps(command: string): Doc[] {
    const block = (pipeline("templates/pulumi.yml").steps as Doc[]).find(
        (s) => Object.keys(s)[0] === `\${{ if eq(parameters.command, '${command}') }}`,
    );
    assert.ok(block, `templates/pulumi.yml has a block for ${command}`);
    // Nested `${{ if }}` blocks (a step only some runs take) flattened in place.
    const flat = (steps: Doc[]): Doc[] =>
        steps.flatMap((s) => (Object.keys(s)[0]?.startsWith("${{ if ") ? flat(Object.values(s)[0] as Doc[]) : [s]));
    return flat(Object.values(block)[0] as Doc[]);
}

describe("CI/CD on the second run: the stack's secrets provider (issue 20, point 3)", () => {
    it("every GitHub job that runs pulumi goes through ci/pulumi-stack.ts first, in the mode its job needs", () => {
        const modes: Record<string, string> = {};
        for (const f of workflowFiles()) {
            const r = secretsProviderProblems(workflow(f), f);
            assert.deepEqual(r.problems, [], f);
            Object.assign(modes, r.modes);
        }
        // Deploy creates a missing state, a pull request's preview calls it new, drift and the drill need it.
        assert.deepEqual(modes, {
            "dr-drill.yml/drill": "existing",
            "drift.yml/check": "existing",
            "pull-request.yml/preview": "preview",
            "pulumi-up.yml/up": "deploy",
        });
        // The check is live: the workflows as they were (stack select --create, then config set) are caught.
        const before = parse(`jobs:
  up:
    env: { PULUMI_BACKEND_URL: "azblob://state" }
    steps:
      - run: |
          pulumi login "$PULUMI_BACKEND_URL"
          pulumi stack select --create --secrets-provider "$P" "$STACK"
          pulumi config set --secret gitSshPrivateKey "$KEY" --stack "$STACK"
      - uses: pulumi/actions@x
        with: { command: up, upsert: true }
`) as Doc;
        assert.deepEqual(secretsProviderProblems(before, "old.yml").problems, [
            'old.yml/up: "pulumi login "$PULUMI_BACKEND_URL"\npulumi stack select --create --secrets-provider "$P" "$STACK"\npulumi config set --secret gitSshPrivateKey "$KEY" --stack "$STACK"\n" runs pulumi before ci/pulumi-stack.ts',
            'old.yml/up: "pulumi login "$PULUMI_BACKEND_URL"\npulumi stack select --create --secrets-provider "$P" "$STACK"\npulumi config set --secret gitSshPrivateKey "$KEY" --stack "$STACK"\n" selects, creates or configures the stack itself; only ci/pulumi-stack.ts does',
            'old.yml/up: "pulumi/actions@x" may create the stack with pulumi/actions (upsert, secrets-provider)',
            'old.yml/up: PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER is not "true"',
        ]);
    });

    it("in Azure Pipelines only templates/pulumi.yml runs pulumi, each command after ci/pulumi-stack.ts in its mode", () => {
        for (const f of pipelineFiles().filter((x) => x !== "templates/pulumi.yml")) {
            for (const s of azureSteps(pipeline(f))) {
                assert.doesNotMatch(
                    azureScript(s),
                    PULUMI_COMMAND,
                    `azure-pipelines/${f}: pulumi runs only in templates/pulumi.yml`,
                );
            }
        }
        for (const [command, mode] of [
            ["up", "deploy"],
            ["preview", "preview"],
            ["drift", "existing"],
        ]) {
            const scripts = commandSteps(command).map(azureScript);
            assert.equal(
                scripts[0].split(" | ")[0],
                `node bin/launch.cjs ci/pulumi-stack.ts --stack "\${{ parameters.stack }}" --mode ${mode}`,
                command,
            );
            assert.ok(
                scripts.slice(1).some((x) => PULUMI_COMMAND.test(x)),
                `${command} runs pulumi after it`,
            );
            for (const x of scripts.slice(1)) {
                assert.doesNotMatch(x, SELF_SETUP, command);
            }
        }
        const env = pipeline("templates/signed-in.yml").steps[0].env as Doc;
        assert.equal(env.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER, "true");
        assert.equal(env.PULUMI_BACKEND_URL, "azblob://$(PULUMI_STATE_CONTAINER)");
    });

    it("no CI file sets a passphrase: a fallback to the passphrase provider can only fail, never encrypt", () => {
        for (const text of [
            ...workflowFiles().map((f) => read(join(WORKFLOWS, f))),
            ...pipelineFiles().map((f) => read(join(PIPELINES, f))),
        ]) {
            assert.doesNotMatch(text, /PULUMI_CONFIG_PASSPHRASE/);
        }
    });
});

describe("CI/CD past the first hour: a fresh Azure sign-in before every late step (issue 20, point 5)", () => {
    it("GitHub: every step that talks to Azure after a long one is preceded by azure/login, under the same condition", () => {
        for (const f of workflowFiles()) {
            assert.deepEqual(signInProblems(workflow(f), f), [], f);
        }
        // The drill returns the stack to standby after a failure too: its sign-in runs whenever that step runs.
        const drill = workflow("dr-drill.yml").jobs.drill.steps as Doc[];
        const back = drill.findIndex((s) => String(s.run).includes("standby=true"));
        assert.ok(isLogin(drill[back - 1]) && drill[back - 1].if === "always() && steps.guard.outcome == 'success'");
        // The check is live: deploy + verify --timeout 45m in one sign-in, and a sign-in skipped after a failure.
        const before = parse(`jobs:
  up:
    steps:
      - uses: azure/login@x
      - uses: pulumi/actions@x
        with: { command: up }
      - run: npm run verify -- --stack "$STACK" --timeout 45m
      - uses: azure/login@x
      - if: always()
        run: pulumi up --yes --stack "$STACK"
`) as Doc;
        assert.deepEqual(signInProblems(before, "old.yml"), [
            'old.yml/up: "npm run verify -- --stack "$STACK" --timeout 45m" may start after the Azure sign-in expired: azure/login right before it',
            'old.yml/up: "pulumi up --yes --stack "$STACK"" runs if always(), its sign-in if the job has not failed',
        ]);
    });

    it("Azure Pipelines: each step that talks to Azure is its own AzureCLI@2 task with its own token, one long command each", () => {
        // The only AzureCLI@2 task is templates/signed-in.yml's: its script reads the token its own task requested.
        const tasks = pipelineFiles().flatMap((f) =>
            azureSteps(pipeline(f))
                .filter((s) => String(s.task).startsWith("AzureCLI@"))
                .map(() => f),
        );
        assert.deepEqual(tasks, ["templates/signed-in.yml"]);
        const task = pipeline("templates/signed-in.yml").steps[0];
        assert.equal(task.task, "AzureCLI@2");
        assert.equal(task.inputs.addSpnToEnvironment, true);
        assert.match(task.inputs.inlineScript, /^export ARM_OIDC_TOKEN="\$idToken"$/m);
        assert.match(task.inputs.inlineScript, /^ {0}\$\{\{ parameters\.script \}\}$/m);
        for (const f of pipelineFiles()) {
            assert.doesNotMatch(
                read(join(PIPELINES, f)),
                /task\.setvariable variable=(ARM_OIDC_TOKEN|idToken)/i,
                `${f}: a token handed on to a later task outlives itself`,
            );
        }
        // Every step of pulumi.yml that talks to Azure goes through it, and runs at most one long command.
        for (const command of ["up", "preview", "drift"]) {
            for (const s of commandSteps(command)) {
                assert.equal(s.template, "signed-in.yml", `${command}: ${azureScript(s)}`);
                const long = azureScript(s).match(new RegExp(LONG.source, "gm")) ?? [];
                assert.ok(long.length <= 1, `${command}: one long command per sign-in, got ${long.join(", ")}`);
            }
        }
        const up = commandSteps("up").map((s) => azureScript(s).trim());
        // A command at the start of one of the step's lines (preflight comes after the export of the stack's state).
        const at = (prefix: string) => up.findIndex((x) => x.split("\n").some((l) => l.startsWith(prefix)));
        const order = [
            "node bin/launch.cjs ci/pulumi-stack.ts",
            "npm run preflight",
            "pulumi up --yes",
            "npm run verify",
        ].map(at);
        assert.ok(
            order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1])),
            `preflight, pulumi up and verify: three tasks, three sign-ins\n${up.join("\n")}`,
        );
        // Outside pulumi.yml nothing talks to Azure from a plain script.
        for (const f of pipelineFiles().filter(
            (x) => !["templates/pulumi.yml", "templates/signed-in.yml"].includes(x),
        )) {
            for (const s of azureSteps(pipeline(f))) {
                assert.doesNotMatch(azureScript(s), AZURE, `azure-pipelines/${f}`);
            }
        }
    });
});

describe("one pinned Pulumi CLI; Azure DevOps URLs by project id (issue 20, point 9)", () => {
    const pinned = () => read(join(ROOT, ".pulumi.version")).trim();

    it("pins the Pulumi CLI in .pulumi.version: an exact release, new enough for the secrets-provider design", () => {
        // Pulumi 3.270.0, released 2026-10-16 (the @pulumi/pulumi release this project locks; CLI and SDK share releases).
        assert.equal(read(join(ROOT, ".pulumi.version")), "3.270.0\n");
        const [major, minor] = pinned().split(".").map(Number);
        // 3.134.0: PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER; 3.135.0: a new stack's state records its secrets manager.
        assert.ok(major > 3 || (major === 3 && minor >= 135));
        const lock = JSON.parse(read(join(ROOT, "package-lock.json"))) as {
            packages: Record<string, { version: string }>;
        };
        const sdk = lock.packages["node_modules/@pulumi/pulumi"].version.split(".").map(Number);
        assert.ok(
            major > sdk[0] || (major === sdk[0] && minor >= sdk[1]),
            `the CLI ${pinned()} is not older than the SDK ${sdk.join(".")}`,
        );
        assert.match(read(join(ROOT, "docs", "operations.md")), /Pulumi CLI 3\.270\.0, released 2026-10-16/);
    });

    it("every workflow installs exactly that version and every pulumi/actions step asks for it", () => {
        let count = 0;
        for (const f of workflowFiles()) {
            for (const job of Object.values((workflow(f).jobs ?? {}) as Record<string, Doc>)) {
                const steps = (job.steps ?? []) as Doc[];
                for (const s of steps.filter(isPulumiAction)) {
                    assert.equal(s.with?.["pulumi-version-file"], ".pulumi.version", `${f}: ${label(s)}`);
                    assert.equal(s.with?.["pulumi-version"], undefined, `${f}: ${label(s)}`);
                    count++;
                }
                const first = steps.findIndex(runsPulumi);
                if (first >= 0) {
                    const install = steps.findIndex(isPulumiAction);
                    assert.ok(
                        install >= 0 && install < first && steps[install].with?.command === undefined,
                        `${f}: the pinned CLI is installed before pulumi runs`,
                    );
                }
            }
        }
        assert.ok(count >= 6);
    });

    it("every pipeline installs exactly that version", () => {
        const installs = pipelineFiles().flatMap((f) =>
            azureSteps(pipeline(f))
                .map(azureScript)
                .filter((x) => x.includes("get.pulumi.com")),
        );
        assert.deepEqual(
            installs.map((x) =>
                x
                    .split("\n")
                    .find((l) => l.includes("get.pulumi.com"))!
                    .trim(),
            ),
            ['curl -fsSL https://get.pulumi.com | sh -s -- --version "$(cat .pulumi.version)"'],
        );
        assert.ok(
            azureScript((pipeline("templates/pulumi.yml").steps as Doc[])[0]).includes("get.pulumi.com"),
            "before any pulumi step",
        );
    });

    it("Azure DevOps REST and web URLs name the project by id (System.TeamProjectId), never by name", () => {
        let urls = 0;
        for (const f of pipelineFiles()) {
            const text = read(join(PIPELINES, f));
            assert.doesNotMatch(text, /\$\(System\.TeamProject\)/, `azure-pipelines/${f}`);
            for (const m of text.matchAll(/\$\(System\.CollectionUri\)([^/"\s]+)\//g)) {
                assert.equal(m[1], "$(System.TeamProjectId)", `azure-pipelines/${f}`);
                urls++;
            }
        }
        assert.equal(urls, 3, "the build timeline (halt), the pull request's threads and the artifacts link");
    });
});

describe("preflight in CI with the stack's state (issue 20, point 6: an existing vault of the stack is no warning)", () => {
    // What a deploy's preflight step runs, literally: export the stack's state into a directory of the runner's
    // temporary space, give it to preflight, delete it whatever happens (trap on EXIT).
    const GITHUB = [
        'state="$RUNNER_TEMP/preflight-state/$STACK.json"',
        'mkdir -p "$RUNNER_TEMP/preflight-state"',
        "trap 'rm -rf \"$RUNNER_TEMP/preflight-state\"' EXIT",
        'pulumi stack export --stack "$STACK" --file "$state"',
        'npm run preflight -- --stack "$STACK" --state "$state"',
    ];
    const AZURE = [
        'dir="$(Agent.TempDirectory)/preflight-state"',
        'state="$dir/${{ parameters.stack }}.json"',
        'mkdir -p "$dir"',
        "trap 'rm -rf \"$dir\"' EXIT",
        'pulumi stack export --stack "${{ parameters.stack }}" --file "$state"',
        'npm run preflight -- --stack "${{ parameters.stack }}" --state "$state"',
    ];
    const lines = (script: string) =>
        script
            .trim()
            .split("\n")
            .map((l) => l.trim());
    const preflightSteps = (f: string) =>
        (workflow(f).jobs as Record<string, Doc>)[f === "dr-drill.yml" ? "drill" : "up"].steps as Doc[];

    it("GitHub: the deploy and the DR drill export the state after ci/pulumi-stack.ts has the stack, and preflight reads it", () => {
        for (const f of ["pulumi-up.yml", "dr-drill.yml"]) {
            const steps = preflightSteps(f);
            const at = steps.findIndex((s) => /^npm run preflight/m.test(String(s.run ?? "")));
            assert.ok(at >= 0, f);
            assert.deepEqual(lines(steps[at].run), GITHUB, f);
            // After the stack is selected (deploy: created if new; the drill: it must exist), so the export never runs
            // for a stack without state.
            const setup = steps.findIndex((s) => SETUP.test(String(s.run ?? "")));
            assert.ok(setup >= 0 && setup < at, `${f}: ci/pulumi-stack.ts before the export`);
            assert.match(String(steps[setup].run), f === "dr-drill.yml" ? /--mode existing$/ : /--mode deploy$/);
            // No other preflight run without the state.
            assert.equal(steps.filter((s) => /npm run preflight/.test(String(s.run ?? ""))).length, 1, f);
        }
    });

    it("Azure Pipelines: the deploy's preflight task exports the state after ci/pulumi-stack.ts and preflight reads it", () => {
        const up = commandSteps("up").map(azureScript);
        const at = up.findIndex((x) => /^npm run preflight/m.test(x));
        assert.deepEqual(lines(up[at]), AZURE);
        assert.ok(up.findIndex((x) => x.includes("ci/pulumi-stack.ts") && x.includes("--mode deploy")) < at);
        assert.equal(up.filter((x) => /npm run preflight/.test(x)).length, 1);
    });

    it("the state file is never part of an artifact: no upload or publish reads the runner's temporary root or the state's directory", () => {
        for (const f of workflowFiles()) {
            for (const job of Object.values((workflow(f).jobs ?? {}) as Record<string, Doc>)) {
                for (const s of (job.steps ?? []) as Doc[]) {
                    if (String(s.uses ?? "").startsWith("actions/upload-artifact@")) {
                        const path = String(s.with?.path ?? "").trim();
                        assert.notEqual(
                            path.replace(/\/$/, ""),
                            "${{ runner.temp }}",
                            `${f}: uploads the whole temporary directory`,
                        );
                        assert.doesNotMatch(path, /preflight-state|\*\*/, f);
                    }
                }
            }
        }
        for (const f of pipelineFiles()) {
            const publish = [...read(join(PIPELINES, f)).matchAll(/^\s*- publish: (.+)$/gm)].map((m) => m[1].trim());
            for (const p of publish) {
                assert.notEqual(p.replace(/\/$/, ""), "$(Agent.TempDirectory)", `azure-pipelines/${f}`);
                assert.doesNotMatch(p, /preflight-state/, `azure-pipelines/${f}`);
            }
        }
    });

    describe("the step, run by bash with a stand-in pulumi and npm", () => {
        /** Runs `script` with bash -e (GitHub's `bash -e {0}`; signed-in.yml's set -euo pipefail) in a scratch runner. */
        function runStep(script: string, npmExit: number) {
            const root = mkdtempSync(join(tmpdir(), "preflight-step-"));
            const bin = join(root, "bin");
            const temp = join(root, "temp");
            mkdirSync(bin);
            mkdirSync(temp);
            const log = join(root, "log");
            // pulumi stack export --stack S --file F writes a state with an encrypted secret; npm records what it got and
            // whether the file was there when preflight ran.
            writeFileSync(
                join(bin, "pulumi"),
                `#!/bin/bash\nset -e\nwhile [ $# -gt 0 ]; do [ "$1" = --file ] && f="$2"; shift; done\necho '{"version":3,"deployment":{"resources":[],"secrets_providers":{"type":"cloud"}}}' > "$f"\necho "pulumi wrote $f" >> "${log}"\n`,
            );
            writeFileSync(
                join(bin, "npm"),
                `#!/bin/bash\nfor a in "$@"; do prev="$a"; done\necho "npm $* exists=$( [ -f "$prev" ] && echo yes || echo no )" >> "${log}"\nexit ${npmExit}\n`,
            );
            chmodSync(join(bin, "pulumi"), 0o755);
            chmodSync(join(bin, "npm"), 0o755);
            const r = spawnSync("bash", ["-e", "-c", script], {
                env: { PATH: `${bin}:/usr/bin:/bin`, RUNNER_TEMP: temp, STACK: "prod" },
                encoding: "utf8",
            });
            const out = {
                status: r.status,
                log: existsSync(log) ? readFileSync(log, "utf8") : "",
                left: readdirSync(temp),
            };
            rmSync(root, { recursive: true, force: true });
            return out;
        }

        const github = () =>
            String(preflightSteps("pulumi-up.yml").find((s) => /^npm run preflight/m.test(String(s.run ?? "")))!.run);
        const azure = () =>
            commandSteps("up")
                .map(azureScript)
                .find((x) => /^npm run preflight/m.test(x))!
                .replace(/\$\(Agent\.TempDirectory\)/g, "$RUNNER_TEMP")
                .replace(/\$\{\{ parameters\.stack \}\}/g, "prod");

        for (const [name, script] of [
            ["GitHub", github],
            ["Azure Pipelines", azure],
        ] as const) {
            it(`${name}: preflight gets the exported file, which is gone afterwards, also when preflight fails`, () => {
                const ok = runStep(script(), 0);
                assert.equal(ok.status, 0, ok.log);
                const [wrote, ran] = ok.log.trim().split("\n");
                const file = /^pulumi wrote (.+\/preflight-state\/prod\.json)$/.exec(wrote)![1];
                assert.equal(ran, `npm run preflight -- --stack prod --state ${file} exists=yes`);
                assert.deepEqual(ok.left, [], "nothing left in the temporary directory");
                const failed = runStep(script(), 1);
                assert.equal(failed.status, 1, "preflight's failure fails the step");
                assert.deepEqual(failed.left, [], "deleted after a failure too");
            });
        }
    });
});
