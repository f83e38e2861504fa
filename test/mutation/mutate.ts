// npm run mutate [-- <group>...] [--concurrency <n>] [--fresh] [--report] [--survivors]
// StrykerJS over every source folder but bin/, one group of source files at a time, each against the spec files that
// exercise it. A mutant in code that runs while modules load (a zod schema, a policy's description) is "static":
// Stryker reruns every selected spec file in a fresh process for it, so the whole suite per static mutant would take
// days on two cores; a group's own spec files take minutes. (What a suite's before() hooks reach is charged to that
// suite's tests by test/mutation/hooks.cjs, so it is not static.) A mutant counts as killed only if a test of its
// group fails, so each score is a lower bound for the whole suite.
// Then (or with --report alone) prints the score per file, per folder and over all folders measured from the groups' JSON
// reports in reports/mutation/ (git-ignored, like the incremental files that let a rerun test only what changed).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineCommand, EXIT } from "../../cli/command";
import { UsageError } from "../../cli/usage";

const ROOT = join(__dirname, "..", "..");
const REPORTS = join(ROOT, "reports");

/** Source files (Stryker globs) and the spec files (test/<name>.test.ts) that exercise them. */
export const GROUPS: Record<string, { mutate: string[]; spec: string[] }> = {
    components: {
        mutate: ["components/**/*.ts"],
        spec: [
            "components/declarations",
            "components/Tenant",
            "components/AksCluster",
            "components/FluxGitOps",
            "components/FluxIdentity",
            "components/SopsKeyVault",
            "components/FluxMonitoring.alerts.e2e",
            "components/GitOpsCluster.dr",
            "components/SopsKeyVault.hardening",
            "components/FluxMonitoring",
            "index",
            "stacks/schema.subscription",
            "components/roles",
            "fleet/cli",
            "fleet/layout.notifications",
            "offline/program",
            "plan/cli.stacks",
            "policy/policies",
            // The vault's admitted DR prefixes, read only when they exist (admitExistingOnly), are walked by the rollout.
            "ci/stacks.rollout.e2e",
            "ci/stacks.preview-admit",
        ],
    },
    policy: {
        mutate: ["policy/**/*.ts", "!policy/index.ts"],
        spec: [
            "policy/policies",
            "policy/policies.tenants",
            "policy/offline",
            "stacks/schema.boundaries",
            "components/SopsKeyVault.hardening",
            "stacks/schema.subscription",
            "cli/usage.messages",
            "plan/cli.stacks",
            "plan/model",
        ],
    },
    schema: {
        mutate: ["stacks/schema.ts"],
        spec: [
            "stacks/tenants",
            "stacks/tenants.values",
            "stacks/load",
            "stacks/load.messages",
            "stacks/schema.messages",
            "stacks/schema.edges",
            "stacks/schema.boundaries",
            "stacks/load.fuzz",
            "stacks/files.project-config",
            "stacks/schema.subscription",
            "cli/usage.messages",
            "components/GitOpsCluster.dr",
            "stacks/new",
            "components/FluxMonitoring",
            "components/AksCluster",
            "ci/stacks",
            "stacks/net",
        ],
    },
    stacks: {
        mutate: ["stacks/**/*.ts", "!stacks/schema.ts"],
        spec: [
            "stacks/tenants",
            "stacks/tenants.values",
            "stacks/load",
            "stacks/load.messages",
            "stacks/schema.boundaries",
            "stacks/load.fuzz",
            "stacks/files",
            "stacks/files.project-config",
            "stacks/schema.subscription",
            "cli/usage.messages",
            "components/GitOpsCluster.dr",
            "stacks/new",
            "stacks/new.text",
            "stacks/new.org",
            "stacks/net",
            "stacks/perishable",
            "stacks/names",
            "stacks/new-tenant",
            "stacks/new-tenant.remove",
            "stacks/new-tenant.edges",
            "stacks/schema.edges",
            "index",
            "index.config",
            "ci/stacks",
            "components/FluxMonitoring",
        ],
    },
    plan: {
        mutate: ["plan/**/*.ts"],
        spec: [
            "plan/cli.stacks",
            "plan/cli",
            "plan/render",
            "plan/comment",
            "plan/model",
            "plan/diff",
            "plan/model.canonical",
            "plan/all-stacks",
            "cli/usage.messages",
            "stacks/schema.subscription",
            "components/GitOpsCluster.dr",
        ],
    },
    verify: {
        mutate: ["verify/**/*.ts"],
        spec: [
            "verify/cli",
            "verify/cli.loop",
            "verify/cli.tenants",
            "verify/assess",
            "verify/tenants",
            "cli/usage.messages",
        ],
    },
    // The folders issue 24 adds, each against the spec files that exercise it (scores: docs/testing.md).
    ci: {
        mutate: ["ci/**/*.ts"],
        spec: [
            "ci/stacks",
            "ci/stacks.cli",
            "ci/stacks.order",
            "ci/stacks.rollout.e2e",
            "ci/stacks.preview-admit",
            "ci/pulumi-stack",
            "ci/pulumi-stack.state",
            "ci/pulumi-stack.cli",
            "ci/pulumi-stack.credential",
            "ci/pulumi-stack.runner",
            "cicd/workflows",
            "cicd/auth",
        ],
    },
    cli: {
        mutate: ["cli/**/*.ts"],
        spec: ["cli/command", "cli/lazy", "cli/signin", "cli/signin.az", "cli/usage.messages"],
    },
    // fleet/ in two groups, each a practical run on two cores: the fleet repo's files and promotion, and the secret guard.
    fleet: {
        mutate: ["fleet/*.ts", "!fleet/secrets.ts"],
        spec: [
            "fleet/layout",
            "fleet/promote.rings",
            "fleet/promote.usage",
            "fleet/promote.images",
            "fleet/promote.text",
            "fleet/cli.usage",
            "fleet/cli.fleet-files",
            "fleet/repo-files",
            "fleet/cli.check",
            "fleet/cli.write",
            "fleet/cli.scaffold",
            "fleet/cli",
            "fleet/cli.out",
            "fleet/layout.notifications",
            "fleet/layout.tenants",
            "fleet/repo-files.sops-merge",
            "fleet/promote",
            "fleet/promote.app-repo",
            "fleet/secrets.orchestration",
            "fleet/secrets.e2e",
        ],
    },
    guard: {
        mutate: ["fleet/secrets.ts", "fleet/guard/**/*.ts"],
        spec: [
            "fleet/guard/documents",
            "fleet/guard/environments",
            "fleet/guard/walk",
            "fleet/guard/kustomize",
            "fleet/guard/objects",
            "fleet/guard/objects.secret",
            "fleet/guard/objects.values",
            "fleet/guard/sops.config",
            "fleet/guard/sops.metadata",
            "fleet/secrets.orchestration",
            "fleet/secrets.files",
            "fleet/secrets.flux",
            "fleet/guard/sops",
            "fleet/guard/sops.kustomize.e2e",
            "fleet/secrets.e2e",
            "fleet/secrets.attacks.e2e",
            "fleet/secrets.fail-closed.e2e",
            "fleet/repo-files.sops-merge",
        ],
    },
    // preflight/ in two groups: its REST spec table against the table's own tests, and the rest.
    preflight: {
        mutate: ["preflight/**/*.ts", "!preflight/specs.ts"],
        // The in-process tests of each module first: a mutant they kill needs no end-to-end run.
        spec: [
            "preflight/run-checks",
            "preflight/azure",
            "preflight/state",
            "preflight/checks/compute",
            "preflight/checks/providers",
            "preflight/checks/deployment",
            "preflight/checks/existing",
            "preflight/checks/keyvault",
            "preflight/checks/kubernetes",
            "preflight/checks/permissions",
            "preflight/checks/groups",
            "preflight/cli.text",
            "preflight/stack",
            "preflight/template.shapes",
            "preflight/template",
            "preflight/stack.planned",
            "preflight/stack.without",
            "preflight/cli",
            "ci/stacks.rollout.e2e",
        ],
    },
    specs: {
        mutate: ["preflight/specs.ts"],
        spec: ["preflight/specs", "preflight/specs.table", "preflight/template"],
    },
    offline: {
        mutate: ["offline/**/*.ts", "index.ts"],
        spec: [
            "offline/program",
            "offline/program.options",
            "support/share-captures",
            "offline/azure-answers",
            "offline/monitor",
            "index",
            "index.config",
            "components/declarations",
        ],
    },
};

