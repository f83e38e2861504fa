// ci/pulumi-stack.ts, the step every CI job runs before pulumi: the second run works like the first. Held against a
// model of the Pulumi CLI's secrets-provider behaviour (test/support/pulumi-stack.ts, each rule with its source in
// pulumi/pulumi), on copies of the fixture project's stack files, as a runner checks them out: without secretsprovider
// or encryptedkey.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import {
    KEY_VAULT_URL,
    SecretsProviderError,
    stateSecretsProvider,
    withStateSecretsProvider,
} from "../../ci/pulumi-stack";
import { PROJECT_DIR, ROOT } from "../../stacks/paths";
import { Backend, checkout, cleanup, dirs, KEY, NO_PASSPHRASE, outcome, run, SSH_KEY } from "../support/pulumi-stack";

afterEach(cleanup);

describe("ci/pulumi-stack.ts: the stack's secrets provider on every CI run", () => {
    it("the model reproduces the defect it guards against: select --create, then config set, fails on a fresh checkout", () => {
        const backend = new Backend();
        const first = checkout();
        const second = checkout();
        dirs.push(first, second);
        const today = (dir: string) => {
            const pulumi = backend.runner(dir, {});
            const s = pulumi(["stack", "select", "prod", "--non-interactive"]);
            if (s.status !== 0) {
                pulumi(["stack", "select", "--create", "--secrets-provider", KEY, "prod", "--non-interactive"]);
            }
            return pulumi(["config", "set", "--secret", "gitSshPrivateKey", "--stack", "prod"], SSH_KEY);
        };
        assert.equal(today(first).status, 0, "the first run writes the provider into its own copy");
        assert.equal(today(second).stderr.trim(), NO_PASSPHRASE, "the second run's copy has none: passphrase");
    });

    it("a deploy creates a new stack's state with the Key Vault key, then sets the deploy key through standard input", () => {
        const backend = new Backend();
        const { dir, result } = run(backend, ["--stack", "prod", "--mode", "deploy"], {
            PULUMI_SECRETS_PROVIDER: KEY,
            FLUX_GIT_SSH_KEY: SSH_KEY,
        });
        assert.equal(result.code, 0);
        assert.deepEqual(backend.calls[1], [
            "stack",
            "select",
            "--create",
            "--secrets-provider",
            KEY,
            "prod",
            "--non-interactive",
        ]);
        assert.equal(backend.states.get("prod")!.secrets!.state.url, KEY);
        assert.equal(
            (parse(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8")) as Record<string, string>).secretsprovider,
            KEY,
        );
        assert.equal(
            backend.secrets.get("prod:gitSshPrivateKey"),
            SSH_KEY,
            "the key arrives whole, its last newline too",
        );
        assert.ok(!backend.calls.flat().some((a) => a.includes("PRIVATE KEY")), "never on a command line");
        assert.match(
            result.stdout,
            /prod: created its state in azblob:\/\/state with the secrets provider azurekeyvault:/,
        );
    });

    for (const mode of ["deploy", "preview", "existing"] as const) {
        it(`${mode}: the second run, on a fresh checkout, restores the provider from the state (no passphrase, no flag needed)`, () => {
            const backend = new Backend();
            run(backend, ["--stack", "prod", "--mode", "deploy"], { PULUMI_SECRETS_PROVIDER: KEY });
            const before = readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
            // No PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER here: the stack file alone must carry the provider.
            const { dir, result } = run(backend, ["--stack", "prod", "--mode", mode], { FLUX_GIT_SSH_KEY: SSH_KEY });
            assert.equal(result.code, 0);
            const after = readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8");
            assert.ok(after.startsWith(before), "the user's file stays as it is, comments included; lines are added");
            const settings = parse(after) as Record<string, unknown>;
            const state = backend.states.get("prod")!.secrets!.state;
            assert.equal(settings.secretsprovider, state.url);
            assert.equal(settings.encryptedkey, state.encryptedkey, "the state's data key, not a new one");
            // A preview of prod (a vault owner admitting the DR stack's prefix) also gets admitExistingOnly for that prefix.
            const admit =
                mode === "preview"
                    ? {
                          "aks-gitops:admitExistingOnly": [
                              "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope",
                          ],
                      }
                    : {};
            assert.deepEqual(settings.config, {
                ...(parse(before) as { config: Record<string, unknown> }).config,
                ...admit,
            });
            assert.equal(backend.secrets.get("prod:gitSshPrivateKey"), SSH_KEY);
            assert.equal(
                backend.calls.filter((c) => c.includes("--create")).length,
                1,
                "created once, by the first run",
            );
            assert.match(result.stdout, /secretsprovider and encryptedkey restored from the state/);
        });
    }

    it("a preview of a stack with no state reports it as new (GitHub output, Azure variable) and touches nothing", () => {
        const backend = new Backend();
        const out = join(mkdtempSync(join(tmpdir(), "gh-out-")), "output");
        dirs.push(join(out, ".."));
        writeFileSync(out, "");
        const { dir, result } = run(backend, ["--stack", "prod-northeurope", "--mode", "preview"], {
            GITHUB_OUTPUT: out,
            TF_BUILD: "True",
            PULUMI_SECRETS_PROVIDER: KEY,
        });
        assert.equal(result.code, 0);
        assert.equal(readFileSync(out, "utf8"), "new=true\n");
        assert.match(result.stdout, /^##vso\[task\.setvariable variable=STACK_NEW\]true$/m);
        assert.deepEqual(
            backend.calls,
            [["stack", "select", "prod-northeurope", "--non-interactive"]],
            "no state created by a pull request",
        );
        assert.equal(
            readFileSync(join(dir, "Pulumi.prod-northeurope.yaml"), "utf8"),
            readFileSync(join(PROJECT_DIR, "Pulumi.prod-northeurope.yaml"), "utf8"),
        );
        // A stack with state: new=false.
        run(backend, ["--stack", "prod", "--mode", "deploy"], { PULUMI_SECRETS_PROVIDER: KEY });
        writeFileSync(out, "");
        assert.equal(run(backend, ["--stack", "prod", "--mode", "preview"], { GITHUB_OUTPUT: out }).result.code, 0);
        assert.match(
            readFileSync(out, "utf8"),
            /^new=false\nnote=previewed with admitExistingOnly for pip-egress-aks-prod-northeurope /,
        );
    });

    it("drift and the DR drill need the state: none is an error, never a new stack", () => {
        const backend = new Backend();
        const r = outcome(() => run(backend, ["--stack", "prod-northeurope", "--mode", "existing"]));
        assert.deepEqual(r, {
            code: 1,
            message:
                "stack prod-northeurope has no state in azblob://state: deploy it first (deploy.yml / azure-pipelines/deploy.yml)",
        });
        assert.equal(backend.states.size, 0);
    });

    it("a sign-in or network failure of `stack select` is a failure, not a new stack", () => {
        const backend = new Backend();
        backend.selectFails = "error: failed to load checkpoint: AuthorizationPermissionMismatch";
        const r = outcome(() =>
            run(backend, ["--stack", "prod", "--mode", "preview"], { GITHUB_OUTPUT: "/nonexistent/never-written" }),
        );
        assert.equal(r.code, 1);
        assert.match(
            r.message,
            /^pulumi stack select prod failed \(exit 255\): error: failed to load checkpoint: AuthorizationPermissionMismatch$/,
        );
    });

    it("never creates a stack with the passphrase provider: a Key Vault key URL is required (exit 2, before any state is made)", () => {
        for (const provider of [
            undefined,
            "",
            "passphrase",
            "default",
            "$(PULUMI_SECRETS_PROVIDER)",
            "awskms://alias/x",
            "https://kv.vault.azure.net/keys/k",
        ]) {
            const backend = new Backend();
            const r = outcome(() =>
                run(backend, ["--stack", "prod", "--mode", "deploy"], { PULUMI_SECRETS_PROVIDER: provider }),
            );
            assert.equal(r.code, 2, String(provider));
            const shown = provider === "$(PULUMI_SECRETS_PROVIDER)" || provider === undefined ? "" : provider;
            assert.equal(
                r.message,
                `a new stack's state needs an Azure Key Vault secrets provider: set the CI variable PULUMI_SECRETS_PROVIDER (or secretsprovider in Pulumi.prod.yaml) to azurekeyvault://<vault>.vault.azure.net/keys/<key>, got "${shown}". CI never creates a stack with the passphrase provider`,
            );
            assert.equal(backend.states.size, 0);
        }
    });

    it("a stack file's own secretsprovider is the one a new stack is created with", () => {
        const backend = new Backend();
        const dir = checkout();
        const own = "azurekeyvault://kv-contoso-dr.vault.azure.net/keys/pulumi-dr";
        writeFileSync(
            join(dir, "Pulumi.prod.yaml"),
            `${readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8")}secretsprovider: ${own}\n`,
        );
        assert.equal(
            run(backend, ["--stack", "prod", "--mode", "deploy"], { PULUMI_SECRETS_PROVIDER: KEY }, dir).result.code,
            0,
        );
        assert.equal(backend.states.get("prod")!.secrets!.state.url, own);
    });

    it("a state written with another secrets provider stops the job with the command that fixes it", () => {
        const backend = new Backend();
        backend.states.set("prod", { secrets: { type: "passphrase", state: { salt: "v1:abc" } } });
        const r = outcome(() => run(backend, ["--stack", "prod", "--mode", "deploy"], { FLUX_GIT_SSH_KEY: SSH_KEY }));
        assert.equal(r.code, 1);
        assert.equal(
            r.message,
            `stack prod: its state uses the "passphrase" secrets provider, not an Azure Key Vault key; CI reads and writes secrets only with Azure Key Vault: run once, where the stack's current secrets can be read: pulumi stack change-secrets-provider --stack prod "azurekeyvault://<vault>.vault.azure.net/keys/<key>"`,
        );
        assert.ok(!backend.calls.some((c) => c[0] === "config"), "no secret is set with the wrong provider");
    });

    it("sets the credential the stack's fleet repo takes: the deploy key for ssh://, the password for https://", () => {
        // ssh:// without the deploy key: exit 2, before the state is touched.
        const none = new Backend();
        const r = outcome(() =>
            run(none, ["--stack", "prod", "--mode", "deploy"], { FLUX_GIT_SSH_KEY: "", PULUMI_SECRETS_PROVIDER: KEY }),
        );
        assert.deepEqual(r, {
            code: 2,
            message:
                "stack prod's fleet repo is ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet: set the CI secret FLUX_GIT_SSH_KEY (the repo's read-only deploy key), which becomes the secret config gitSshPrivateKey",
        });
        assert.deepEqual(none.calls, []);
        // An https:// fleet repo (Azure DevOps over https) gets gitHttpsPassword, never the organisation's ssh key,
        // which the program would refuse ("gitSshPrivateKey: only applies to ssh:// fleet repo URLs").
        const backend = new Backend();
        const dir = checkout();
        const https = "https://dev.azure.com/contoso/platform/_git/fleet";
        writeFileSync(
            join(dir, "Pulumi.dev.yaml"),
            `${readFileSync(join(dir, "Pulumi.dev.yaml"), "utf8")}  aks-gitops:flux:\n    git:\n      url: ${https}\n`,
        );
        const { result } = run(
            backend,
            ["--stack", "dev", "--mode", "deploy"],
            { PULUMI_SECRETS_PROVIDER: KEY, FLUX_GIT_HTTPS_PASSWORD: "pat-123" },
            dir,
        );
        assert.equal(result.code, 0);
        assert.deepEqual([...backend.secrets.entries()], [["dev:gitHttpsPassword", "pat-123"]]);
        assert.match(result.stdout, /^dev: FLUX_GIT_SSH_KEY left out: the fleet repo is https:\/\/$/m);
        // A public https:// repo needs no password: nothing is set.
        const open = new Backend();
        assert.equal(
            run(open, ["--stack", "dev", "--mode", "deploy"], { PULUMI_SECRETS_PROVIDER: KEY }, dir).result.code,
            0,
        );
        assert.equal(open.secrets.size, 0);
    });

    it("the CLI: bad usage and a missing backend are exit 2 with the usage, before pulumi runs", () => {
        const r = spawnSync(
            process.execPath,
            [join(ROOT, "bin", "launch.cjs"), "ci/pulumi-stack.ts", "--stack", "prod", "--mode", "deploy"],
            {
                cwd: ROOT,
                encoding: "utf8",
                env: { PATH: "/nonexistent", HOME: tmpdir(), AKS_GITOPS_PROJECT_DIR: PROJECT_DIR },
            },
        );
        assert.equal(r.status, 2);
        assert.match(
            r.stderr,
            /^PULUMI_BACKEND_URL must be the Azure Blob state backend, azblob:\/\/<container> \(with AZURE_STORAGE_ACCOUNT\), got ""\n\nusage: /,
        );
        for (const [argv, message] of [
            [["--mode", "deploy"], "--stack is required"],
            [
                ["--stack", "../x", "--mode", "deploy"],
                'invalid stack name "../x": use letters, digits, "-", "_" or "."',
            ],
            [["--stack", "prod", "--mode", "up"], "--mode must be one of deploy, preview, existing"],
            [["--stack", "nope", "--mode", "deploy"], `unknown stack "nope": no Pulumi.nope.yaml in `],
        ] as const) {
            const o = outcome(() => run(new Backend(), [...argv]));
            assert.equal(o.code, 2);
            assert.ok(o.message.startsWith(message), o.message);
        }
    });
});

describe("ci/pulumi-stack.ts: the stack file and the state", () => {
    const file = "Pulumi.prod.yaml";
    const state = { type: "cloud", url: KEY, encryptedkey: "ZGF0YQ==" };

    it("reads secrets_providers from `pulumi stack export` (a cloud provider's url and encryptedkey)", () => {
        assert.deepEqual(
            stateSecretsProvider({
                version: 3,
                deployment: { secrets_providers: { type: "cloud", state: { url: KEY, encryptedkey: "ZGF0YQ==" } } },
            }),
            state,
        );
        assert.equal(stateSecretsProvider({ version: 3, deployment: { resources: [] } }), undefined);
        assert.throws(() => stateSecretsProvider({ version: 3 }), SecretsProviderError);
    });

    it("keeps a file that names a Key Vault key and its encrypted data key, whatever the state says", () => {
        const text = `secretsprovider: ${KEY}\nencryptedkey: b3du\nconfig: {}\n`;
        assert.deepEqual(withStateSecretsProvider(text, undefined, "prod", file), { text, restored: [] });
    });

    it("completes a file that names the state's key without its encryptedkey", () => {
        const r = withStateSecretsProvider(`config: {}\nsecretsprovider: ${KEY}`, state, "prod", file);
        assert.deepEqual(r.restored, ["encryptedkey"]);
        assert.equal((parse(r.text) as { encryptedkey: string }).encryptedkey, "ZGF0YQ==");
    });

    it("refuses what would fall back to a passphrase or mix two keys", () => {
        const cases: [string, typeof state | undefined, RegExp][] = [
            ["config: {}\nencryptionsalt: v1:abc\n", state, /names the passphrase secrets provider \(encryptionsalt\)/],
            ["secretsprovider: passphrase\n", state, /secretsprovider "passphrase" is not an Azure Key Vault key/],
            ["config: {}\n", undefined, /its state records no secrets provider and Pulumi\.prod\.yaml names none/],
            [
                "config: {}\n",
                { type: "cloud", url: "awskms://alias/x", encryptedkey: "a" },
                /its state uses the key awskms:\/\/alias\/x, not an Azure Key Vault key/,
            ],
            [
                "config: {}\n",
                { type: "cloud", url: KEY, encryptedkey: undefined as unknown as string },
                /without the stack's encrypted data key/,
            ],
            [
                `secretsprovider: ${KEY.replace("pulumi-state", "other")}\n`,
                state,
                /without its encryptedkey, and the state uses azurekeyvault:/,
            ],
            ["encryptedkey: abc\n", state, /has an encryptedkey but no secretsprovider/],
            ["{config: {}}\n", state, /its top level is not a block mapping/],
        ];
        for (const [text, st, message] of cases) {
            assert.throws(
                () => withStateSecretsProvider(text, st, "prod", file),
                (e: Error) => e instanceof SecretsProviderError && message.test(e.message),
                text,
            );
        }
    });

    it("takes Azure Key Vault key URLs as gocloud.dev's azurekeyvault opener does, and nothing else", () => {
        for (const ok of [
            KEY,
            `${KEY}/0123456789abcdef0123456789abcdef`,
            `${KEY}?algorithm=RSA-OAEP-256`,
            "azurekeyvault://kv-x.vault.azure.cn/keys/k",
        ]) {
            assert.match(ok, KEY_VAULT_URL);
        }
        for (const bad of [
            "passphrase",
            "default",
            "awskms://alias/x",
            "https://kv-x.vault.azure.net/keys/k",
            "azurekeyvault://kv-x.vault.azure.net/secrets/k",
            "azurekeyvault://kv-x.vault.azure.net/keys/",
        ]) {
            assert.doesNotMatch(bad, KEY_VAULT_URL);
        }
    });
});
