// npm run fleet: what it says before it plans anything. --help, the arguments it refuses (exit 2, the message and the
// usage on stderr, nothing written), --check on a folder that does not exist, and --check-secrets as a command line
// (the guard's own rules are tested in secrets*.test.ts and guard/): what it refuses, and how each of the guard's three
// results reaches the user (0 and 1 on stdout, 2 as an error on stderr without the usage). No stack is planned here.
import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { runCli } from "../../fleet/cli";
import { runCliInProcess } from "../support/stacks";

// The usage text, written out: a changed or lost line is a change users see.
const USAGE = [
    "usage: npm run fleet -- --stack <name> --out <fleet repo dir> [--check | --scaffold]",
    "       npm run fleet -- --check-secrets <fleet repo dir>",
    "",
    "  --stack     a committed stack (Pulumi.<name>.yaml)",
    "  --out       the fleet repository checkout to write into (clusters/<cluster>/ and .sops.yaml); it must hold the",
    "              shared layers the cluster refers to (infrastructure/, apps/<app>/overlays/<env>), or use --scaffold",
    "  --scaffold  also copy the shared layers the cluster needs and the fleet lacks from examples/fleet",
    "  --check     do not write; exit 1 if the files there differ from what the stack renders",
    "  --check-secrets  the fleet repo's secret guard (fleet/secrets.ts): builds every kustomization with kustomize and",
    "              reads every file; exit 1 when a plaintext secret would land or a secret goes to another environment's",
    "              key, exit 2 when something cannot be checked (malformed YAML, a failing build, a symlink leaving the repo)",
].join("\n");

/** What a usage error looks like on the terminal: the message, a blank line, the usage; nothing on stdout. */
const refused = (message: string) => ({ status: 2, stdout: "", stderr: `${message}\n\n${USAGE}\n` });