const USAGE = `usage: npm run mutate [-- <group>...] [--concurrency <n>] [--fresh] [--report] [--survivors]
  groups: ${Object.keys(GROUPS).join(", ")} (default: all, one after another; hours on two cores)
  --concurrency  Stryker's test runner processes (default 2)
  --fresh        test every mutant again, ignoring the incremental file (Stryker's --force)
  --report       only print the scores of the last runs (reports/mutation/<group>.json)
  --survivors    only list the surviving and uncovered mutants of the last runs of the groups named (default: all)`;

interface ReportMutant {
    status: string;
    mutatorName?: string;
    replacement?: string;
    location?: { start: { line: number; column: number }; end: { line: number; column: number } };
}
interface Report {
    files: Record<string, { source?: string; mutants: ReportMutant[] }>;
}

function readReport(group: string): Report | undefined {
    const file = join(REPORTS, "mutation", `${group}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Report) : undefined;
}

/** One line per mutant that no test detected: where, which mutator, its status, the code it replaced and with what. */
export function survivors(report: Report): string[] {
    const lines: string[] = [];
    for (const [path, { source = "", mutants }] of Object.entries(report.files).sort(([a], [b]) =>
        a.localeCompare(b),
    )) {
        const text = source.split("\n");
        for (const m of mutants.filter((x) => x.status === "Survived" || x.status === "NoCoverage")) {
            const { start, end } = m.location ?? { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } };
            // Stryker's columns are 1-based; a span over several lines is shown from its first line on.
            const first = text[start.line - 1] ?? "";
            const original =
                start.line === end.line
                    ? first.slice(start.column - 1, end.column - 1)
                    : `${first.slice(start.column - 1)} ...`;
            const brief = (t: string) => t.replace(/\s+/g, " ").trim().slice(0, 100);
            lines.push(
                `${path}:${start.line}:${start.column} [${m.mutatorName ?? "?"}] ${m.status} | ${brief(original)} => ${brief(m.replacement ?? "")}`,
            );
        }
    }
    return lines;
}

/** Stryker's mutation score: killed and timed-out mutants over those that ran or had no test (errors and ignored excluded). */
export function score(mutants: ReportMutant[]): { detected: number; valid: number } {
    const count = (...statuses: string[]) => mutants.filter((m) => statuses.includes(m.status)).length;
    return { detected: count("Killed", "Timeout"), valid: count("Killed", "Timeout", "Survived", "NoCoverage") };
}

function runGroup(group: string, concurrency: number, fresh: boolean): number {
    const base = JSON.parse(readFileSync(join(ROOT, "stryker.config.json"), "utf8")) as Record<string, unknown>;
    const { mutate, spec } = GROUPS[group];
    const config = {
        ...base,
        mutate,
        concurrency,
        mochaOptions: {
            config: ".mocharc.cjs",
            spec: spec.map((s) => `test/${s}.test.ts`),
            // .mocharc.cjs leaves the end-to-end tier out unless files are named on mocha's command line; a group
            // names its spec files here instead, some of them end-to-end (the guard's real-kustomize suites). Stryker
            // spreads these options over the ones it loads from the config file (@stryker-mutator/mocha-runner 10.0
            // mocha-options-loader.js), so this empty list replaces the config's.
            ignore: [],
            require: ["./bin/defer-sdk.cjs", "tsx/cjs", "./test/mutation/hooks.cjs"],
        },
        incrementalFile: `reports/stryker-incremental-${group}.json`,
        htmlReporter: { fileName: `reports/mutation/${group}.html` },
        jsonReporter: { fileName: `reports/mutation/${group}.json` },
        tempDirName: `.stryker-tmp/${group}`,
    };
    mkdirSync(REPORTS, { recursive: true });
    const file = join(REPORTS, `stryker-${group}.config.json`);
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    const stryker = join(ROOT, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js");
    const result = spawnSync(
        process.execPath,
        ["--require", "./stryker.mocha12.cjs", stryker, "run", file, ...(fresh ? ["--force"] : [])],
        { cwd: ROOT, stdio: "inherit" },
    );
    return result.status ?? 1;
}

function report(): string {
    const perFile = new Map<string, ReportMutant[]>();
    const missing: string[] = [];
    for (const group of Object.keys(GROUPS)) {
        const parsed = readReport(group);
        if (parsed === undefined) {
            missing.push(group);
            continue;
        }
        for (const [path, { mutants }] of Object.entries(parsed.files)) {
            perFile.set(path, mutants);
        }
    }
    const pct = ({ detected, valid }: { detected: number; valid: number }) =>
        valid === 0 ? "-" : `${((100 * detected) / valid).toFixed(1)}%`;
    const lines = ["file                               killed/valid  score"];
    const folders = new Map<string, ReportMutant[]>();
    for (const [path, mutants] of [...perFile].sort(([a], [b]) => a.localeCompare(b))) {
        const s = score(mutants);
        lines.push(`${path.padEnd(34)} ${`${s.detected}/${s.valid}`.padStart(12)}  ${pct(s)}`);
        const folder = path.split("/")[0];
        folders.set(folder, [...(folders.get(folder) ?? []), ...mutants]);
    }
    lines.push("");
    for (const [folder, mutants] of folders) {
        const s = score(mutants);
        lines.push(`${`${folder}/`.padEnd(34)} ${`${s.detected}/${s.valid}`.padStart(12)}  ${pct(s)}`);
    }
    const all = score([...perFile.values()].flat());
    lines.push(
        `${"all folders measured".padEnd(34)} ${`${all.detected}/${all.valid}`.padStart(12)}  ${pct(all)}  (target >= 85%)`,
    );
    if (missing.length > 0) {
        lines.push(`no report yet for: ${missing.join(", ")} (npm run mutate -- ${missing.join(" ")})`);
    }
    return `${lines.join("\n")}\n`;
}

export const command = defineCommand({
    name: "mutate",
    usage: USAGE,
    allowPositionals: true,
    options: {
        concurrency: { type: "string", default: "2" },
        report: { type: "boolean", default: false },
        survivors: { type: "boolean", default: false },
        fresh: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
    },
    run: mutate,
});

export const runCli = command.runCli;

function mutate(argv: string[]): number {
    const { values, positionals } = command.parse(argv);
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return EXIT.ok;
    }
    const unknown = positionals.filter((g) => !(g in GROUPS));
    if (unknown.length > 0) {
        throw new UsageError(`unknown group ${unknown.map((g) => `"${g}"`).join(", ")}`);
    }
    const concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new UsageError(
            `--concurrency must be a whole number of processes, at least 1 (got "${values.concurrency}")`,
        );
    }
    if (values.survivors) {
        for (const group of positionals.length > 0 ? positionals : Object.keys(GROUPS)) {
            const parsed = readReport(group);
            process.stdout.write(
                parsed === undefined
                    ? `${group}: no report yet\n`
                    : survivors(parsed)
                          .map((l) => `${l}\n`)
                          .join(""),
            );
        }
        return EXIT.ok;
    }
    let code: number = EXIT.ok;
    if (!values.report) {
        for (const group of positionals.length > 0 ? positionals : Object.keys(GROUPS)) {
            if (runGroup(group, concurrency, values.fresh) !== 0) {
                code = EXIT.failed;
            }
        }
    }
    process.stdout.write(report());
    return code;
}
