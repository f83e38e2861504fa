// npm run plan -- --stack <name> [--json | --mermaid] [--out <file>]
// npm run plan -- diff <before.json> <after.json> [--out <file>]
// npm run plan -- [comment] --all ...: every committed stack in one process (plan/all-stacks.ts)
// Runs the real program offline under the mock runtime and reports the desired state. Exit codes: 0 ok,
// 1 a mandatory policy violation, 2 bad usage, unknown stack or invalid config, 3 an output file could not be written.
import { existsSync, readFileSync } from "node:fs";
import { defineCommand, type Outcome } from "../cli/command";
import { lazy } from "../cli/lazy";
import { failure, UsageError, userPath, writeOutput } from "../cli/usage";
import { diffPlans, renderDiffMarkdown } from "./diff";
import type { Plan } from "./model";

const USAGE = `usage:
  npm run plan -- --stack <name> [--json | --mermaid] [--out <file>]
  npm run plan -- diff <before.json> <after.json> [--out <file>]
  npm run plan -- comment --stack <name> [--base <base.json>] [--json-out <head.json>] [--out <file>]
  npm run plan -- --all [--json] [--out <file>]
  npm run plan -- comment --all [--base <base-all.json>] [--json-out <head-all.json>] [--artifacts-url <url>] [--max-chars <n>] [--out <file>]

  --stack     a committed stack (Pulumi.<name>.yaml)
  --json      the plan as one JSON document (deterministic: two runs are byte-identical)
  --mermaid   the dependency graph as a Mermaid flowchart, critical path highlighted
  --out       write to a file instead of stdout
  comment     the stack's section of a pull-request comment (diff against --base, graph, policy findings)
  --base      comment only: the base branch's plan (--json of the same command); it must exist; without --base
              everything shows as new
  --all       every committed stack, in rollout order, in one process; --json: one document {"stacks": [...]};
              comment: one comment for every stack (summary table, details collapsed, under GitHub's size limit;
              --base and --json-out are --all --json documents; exit 2 when a stack cannot be planned)`;

/** What plan prints (cli/command.ts Outcome): `text` to --out or stdout. */
export interface CliResult extends Outcome {
    text: string;
}

export const command = defineCommand({
    name: "plan",
    usage: USAGE,
    allowPositionals: true,
    options: {
        stack: { type: "string", short: "s" },
        json: { type: "boolean", default: false },
        mermaid: { type: "boolean", default: false },
        out: { type: "string" },
        base: { type: "string" },
        "json-out": { type: "string" },
        all: { type: "boolean", default: false },
        "artifacts-url": { type: "string" },
        "max-chars": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
    },
    run: (argv) => main(argv),
});

