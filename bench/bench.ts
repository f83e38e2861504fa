// npm run bench: speed and memory figures for the offline plan, the tests and the type-check, with the targets
// they are held to. Figures only; nothing here fails CI. Run it on an otherwise idle machine.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStackFile, stackNames, StackInput, withSecretPlaceholders } from "../stacks/files";
import { ROOT } from "../stacks/paths";
import { runProgram } from "../offline/program";
import { buildCheckedPlan } from "../plan/model";
import { PROJECT } from "../stacks/load";
import { defineCommand, EXIT } from "../cli/command";

const USAGE = `usage: npm run bench [-- --quick] [--plan-only] [--runs <n>]

  --quick    fewer runs, one stack, no ts-node baseline, small fleets (about a minute and a half; the full bench takes
             about 4-5 minutes on a 2-core machine)
  --plan-only  only the plan against loading: one stack planned, interleaved with require("@pulumi/pulumi") alone
  --runs     runs per measurement (default 5, 3 with --quick)
Figures only: exit 0 whatever they are.`;

interface Measurement {
    seconds: number;
    peakMB: number;
    ok: boolean;
}

const PEAK_RSS = join(ROOT, "bench", "peak-rss.cjs");
// The product is measured on the fixture project its tests own, not on the user's stacks: figures stay comparable
// from one fork and one day to the next, whatever stacks are committed.
const BENCH_PROJECT = join(ROOT, "test", "fixtures", "project");

/** Runs a command `runs` times; reports the median wall time and the highest peak RSS of any Node process it started. */
function measure(command: string, args: string[], runs: number, env: Record<string, string> = {}): Measurement {
    const times: number[] = [];
    let peakKB = 0;
    let ok = true;
    for (let i = 0; i < runs; i++) {
        const dir = mkdtempSync(join(tmpdir(), "bench-"));
        const rssFile = join(dir, "rss");
        const start = process.hrtime.bigint();
        const result = spawnSync(command, args, {
            cwd: ROOT,
            encoding: "utf8",
            env: {
                ...process.env,
                AKS_GITOPS_PROJECT_DIR: BENCH_PROJECT,
                ...env,
                NODE_OPTIONS: `--require ${PEAK_RSS}`,
                PEAK_RSS_FILE: rssFile,
            },
            maxBuffer: 64 * 1024 * 1024,
        });
        times.push(Number(process.hrtime.bigint() - start) / 1e9);
        ok &&= result.status === 0;
        try {
            peakKB = Math.max(peakKB, ...readFileSync(rssFile, "utf8").trim().split("\n").map(Number));
        } catch {
            // the command started no Node process that exited normally
        }
        rmSync(dir, { recursive: true, force: true });
    }
    times.sort((a, b) => a - b);
    return { seconds: times[Math.floor(times.length / 2)], peakMB: peakKB / 1024, ok };
}

/** Runs each command once per round, `runs` rounds, so that drift in the machine's speed hits all of them alike. */
function measureInterleaved(
    commands: { command: string; args: string[]; env?: Record<string, string> }[],
    runs: number,
): Measurement[] {
    const rounds = Array.from({ length: runs }, () => commands.map((c) => measure(c.command, c.args, 1, c.env)));
    return commands.map((_, i) => {
        const times = rounds.map((r) => r[i].seconds).sort((a, b) => a - b);
        return {
            seconds: times[Math.floor(times.length / 2)],
            peakMB: Math.max(...rounds.map((r) => r[i].peakMB)),
            ok: rounds.every((r) => r[i].ok),
        };
    });
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);
const verdict = (pass: boolean) => (pass ? "PASS" : "MISS");

/** A fleet of `n` prod-like cluster stacks, each in its own region-like name. */
function syntheticFleet(n: number): StackInput[] {
    const base = withSecretPlaceholders(loadStackFile("prod", BENCH_PROJECT));
    return Array.from({ length: n }, (_, i) => {
        const name = `prod-cluster${String(i + 1).padStart(3, "0")}`;
        const flux = JSON.parse(base.config[`${PROJECT}:flux`]) as { kustomizations: { cluster: { path: string } } };
        flux.kustomizations.cluster.path = `./clusters/${name}`;
        return {
            ...base,
            stack: name,
            config: { ...base.config, [`${PROJECT}:clusterName`]: name, [`${PROJECT}:flux`]: JSON.stringify(flux) },
        };
    });
}

