// How the secret guard reads a .sops.yaml (fleet/guard/sops.ts parseSopsConfig), in process, held to SOPS's own
// reading of it (getsops/sops config/config.go at 15e36f9: creationRule, keyGroup, parseKeyField, configFromRule; the
// key sources azkv/keysource.go NewMasterKeyFromURL, hcvault/keysource.go NewMasterKeyFromURI, pgp/keysource.go
// NewMasterKeyFromFingerprint, kms/keysource.go NewMasterKeyFromArn). What SOPS refuses, the guard refuses with a
// message naming the key (creation_rules[i]...) and what is allowed; fleet/secrets.ts reports it against .sops.yaml.
import * as assert from "node:assert/strict";
import { firstMatchingRule, goRegExp, normalVault, parseSopsConfig, SopsConfigError } from "../../../fleet/guard/sops";

/** The message parseSopsConfig refuses `text` with (a SopsConfigError, nothing else). */
const refusal = (text: string): string => {
    try {
        parseSopsConfig(text);
    } catch (e) {
        assert.ok(e instanceof SopsConfigError, `${(e as Error).name}: ${(e as Error).message}`);
        assert.equal(e.name, "SopsConfigError", "what String(error) starts with");
        return e.message;
    }
    return assert.fail(`accepted:\n${text}`);
};

/** A .sops.yaml with one creation rule made of `lines` (each "key: value", indented under the rule). */
const oneRule = (...lines: string[]): string =>
    `creation_rules:\n  - ${lines.map((l, i) => (i === 0 ? l : `    ${l}`)).join("\n")}\n`;

const AZURE_HINT = "(https://<vault>.vault.azure.net/keys/<name>[/<version>])";
const VAULT_HINT = "(https://<vault>/v1/<engine>/keys/<name>)";
const ONLY_ONE =
    "SOPS allows only one of unencrypted_suffix, encrypted_suffix, unencrypted_regex, encrypted_regex, unencrypted_comment_regex, encrypted_comment_regex";

