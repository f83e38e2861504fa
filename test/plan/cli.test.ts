// npm run plan's command line in process (plan/cli.ts, plan/all-stacks.ts): usage errors word for word, plan files that
// are not plans, --out and --json-out, the comment against a base, and the fleet's exit codes and stderr with stacks
// planned by a stand-in (a plan, a mandatory finding, an error), so no case needs the program to fail for real.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackNames } from "../../stacks/files";
import { renderCommentSection } from "../../plan/comment";
import * as cli from "../../plan/cli";
import { main } from "../../plan/cli";
import { planAllStacks, planAllStacksCli, readAllStacksPlan } from "../../plan/all-stacks";
import type { Plan } from "../../plan/model";
import { renderTree } from "../../plan/render";
import { plan } from "../support/plan";
import { runCliInProcess } from "../support/stacks";
import { sharedCaptures } from "../support/share-captures";

// Exit codes as the README documents them: 0 ok; 1 a mandatory policy violation; 2 bad usage, unknown stack or invalid
// config; 3 an output file could not be written.
const EXIT = { ok: 0, mandatory: 1, usage: 2, output: 3 } as const;

/** A plan of `stack` without mandatory findings. */
function clean(stack: string): Plan {
    const p = plan();
    p.stack = stack;
    p.policy = p.policy.filter((f) => f.enforcementLevel === "advisory");
    return p;
}

