// ci/pulumi-stack.ts on odd inputs: what `pulumi stack export` may print (no deployment, no provider, a provider without
// a type or with non-string fields), stack files that are not a mapping or hold empty values, and the exact lines added
// to the runner's stack file. Each case is a clear refusal or a literal result, never a TypeError or a half-right file.
import * as assert from "node:assert/strict";
import {
    fileSecretsProvider,
    KEY_VAULT_URL,
    SecretsProviderError,
    StateSecretsProvider,
    stateSecretsProvider,
    withStateSecretsProvider,
} from "../../ci/pulumi-stack";
import { UsageError } from "../../cli/usage";
import { KEY } from "../support/pulumi-stack";

const FILE = "Pulumi.prod.yaml";
const FIX = `run once, where the stack's current secrets can be read: pulumi stack change-secrets-provider --stack prod "azurekeyvault://<vault>.vault.azure.net/keys/<key>"`;
const RESTORED = "# Restored by ci/pulumi-stack.ts from the stack's state (this runner's copy only).";

function refusal(f: () => unknown): { error: string; message: string } {
    try {
        f();
    } catch (e) {
        const error =
            e instanceof SecretsProviderError
                ? "SecretsProviderError"
                : e instanceof UsageError
                  ? "UsageError"
                  : String(e);
        return { error, message: (e as Error).message };
    }
    return assert.fail("accepted");
}

describe("ci/pulumi-stack.ts: the secrets provider `pulumi stack export` records", () => {
    it("an export without a deployment object is refused as such, whatever else it holds", () => {
        for (const exported of [null, {}, { version: 3 }, { version: 3, deployment: null }, { deployment: "v3" }]) {
            assert.deepEqual(
                refusal(() => stateSecretsProvider(exported)),
                { error: "SecretsProviderError", message: "`pulumi stack export` printed no deployment" },
                JSON.stringify(exported),
            );
        }
    });

    it("a state that records no secrets provider (secrets_providers absent or null) has none", () => {
        assert.equal(stateSecretsProvider({ version: 3, deployment: { manifest: {} } }), undefined);
        assert.equal(stateSecretsProvider({ version: 3, deployment: { secrets_providers: null } }), undefined);
    });

    it("a secrets provider without a type is refused (the CLI could not have written it)", () => {
        for (const sp of [{ state: { url: KEY, encryptedkey: "ZGF0YQ==" } }, { type: 3, state: {} }, {}]) {
            assert.deepEqual(
                refusal(() => stateSecretsProvider({ version: 3, deployment: { secrets_providers: sp } })),
                { error: "SecretsProviderError", message: "the state's secrets_providers has no type" },
            );
        }
    });

    it("takes the url and encryptedkey only as strings; anything else counts as missing", () => {
        assert.deepEqual(
            stateSecretsProvider({
                deployment: { secrets_providers: { type: "cloud", state: { url: 42, encryptedkey: { k: 1 } } } },
            }),
            { type: "cloud", url: undefined, encryptedkey: undefined },
        );
        assert.deepEqual(stateSecretsProvider({ deployment: { secrets_providers: { type: "passphrase" } } }), {
            type: "passphrase",
            url: undefined,
            encryptedkey: undefined,
        });
    });
});

