// Pull-request previews of a vault owner when the pull request adds a DR stack (issue 20, point 4): the owner's vault
// firewall admits the DR stack's egress prefix by id, which does not exist until the DR stack's first deploy, so the
// owner's `pulumi preview` failed reading it. ci/pulumi-stack.ts --mode preview now gives the owner's preview
// admitExistingOnly as the list of the admitted prefixes that stacks of the same rollout create (the runner's copy of
// the stack file only): the program leaves exactly those out while missing, and a prefix no stack creates still fails.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseDocument } from "yaml";
import { main as pulumiStack, PulumiRunner } from "../../ci/pulumi-stack";
import { main as stacksMain } from "../../ci/stacks";
import { isNotFound } from "../../components/SopsKeyVault";
import { PROJECT_DIR, ROOT } from "../../stacks/paths";
import { loadStackFile, withSecretPlaceholders } from "../../stacks/files";
import { runProgram } from "../../offline/program";
import { ConfigError, settingsFrom } from "../../stacks/load";
import { projectCopy, StackDoc, writeStack } from "../support/fleet";
import { T } from "../support/tokens";

const KEY = "azurekeyvault://kv-contoso-pulumi.vault.azure.net/keys/pulumi-state";
const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const DR_PREFIX =
    "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope";
const TYPO =
    "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeuropa";

/**
 * The state backend and the CLI commands ci/pulumi-stack.ts runs in a preview (the secrets-provider rules are held in
 * test/ci/pulumi-stack.test.ts): `stack select` fails with "no stack named" for a stack without state; `config set
 * --path '<ns>:<key>[i]' <value>` sets the i-th item of a list under that key in the runner's stack file (pulumi/pulumi
 * pkg/cmd/pulumi/config ParseConfigKey: the top segment of a path carries the namespace; values are strings).
 */
function backend(dir: string, withState: string[]): { runner: PulumiRunner; calls: string[][] } {
    const calls: string[][] = [];
    const runner: PulumiRunner = (args) => {
        calls.push(args);
        const ok = { status: 0, stdout: "", stderr: "" };
        if (args[0] === "stack" && args[1] === "select") {
            return withState.includes(args[2])
                ? ok
                : { status: 255, stdout: "", stderr: `error: no stack named '${args[2]}' found\n` };
        }
        if (args[0] === "stack" && args[1] === "export") {
            const state = { type: "cloud", state: { url: KEY, encryptedkey: "ZGF0YSBrZXk=" } };
            writeFileSync(
                args[args.indexOf("--file") + 1],
                JSON.stringify({ version: 3, deployment: { manifest: {}, secrets_providers: state, resources: [] } }),
            );
            return ok;
        }
        if (args[0] === "config" && args[1] === "set" && args.includes("--secret")) {
            return ok;
        }
        if (args[0] === "config" && args[1] === "set" && args.includes("--path")) {
            const stack = args[args.indexOf("--stack") + 1];
            const key = args[args.indexOf("--path") + 1];
            const value = args[args.indexOf("--path") + 2];
            const m = /^([\w-]+:\w+)\[(\d+)\]$/.exec(key);
            assert.ok(m && value !== undefined, `a list item and its value: ${args.join(" ")}`);
            const file = join(dir, `Pulumi.${stack}.yaml`);
            const doc = parseDocument(readFileSync(file, "utf8"));
            const list = (doc.getIn(["config", m[1]]) as { toJSON(): unknown } | undefined)?.toJSON();
            const items: unknown[] = Array.isArray(list) ? [...(list as unknown[])] : [];
            items[Number(m[2])] = value;
            doc.setIn(["config", m[1]], items);
            writeFileSync(file, doc.toString());
            return ok;
        }
        return { status: 1, stdout: "", stderr: `unexpected pulumi ${args.join(" ")}` };
    };
    return { runner, calls };
}

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A runner's checkout of a pull request: the fixture project, with `edit` applied to it as the pull request does. */
function checkout(edit: (dir: string) => void = () => {}): string {
    const dir = projectCopy();
    dirs.push(dir);
    edit(dir);
    return dir;
}

