// cli/command.ts (one way to define a command: its exit codes, its error-to-exit mapping, its duration options) and
// cli/azure.ts (the one credential and retry policy of verify and preflight).
import * as assert from "node:assert/strict";
import { armClientOptions, azureCredential } from "../../cli/azure";
import { defineCommand, parseDuration } from "../../cli/command";
import { ConfigFileError, OutputError, UsageError } from "../../cli/usage";
import { main as preflight } from "../../preflight/cli";
import { runCliInProcess } from "../support/stacks";

const USAGE = "usage: npm run demo -- --thing <x>";

/** An error shaped as @azure/identity throws it (dist errors.js: the class sets this.name). */
const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });

describe("cli/command.ts: one way to define a command", () => {
    const run = (handler: (argv: string[]) => unknown) =>
        runCliInProcess(defineCommand({ name: "demo", usage: USAGE, options: {}, run: handler as never }).runCli, []);

    it("prints what the handler returns (text to stdout, stderr) and exits with its code; a bare number is the code", async () => {
        assert.deepEqual(await run(() => ({ code: 1, text: "out\n", stderr: "1 finding\n" })), {
            status: 1,
            stdout: "out\n",
            stderr: "1 finding\n",
        });
        assert.deepEqual(await run(() => 0), { status: 0, stdout: "", stderr: "" });
        assert.deepEqual(await run(async () => Promise.resolve(3)), { status: 3, stdout: "", stderr: "" });
    });

    it("maps every kind of failure, thrown or rejected, to the one table with one line and no stack trace", async () => {
        const cases: [unknown, number, string][] = [
            [new UsageError("--thing is required"), 2, `--thing is required\n\n${USAGE}\n`],
            [
                named("ConfigError", "Pulumi.x.yaml: aks-gitops:location: required"),
                2,
                "Pulumi.x.yaml: aks-gitops:location: required\n",
            ],
            [new ConfigFileError("Pulumi.x.yaml is not valid YAML"), 2, "Pulumi.x.yaml is not valid YAML\n"],
            [
                new OutputError("cannot write /x/y: permission denied"),
                3,
                "demo: cannot write /x/y: permission denied\n",
            ],
            [new TypeError("boom"), 1, "demo failed: boom\n"],
        ];
        for (const [error, status, stderr] of cases) {
            // Thrown synchronously (ci/stacks.ts's main is synchronous) and rejected alike.
            assert.deepEqual(
                await run(() => {
                    throw error;
                }),
                { status, stdout: "", stderr },
                String(error),
            );
            assert.deepEqual(
                await run(() => Promise.reject(error as Error)),
                { status, stdout: "", stderr },
                String(error),
            );
        }
    });

    it("exits 4 with the sign-in hint, never the credential chain's dump, when an Azure credential fails anywhere", async () => {
        // @azure/identity's error names (dist errors.js); the dump is what the chain would say.
        for (const name of [
            "CredentialUnavailableError",
            "AuthenticationError",
            "AggregateAuthenticationError",
            "AuthenticationRequiredError",
        ]) {
            const r = await run(() =>
                Promise.reject(
                    named(
                        name,
                        "ChainedTokenCredential authentication failed.\nCredentialUnavailableError: EnvironmentCredential is unavailable...",
                    ),
                ),
            );
            assert.equal(r.status, 4, name);
            assert.match(r.stderr, /^not signed in to Azure: run `az login` \(in CI: [^\n]*\)\n$/, name);
        }
    });

    it("exits 130 and prints nothing when a question is closed with Ctrl+C (inquirer's ExitPromptError)", async () => {
        assert.deepEqual(
            await run(() => Promise.reject(named("ExitPromptError", "User force closed the prompt with SIGINT"))),
            { status: 130, stdout: "", stderr: "" },
        );
    });

    it("reads argv with the command's options: an unknown option or a missing value is a usage error (exit 2, with the usage)", async () => {
        const demo = defineCommand({
            name: "demo",
            usage: USAGE,
            allowPositionals: true,
            options: { thing: { type: "string" }, all: { type: "boolean", default: false } },
            run: (argv): number => (demo.parse(argv).values.thing === "x" ? 0 : 1),
        });
        const { values, positionals } = demo.parse(["--thing", "x", "app"]);
        assert.deepEqual(
            { values: { ...values }, positionals },
            { values: { thing: "x", all: false }, positionals: ["app"] },
        );
        assert.deepEqual(await runCliInProcess(demo.runCli, ["--thing", "x"]), { status: 0, stdout: "", stderr: "" });
        assert.deepEqual(await runCliInProcess(demo.runCli, ["--thing", "y"]), { status: 1, stdout: "", stderr: "" });
        const unknown = await runCliInProcess(demo.runCli, ["--thing", "x", "--colour"]);
        assert.equal(unknown.status, 2);
        assert.match(unknown.stderr, /^Unknown option '--colour'\. .*\n\nusage: npm run demo -- --thing <x>\n$/s);
        const missing = await runCliInProcess(demo.runCli, ["--thing"]);
        assert.equal(missing.status, 2);
        assert.match(
            missing.stderr,
            /^Option '--thing <value>' argument missing\n\nusage: npm run demo -- --thing <x>\n$/,
        );
    });

    it("writes text to --out when the handler names a file, and a file it cannot write is exit 3", async () => {
        const r = await run(() => ({ code: 0, text: "x", out: "/nonexistent-folder-for-a-test/out.txt" }));
        assert.equal(r.status, 3);
        assert.match(
            r.stderr,
            /^demo: cannot write \/nonexistent-folder-for-a-test\/out\.txt: the folder \/nonexistent-folder-for-a-test does not exist\n$/,
        );
    });
});

