// The model of the Pulumi CLI and the Azure Blob backend that ci/pulumi-stack.ts is held against
// (test/ci/pulumi-stack*.test.ts), and a runner's checkout of the fixture project to run it in.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseDocument } from "yaml";
import { main, PulumiRunner } from "../../ci/pulumi-stack";
import { PROJECT_DIR } from "../../stacks/paths";
import { UsageError } from "../../cli/usage";

export const KEY = "azurekeyvault://kv-contoso-pulumi.vault.azure.net/keys/pulumi-state";
export const SSH_KEY =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
// What the passphrase secrets manager says when CI has no passphrase (pulumi/pulumi pkg/secrets/passphrase).
export const NO_PASSPHRASE =
    "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables";

export interface StateRecord {
    secrets?: { type: string; state: Record<string, string> };
}

export type PulumiResult = ReturnType<PulumiRunner>;

/**
 * The Azure Blob backend and the Pulumi CLI, as far as secrets providers go:
 * - `stack select <s>` fails with "no stack named '<s>' found" when the stack has no state (stack_select.go);
 * - `stack select --create --secrets-provider <url>` writes secretsprovider and encryptedkey into the stack file and, since
 *   3.135.0, the same manager into the new state (CHANGELOG #17387);
 * - `stack export --file` writes the checkpoint as stored, secrets_providers included (stack_export.go);
 * - `config set --secret` encrypts with the file's provider; a file naming none gets the state's only when
 *   PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER is true (3.134.0, #17236), else the DIY backend's default, the passphrase
 *   manager, which fails without PULUMI_CONFIG_PASSPHRASE (pkg/cmd/pulumi/stack/secrets.go GetSecretsManager).
 */
export class Backend {
    states = new Map<string, StateRecord>();
    calls: string[][] = [];
    inputs: (string | undefined)[] = [];
    /** Secret config set, by stack and key: the plaintext the CLI received. */
    secrets = new Map<string, string>();
    /** A failure for `stack select` other than a missing stack (sign-in, network). */
    selectFails?: string;
    /** Answers a command in place of the model (a failing command, an odd export); undefined: the model answers. */
    intercept?: (args: string[]) => PulumiResult | undefined;

    runner(dir: string, env: NodeJS.ProcessEnv): PulumiRunner {
        return (args, input) => {
            this.calls.push(args);
            this.inputs.push(input);
            const intercepted = this.intercept?.(args);
            if (intercepted !== undefined) {
                return intercepted;
            }
            const ok = { status: 0, stdout: "", stderr: "" };
            const fail = (stderr: string) => ({ status: 255, stdout: "", stderr: `${stderr}\n` });
            const file = (s: string) => join(dir, `Pulumi.${s}.yaml`);
            if (args[0] === "stack" && args[1] === "select" && args[2] === "--create") {
                const [url, s] = [args[4], args[5]];
                const encryptedkey = Buffer.from(`data key of ${s}`).toString("base64");
                this.states.set(s, { secrets: { type: "cloud", state: { url, encryptedkey } } });
                const doc = parseDocument(readFileSync(file(s), "utf8"));
                doc.set("secretsprovider", url);
                doc.set("encryptedkey", encryptedkey);
                writeFileSync(file(s), doc.toString());
                return ok;
            }
            if (args[0] === "stack" && args[1] === "select") {
                if (this.selectFails) {
                    return fail(this.selectFails);
                }
                return this.states.has(args[2]) ? ok : fail(`error: no stack named '${args[2]}' found`);
            }
            if (args[0] === "stack" && args[1] === "export") {
                const s = args[args.indexOf("--stack") + 1];
                const st = this.states.get(s)!;
                writeFileSync(
                    args[args.indexOf("--file") + 1],
                    JSON.stringify({
                        version: 3,
                        deployment: { manifest: {}, secrets_providers: st.secrets, resources: [] },
                    }),
                );
                return ok;
            }
            if (args[0] === "config" && args[1] === "set" && args[2] === "--secret") {
                const s = args[args.indexOf("--stack") + 1];
                const settings = (parse(readFileSync(file(s), "utf8")) ?? {}) as Record<string, string>;
                const fromState =
                    env.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER === "true" &&
                    this.states.get(s)?.secrets?.type === "cloud";
                if (!settings.secretsprovider && !fromState) {
                    return fail(NO_PASSPHRASE);
                }
                // config_set.go: a value from standard input loses one trailing newline.
                this.secrets.set(`${s}:${args[3]}`, (input ?? "").replace(/\n$/, ""));
                return ok;
            }
            if (args[0] === "config" && args[1] === "set" && args.includes("--path")) {
                // A plaintext list item, `<ns>:<key>[i] <value>` (the preview's admitExistingOnly: test/ci/stacks.preview-admit.test.ts).
                const s = args[args.indexOf("--stack") + 1];
                const m = /^([\w-]+:\w+)\[(\d+)\]$/.exec(args[args.indexOf("--path") + 1])!;
                const doc = parseDocument(readFileSync(file(s), "utf8"));
                const items = (
                    (doc.getIn(["config", m[1]]) as { toJSON(): unknown[] } | undefined)?.toJSON() ?? []
                ).slice();
                items[Number(m[2])] = args[args.indexOf("--path") + 2];
                doc.setIn(["config", m[1]], items);
                writeFileSync(file(s), doc.toString());
                return ok;
            }
            return fail(`unexpected pulumi ${args.join(" ")}`);
        };
    }
}

/** Directories the tests made, removed by cleanup() (each test file: afterEach(cleanup)). */
export const dirs: string[] = [];

export function cleanup(): void {
    dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
}

/** A runner's checkout: the committed stack files as they are (no secrets provider in them). */
export function checkout(): string {
    const dir = mkdtempSync(join(tmpdir(), "pulumi-stack-"));
    for (const f of ["Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.prod-northeurope.yaml", "Pulumi.dev.yaml"]) {
        copyFileSync(join(PROJECT_DIR, f), join(dir, f));
    }
    return dir;
}

/** main() in `dir` (a new checkout by default) with the CI variables every job has, and `env` over them. */
export function run(backend: Backend, argv: string[], env: NodeJS.ProcessEnv = {}, dir = checkout()) {
    dirs.push(dir);
    // The fixture project's fleet repo is ssh://: its deploy key is a CI secret every job has.
    const full: NodeJS.ProcessEnv = {
        PULUMI_BACKEND_URL: "azblob://state",
        AZURE_STORAGE_ACCOUNT: "stcontosopulumi",
        FLUX_GIT_SSH_KEY: SSH_KEY,
        ...env,
    };
    return { dir, result: main(argv, { dir, env: full, pulumi: backend.runner(dir, full) }) };
}

/** main() as the CLI reports it: exit code and message (UsageError 2, anything else 1). */
export function outcome(f: () => unknown): { code: number; message: string } {
    try {
        f();
        return { code: 0, message: "" };
    } catch (e) {
        return { code: e instanceof UsageError ? 2 : 1, message: (e as Error).message };
    }
}