/** `planOne` plans one committed stack (the real program under mocks; tests pass a stand-in). */
export async function main(
    argv: string[],
    planOne: (stack: string) => Promise<Plan> = (stack) => planWithActivation(stack),
): Promise<CliResult> {
    const parsed = command.parse(argv);
    const { values, positionals } = parsed;
    if (values.help) {
        return { code: 0, text: `${USAGE}\n` };
    }
    if (positionals[0] === "diff") {
        if (positionals.length !== 3) {
            throw new UsageError("diff needs exactly two plan files: diff <before.json> <after.json>");
        }
        const [before, after] = positionals.slice(1).map(readPlan);
        return { code: 0, text: renderDiffMarkdown(diffPlans(before, after)), out: values.out };
    }
    const comment = positionals[0] === "comment";
    if (positionals.length > (comment ? 1 : 0)) {
        throw new UsageError(`unexpected argument "${positionals[comment ? 1 : 0]}"`);
    }
    // A --base that names no file is a mistake (a wrong path, a base plan that was never written), never "the base
    // branch has no plan": that is said by leaving --base out. Checked before anything is planned or written.
    if (values.base !== undefined) {
        if (!comment) {
            throw new UsageError("--base is the base branch's plan a comment is compared with: use it with comment");
        }
        const path = userPath(values.base);
        if (!existsSync(path)) {
            throw new UsageError(
                `--base ${values.base}: no such file (${path}). Make it on the base branch with npm run plan -- ${values.all ? "--all" : "--stack <name>"} --json --out <file>, or leave --base out when the base branch has no plan (everything then shows as new)`,
            );
        }
    }
    if (values.all) {
        if (values.stack || values.mermaid) {
            throw new UsageError(
                values.stack ? "choose one of --stack and --all" : "--mermaid shows one stack: use --stack",
            );
        }
        const { planAllStacksCli } = lazy.planAllStacks();
        const options = {
            comment,
            json: values.json,
            base: values.base,
            jsonOut: values["json-out"],
            artifactsUrl: values["artifacts-url"],
            maxChars: values["max-chars"],
        };
        return { ...(await planAllStacksCli(options, planOne)), out: values.out };
    }
    if (!values.stack) {
        throw new UsageError("--stack (or --all) is required");
    }
    if (values.json && values.mermaid) {
        throw new UsageError("choose one of --json and --mermaid");
    }
    // Loaded only here so that `diff` and `--help` stay instant (the program pulls in the Pulumi SDK).
    const { renderMermaid, renderTree } = lazy.planRender();
    const base = values.base !== undefined ? readPlan(values.base) : undefined;
    const plan = await planOne(values.stack);
    const mandatory = plan.policy.filter((f) => f.enforcementLevel === "mandatory");
    let text: string;
    if (comment) {
        const { renderCommentSection } = lazy.planComment();
        if (values["json-out"]) {
            writeOutput(values["json-out"], `${JSON.stringify(plan, null, 2)}\n`);
        }
        text = renderCommentSection(plan, base);
    } else {
        text = values.json
            ? `${JSON.stringify(plan, null, 2)}\n`
            : values.mermaid
              ? renderMermaid(plan)
              : renderTree(plan);
    }
    return {
        code: mandatory.length > 0 ? 1 : 0,
        text,
        out: values.out,
        stderr:
            mandatory.length > 0
                ? `${mandatory.length} mandatory policy violation(s); see the policy findings\n`
                : undefined,
    };
}

/**
 * The stack's checked plan (from the project in `root`, this one by default); for a stack on standby also what
 * activating it (standby false) creates, and how long.
 */
export async function planWithActivation(stack: string, root?: string): Promise<Plan> {
    const { runProgram } = lazy.offlineProgram();
    const { loadStackFile, withSecretPlaceholders } = lazy.stackFiles();
    const { activationPath, buildCheckedPlan } = lazy.planModel();
    const file = loadStackFile(stack, root);
    const input = withSecretPlaceholders(file);
    const plan = await buildCheckedPlan(await runProgram(input));
    const missing = input.secretKeys.filter((k) => !file.secretKeys.includes(k));
    if (missing.length > 0) {
        plan.missingSecrets = missing;
    }
    if (plan.outputs.standby === true) {
        const active = await buildCheckedPlan(
            await runProgram({ ...input, config: { ...input.config, "aks-gitops:standby": "false" } }),
        );
        plan.activation = activationPath(plan, active);
        // The active stack must pass the pack too: its findings join the standby's, marked as such.
        const seen = new Set(plan.policy.map((f) => `${f.policy}|${f.urn}|${f.message}`));
        plan.policy.push(
            ...active.policy
                .filter((f) => !seen.has(`${f.policy}|${f.urn}|${f.message}`))
                .map((f) => ({ ...f, message: `when active: ${f.message}` })),
        );
    }
    return plan;
}

function readPlan(file: string): Plan {
    let doc: unknown;
    try {
        doc = JSON.parse(readFileSync(userPath(file), "utf8"));
    } catch (e) {
        throw new UsageError(`cannot read plan ${file}: ${(e as Error).message}`);
    }
    // `null` and other JSON that is not an object are not plans either (and must not fail as a TypeError).
    const plan = (typeof doc === "object" && doc !== null ? doc : {}) as Partial<Plan>;
    if (!Array.isArray(plan.resources) || typeof plan.stack !== "string" || !plan.criticalPath) {
        throw new UsageError(`${file} is not a plan document (make one with npm run plan -- --stack <name> --json)`);
    }
    return plan as Plan;
}

/** Maps what went wrong to a message and exit code (cli/usage.ts). */
export function planFailure(e: unknown): { code: number; message: string } {
    return failure(e, USAGE, "plan");
}

/** Entry point for bin/launch.cjs: runs, writes the result (--out or stdout), sets the exit code. */
export const runCli = command.runCli;