function preview(dir: string, stack: string, withState: string[]) {
    const out = mkdtempSync(join(tmpdir(), "github-output-"));
    dirs.push(out);
    const github = join(out, "github-output");
    writeFileSync(github, "");
    const { runner, calls } = backend(dir, withState);
    const env = {
        PULUMI_BACKEND_URL: "azblob://state",
        AZURE_STORAGE_ACCOUNT: "stcontosopulumi",
        FLUX_GIT_SSH_KEY: SSH_KEY,
        GITHUB_OUTPUT: github,
        TF_BUILD: "True",
    };
    const result = pulumiStack(["--stack", stack, "--mode", "preview"], { dir, env, pulumi: runner });
    const outputs = Object.fromEntries(
        readFileSync(github, "utf8")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    return { result, calls, outputs };
}

/** What the runner's `pulumi preview` runs: the program with the runner's stack file, where `absent` answer 404. */
async function previewRun(dir: string, stack: string, absent: string[]) {
    const input = withSecretPlaceholders(loadStackFile(stack, dir));
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
    try {
        const capture = await runProgram(input, { absent });
        return { capture, warnings };
    } catch (error) {
        return { error, warnings };
    } finally {
        console.warn = warn;
    }
}

const vaultRules = (c: Awaited<ReturnType<typeof runProgram>>) =>
    (
        c.resources.find((r) => r.type === T.Vault)!.inputs.properties as {
            networkAcls: { ipRules: { value: string }[] };
        }
    ).networkAcls.ipRules.map((r) => c.references.get(r.value) ?? r.value);

describe("pull-request previews of a vault owner when the pull request adds a DR stack", function () {
    this.timeout(60_000);

    it("the owner's preview leaves the new DR stack's prefix out while it does not exist, and says so for the comment", async () => {
        // The pull request adds prod-northeurope (no state yet) and admits its prefix in prod (state exists).
        const dir = checkout();
        const { result, calls, outputs } = preview(dir, "prod", ["prod"]);
        assert.equal(result.code, 0);
        assert.deepEqual(
            calls.filter((c) => c.includes("--path")),
            [["config", "set", "--stack", "prod", "--path", "aks-gitops:admitExistingOnly[0]", DR_PREFIX]],
        );
        assert.deepEqual(
            (parse(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8")) as StackDoc).config[
                "aks-gitops:admitExistingOnly"
            ],
            [DR_PREFIX],
        );
        const note =
            "previewed with admitExistingOnly for pip-egress-aks-prod-northeurope (prod-northeurope creates it): while it does not exist, the preview leaves it out of the vault firewall; the rollout admits it after its first deploy (admit wave). Any other admitted prefix must exist.";
        assert.equal(outputs.note, note);
        assert.match(
            result.stdout,
            new RegExp(
                `^##vso\\[task\\.setvariable variable=STACK_NOTE\\]${note.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`,
                "m",
            ),
        );

        const run = await previewRun(dir, "prod", [DR_PREFIX]);
        assert.equal(run.error, undefined, String(run.error));
        assert.deepEqual(vaultRules(run.capture!), ["prod-westeurope-aks-egress.ipPrefix", "198.51.100.0/26"]);
        assert.equal(
            run.warnings.filter((w) => w.includes("pip-egress-aks-prod-northeurope does not exist yet")).length,
            1,
        );
    });

    it("before: without it the same preview fails reading the prefix by id", async () => {
        const dir = checkout();
        const run = await previewRun(dir, "prod", [DR_PREFIX]);
        assert.ok(isNotFound(run.error), String(run.error));
    });

    it("where the prefix exists the preview admits it, read by id: nothing is dropped from the firewall", async () => {
        const dir = checkout();
        preview(dir, "prod", ["prod", "prod-northeurope"]);
        const run = await previewRun(dir, "prod", []);
        assert.deepEqual(vaultRules(run.capture!), [
            "prod-westeurope-aks-egress.ipPrefix",
            "198.51.100.0/26",
            "getPublicIPPrefix(pip-egress-aks-prod-northeurope).ipPrefix",
        ]);
    });

    it("a prefix no stack creates (a typo) still fails the preview", async () => {
        const dir = checkout((d) => {
            const doc = parse(readFileSync(join(d, "Pulumi.prod.yaml"), "utf8")) as StackDoc;
            (doc.config["aks-gitops:sops"] as { admitEgressPrefixIds: string[] }).admitEgressPrefixIds.push(TYPO);
            writeStack(d, "prod", doc);
        });
        const { outputs } = preview(dir, "prod", ["prod"]);
        assert.doesNotMatch(outputs.note, /northeuropa/);
        assert.deepEqual(
            (parse(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8")) as StackDoc).config[
                "aks-gitops:admitExistingOnly"
            ],
            [DR_PREFIX],
        );
        const run = await previewRun(dir, "prod", [DR_PREFIX, TYPO]);
        assert.ok(isNotFound(run.error), String(run.error));
        assert.match(
            String((run.error as Error).message),
            /publicIPPrefixes\/pip-egress-aks-prod-northeuropa: Status=404/,
        );
    });

    it("sets nothing for a stack that admits nothing, for a DR stack, or for a new stack (no preview)", () => {
        const dir = checkout();
        for (const [stack, state] of [
            ["dev", ["dev"]],
            ["prod-northeurope", ["prod-northeurope"]],
            ["prod-northeurope", []],
        ] as const) {
            const { result, calls, outputs } = preview(dir, stack, [...state]);
            assert.equal(result.code, 0);
            assert.deepEqual(
                calls.filter((c) => c.includes("--path")),
                [],
                stack,
            );
            assert.equal(outputs.note ?? "", "", stack);
        }
    });

    it("set in the runner's copy only: committed, discovery would refuse it", () => {
        const dir = checkout();
        preview(dir, "prod", ["prod"]);
        const r = stacksMain(["--matrix"], dir);
        assert.equal(r.code, 2);
        assert.match(r.stderr ?? "", /Pulumi\.prod\.yaml: aks-gitops:admitExistingOnly: is set by the rollout/);
        assert.equal(
            (parse(readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8")) as StackDoc).config[
                "aks-gitops:admitExistingOnly"
            ],
            undefined,
        );
    });
});

describe("admitExistingOnly as a list (the preview's form)", () => {
    const prod = () => withSecretPlaceholders(loadStackFile("prod")).config;
    const refused = (config: Record<string, string>) => {
        try {
            settingsFrom(config);
        } catch (e) {
            assert.ok(e instanceof ConfigError || (e as Error).name === "ConfigError", String(e));
            return (e as Error).message;
        }
        assert.fail("accepted");
    };

    it("accepts admitted prefix ids, in any case and with or without the subscription", () => {
        const settings = settingsFrom({
            ...prod(),
            "aks-gitops:admitExistingOnly": JSON.stringify([
                `/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90${DR_PREFIX.toUpperCase()}`,
            ]),
        });
        assert.equal((settings.admitExistingOnly as string[]).length, 1);
    });

    it("refuses an id the stack does not admit, and a value that is neither a boolean nor a list, naming the key", () => {
        assert.match(
            refused({ ...prod(), "aks-gitops:admitExistingOnly": JSON.stringify([TYPO]) }),
            /aks-gitops:admitExistingOnly\[0\]: \/resourceGroups\/rg-aks-prod-northeurope\/providers\/Microsoft\.Network\/publicIPPrefixes\/pip-egress-aks-prod-northeuropa is not one of sops\.admitEgressPrefixIds/,
        );
        assert.match(
            refused({ ...prod(), "aks-gitops:admitExistingOnly": "sometimes" }),
            /aks-gitops:admitExistingOnly: must be true, false, or a list of public IP prefix ids from sops\.admitEgressPrefixIds/,
        );
        const dr = withSecretPlaceholders(loadStackFile("prod-northeurope")).config;
        assert.match(
            refused({ ...dr, "aks-gitops:admitExistingOnly": JSON.stringify([DR_PREFIX]) }),
            /aks-gitops:admitExistingOnly: only applies to the stack that owns the vault/,
        );
    });
});

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- workflows and pipelines are read as untyped YAML (any): the assertions are their schema */
describe("the preview's note reaches the pull request's comment", () => {
    type Doc = Record<string, any>;
    const section = (script: string, env: Record<string, string>) => {
        const root = mkdtempSync(join(tmpdir(), "preview-section-"));
        dirs.push(root);
        mkdirSync(join(root, "staging"));
        writeFileSync(join(root, "preview.txt"), "Previewing update (prod)\n");
        const text = script
            .replace(/\$\(Build\.ArtifactStagingDirectory\)/g, join(root, "staging"))
            .replace(/\$\(Agent\.TempDirectory\)/g, root);
        const r = spawnSync("bash", ["-e", "-c", text], {
            env: {
                PATH: "/usr/bin:/bin",
                RUNNER_TEMP: join(root, "staging"),
                STACK: "prod",
                OUTPUT: "Previewing update (prod)",
                ...env,
            },
            encoding: "utf8",
        });
        assert.equal(r.status, 0, r.stderr);
        return readFileSync(join(root, "staging", "preview", "section.md"), "utf8");
    };
    const NOTE =
        "previewed with admitExistingOnly for pip-egress-aks-prod-northeurope (prod-northeurope creates it): …";

    it("GitHub: the section starts with the note, from the stack step's output", () => {
        const steps = (parse(readFileSync(join(ROOT, ".github", "workflows", "pull-request.yml"), "utf8")) as Doc).jobs
            .preview.steps as Doc[];
        const keep = steps.find((s) => s.name === "Keep the preview for the comment")!;
        assert.equal(keep.env.NOTE, "${{ steps.state.outputs.note }}");
        assert.ok(steps.some((s) => s.id === "state" && /ci\/pulumi-stack\.ts .*--mode preview/.test(s.run)));
        assert.equal(section(keep.run, { NEW: "false", NOTE }).split("\n")[0], `<b>prod</b>: ${NOTE}`);
        assert.match(
            section(keep.run, { NEW: "false", NOTE: "" }),
            /^<details><summary><b>prod<\/b>: pulumi preview<\/summary>/,
        );
    });

    it("Azure Pipelines: the section starts with the note from STACK_NOTE; an unset variable's macro text is no note", () => {
        const jobs = (parse(readFileSync(join(ROOT, "azure-pipelines", "pull-request.yml"), "utf8")) as Doc).stages[1]
            .jobs as Doc[];
        const keep = (jobs.find((j) => j.job === "preview")!.steps as Doc[]).find(
            (s) => s.displayName === "Keep the preview for the comment",
        )!;
        assert.equal(keep.env.NOTE, "$(STACK_NOTE)");
        assert.equal(section(keep.script, { NOTE }).split("\n")[0], `<b>prod</b>: ${NOTE}`);
        assert.match(
            section(keep.script, { NOTE: "$(STACK_NOTE)" }),
            /^<details><summary><b>prod<\/b>: pulumi preview<\/summary>/,
        );
    });
});
