// ci/pulumi-stack.ts as a CI job runs it (main, in process, against the model of the Pulumi CLI in
// test/support/pulumi-stack.ts): the usage, the CI variables it needs, what it prints and which outputs it sets on
// GitHub Actions and Azure Pipelines, and, for each pulumi command that can fail, exit 1 naming that command.
import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { parse } from "yaml";
import { main } from "../../ci/pulumi-stack";
import { Backend, checkout, cleanup, dirs, KEY, outcome, PulumiResult, run } from "../support/pulumi-stack";

afterEach(cleanup);

const DATA_KEY = "ZGF0YQ==";
const DR_PREFIX =
    "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope";
const NOTE_TAIL =
    "while it does not exist, the preview leaves it out of the vault firewall; the rollout admits it after its first deploy (admit wave). Any other admitted prefix must exist.";
const RESTORED = (stack: string) =>
    `${stack}: secrets provider ${KEY} (secretsprovider and encryptedkey restored from the state into this runner's Pulumi.${stack}.yaml)`;
const SET = (stack: string) => `${stack}: gitSshPrivateKey set as secret config (encrypted with ${KEY})`;

/** A backend where `stacks` already have state, written with the Key Vault key. */
function withState(...stacks: string[]): Backend {
    const backend = new Backend();
    for (const s of stacks) {
        backend.states.set(s, { secrets: { type: "cloud", state: { url: KEY, encryptedkey: DATA_KEY } } });
    }
    return backend;
}

/** An empty $GITHUB_OUTPUT file, and a reader of what was appended to it. */
function githubOutput(): { file: string; text: () => string } {
    const dir = mkdtempSync(join(tmpdir(), "github-output-"));
    dirs.push(dir);
    const file = join(dir, "github-output");
    writeFileSync(file, "");
    return { file, text: () => readFileSync(file, "utf8") };
}

const failed = (stderr: string): PulumiResult => ({ status: 255, stdout: "", stderr: `${stderr}\n` });

describe("ci/pulumi-stack.ts: usage and the CI variables it needs", () => {
    it("--help prints the usage, exit 0, and runs no pulumi", () => {
        const backend = new Backend();
        for (const flag of ["--help", "-h"]) {
            const r = main([flag], { dir: checkout(), env: {}, pulumi: backend.runner(tmpdir(), {}) });
            assert.equal(r.code, 0);
            assert.equal(r.stderr, "");
            assert.ok(
                r.stdout.startsWith(
                    "usage: node bin/launch.cjs ci/pulumi-stack.ts --stack <name> --mode deploy|preview|existing\n",
                ),
                r.stdout,
            );
            assert.ok(
                r.stdout.endsWith("  --mode existing  a stack with no state is an error (drift, DR drill)\n"),
                r.stdout,
            );
        }
        assert.deepEqual(backend.calls, []);
    });

    it("PULUMI_BACKEND_URL must be azblob://<container of 3-63 characters>; the value is shown as the job had it (exit 2)", () => {
        const cases: [string | undefined, string][] = [
            [undefined, ""],
            ["", ""],
            // Azure Pipelines hands an undefined variable over as its macro text: no value.
            ["$(PULUMI_BACKEND_URL)", ""],
            ["s3://pulumi-state", "s3://pulumi-state"],
            ["file://~/.pulumi", "file://~/.pulumi"],
            ["azblob://st", "azblob://st"],
            ["azblob://State", "azblob://State"],
            ["pulumi login azblob://state", "pulumi login azblob://state"],
            // Only a whole `$(NAME)` is an unexpanded variable: a macro inside a value is shown, so the user sees which.
            ["azblob://$(STATE_CONTAINER)", "azblob://$(STATE_CONTAINER)"],
            ["$(STATE_SCHEME)://state", "$(STATE_SCHEME)://state"],
        ];
        for (const [url, shown] of cases) {
            const backend = new Backend();
            assert.deepEqual(
                outcome(() => run(backend, ["--stack", "prod", "--mode", "deploy"], { PULUMI_BACKEND_URL: url })),
                {
                    code: 2,
                    message: `PULUMI_BACKEND_URL must be the Azure Blob state backend, azblob://<container> (with AZURE_STORAGE_ACCOUNT), got "${shown}"`,
                },
                String(url),
            );
            assert.deepEqual(backend.calls, []);
        }
        const ok = withState("prod");
        assert.equal(
            run(ok, ["--stack", "prod", "--mode", "existing"], { PULUMI_BACKEND_URL: `azblob://${"a".repeat(63)}` })
                .result.code,
            0,
        );
    });

    it("AZURE_STORAGE_ACCOUNT must be set (not empty, not an unexpanded Azure Pipelines variable), exit 2", () => {
        for (const account of [undefined, "", "$(AZURE_STORAGE_ACCOUNT)"]) {
            const backend = new Backend();
            assert.deepEqual(
                outcome(() =>
                    run(backend, ["--stack", "prod", "--mode", "deploy"], { AZURE_STORAGE_ACCOUNT: account }),
                ),
                {
                    code: 2,
                    message: "AZURE_STORAGE_ACCOUNT must name the storage account of the azblob:// state backend",
                },
                String(account),
            );
            assert.deepEqual(backend.calls, []);
        }
    });

    it("a stack without a stack file is unknown: exit 2 naming the file and the folder", () => {
        const dir = checkout();
        const backend = new Backend();
        assert.deepEqual(
            outcome(() => run(backend, ["--stack", "staging", "--mode", "deploy"], {}, dir)),
            { code: 2, message: `unknown stack "staging": no Pulumi.staging.yaml in ${dir}` },
        );
        assert.deepEqual(backend.calls, []);
    });
});