describe("npm run plan: the command line", () => {
    sharedCaptures();
    let dir: string;
    before(() => {
        dir = mkdtempSync(join(tmpdir(), "plan-cli-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, content: string) => {
        const path = join(dir, name);
        writeFileSync(path, content);
        return path;
    };

    it("answers --help with the usage, and each usage mistake with its own message", async () => {
        const help = await main(["--help"]);
        assert.equal(help.code, EXIT.ok);
        assert.ok(
            help.text.startsWith(
                "usage:\n  npm run plan -- --stack <name> [--json | --mermaid] [--out <file>]\n  npm run plan -- diff <before.json> <after.json> [--out <file>]\n",
            ),
            help.text,
        );
        assert.ok(help.text.endsWith("exit 2 when a stack cannot be planned)\n"));
        const cases: [string[], string][] = [
            [["diff", "a.json"], "diff needs exactly two plan files: diff <before.json> <after.json>"],
            [
                ["diff", "a.json", "b.json", "c.json"],
                "diff needs exactly two plan files: diff <before.json> <after.json>",
            ],
            [["extra"], 'unexpected argument "extra"'],
            [["comment", "extra", "--stack", "dev"], 'unexpected argument "extra"'],
            [[], "--stack (or --all) is required"],
            [["comment"], "--stack (or --all) is required"],
            [["--stack", "dev", "--json", "--mermaid"], "choose one of --json and --mermaid"],
        ];
        for (const [argv, message] of cases) {
            await assert.rejects(main(argv), { name: "UsageError", message }, argv.join(" "));
        }
    });

    it("refuses plan files it cannot read or that are not plan documents, naming the file and how to make one", async () => {
        const good = file("good.json", JSON.stringify(plan()));
        const missing = join(dir, "missing.json");
        await assert.rejects(main(["diff", missing, good]), {
            name: "UsageError",
            message: new RegExp(`^cannot read plan ${missing}: ENOENT`),
        });
        const garbled = file("garbled.json", "{ not json");
        await assert.rejects(main(["diff", good, garbled]), { message: new RegExp(`^cannot read plan ${garbled}: `) });
        const notPlan = `is not a plan document (make one with npm run plan -- --stack <name> --json)`;
        const { criticalPath, ...noPath } = plan();
        const { stack, ...noStack } = plan();
        void criticalPath;
        void stack;
        for (const [name, doc] of [
            ["empty", {}],
            ["no-path", noPath],
            ["no-stack", noStack],
            ["resources-object", { ...plan(), resources: {} }],
            ["null", null],
            ["number", 42],
        ] as const) {
            const path = file(`${name}.json`, JSON.stringify(doc));
            await assert.rejects(main(["diff", good, path]), { message: `${path} ${notPlan}` }, name);
        }
        const same = await main(["diff", good, good, "--out", join(dir, "diff.md")]);
        assert.equal(same.code, EXIT.ok);
        assert.equal(same.out, join(dir, "diff.md"));
        assert.match(same.text, /No changes/);
    });

    it("writes the text to --out, nothing to stdout, and reports an unwritable --out with exit 3", async () => {
        const out = join(dir, "dev.txt");
        const run = await runCliInProcess(cli.runCli, ["--stack", "dev", "--out", out]);
        assert.deepEqual(
            { status: run.status, stdout: run.stdout, stderr: run.stderr },
            { status: EXIT.ok, stdout: "", stderr: "" },
        );
        const tree = readFileSync(out, "utf8");
        assert.ok(tree.startsWith("Plan for aks-gitops/dev: "));
        const good = file("good.json", JSON.stringify(plan()));
        const toStdout = await runCliInProcess(cli.runCli, ["diff", good, good]);
        assert.match(toStdout.stdout, /No changes/);
        const bad = await runCliInProcess(cli.runCli, [
            "diff",
            good,
            good,
            "--out",
            join(dir, "no-such-folder", "x.md"),
        ]);
        assert.equal(bad.status, EXIT.output);
        assert.match(
            bad.stderr,
            new RegExp(
                `cannot write ${join(dir, "no-such-folder", "x.md")}: the folder ${join(dir, "no-such-folder")} does not exist`,
            ),
        );
        const usage = await runCliInProcess(cli.runCli, ["--stack", "dev", "--json", "--mermaid"]);
        assert.equal(usage.status, EXIT.usage);
        assert.match(usage.stderr, /choose one of --json and --mermaid/);
        assert.equal(usage.stdout, "");
    });

    it("renders one stack's comment section against a base plan file, writing the head plan to --json-out", async () => {
        const headOut = join(dir, "head.json");
        const first = await main(["comment", "--stack", "dev", "--json-out", headOut]);
        assert.equal(first.code, EXIT.ok);
        assert.equal(first.stderr, undefined);
        const head = JSON.parse(readFileSync(headOut, "utf8")) as Plan;
        assert.equal(readFileSync(headOut, "utf8"), `${JSON.stringify(head, null, 2)}\n`);
        assert.equal(first.text, renderCommentSection(head, undefined), "no --base: no base, everything is new");
        const base = clean("dev");
        const baseFile = file("base.json", JSON.stringify(base));
        const second = await main(["comment", "--stack", "dev", "--base", baseFile]);
        assert.equal(second.text, renderCommentSection(head, base));
        assert.ok(!existsSync(join(dir, "unused.json")));
    });

    it("refuses a --base that names no file (exit 2, naming it) before planning or writing anything", async () => {
        const missing = join(dir, "no-base-yet.json");
        const headOut = join(dir, "never-written.json");
        let planned = 0;
        const planOne = (stack: string): Promise<Plan> => {
            planned++;
            return Promise.resolve(clean(stack));
        };
        const one =
            `--base ${missing}: no such file (${missing}). Make it on the base branch with npm run plan -- --stack <name> --json --out <file>, ` +
            "or leave --base out when the base branch has no plan (everything then shows as new)";
        await assert.rejects(main(["comment", "--stack", "dev", "--base", missing, "--json-out", headOut], planOne), {
            name: "UsageError",
            message: one,
        });
        const all =
            `--base ${missing}: no such file (${missing}). Make it on the base branch with npm run plan -- --all --json --out <file>, ` +
            "or leave --base out when the base branch has no plan (everything then shows as new)";
        await assert.rejects(main(["comment", "--all", "--base", missing, "--json-out", headOut], planOne), {
            name: "UsageError",
            message: all,
        });
        assert.equal(planned, 0, "nothing planned");
        assert.ok(!existsSync(headOut), "nothing written");

        const run = await runCliInProcess(cli.runCli, ["comment", "--stack", "dev", "--base", missing]);
        assert.equal(run.status, EXIT.usage);
        assert.equal(run.stdout, "");
        assert.ok(run.stderr.startsWith(`${one}\n\nusage:\n`), run.stderr);

        // A path relative to where npm was run from (INIT_CWD), named as typed and as resolved.
        const initCwd = process.env.INIT_CWD;
        process.env.INIT_CWD = dir;
        try {
            await assert.rejects(main(["comment", "--stack", "dev", "--base", "base-of-main.json"], planOne), {
                message: new RegExp(
                    `^--base base-of-main\\.json: no such file \\(${join(dir, "base-of-main.json").replace(/[.]/g, "\\.")}\\)\\. `,
                ),
            });
        } finally {
            if (initCwd === undefined) {
                delete process.env.INIT_CWD;
            } else {
                process.env.INIT_CWD = initCwd;
            }
        }
        // --base outside comment compares nothing: said, not ignored.
        const baseFile = file("base-for-nothing.json", JSON.stringify(clean("dev")));
        for (const argv of [
            ["--stack", "dev", "--base", baseFile],
            ["--all", "--json", "--base", baseFile],
        ]) {
            await assert.rejects(
                main(argv, planOne),
                {
                    name: "UsageError",
                    message: "--base is the base branch's plan a comment is compared with: use it with comment",
                },
                argv.join(" "),
            );
        }
        assert.equal(planned, 0);
    });
});

describe("npm run plan -- --stack: a mandatory finding (the stack planned by a stand-in)", () => {
    sharedCaptures();
    const planOne = (stack: string): Promise<Plan> => Promise.resolve({ ...plan(), stack });

    it("exits 1 and says how many mandatory findings there are, in every format", async () => {
        for (const argv of [
            ["--stack", "prod"],
            ["--stack", "prod", "--json"],
            ["--stack", "prod", "--mermaid"],
            ["comment", "--stack", "prod"],
        ]) {
            const r = await main(argv, planOne);
            assert.equal(r.code, EXIT.mandatory, argv.join(" "));
            assert.equal(r.stderr, "1 mandatory policy violation(s); see the policy findings\n");
        }
        const two = await main(["--stack", "prod"], (stack) => {
            const p = { ...plan(), stack };
            p.policy = [...p.policy, { ...p.policy[0], policy: "aks-local-accounts" }];
            return Promise.resolve(p);
        });
        assert.equal(two.stderr, "2 mandatory policy violation(s); see the policy findings\n");
        const fine = await main(["--stack", "prod"], (stack) => Promise.resolve(clean(stack)));
        assert.deepEqual({ code: fine.code, stderr: fine.stderr }, { code: EXIT.ok, stderr: undefined });
        assert.equal(fine.text, renderTree(clean("prod")));
        assert.equal(
            (await main(["--stack", "prod", "--json"], planOne)).text,
            `${JSON.stringify({ ...plan(), stack: "prod" }, null, 2)}\n`,
        );
    });

    it("hands --all and its options to the planner of all stacks with the same stand-in", async () => {
        const all = await main(["--all", "--json", "--out", "fleet.json"], planOne);
        assert.equal(all.code, EXIT.mandatory);
        assert.equal(all.out, "fleet.json");
        assert.deepEqual(
            (JSON.parse(all.text) as { stacks: { stack: string }[] }).stacks.map((e) => e.stack).sort(),
            stackNames(),
        );
        const comment = await main(
            ["comment", "--all", "--max-chars", "2000", "--artifacts-url", "https://ci.example/run/9"],
            planOne,
        );
        assert.ok(comment.text.length <= 2000);
        assert.ok(comment.text.includes("[the run's artifacts](https://ci.example/run/9)"), comment.text);
        await assert.rejects(main(["comment", "--all", "--max-chars", "10"], planOne), {
            message: "--max-chars must be a whole number >= 1000",
        });
    });
});

describe("npm run plan -- --all: exit codes and stderr (stacks planned by a stand-in)", () => {
    sharedCaptures();
    const stacks = stackNames();
    const [broken, failing] = [stacks[0], stacks[1]];
    const planOne = (stack: string): Promise<Plan> => {
        if (stack === broken) {
            return Promise.reject(
                new Error(
                    "invalid stack configuration (1 problem):\n  - aks-gitops:location: must be an Azure region name",
                ),
            );
        }
        return Promise.resolve(stack === failing ? { ...plan(), stack } : clean(stack));
    };

    it("exits 2 when a stack cannot be planned, 1 for a mandatory finding alone, each named on stderr", async () => {
        const text = await planAllStacksCli({ comment: false, json: false }, planOne);
        assert.equal(text.code, EXIT.usage);
        assert.equal(
            text.stderr,
            `${broken}: cannot be planned: invalid stack configuration (1 problem):\n${failing}: mandatory policy violation(s); see the policy findings\n`,
        );
        assert.ok(
            text.text.includes(
                `${broken}: cannot be planned\ninvalid stack configuration (1 problem):\n  - aks-gitops:location: must be an Azure region name\n`,
            ),
        );
        assert.ok(text.text.includes(renderTree({ ...plan(), stack: failing })));
        const policyOnly = await planAllStacksCli({ comment: false, json: true }, async (s) =>
            s === broken ? clean(s) : planOne(s),
        );
        assert.equal(policyOnly.code, EXIT.mandatory);
        assert.equal(policyOnly.stderr, `${failing}: mandatory policy violation(s); see the policy findings\n`);
        const fine = await planAllStacksCli({ comment: false, json: true }, (s) => Promise.resolve(clean(s)));
        assert.deepEqual({ code: fine.code, stderr: fine.stderr }, { code: EXIT.ok, stderr: undefined });
        assert.deepEqual(
            (JSON.parse(fine.text) as { stacks: { stack: string; plan: Plan }[] }).stacks
                .map((e) => [e.stack, e.plan.stack])
                .sort(),
            stacks.map((s) => [s, s]),
        );
    });

    it("records a thrown value that is not an Error as its text", async () => {
        const doc = await planAllStacks((s) =>
            s === broken
                ? // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test: a rejection that is not an Error
                  Promise.reject("config file is empty")
                : Promise.resolve(clean(s)),
        );
        assert.equal(doc.stacks.find((e) => e.stack === broken)!.error, "config file is empty");
    });

    it("comments against a base document, writes the head document to --json-out, and checks --max-chars", async () => {
        const dir = mkdtempSync(join(tmpdir(), "plan-fleet-cli-"));
        try {
            const base = await planAllStacks((s) => Promise.resolve(clean(s)));
            const baseFile = join(dir, "base.json");
            writeFileSync(baseFile, JSON.stringify(base));
            const headOut = join(dir, "head.json");
            const result = await planAllStacksCli(
                {
                    comment: true,
                    json: false,
                    base: baseFile,
                    jsonOut: headOut,
                    artifactsUrl: "https://ci.example/run/7",
                    maxChars: "1000",
                },
                planOne,
            );
            assert.equal(result.code, EXIT.usage);
            assert.equal(readFileSync(headOut, "utf8"), `${JSON.stringify(await planAllStacks(planOne))}\n`);
            assert.ok(result.text.length <= 1000);
            assert.ok(
                result.text.includes(
                    `**0 of ${stacks.length} stacks change** · **1 cannot be planned** · **1 fails a mandatory policy** without changing`,
                ),
                result.text,
            );
            assert.ok(result.text.includes("[the run's artifacts](https://ci.example/run/7)"));
            const noBase = await planAllStacksCli({ comment: true, json: false }, (s) => Promise.resolve(clean(s)));
            assert.ok(
                noBase.text.includes(`**${stacks.length} of ${stacks.length} stacks change**`),
                "no base: every stack is new",
            );
            await assert.rejects(
                planAllStacksCli(
                    {
                        comment: true,
                        json: false,
                        base: join(dir, "none.json"),
                        jsonOut: join(dir, "not-written.json"),
                    },
                    (s) => Promise.resolve(clean(s)),
                ),
                {
                    name: "UsageError",
                    message: new RegExp(`^cannot read the plan of all stacks ${join(dir, "none.json")}: ENOENT`),
                },
            );
            assert.ok(!existsSync(join(dir, "not-written.json")), "a missing base file: an error, nothing written");
            for (const bad of ["999", "1000.5", "many"]) {
                await assert.rejects(planAllStacksCli({ comment: true, json: false, maxChars: bad }, planOne), {
                    name: "UsageError",
                    message: "--max-chars must be a whole number >= 1000",
                });
            }
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses a plan file of all stacks it cannot read or that is not one", () => {
        const dir = mkdtempSync(join(tmpdir(), "plan-fleet-read-"));
        try {
            const write = (name: string, text: string) => {
                writeFileSync(join(dir, name), text);
                return join(dir, name);
            };
            assert.throws(() => readAllStacksPlan(join(dir, "missing.json")), {
                name: "UsageError",
                message: new RegExp(`^cannot read the plan of all stacks ${join(dir, "missing.json")}: ENOENT`),
            });
            assert.throws(() => readAllStacksPlan(write("garbled.json", "[")), {
                message: /^cannot read the plan of all stacks .*garbled\.json: /,
            });
            // A base branch built before the key was renamed writes {"fleet": [...]}; its plans still count.
            assert.deepEqual(readAllStacksPlan(write("legacy.json", '{"fleet":[{"stack":"a"}]}')), {
                stacks: [{ stack: "a" }],
            });
            for (const [name, text] of [
                ["null", "null"],
                ["empty", "{}"],
                ["object", '{"stacks":{}}'],
                ["nameless", '{"stacks":[{"stack":"a"},{}]}'],
                ["nulls", '{"stacks":[null]}'],
                ["legacy key, not a list", '{"fleet":{}}'],
            ]) {
                const path = write(`${name}.json`, text);
                assert.throws(
                    () => readAllStacksPlan(path),
                    { message: `${path} is not a plan of all stacks (make one with npm run plan -- --all --json)` },
                    name,
                );
            }
            assert.deepEqual(readAllStacksPlan(write("ok.json", '{"stacks":[{"stack":"a"}],"extra":1}')), {
                stacks: [{ stack: "a" }],
            });
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("npm run plan -- comment --all --base in the pull-request pipelines", () => {
    sharedCaptures();
    it("is what the Azure Pipelines pull-request pipeline runs, --base only when the target branch wrote its plan", () => {
        const text = readFileSync(join(__dirname, "..", "..", "azure-pipelines", "pull-request.yml"), "utf8");
        assert.match(text, /npm run --silent plan -- --all --json --out "\$\(Agent\.TempDirectory\)\/base\.json"/);
        assert.match(
            text,
            /base="\$\(Agent\.TempDirectory\)\/base\.json"\n\s+\[ -f "\$base" \] \|\| base=""\n\s+npm run --silent plan -- comment --all \$\{base:\+--base "\$base"\} \\\n/,
        );
    });

    it("the shell idiom both pipelines use passes --base and its path as two words, or nothing", () => {
        const args = (base: string) =>
            spawnSync(
                "bash",
                [
                    "-euc",
                    'base="$1"; [ -f "$base" ] || base=""; printf "<%s>" ${base:+--base "$base"} --next',
                    "bash",
                    base,
                ],
                { encoding: "utf8" },
            ).stdout;
        const dir = mkdtempSync(join(tmpdir(), "base idiom "));
        try {
            const present = join(dir, "base.json");
            writeFileSync(present, "{}");
            assert.equal(args(present), `<--base><${present}><--next>`);
            assert.equal(args(join(dir, "missing.json")), "<--next>");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