describe("npm run fleet: help, usage errors and --check-secrets", () => {
    let dir: string;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "fleet-usage-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("prints the usage on stdout and exits 0 for --help and -h, whatever else is given", async () => {
        for (const argv of [["--help"], ["-h"], ["--stack", "dev", "--help"], ["--check", "--scaffold", "-h"]]) {
            assert.deepEqual(await runCliInProcess(runCli, argv), { status: 0, stdout: `${USAGE}\n`, stderr: "" });
        }
    });

    it("requires both --stack and --out (exit 2), and writes nothing", async () => {
        const out = join(dir, "fleet");
        for (const argv of [
            [],
            ["--stack", "dev"],
            ["--out", out],
            ["--stack", "dev", "--check"],
            ["--out", out, "--scaffold"],
        ]) {
            assert.deepEqual(
                await runCliInProcess(runCli, argv),
                refused("--stack and --out are required"),
                argv.join(" "),
            );
        }
        assert.deepEqual(readdirSync(dir), []);
    });

    it("refuses --check with --scaffold (one compares, the other writes) before touching --out", async () => {
        const out = join(dir, "fleet");
        assert.deepEqual(
            await runCliInProcess(runCli, ["--stack", "dev", "--out", out, "--check", "--scaffold"]),
            refused("choose one of --check and --scaffold"),
        );
        assert.equal(existsSync(out), false);
    });

    it("refuses an unknown option or one without its value", async () => {
        assert.deepEqual(
            await runCliInProcess(runCli, ["--stack", "dev", "--out", dir, "--force"]),
            refused("Unknown option '--force'"),
        );
        const missing = await runCliInProcess(runCli, ["--stack", "dev", "--out"]);
        assert.equal(missing.status, 2);
        assert.match(missing.stderr, /^Option '--out <value>' argument missing\n\nusage: npm run fleet/);
    });

    it("--check on a folder that does not exist: exit 2, the folder as resolved and the command to write it as typed", async () => {
        const absolute = join(dir, "fleet");
        assert.deepEqual(
            await runCliInProcess(runCli, ["--stack", "dev", "--out", absolute, "--check"]),
            refused(
                `--check: the fleet repo folder ${absolute} does not exist (nothing to compare; write it with npm run fleet -- --stack dev --out ${absolute})`,
            ),
        );
        // A relative --out is the user's (resolved from where npm was started, INIT_CWD); the hint repeats it as typed.
        const base = process.env.INIT_CWD ?? process.cwd();
        const typed = relative(base, join(dir, "not-yet"));
        assert.deepEqual(
            await runCliInProcess(runCli, ["--stack", "prod", "--out", typed, "--check"]),
            refused(
                `--check: the fleet repo folder ${resolve(base, typed)} does not exist (nothing to compare; write it with npm run fleet -- --stack prod --out ${typed})`,
            ),
        );
        assert.deepEqual(readdirSync(dir), [], "nothing created");
    });

    describe("--check-secrets <fleet repo dir>", () => {
        it("takes nothing else: --stack, --out, --check or --scaffold beside it is refused, and nothing is checked", async () => {
            const fleet = join(dir, "fleet");
            mkdirSync(fleet);
            // A plaintext Secret: had the guard run, it would exit 1 and name it on stdout.
            writeFileSync(
                join(fleet, "s.yaml"),
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  a: b\n",
            );
            for (const extra of [["--stack", "dev"], ["--out", fleet], ["--check"], ["--scaffold"]]) {
                assert.deepEqual(
                    await runCliInProcess(runCli, ["--check-secrets", fleet, ...extra]),
                    refused("--check-secrets takes only the fleet repo directory"),
                    extra[0],
                );
            }
            assert.deepEqual(readdirSync(fleet), ["s.yaml"]);
        });

        it("refuses an empty or blank directory (it would check the working directory instead)", async () => {
            for (const arg of ["", "   ", "\t"]) {
                assert.deepEqual(
                    await runCliInProcess(runCli, ["--check-secrets", arg]),
                    refused(
                        "--check-secrets: the fleet repo directory is empty (give the path of the fleet repository checkout)",
                    ),
                    JSON.stringify(arg),
                );
            }
        });

        it("refuses a directory that does not exist, or a file, naming it as typed", async () => {
            const file = join(dir, "fleet.yaml");
            writeFileSync(file, "a: 1\n");
            for (const arg of [join(dir, "nope"), file]) {
                assert.deepEqual(
                    await runCliInProcess(runCli, ["--check-secrets", arg]),
                    refused(`--check-secrets: ${arg} is not a directory`),
                );
            }
        });

        it("exit 0 with the guard's summary on stdout when nothing would leak", async () => {
            writeFileSync(
                join(dir, "cm.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n",
            );
            assert.deepEqual(await runCliInProcess(runCli, ["--check-secrets", dir]), {
                status: 0,
                stdout: `${dir}: no plaintext secrets (1 files read, 0 kustomizations built with no kustomize (none to build), 0 .sops.yaml creation rules, 0 encrypted files, 0 templates with placeholders only, 0 HelmReleases, 0 clusters checked for their environment's key)\n`,
                stderr: "",
            });
        });

        it("exit 1 with the findings on stdout when a plaintext Secret would land", async () => {
            writeFileSync(
                join(dir, "s.yaml"),
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n",
            );
            assert.deepEqual(await runCliInProcess(runCli, ["--check-secrets", dir]), {
                status: 1,
                stdout: `plaintext secrets would land, or secrets would go to the wrong key, in ${dir}:\n  s.yaml: Secret db: stringData.password is not SOPS-encrypted\n`,
                stderr: "",
            });
        });

        it("exit 2 on stderr, without the usage, when the guard cannot check everything (it fails closed)", async () => {
            // An empty folder is not a fleet repo: the guard refuses to pass it. An error, not a result: stderr, one
            // trailing newline, and no usage text (the command line was right).
            assert.deepEqual(await runCliInProcess(runCli, ["--check-secrets", dir]), {
                status: 2,
                stdout: "",
                stderr: `the secret guard could not check ${dir} (exit 2: fix these, nothing was passed):\n  ${dir}: holds no kustomization and no YAML file: is this the fleet repository?\n`,
            });
        });
    });
});