export const command = defineCommand({
    name: "bench",
    usage: USAGE,
    options: {
        quick: { type: "boolean", default: false },
        "plan-only": { type: "boolean", default: false },
        runs: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
    },
    run: bench,
});

export const runCli = command.runCli;

async function bench(argv: string[]): Promise<number> {
    const { values } = command.parse(argv);
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return EXIT.ok;
    }
    const planOnly = values["plan-only"];
    const quick = values.quick || planOnly;
    const runs = Number(values.runs) || (quick ? 3 : 5);
    const started = process.hrtime.bigint();
    const node = process.execPath;
    const print = (...text: string[]) => process.stdout.write(`${(text.length > 0 ? text : [""]).join("\n")}\n`);
    print(`Benchmarks on ${process.platform}/${process.arch}, Node ${process.version}, median of ${runs} runs`, "");

    // Exactly what `npm run plan` runs (minus npm's own start-up), read from package.json so the two cannot drift.
    const planCommand = (
        JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts.plan.split(/\s+/);
    print(`Offline plan, one stack: ${planCommand.join(" ")} (target: <= 0.8 s wall, <= 250 MB peak)`);
    const planTimes = new Map<string, Measurement>();
    const prodLike = "prod";
    for (const stack of quick ? (planOnly ? [] : [prodLike]) : stackNames(BENCH_PROJECT)) {
        const m = measure(node, [...planCommand.slice(1), "--stack", stack, "--json"], runs);
        planTimes.set(stack, m);
        print(
            `  ${stack.padEnd(20)} ${fmt(m.seconds)} s  ${fmt(m.peakMB, 0)} MB  ${verdict(m.ok && m.seconds <= 0.8 && m.peakMB <= 250)}`,
        );
    }

    // The plan against merely loading what it needs (bench/load.ts requires the same modules through the same launcher
    // and runs nothing), measured interleaved with plan runs so that a machine's drift hits both sides alike:
    // - the target's baseline loads them whole, as any Node program does: requiring @pulumi/pulumi loads its closure
    //   serializer and Automation API too (DEFER_SDK=0), which the plan defers (bin/defer-sdk.cjs);
    // - the second loads exactly the files a plan run loads, so plan / that is what running the program under mocks,
    //   the policies and the rendering add to loading (no target: the SDK's per-resource work, see docs/testing.md).
    const modulesDir = mkdtempSync(join(tmpdir(), "bench-modules-"));
    const modulesFile = join(modulesDir, "modules.txt");
    spawnSync(
        node,
        ["--require", join(ROOT, "bench", "modules.cjs"), ...planCommand.slice(1), "--stack", prodLike, "--json"],
        {
            cwd: ROOT,
            env: { ...process.env, AKS_GITOPS_PROJECT_DIR: BENCH_PROJECT, BENCH_MODULES_FILE: modulesFile },
            stdio: "ignore",
        },
    );
    const loadArgs = [...planCommand.slice(1, -1), "bench/load.ts"];
    const [plan, load, loadSame, sdk] = measureInterleaved(
        [
            { command: node, args: [...planCommand.slice(1), "--stack", prodLike, "--json"] },
            { command: node, args: loadArgs, env: { BENCH_LOAD_MODULES: modulesFile, DEFER_SDK: "0" } },
            { command: node, args: loadArgs, env: { BENCH_LOAD_MODULES: modulesFile } },
            // Issue 22's yardstick: a Node program that does nothing but require the SDK.
            { command: node, args: ["-e", 'require("@pulumi/pulumi")'] },
        ],
        runs,
    );
    rmSync(modulesDir, { recursive: true, force: true });
    const loadRatio = plan.seconds / load.seconds;
    const ok = plan.ok && load.ok && loadSame.ok;
    print(`  plan (interleaved)  ${fmt(plan.seconds)} s  ${fmt(plan.peakMB, 0)} MB`);
    print(
        `  load only           ${fmt(load.seconds)} s  ${fmt(load.peakMB, 0)} MB  (DEFER_SDK=0 ${loadArgs.join(" ")}: the modules the plan needs, loaded whole)`,
    );
    print(`  plan / load         ${fmt(loadRatio)}x (target: <= 1.3x)  ${verdict(ok && loadRatio <= 1.3)}`);
    print(
        `  load, plan's files  ${fmt(loadSame.seconds)} s  ${fmt(loadSame.peakMB, 0)} MB  (exactly the files a plan run loads)`,
    );
    print(
        `  plan / those        ${fmt(plan.seconds / loadSame.seconds)}x; plan - those ${fmt(plan.seconds - loadSame.seconds)} s (running the program under mocks, the policies, rendering)`,
    );
    const sdkRatio = plan.seconds / sdk.seconds;
    print(
        `  require SDK only    ${fmt(sdk.seconds)} s  ${fmt(sdk.peakMB, 0)} MB  (node -e 'require("@pulumi/pulumi")')`,
    );
    print(
        `  plan / require SDK  ${fmt(sdkRatio)}x (target: <= 1.1x)  ${verdict(plan.ok && sdk.ok && sdkRatio <= 1.1)}`,
    );
    if (planOnly) {
        return EXIT.ok;
    }

    const stack = prodLike;
    if (!quick) {
        print("", "Baseline: the same plan the way Pulumi runs TypeScript by default (ts-node with type-checking)");
        const baselineRuns = Math.max(1, Math.min(runs, 3));
        const baseline = measure(
            node,
            ["-r", "ts-node/register", "-e", `require("./plan/cli.ts").runCli(["--stack","${stack}","--json"])`],
            baselineRuns,
        );
        const ratio = baseline.seconds / plan.seconds;
        print(`  ts-node ${stack.padEnd(12)} ${fmt(baseline.seconds)} s  ${fmt(baseline.peakMB, 0)} MB`);
        print(`  speed-up            ${fmt(ratio, 1)}x (target: >= 4x)  ${verdict(baseline.ok && ratio >= 4)}`);
    }

    print("", "Synthetic fleets planned in one process (cost per cluster should stay flat)");
    const perCluster: number[] = [];
    const sizes = quick ? [1, 10, 20] : [1, 10, 50, 100];
    for (const n of sizes) {
        const fleet = syntheticFleet(n);
        const start = process.hrtime.bigint();
        for (const input of fleet) {
            await buildCheckedPlan(await runProgram(input));
        }
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        perCluster.push(seconds / n);
        print(
            `  ${String(n).padStart(3)} clusters  ${fmt(seconds)} s total  ${fmt((seconds / n) * 1000, 0)} ms/cluster  rss ${fmt(process.memoryUsage().rss / 1048576, 0)} MB`,
        );
    }
    const flatness = perCluster[perCluster.length - 1] / perCluster[1];
    print(
        `  ms/cluster at ${sizes[sizes.length - 1]} vs 10: ${fmt(flatness)}x (flat: <= 1.5x)  ${verdict(flatness <= 1.5)}`,
    );

    print(
        "",
        "Test suite, npm test (issue 24: <= 30 s on a 2-core machine; the end-to-end tier, npm run test:e2e, is not timed here)",
    );
    const tests = measure("npm", ["test", "--silent"], 1);
    print(
        `  npm test            ${fmt(tests.seconds, 1)} s  ${fmt(tests.peakMB, 0)} MB  ${verdict(tests.ok && tests.seconds <= 30)}`,
    );

    print("", "Type-check");
    const tsc = measure(node, ["node_modules/typescript/bin/tsc", "--noEmit"], quick ? 1 : Math.min(runs, 3));
    print(`  tsc --noEmit        ${fmt(tsc.seconds, 1)} s  ${fmt(tsc.peakMB, 0)} MB  ${tsc.ok ? "ok" : "ERRORS"}`);

    print("", "Targets (ratios, same run, same machine)");
    print(`  plan / load         ${fmt(loadRatio)}x  (target <= 1.3x)  ${verdict(ok && loadRatio <= 1.3)}`);
    print(
        `  plan / require SDK  ${fmt(sdkRatio)}x  (target <= 1.1x)  ${verdict(plan.ok && sdk.ok && sdkRatio <= 1.1)}`,
    );
    print(
        `  npm test            ${fmt(tests.seconds, 1)} s (target <= 30 s)  ${verdict(tests.ok && tests.seconds <= 30)}`,
    );
    print(
        `  bench took ${fmt(Number(process.hrtime.bigint() - started) / 1e9, 0)} s${quick ? " (--quick; target: <= 120 s)" : ""}`,
    );
    return EXIT.ok;
}