describe("ci/pulumi-stack.ts: the secrets-provider fields of a stack file", () => {
    const none = { secretsprovider: undefined, encryptedkey: undefined, encryptionsalt: undefined };

    it("an empty file, a comment or a bare document marker names no provider", () => {
        for (const text of ["", "# prod\n", "---\n"]) {
            assert.deepEqual(fileSecretsProvider(text, FILE), none, JSON.stringify(text));
        }
    });

    it("a file whose top level is a list or a scalar is refused, naming the file and what it must be (exit 2)", () => {
        for (const text of ["- config\n- secretsprovider\n", "prod\n", "42\n", "[]\n"]) {
            assert.deepEqual(
                refusal(() => fileSecretsProvider(text, FILE)),
                {
                    error: "UsageError",
                    message:
                        "Pulumi.prod.yaml must be a mapping (config:, and the secrets provider's secretsprovider and encryptedkey)",
                },
                text,
            );
        }
    });

    it("a file that is not YAML is refused with the parser's words, naming the file", () => {
        const r = refusal(() => fileSecretsProvider('config: "open\n', FILE));
        assert.equal(r.error, "UsageError");
        assert.match(r.message, /^Pulumi\.prod\.yaml is not valid YAML: Missing closing "quote at line 2, column 1/);
    });

    it("an empty, null or non-string value is refused naming the file and key (appending would repeat the key); a string names itself", () => {
        const cases: [string, string][] = [
            [
                'secretsprovider: ""\n',
                "Pulumi.prod.yaml: secretsprovider is empty: remove the line (CI restores it from the stack's state) or set it",
            ],
            [
                "encryptedkey: 42\n",
                "Pulumi.prod.yaml: encryptedkey is not a string (42): remove the line (CI restores it from the stack's state) or set it",
            ],
            [
                "encryptionsalt: ~\n",
                "Pulumi.prod.yaml: encryptionsalt is not a string (null): remove the line (CI restores the secrets provider from the stack's state) or set it",
            ],
            [
                "secretsprovider: [a]\n",
                'Pulumi.prod.yaml: secretsprovider is not a string (["a"]): remove the line (CI restores it from the stack\'s state) or set it',
            ],
            [
                "config: {}\nencryptedkey: {}\n",
                "Pulumi.prod.yaml: encryptedkey is not a string ({}): remove the line (CI restores it from the stack's state) or set it",
            ],
        ];
        for (const [text, message] of cases) {
            const r = refusal(() => fileSecretsProvider(text, FILE));
            assert.deepEqual(r, { error: "UsageError", message }, text);
        }
        assert.deepEqual(
            fileSecretsProvider(`secretsprovider: ${KEY}\nencryptedkey: ZGF0YQ==\nencryptionsalt: v1:abc\n`, FILE),
            { secretsprovider: KEY, encryptedkey: "ZGF0YQ==", encryptionsalt: "v1:abc" },
        );
    });
});

describe("ci/pulumi-stack.ts: the lines added to the runner's stack file", () => {
    const state = { type: "cloud", url: KEY, encryptedkey: "ZGF0YQ==" };
    const added = `${RESTORED}\nsecretsprovider: "${KEY}"\nencryptedkey: "ZGF0YQ=="\n`;

    it("appends after the user's last line: no blank line, none missing, and the file ends with a newline", () => {
        const cases: [string, string][] = [
            ["config: {}\n", `config: {}\n${added}`],
            ["config: {}", `config: {}\n${added}`],
            ["", added],
            ["# prod-westeurope\n\nconfig: {}\n\n", `# prod-westeurope\n\nconfig: {}\n\n${added}`],
        ];
        for (const [text, expected] of cases) {
            assert.deepEqual(
                withStateSecretsProvider(text, state, "prod", FILE),
                { text: expected, restored: ["secretsprovider", "encryptedkey"] },
                JSON.stringify(text),
            );
        }
    });

    it("a file that names the state's key gets only the encryptedkey", () => {
        assert.deepEqual(withStateSecretsProvider(`secretsprovider: ${KEY}\n`, state, "prod", FILE), {
            text: `secretsprovider: ${KEY}\n${RESTORED}\nencryptedkey: "ZGF0YQ=="\n`,
            restored: ["encryptedkey"],
        });
    });

    it("a state that is not an Azure Key Vault key is refused, naming the provider or the key, with the fix", () => {
        const cases: [StateSecretsProvider, string][] = [
            [{ type: "cloud", encryptedkey: "ZGF0YQ==" }, "the key (no url)"],
            [
                { type: "cloud", url: "awskms://alias/pulumi", encryptedkey: "ZGF0YQ==" },
                "the key awskms://alias/pulumi",
            ],
            [{ type: "passphrase" }, 'the "passphrase" secrets provider'],
            // The provider's type decides: only a "cloud" provider is a key URL, whatever other fields a state carries.
            [{ type: "service", url: KEY, encryptedkey: "ZGF0YQ==" }, 'the "service" secrets provider'],
        ];
        for (const [fromState, what] of cases) {
            assert.deepEqual(
                refusal(() => withStateSecretsProvider("config: {}\n", fromState, "prod", FILE)),
                {
                    error: "SecretsProviderError",
                    message: `stack prod: its state uses ${what}, not an Azure Key Vault key; CI reads and writes secrets only with Azure Key Vault: ${FIX}`,
                },
                JSON.stringify(fromState),
            );
        }
    });
});

describe("ci/pulumi-stack.ts: an Azure Key Vault key URL, exactly", () => {
    it("takes the vault's 3-24 characters, a key of 1-127, an optional 32-hex-digit version and algorithm", () => {
        for (const ok of [
            "azurekeyvault://kv1.vault.azure.net/keys/k",
            `azurekeyvault://${"k".repeat(24)}.vault.azure.net/keys/${"a".repeat(127)}`,
            `${KEY}/0123456789ABCDEF0123456789abcdef`,
            `${KEY}/0123456789abcdef0123456789abcdef?algorithm=RSA-OAEP-256`,
        ]) {
            assert.match(ok, KEY_VAULT_URL);
        }
    });

    it("refuses anything around the URL (a pasted space, quote or command) and a malformed version or algorithm", () => {
        for (const bad of [
            ` ${KEY}`,
            `${KEY} `,
            `"${KEY}"`,
            `pulumi stack change-secrets-provider ${KEY}`,
            `${KEY}/0123456789abcdef0123456789abcde`,
            `${KEY}/0123456789abcdef0123456789abcdef0`,
            `${KEY}/0123456789abcdef0123456789abcdeg`,
            `${KEY}/latest`,
            `${KEY}?algorithm=`,
            `${KEY}?algorithm=RSA-OAEP-256&x=1`,
            "azurekeyvault://kv.vault.azure.net/keys/k",
            `azurekeyvault://${"k".repeat(25)}.vault.azure.net/keys/k`,
            `azurekeyvault://kv1.vault.azure.net/keys/${"a".repeat(128)}`,
        ]) {
            assert.doesNotMatch(bad, KEY_VAULT_URL);
        }
    });
});