describe("fleet secret guard: .sops.yaml as SOPS reads it (fleet/guard/sops.ts parseSopsConfig)", () => {
    describe("the file", () => {
        it("an empty file, one with only comments, or creation_rules left empty: no rules", () => {
            assert.deepEqual(parseSopsConfig(""), []);
            assert.deepEqual(parseSopsConfig("# rules come later\n"), []);
            assert.deepEqual(parseSopsConfig("creation_rules:\n"), []);
            assert.deepEqual(parseSopsConfig("stores:\n  yaml:\n    indent: 2\n"), []);
        });
        it("refuses what is not YAML, not a mapping, or whose creation_rules or a rule has the wrong shape", () => {
            assert.match(refusal("creation_rules: [\n  - a\n"), /^not valid YAML: \S/);
            assert.equal(refusal("- creation_rules\n"), "must be a mapping with creation_rules");
            assert.equal(refusal("creation_rules: {}\n"), "creation_rules must be a list");
            assert.equal(refusal("creation_rules: age1abc\n"), "creation_rules must be a list");
            assert.equal(refusal("creation_rules:\n  - age1abc\n"), "creation_rules[0] must be a mapping");
            assert.equal(
                refusal("creation_rules:\n  - age: age1abc\n  - [path_regex, x]\n"),
                "creation_rules[1] must be a mapping",
            );
        });
        it("numbers the rules from 1 in file order; no rule matching is undefined", () => {
            const rules = parseSopsConfig(
                "creation_rules:\n  - path_regex: ^a/\n    age: age1a\n  - path_regex: ^b/\n    age: age1b\n  - path_regex: ^c/\n    age: age1c\n",
            );
            assert.deepEqual(
                rules.map((r) => [r.number, r.pathRegex]),
                [
                    [1, "^a/"],
                    [2, "^b/"],
                    [3, "^c/"],
                ],
            );
            assert.equal(firstMatchingRule(rules, "c/x.enc.yaml")?.number, 3);
            assert.equal(firstMatchingRule(rules, "d/x.enc.yaml"), undefined);
            const withCatchAll = parseSopsConfig(
                "creation_rules:\n  - path_regex: ^a/\n    age: age1a\n  - age: age1any\n  - path_regex: ^a/\n    age: age1late\n",
            );
            assert.equal(firstMatchingRule(withCatchAll, "a/x.enc.yaml")?.number, 1);
            assert.equal(firstMatchingRule(withCatchAll, "b/x.enc.yaml")?.number, 2);
        });
    });

    describe("path_regex: Go's regexp, matched unanchored (config/config.go regexp.MatchString)", () => {
        it("must be a string; left out, null or empty it matches every file", () => {
            assert.equal(
                refusal(oneRule("path_regex: 42", "age: age1a")),
                "creation_rules[0].path_regex must be a string",
            );
            assert.equal(
                refusal(oneRule("path_regex: [a, b]", "age: age1a")),
                "creation_rules[0].path_regex must be a string",
            );
            for (const text of [
                oneRule("age: age1a"),
                oneRule("path_regex:", "age: age1a"),
                oneRule('path_regex: ""', "age: age1a"),
            ]) {
                const [rule] = parseSopsConfig(text);
                assert.equal(rule.pathRegex, "", text);
                assert.ok(rule.matches("clusters/dev/anything.yaml"), text);
            }
        });
        it("is unanchored unless it says ^ or $", () => {
            const [rule] = parseSopsConfig(oneRule("path_regex: \\.enc\\.yaml$", "age: age1a"));
            assert.ok(rule.matches("apps/db/overlays/dev/db.enc.yaml"));
            assert.equal(rule.matches("apps/db/overlays/dev/db.enc.yaml.bak"), false);
        });
        it("RE2's leading flag group (?i) (?s) (?m), alone or together, becomes the JavaScript flags", () => {
            assert.equal(goRegExp("(?i)^a$", "x").flags, "i");
            assert.equal(goRegExp("(?is)^a.b$", "x").flags, "is");
            assert.equal(goRegExp("(?sm)^a.b$", "x").flags, "ms");
            const [insensitive] = parseSopsConfig(oneRule("path_regex: (?i)^CLUSTERS/PROD/", "age: age1a"));
            assert.ok(insensitive.matches("clusters/prod/db.enc.yaml"));
            const [dotAll] = parseSopsConfig(oneRule('path_regex: "(?is)^A.B$"', "age: age1a"));
            assert.ok(dotAll.matches("a\nb"), "(?s): . matches a newline");
            const [multiLine] = parseSopsConfig(oneRule('path_regex: "(?m)^b$"', "age: age1a"));
            assert.ok(multiLine.matches("a\nb"), "(?m): ^ and $ at line ends");
        });
        it("only a LEADING group is flags: (?i) inside a character class is four characters", () => {
            const [rule] = parseSopsConfig(oneRule('path_regex: "^x[(?i)]$"', "age: age1a"));
            assert.ok(rule.matches("x?"));
            assert.equal(rule.matches("X("), false);
        });
        it("RE2's named group (?P<name>...) is JavaScript's (?<name>...)", () => {
            const [rule] = parseSopsConfig(oneRule("path_regex: ^clusters/(?P<env>[^/]+)/secrets/", "age: age1a"));
            assert.ok(rule.matches("clusters/prod/secrets/db.enc.yaml"));
            assert.equal(goRegExp("(?P<env>[a-z]+)-(?P<n>\\d)", "x").exec("prod-1")?.groups?.env, "prod");
        });
        it("refuses the ungreedy flag U and what JavaScript cannot compile, naming the rule's key", () => {
            assert.equal(
                refusal(oneRule("path_regex: (?U)^a.+b", "age: age1a")),
                "creation_rules[0].path_regex: the RE2 flag U (ungreedy) has no JavaScript equivalent",
            );
            assert.equal(
                refusal(oneRule("path_regex: (?iU)^a", "age: age1a")),
                "creation_rules[0].path_regex: the RE2 flag U (ungreedy) has no JavaScript equivalent",
            );
            assert.equal(
                refusal(oneRule("path_regex: (unclosed", "age: age1a")),
                "creation_rules[0].path_regex: Invalid regular expression: /(unclosed/: Unterminated group",
            );
        });
    });

    describe("keys named directly in a rule: a string (comma-separated) or a list of strings (parseKeyField)", () => {
        it("every key type, each read as SOPS reads it", () => {
            const [rule] = parseSopsConfig(
                oneRule(
                    "path_regex: ^clusters/prod/",
                    "azure_keyvault: https://KV-Contoso.vault.azure.net/keys/SOPS-Key/0123abcd, https://kv-b.vault.azure.net/keys/k/",
                    "age: age1one,, age1two , ,",
                    'pgp: "85d7 7543 b3d6 24b6 3cea  9e6d bc17 301b 491b 3f21"',
                    "kms: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab+arn:aws:iam::111122223333:role/sops",
                    "gcp_kms: projects/p/locations/global/keyRings/sops/cryptoKeys/k",
                    "hc_vault_transit_uri: https://VAULT.example.com:8200/v1/transit/keys/sops/",
                    "hckms: [tr-west-1:0a1b2c3d-4e5f-6789-abcd-ef0123456789]",
                ),
            );
            assert.deepEqual(rule.keys, [
                {
                    type: "azure_kv",
                    id: "https://kv-contoso.vault.azure.net/keys/sops-key",
                    vault: "https://kv-contoso.vault.azure.net",
                    version: "0123abcd",
                },
                // A trailing slash names no version (azkv: len(parts[3]) > 1); SOPS >= 3.11 records the current one.
                {
                    type: "azure_kv",
                    id: "https://kv-b.vault.azure.net/keys/k",
                    vault: "https://kv-b.vault.azure.net",
                    version: "",
                },
                // Each entry trimmed, blank ones skipped (parseKeyField: "fixes trailing comma issue").
                { type: "age", id: "age1one" },
                { type: "age", id: "age1two" },
                // PGP: spaces removed (strings.Replace(fingerprint, " ", "", -1)); compared in upper case.
                { type: "pgp", id: "85D77543B3D624B63CEA9E6DBC17301B491B3F21" },
                // KMS: what follows "+arn:" is the role to assume, not the key.
                { type: "kms", id: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
                { type: "gcp_kms", id: "projects/p/locations/global/keyRings/sops/cryptoKeys/k" },
                { type: "hc_vault", id: "https://vault.example.com:8200/v1/transit/keys/sops" },
                { type: "hckms", id: "tr-west-1:0a1b2c3d-4e5f-6789-abcd-ef0123456789" },
            ]);
        });
        it("a list: each entry trimmed, blank ones skipped", () => {
            const [rule] = parseSopsConfig(oneRule('age: [" age1one ", " ", age1two]', "pgp: [ABCDEF01, '']"));
            assert.deepEqual(rule.keys, [
                { type: "age", id: "age1one" },
                { type: "age", id: "age1two" },
                { type: "pgp", id: "ABCDEF01" },
            ]);
        });
        it("null or empty names no key", () => {
            const [rule] = parseSopsConfig(
                oneRule("age:", 'pgp: ""', "kms: []", "azure_keyvault: https://kv.vault.azure.net/keys/sops"),
            );
            assert.deepEqual(
                rule.keys.map((k) => k.id),
                ["https://kv.vault.azure.net/keys/sops"],
            );
        });
        it("anything else is refused, naming the key (SOPS: invalid <field> key configuration)", () => {
            for (const field of ["azure_keyvault", "age", "pgp", "kms", "gcp_kms", "hc_vault_transit_uri", "hckms"]) {
                const expected = `creation_rules[0].${field} must be a string or a list of strings`;
                assert.equal(refusal(oneRule("path_regex: a", `${field}: 42`)), expected);
                assert.equal(refusal(oneRule("path_regex: a", `${field}: [x, 42]`)), expected);
                assert.equal(refusal(oneRule("path_regex: a", `${field}: {arn: x}`)), expected);
            }
        });
    });

    describe("an Azure Key Vault key URL (azkv/keysource.go NewMasterKeyFromURL: ^(https://[^/]+)/keys/([^/]+)(/[^/]*)?$)", () => {
        const azure = (url: string) => parseSopsConfig(oneRule(`azure_keyvault: "${url}"`))[0].keys;
        it("with or without a version, the vault and key name compared in lower case", () => {
            assert.deepEqual(azure("https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev"), [
                {
                    type: "azure_kv",
                    id: "https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev",
                    vault: "https://kv-contoso-sops-dev.vault.azure.net",
                    version: "",
                },
            ]);
            assert.equal(azure("https://kv.vault.azure.net/keys/sops/")[0].version, "");
            assert.equal(
                azure("https://kv.vault.azure.net/keys/sops/9b3e7c1d2a4f4e0f8c6b5a4d3e2f1a0b")[0].version,
                "9b3e7c1d2a4f4e0f8c6b5a4d3e2f1a0b",
            );
        });
        it("refuses what is no key URL, quoting it", () => {
            for (const url of [
                "http://kv.vault.azure.net/keys/sops", // SOPS takes https only
                "https://kv.vault.azure.net/secrets/sops", // a secret, not a key
                "https://kv.vault.azure.net/keys/", // no key name
                "https://kv.vault.azure.net/keys/sops/v1/extra",
                "kv.vault.azure.net/keys/sops",
                "azure:https://kv.vault.azure.net/keys/sops",
            ]) {
                assert.equal(
                    refusal(oneRule("path_regex: a", `azure_keyvault: "${url}"`)),
                    `creation_rules[0].azure_keyvault: ${url} is not an Azure Key Vault key URL ${AZURE_HINT}`,
                );
            }
        });
        it("normalVault: trimmed, lower case, without trailing slashes", () => {
            assert.equal(normalVault(" https://KV-Contoso.vault.azure.net// "), "https://kv-contoso.vault.azure.net");
        });
    });

    describe("a HashiCorp Vault transit URI (hcvault/keysource.go NewMasterKeyFromURI, engineAndKeyFromPath)", () => {
        const vault = (uri: string) => parseSopsConfig(oneRule(`hc_vault_transit_uri: "${uri}"`))[0].keys;
        it("the address in lower case, the engine path (nested or not) and the key name as written", () => {
            assert.deepEqual(vault("https://vault.example.com:8200/v1/transit/keys/sops"), [
                { type: "hc_vault", id: "https://vault.example.com:8200/v1/transit/keys/sops" },
            ]);
            assert.deepEqual(vault("https://Vault.Example.com:8200/v1/secret/sops/keys/Team-Key/"), [
                { type: "hc_vault", id: "https://vault.example.com:8200/v1/secret/sops/keys/Team-Key" },
            ]);
            // A Vault dev server listens on plain http; SOPS takes any scheme.
            assert.deepEqual(vault("http://127.0.0.1:8200/v1/transit/keys/sops"), [
                { type: "hc_vault", id: "http://127.0.0.1:8200/v1/transit/keys/sops" },
            ]);
        });
        it("refuses a URI without scheme, behind a path prefix (SOPS: not supported), or without a key name", () => {
            for (const uri of [
                "vault.example.com:8200/v1/transit/keys/sops",
                "https://vault.example.com/proxy/v1/transit/keys/sops",
                "https://vault.example.com:8200/v1/transit/keys/",
                // SOPS would take this as engine transit/keys, key extra: not what anyone means; the guard refuses it.
                "https://vault.example.com:8200/v1/transit/keys/sops/extra",
                "https://vault.example.com:8200/transit/keys/sops", // SOPS: "vault path does not seem to be formatted correctly"
                "vault:https://vault.example.com:8200/v1/transit/keys/sops",
            ]) {
                assert.equal(
                    refusal(oneRule("path_regex: a", `hc_vault_transit_uri: "${uri}"`)),
                    `creation_rules[0].hc_vault_transit_uri: ${uri} is not a Vault transit key URI ${VAULT_HINT}`,
                );
            }
        });
    });

    describe("key_groups (config/config.go keyGroup; used instead of the rule's own keys when there is any)", () => {
        it("every key type of a group, merge: groups first, in SOPS's field names", () => {
            const [rule] = parseSopsConfig(
                [
                    "creation_rules:",
                    "  - path_regex: ^clusters/prod/",
                    "    age: age1ignored",
                    "    key_groups:",
                    "      - azure_keyvault:",
                    "          - vaultUrl: ' https://KV-Prod.vault.azure.net/ '",
                    "            key: SOPS-Prod",
                    "            version: 0123abcd",
                    "          - vaultUrl: https://kv-dr.vault.azure.net",
                    "            key: sops-dr",
                    "        age:",
                    "          - age1group",
                    "        pgp:",
                    "          - 85d77543b3d624b63cea9e6dbc17301b491b3f21",
                    "        kms:",
                    "          - arn: arn:aws:kms:us-east-1:111122223333:key/abc",
                    "            role: arn:aws:iam::111122223333:role/sops",
                    "        gcp_kms:",
                    "          - resource_id: projects/p/locations/global/keyRings/sops/cryptoKeys/k",
                    "        hckms:",
                    "          - key_id: tr-west-1:0a1b2c3d",
                    "        hc_vault:",
                    "          - https://vault.example.com:8200/v1/transit/keys/sops",
                    "      - merge:",
                    "          - age: [age1merged]",
                    "          - pgp: [abcdef01]",
                    "        age: age1second",
                    "",
                ].join("\n"),
            );
            assert.deepEqual(rule.keys, [
                {
                    type: "azure_kv",
                    id: "https://kv-prod.vault.azure.net/keys/sops-prod",
                    vault: "https://kv-prod.vault.azure.net",
                    version: "0123abcd",
                },
                {
                    type: "azure_kv",
                    id: "https://kv-dr.vault.azure.net/keys/sops-dr",
                    vault: "https://kv-dr.vault.azure.net",
                    version: "",
                },
                { type: "age", id: "age1group" },
                { type: "pgp", id: "85D77543B3D624B63CEA9E6DBC17301B491B3F21" },
                { type: "kms", id: "arn:aws:kms:us-east-1:111122223333:key/abc" },
                { type: "gcp_kms", id: "projects/p/locations/global/keyRings/sops/cryptoKeys/k" },
                { type: "hckms", id: "tr-west-1:0a1b2c3d" },
                { type: "hc_vault", id: "https://vault.example.com:8200/v1/transit/keys/sops" },
                { type: "age", id: "age1merged" },
                { type: "pgp", id: "ABCDEF01" },
                { type: "age", id: "age1second" },
            ]);
        });
        it("key_groups: [] is no group: the rule's own keys count (len(cRule.KeyGroups) > 0)", () => {
            const [rule] = parseSopsConfig(oneRule("path_regex: a", "key_groups: []", "age: age1own"));
            assert.deepEqual(rule.keys, [{ type: "age", id: "age1own" }]);
        });
        it("refuses a group or an entry of the wrong shape, naming it and the field it needs", () => {
            const groups = (...lines: string[]) =>
                refusal(
                    [
                        "creation_rules:",
                        "  - age: age1a",
                        "  - path_regex: b",
                        "    key_groups:",
                        ...lines.map((l) => `      ${l}`),
                        "",
                    ].join("\n"),
                );
            assert.equal(groups("- age: [age1a]", "- age1b"), "creation_rules[1].key_groups[1] must be a mapping");
            assert.equal(
                groups("- merge:", "    - age: [age1a]", "    - age1b"),
                "creation_rules[1].key_groups[0].merge[1] must be a mapping",
            );
            assert.equal(
                groups("- azure_keyvault:", "    - vaultUrl: https://kv.vault.azure.net"),
                "creation_rules[1].key_groups[0].azure_keyvault[0] needs key",
            );
            assert.equal(
                groups("- azure_keyvault:", "    - key: sops", "    - https://kv.vault.azure.net/keys/sops"),
                "creation_rules[1].key_groups[0].azure_keyvault[0] needs vaultUrl",
            );
            assert.equal(
                groups(
                    "- azure_keyvault:",
                    "    - {vaultUrl: https://kv.vault.azure.net, key: sops}",
                    "    - https://kv.vault.azure.net/keys/sops",
                ),
                "creation_rules[1].key_groups[0].azure_keyvault[1] needs vaultUrl",
            );
            assert.equal(
                groups("- azure_keyvault:", "    - {vaultUrl: https://kv.vault.azure.net, key: 42}"),
                "creation_rules[1].key_groups[0].azure_keyvault[0] needs key",
            );
            assert.equal(
                groups("- kms:", "    - arn:aws:kms:us-east-1:111122223333:key/abc"),
                "creation_rules[1].key_groups[0].kms[0] needs arn",
            );
            assert.equal(
                groups("- gcp_kms:", "    - {}"),
                "creation_rules[1].key_groups[0].gcp_kms[0] needs resource_id",
            );
            assert.equal(
                groups("- hckms:", "    - {keyId: x}"),
                "creation_rules[1].key_groups[0].hckms[0] needs key_id",
            );
            assert.equal(
                groups("- age: 42"),
                "creation_rules[1].key_groups[0].age must be a string or a list of strings",
            );
            assert.equal(
                groups("- pgp: {fp: x}"),
                "creation_rules[1].key_groups[0].pgp must be a string or a list of strings",
            );
            assert.equal(
                groups("- hc_vault: [42]"),
                "creation_rules[1].key_groups[0].hc_vault must be a string or a list of strings",
            );
            assert.equal(
                groups("- hc_vault: [vault.example.com/v1/transit/keys/sops]"),
                `creation_rules[1].key_groups[0].hc_vault: vault.example.com/v1/transit/keys/sops is not a Vault transit key URI ${VAULT_HINT}`,
            );
        });
    });

    describe("which values a rule encrypts (configFromRule: at most one of the six settings)", () => {
        it("refuses two, naming both and the six", () => {
            assert.equal(
                refusal(
                    oneRule("path_regex: a", "age: age1a", "encrypted_regex: ^data$", "unencrypted_suffix: _plain"),
                ),
                `creation_rules[0] sets unencrypted_suffix and encrypted_regex: ${ONLY_ONE}`,
            );
        });
        it("a setting left null or empty is not set (SOPS counts the non-empty ones)", () => {
            const [rule] = parseSopsConfig(
                oneRule(
                    "path_regex: a",
                    "age: age1a",
                    'encrypted_regex: ""',
                    "unencrypted_regex:",
                    "encrypted_suffix: _enc",
                ),
            );
            assert.deepEqual(rule.settings, { encrypted_suffix: "_enc" });
        });
        it("each is a string; the *_regex ones must compile (the suffixes are not regexes)", () => {
            assert.equal(
                refusal(oneRule("path_regex: a", "age: age1a", "encrypted_regex: [data, stringData]")),
                "creation_rules[0].encrypted_regex must be a string",
            );
            assert.equal(
                refusal(oneRule("path_regex: a", "age: age1a", "unencrypted_regex: ^(metadata")),
                "creation_rules[0].unencrypted_regex: Invalid regular expression: /^(metadata/: Unterminated group",
            );
            assert.equal(
                refusal(oneRule("path_regex: a", "age: age1a", "encrypted_comment_regex: (?U)sops:enc")),
                "creation_rules[0].encrypted_comment_regex: the RE2 flag U (ungreedy) has no JavaScript equivalent",
            );
            assert.deepEqual(
                parseSopsConfig(oneRule("path_regex: a", "age: age1a", 'encrypted_suffix: "[enc"'))[0].settings,
                {
                    encrypted_suffix: "[enc",
                },
            );
        });
        it("mac_only_encrypted: true is kept, next to the default suffix; false is as if absent", () => {
            assert.deepEqual(
                parseSopsConfig(oneRule("path_regex: a", "age: age1a", "mac_only_encrypted: true"))[0].settings,
                {
                    unencrypted_suffix: "_unencrypted",
                    mac_only_encrypted: true,
                },
            );
            assert.deepEqual(
                parseSopsConfig(oneRule("path_regex: a", "age: age1a", "mac_only_encrypted: false"))[0].settings,
                {
                    unencrypted_suffix: "_unencrypted",
                },
            );
        });
    });
});
