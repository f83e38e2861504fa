// ci/pulumi-stack.ts's CLI entry (runCli, as bin/launch.cjs calls it), in this process, with the pulumi it runs being
// a stand-in script on PATH: the exit code and the one-line message a CI log shows when pulumi is missing, refuses, or
// prints its complaint on either stream; that pulumi runs in the project's folder. The stand-in fails before anything
// is written to the project's stack files (its state names the passphrase provider, which the step refuses).
import * as assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../ci/pulumi-stack";
import { PROJECT_DIR } from "../../stacks/paths";
import { runCliInProcess } from "../support/stacks";
import { SSH_KEY } from "../support/pulumi-stack";

const DENIED =
    "error: failed to load checkpoint: AuthorizationPermissionMismatch: This request is not authorized to perform this operation using this permission.";

// A stand-in for the pulumi CLI: logs "<working directory>|<args>" and answers as $FAKE_PULUMI says.
const STAND_IN = `#!/bin/sh
printf '%s|%s\\n' "$(pwd -P)" "$*" >> "$FAKE_PULUMI_LOG"
case "$1 $2" in
"stack select")
    if [ "$FAKE_PULUMI" = denied ]; then echo "${DENIED}" >&2; exit 255; fi
    exit 0;;
"stack export")
    if [ "$FAKE_PULUMI" = export-stdout ]; then echo "error: could not read the checkpoint"; exit 1; fi
    printf '%s' '{"version":3,"deployment":{"secrets_providers":{"type":"passphrase","state":{"salt":"v1:abc"}}}}' > "$6"
    exit 0;;
esac
echo "unexpected pulumi $*" >&2
exit 2
`;

const VARS = [
    "PATH",
    "PULUMI_BACKEND_URL",
    "AZURE_STORAGE_ACCOUNT",
    "FLUX_GIT_SSH_KEY",
    "FLUX_GIT_HTTPS_PASSWORD",
    "PULUMI_SECRETS_PROVIDER",
    "GITHUB_OUTPUT",
    "TF_BUILD",
    "FAKE_PULUMI",
    "FAKE_PULUMI_LOG",
];

describe("ci/pulumi-stack.ts: the CLI entry and the pulumi it runs", () => {
    const saved: Record<string, string | undefined> = {};
    const stackFile = join(PROJECT_DIR, "Pulumi.prod.yaml");
    const committed = readFileSync(stackFile, "utf8");
    let bin = "";
    let log = "";

    beforeEach(() => {
        for (const v of VARS) {
            saved[v] = process.env[v];
            // The CI system this suite runs on has its own GITHUB_OUTPUT or TF_BUILD: never this step's.
            delete process.env[v];
        }
        bin = mkdtempSync(join(tmpdir(), "pulumi-bin-"));
        writeFileSync(join(bin, "pulumi"), STAND_IN);
        chmodSync(join(bin, "pulumi"), 0o755);
        log = join(bin, "calls.log");
        writeFileSync(log, "");
        Object.assign(process.env, {
            PATH: `${bin}:/usr/bin:/bin`,
            PULUMI_BACKEND_URL: "azblob://state",
            AZURE_STORAGE_ACCOUNT: "stcontosopulumi",
            FLUX_GIT_SSH_KEY: SSH_KEY,
            FAKE_PULUMI_LOG: log,
        });
    });

    afterEach(() => {
        for (const v of VARS) {
            if (saved[v] === undefined) {
                delete process.env[v];
            } else {
                process.env[v] = saved[v];
            }
        }
        rmSync(bin, { recursive: true, force: true });
        // The fixture project is shared: should the step ever write it, put it back for every other test.
        if (readFileSync(stackFile, "utf8") !== committed) {
            writeFileSync(stackFile, committed);
        }
    });

    const calls = () =>
        readFileSync(log, "utf8")
            .split("\n")
            .filter((l) => l !== "");

    it("--help: the usage on stdout, exit 0, nothing on stderr", async () => {
        const r = await runCliInProcess(runCli, ["--help"]);
        assert.equal(r.status, 0);
        assert.equal(r.stderr, "");
        assert.match(
            r.stdout,
            /^usage: node bin\/launch\.cjs ci\/pulumi-stack\.ts --stack <name> --mode deploy\|preview\|existing\n/,
        );
        assert.deepEqual(calls(), []);
    });

    it("a job without PULUMI_BACKEND_URL: exit 2, the message and the usage, pulumi never run", async () => {
        delete process.env.PULUMI_BACKEND_URL;
        const r = await runCliInProcess(runCli, ["--stack", "prod", "--mode", "deploy"]);
        assert.equal(r.status, 2);
        assert.match(
            r.stderr,
            /^PULUMI_BACKEND_URL must be the Azure Blob state backend, azblob:\/\/<container> \(with AZURE_STORAGE_ACCOUNT\), got ""\n\nusage: node bin\/launch\.cjs ci\/pulumi-stack\.ts /,
        );
        assert.deepEqual(calls(), []);
    });

    it("no pulumi on PATH: exit 1, saying it cannot run pulumi", async () => {
        process.env.PATH = join(bin, "empty");
        const r = await runCliInProcess(runCli, ["--stack", "prod", "--mode", "deploy"]);
        assert.deepEqual(r, {
            status: 1,
            stdout: "",
            stderr: "pulumi-stack failed: pulumi stack select prod failed (exit 127): cannot run pulumi: spawnSync pulumi ENOENT\n",
        });
    });

    it("pulumi refuses: exit 1 with its exit code and its whole message", async () => {
        process.env.FAKE_PULUMI = "denied";
        const r = await runCliInProcess(runCli, ["--stack", "prod", "--mode", "preview"]);
        assert.deepEqual(r, {
            status: 1,
            stdout: "",
            stderr: `pulumi-stack failed: pulumi stack select prod failed (exit 255): ${DENIED}\n`,
        });
    });

    it("a complaint pulumi prints on stdout is shown too", async () => {
        process.env.FAKE_PULUMI = "export-stdout";
        const r = await runCliInProcess(runCli, ["--stack", "prod", "--mode", "existing"]);
        assert.deepEqual(r, {
            status: 1,
            stdout: "",
            stderr: "pulumi-stack failed: pulumi stack export --stack prod failed (exit 1): error: could not read the checkpoint\n",
        });
    });

    it("pulumi runs in the project's folder (where the stack file it reads is), and its output is read", async () => {
        const r = await runCliInProcess(runCli, ["--stack", "prod", "--mode", "existing"]);
        assert.deepEqual(r, {
            status: 1,
            stdout: "",
            stderr: `pulumi-stack failed: stack prod: its state uses the "passphrase" secrets provider, not an Azure Key Vault key; CI reads and writes secrets only with Azure Key Vault: run once, where the stack's current secrets can be read: pulumi stack change-secrets-provider --stack prod "azurekeyvault://<vault>.vault.azure.net/keys/<key>"\n`,
        });
        const project = realpathSync(PROJECT_DIR);
        const [select, exported] = calls();
        assert.equal(select, `${project}|stack select prod --non-interactive`);
        assert.match(
            exported,
            new RegExp(`^${project.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\|stack export --stack prod --file `),
        );
        assert.equal(readFileSync(stackFile, "utf8"), committed);
    });
});