describe("ci/pulumi-stack.ts: what a job prints and the outputs it sets", () => {
    it("GitHub Actions: a new stack's preview writes new=true to GITHUB_OUTPUT and prints no Azure Pipelines command", () => {
        const out = githubOutput();
        const { result } = run(new Backend(), ["--stack", "prod-northeurope", "--mode", "preview"], {
            GITHUB_OUTPUT: out.file,
        });
        assert.deepEqual(result, {
            code: 0,
            stdout: "prod-northeurope: a new stack, no state yet in azblob://state: its first deploy creates it\n",
            stderr: "",
        });
        assert.equal(out.text(), "new=true\n");
    });

    it("Azure Pipelines: the same preview sets STACK_NEW with a logging command (TF_BUILD), and writes no file", () => {
        const { result } = run(new Backend(), ["--stack", "prod-northeurope", "--mode", "preview"], {
            TF_BUILD: "True",
        });
        assert.deepEqual(result, {
            code: 0,
            stdout: "##vso[task.setvariable variable=STACK_NEW]true\nprod-northeurope: a new stack, no state yet in azblob://state: its first deploy creates it\n",
            stderr: "",
        });
    });

    it("a deploy of a new stack: creates the state, uses the file's provider, sets the deploy key; no outputs", () => {
        const out = githubOutput();
        const { dir, result } = run(new Backend(), ["--stack", "prod", "--mode", "deploy"], {
            PULUMI_SECRETS_PROVIDER: KEY,
            GITHUB_OUTPUT: out.file,
            TF_BUILD: "True",
        });
        assert.deepEqual(result, {
            code: 0,
            stdout: [
                `prod: created its state in azblob://state with the secrets provider ${KEY}`,
                `prod: secrets provider ${KEY} (from Pulumi.prod.yaml)`,
                SET("prod"),
                "",
            ].join("\n"),
            stderr: "",
        });
        assert.equal(out.text(), "", "a deploy sets no step outputs");
        assert.ok(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8").endsWith("\n"));
    });

    it("a later run restores the provider into the runner's file, which keeps its text and ends with a newline", () => {
        const backend = withState("prod");
        const dir = checkout();
        const committed = readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8");
        const { result } = run(backend, ["--stack", "prod", "--mode", "existing"], {}, dir);
        assert.deepEqual(result, { code: 0, stdout: `${RESTORED("prod")}\n${SET("prod")}\n`, stderr: "" });
        assert.equal(
            readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8"),
            `${committed}# Restored by ci/pulumi-stack.ts from the stack's state (this runner's copy only).\nsecretsprovider: "${KEY}"\nencryptedkey: "${DATA_KEY}"\n`,
        );
    });

    it("a stack file that already names the provider and its data key is used as it is, and not rewritten", () => {
        const backend = withState("prod");
        const dir = checkout();
        const file = join(dir, "Pulumi.prod.yaml");
        const committed = `${readFileSync(file, "utf8")}secretsprovider: ${KEY}\nencryptedkey: b3du\n`;
        writeFileSync(file, committed);
        // An old timestamp, so a write in the same clock tick as this one would still show.
        const committedAt = new Date("2024-01-01T00:00:00Z");
        utimesSync(file, committedAt, committedAt);
        const { result } = run(backend, ["--stack", "prod", "--mode", "existing"], {}, dir);
        assert.deepEqual(result, {
            code: 0,
            stdout: `prod: secrets provider ${KEY} (from Pulumi.prod.yaml)\n${SET("prod")}\n`,
            stderr: "",
        });
        assert.equal(readFileSync(file, "utf8"), committed);
        assert.equal(statSync(file).mtimeMs, committedAt.getTime(), "the user's file is not written again");
    });

    it("the exported state goes to a temporary folder outside the checkout, removed after the run", () => {
        const backend = withState("prod");
        run(backend, ["--stack", "prod", "--mode", "existing"]);
        const exported = backend.calls.find((c) => c[1] === "export")!;
        const file = exported[exported.indexOf("--file") + 1];
        assert.ok(file.startsWith(`${tmpdir()}${sep}`), file);
        assert.equal(existsSync(dirname(file)), false, "removed");
    });

    it("a preview of a vault owner notes the admitted prefix another stack creates, in the output and the log", () => {
        const out = githubOutput();
        const { result } = run(withState("prod"), ["--stack", "prod", "--mode", "preview"], {
            GITHUB_OUTPUT: out.file,
            TF_BUILD: "True",
        });
        const note = `previewed with admitExistingOnly for pip-egress-aks-prod-northeurope (prod-northeurope creates it): ${NOTE_TAIL}`;
        assert.deepEqual(result, {
            code: 0,
            stdout: [
                "##vso[task.setvariable variable=STACK_NEW]false",
                RESTORED("prod"),
                SET("prod"),
                `##vso[task.setvariable variable=STACK_NOTE]${note}`,
                `prod: ${note} (aks-gitops:admitExistingOnly set in this runner's Pulumi.prod.yaml only)`,
                "",
            ].join("\n"),
            stderr: "",
        });
        assert.equal(out.text(), `new=false\nnote=${note}\n`);
    });

    it("a preview of a stack that admits nothing sets an empty note and prints none", () => {
        const out = githubOutput();
        const backend = withState("dev");
        const { result } = run(backend, ["--stack", "dev", "--mode", "preview"], {
            GITHUB_OUTPUT: out.file,
            TF_BUILD: "True",
        });
        assert.deepEqual(result, {
            code: 0,
            stdout: [
                "##vso[task.setvariable variable=STACK_NEW]false",
                RESTORED("dev"),
                SET("dev"),
                "##vso[task.setvariable variable=STACK_NOTE]",
                "",
            ].join("\n"),
            stderr: "",
        });
        assert.equal(out.text(), "new=false\nnote=\n");
        assert.deepEqual(
            backend.calls.filter((c) => c.includes("--path")),
            [],
        );
    });

    it("a vault owner admitting two other stacks' prefixes and its own: both listed, separated by a comma; its own is not", () => {
        const dir = checkout();
        const SWEDEN = DR_PREFIX.replace(/northeurope/g, "swedencentral");
        const OWN = DR_PREFIX.replace(/northeurope/g, "westeurope");
        writeFileSync(
            join(dir, "Pulumi.prod-swedencentral.yaml"),
            readFileSync(join(dir, "Pulumi.prod-northeurope.yaml"), "utf8").replace(/northeurope/g, "swedencentral"),
        );
        const prod = join(dir, "Pulumi.prod.yaml");
        writeFileSync(
            prod,
            readFileSync(prod, "utf8").replace(
                `      - ${DR_PREFIX}\n`,
                `      - ${DR_PREFIX}\n      - ${OWN}\n      - ${SWEDEN}\n`,
            ),
        );
        const out = githubOutput();
        const backend = withState("prod");
        const { result } = run(backend, ["--stack", "prod", "--mode", "preview"], { GITHUB_OUTPUT: out.file }, dir);
        assert.equal(result.code, 0);
        const note = `previewed with admitExistingOnly for pip-egress-aks-prod-northeurope (prod-northeurope creates it), pip-egress-aks-prod-swedencentral (prod-swedencentral creates it): ${NOTE_TAIL}`;
        assert.equal(out.text(), `new=false\nnote=${note}\n`);
        assert.deepEqual(
            backend.calls.filter((c) => c.includes("--path")),
            [
                ["config", "set", "--stack", "prod", "--path", "aks-gitops:admitExistingOnly[0]", DR_PREFIX],
                ["config", "set", "--stack", "prod", "--path", "aks-gitops:admitExistingOnly[1]", SWEDEN],
            ],
        );
        assert.deepEqual(
            (parse(readFileSync(prod, "utf8")) as { config: Record<string, unknown> }).config[
                "aks-gitops:admitExistingOnly"
            ],
            [DR_PREFIX, SWEDEN],
        );
    });
});

describe("ci/pulumi-stack.ts: a pulumi command that fails stops the job, exit 1, naming the command", () => {
    const cases: [string, (args: string[]) => boolean, string[], Backend, string][] = [
        [
            "select --create",
            (a) => a.includes("--create"),
            ["--stack", "prod", "--mode", "deploy"],
            new Backend(),
            "pulumi stack select --create prod failed (exit 255): error: AuthorizationFailure: the identity may not write the container",
        ],
        [
            "stack export",
            (a) => a[1] === "export",
            ["--stack", "prod", "--mode", "existing"],
            withState("prod"),
            "pulumi stack export --stack prod failed (exit 255): error: AuthorizationFailure: the identity may not write the container",
        ],
        [
            "config set --secret",
            (a) => a.includes("--secret"),
            ["--stack", "prod", "--mode", "existing"],
            withState("prod"),
            "pulumi config set --secret gitSshPrivateKey --stack prod failed (exit 255): error: AuthorizationFailure: the identity may not write the container",
        ],
        [
            "config set --path",
            (a) => a.includes("--path"),
            ["--stack", "prod", "--mode", "preview"],
            withState("prod"),
            "pulumi config set --path aks-gitops:admitExistingOnly[0] --stack prod failed (exit 255): error: AuthorizationFailure: the identity may not write the container",
        ],
    ];
    for (const [command, which, argv, backend, message] of cases) {
        it(`${command}`, () => {
            backend.intercept = (args) =>
                which(args)
                    ? failed("error: AuthorizationFailure: the identity may not write the container")
                    : undefined;
            assert.deepEqual(
                outcome(() => run(backend, argv, { PULUMI_SECRETS_PROVIDER: KEY })),
                { code: 1, message },
            );
        });
    }

    it("no secret is set when the state cannot be created", () => {
        const backend = new Backend();
        backend.intercept = (args) => (args.includes("--create") ? failed("error: network unreachable") : undefined);
        outcome(() => run(backend, ["--stack", "prod", "--mode", "deploy"], { PULUMI_SECRETS_PROVIDER: KEY }));
        assert.deepEqual(
            backend.calls.map((c) => c.slice(0, 3).join(" ")),
            ["stack select prod", "stack select --create"],
        );
    });

    it("an export that is not JSON, or has no deployment, is refused, and its temporary folder is removed", () => {
        for (const [printed, message] of [
            ["Previewing update (prod)", /^pulumi stack export --stack prod printed no JSON: Unexpected token/],
            ["null", /^`pulumi stack export` printed no deployment$/],
        ] as const) {
            const backend = withState("prod");
            let exportFile = "";
            backend.intercept = (args) => {
                if (args[1] !== "export") {
                    return undefined;
                }
                exportFile = args[args.indexOf("--file") + 1];
                writeFileSync(exportFile, printed);
                return { status: 0, stdout: "", stderr: "" };
            };
            const r = outcome(() => run(backend, ["--stack", "prod", "--mode", "existing"]));
            assert.equal(r.code, 1);
            assert.match(r.message, message);
            assert.equal(existsSync(dirname(exportFile)), false);
            assert.ok(!backend.calls.some((c) => c[0] === "config"));
        }
    });
});