describe("cli/command.ts parseDuration: the one duration option", () => {
    it("reads ms, s, m and h", () => {
        assert.equal(parseDuration("500ms", "--x"), 500);
        assert.equal(parseDuration("30s", "--x"), 30_000);
        assert.equal(parseDuration("45m", "--x"), 2_700_000);
        assert.equal(parseDuration("1h", "--x"), 3_600_000);
    });

    it("refuses anything else, and zero unless allowed, naming the option", () => {
        for (const text of ["", "10", "1.5m", "10 m", "1d", "-1s", "m"]) {
            assert.throws(() => parseDuration(text, "--timeout"), {
                name: "UsageError",
                message: `--timeout must be a duration such as 90s, 15m or 1h (got "${text}")`,
            });
        }
        assert.throws(() => parseDuration("0m", "--timeout"), {
            name: "UsageError",
            message: '--timeout must be longer than 0 (got "0m")',
        });
        assert.equal(parseDuration("0s", "--failure-grace", { allowZero: true }), 0);
    });

    it("is preflight's too: a bad --timeout or --validation-timeout is refused in its words before anything is planned", async () => {
        // Before, preflight had its own parser without h ("such as 30s, 2m or 500ms").
        await assert.rejects(
            preflight(
                ["--stack", "prod", "--subscription", "00000000-0000-0000-0000-000000000000", "--timeout", "soon"],
                { env: {} },
            ),
            {
                name: "UsageError",
                message: '--timeout must be a duration such as 90s, 15m or 1h (got "soon")',
            },
        );
        await assert.rejects(
            preflight(
                [
                    "--stack",
                    "prod",
                    "--subscription",
                    "00000000-0000-0000-0000-000000000000",
                    "--validation-timeout",
                    "0s",
                ],
                { env: {} },
            ),
            {
                name: "UsageError",
                message: '--validation-timeout must be longer than 0 (got "0s")',
            },
        );
    });
});

describe("cli/azure.ts: one credential, one retry policy", () => {
    it("builds both client shapes from one endpoint, ARM's scope and one retry policy (4 retries, 1 s to 30 s)", () => {
        const { modular, classic } = armClientOptions();
        const retryOptions = { maxRetries: 4, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000 };
        assert.deepEqual(modular, {
            endpoint: "https://management.azure.com",
            credentials: { scopes: ["https://management.azure.com/.default"] },
            retryOptions,
        });
        assert.deepEqual(classic, {
            endpoint: "https://management.azure.com",
            credentialScopes: ["https://management.azure.com/.default"],
            retryOptions,
        });
        // A test's fake endpoint keeps ARM's scope (the token is for ARM) and loses a trailing slash.
        assert.deepEqual(armClientOptions({ endpoint: "http://localhost:1/" }).classic.credentialScopes, [
            "https://management.azure.com/.default",
        ]);
        assert.equal(armClientOptions({ endpoint: "http://localhost:1/" }).modular.endpoint, "http://localhost:1");
    });

    it("uses the credential given, else DefaultAzureCredential", () => {
        const given = { getToken: () => Promise.resolve(null) };
        assert.equal(azureCredential(given), given);
        assert.equal(azureCredential().constructor.name, "DefaultAzureCredential");
    });
});
