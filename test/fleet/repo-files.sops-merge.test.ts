// Merging a stack's environment rule into an existing .sops.yaml (fleet/repo-files.ts mergeSopsConfig, npm run fleet):
// the user's rules, order and comments stay, and SOPS's first matching rule is the environment's own for every path of
// that environment. Matching is SOPS's, restated here from getsops/sops config/config.go (parseCreationRuleForFile):
// the rules in file order, a rule without path_regex (or with an empty one) matches every file, otherwise the
// path_regex is searched (unanchored) in the file's path relative to the .sops.yaml's directory; the first match wins.
import * as assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { sopsPathRegex } from "../../components/SopsKeyVault";
import { runCli } from "../../fleet/cli";
import { mergeSopsConfig } from "../../fleet/repo-files";
import { ROOT } from "../../stacks/paths";
import { runCliInProcess } from "../support/stacks";
import { sharedCaptures } from "../support/share-captures";

// The environments' rules as the stacks output them (SopsKeyVault creationRuleObject), written out literally.
const ENV_REGEX = {
    dev: "(^|/)(clusters/dev-[^/]+|apps/[^/]+/overlays/dev)/.*\\.enc\\.ya?ml$",
    staging: "(^|/)(clusters/staging-[^/]+|apps/[^/]+/overlays/staging)/.*\\.enc\\.ya?ml$",
    prod: "(^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/.*\\.enc\\.ya?ml$",
};
const ENV_RULES = Object.values(ENV_REGEX);
const KEY = {
    dev: "https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev",
    prod: "https://kv-contoso-sops-prod.vault.azure.net/keys/sops-prod",
};
const rule = (env: "dev" | "prod", key = KEY[env]) => ({
    path_regex: ENV_REGEX[env],
    encrypted_regex: "^(data|stringData)$",
    azure_keyvault: key,
});
const merge = (existing: string | undefined, r = rule("prod")) =>
    mergeSopsConfig(existing, r, ENV_RULES, "fleet/.sops.yaml");

/** The rule SOPS uses for `path` (see the header): its key, or "(none)" when no rule matches. */
function sopsKeyFor(sopsYaml: string, path: string): string {
    const rules = (parse(sopsYaml) as { creation_rules: Record<string, unknown>[] }).creation_rules;
    const match = rules.find((r) => !r.path_regex || new RegExp(r.path_regex as string).test(path));
    return match === undefined ? "(none)" : String(match.azure_keyvault ?? match.pgp ?? match.age);
}

/** Every kind of path an environment owns in the fleet repo: its clusters' directories and its apps' overlays. */
const pathsOf = (env: string) => [
    `clusters/${env}-westeurope/notifications/alerts-webhook.enc.yaml`,
    `clusters/${env}-northeurope/apps/extra.enc.yml`,
    `apps/my-service/overlays/${env}/db.enc.yaml`,
    `apps/other/overlays/${env}/nested/dir/token.enc.yaml`,
];

describe(".sops.yaml merge (fleet/repo-files.ts mergeSopsConfig)", () => {
    sharedCaptures();
    it("states the environment rules the stacks output (the literal regexes above)", () => {
        for (const [env, regex] of Object.entries(ENV_REGEX)) {
            assert.equal(sopsPathRegex(env as "dev"), regex);
        }
    });

    it("writes a new .sops.yaml with a header that says why the environment rules come first", () => {
        assert.equal(
            merge(undefined),
            [
                "# One creation rule per environment: each sends its files to that environment's key. SOPS uses the first rule whose",
                "# path_regex matches a file, so `npm run fleet` keeps the environment rules first; add other rules below them.",
                "",
                "creation_rules:",
                "  - path_regex: (^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/.*\\.enc\\.ya?ml$",
                "    encrypted_regex: ^(data|stringData)$",
                "    azure_keyvault: https://kv-contoso-sops-prod.vault.azure.net/keys/sops-prod",
                "",
            ].join("\n"),
        );
        assert.equal(merge(""), merge(undefined), "an empty file is a new one");
    });

    it("puts the environment rule ahead of a user's catch-all without path_regex, keeping the user's comments", () => {
        const existing = [
            "# The platform team's SOPS rules.",
            "creation_rules:",
            "  # Everything else: the platform team's PGP key.",
            "  - pgp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4 # break-glass key",
            "    encrypted_regex: ^(data|stringData)$",
            "",
        ].join("\n");
        const merged = merge(existing);
        assert.equal(
            merged,
            [
                "# The platform team's SOPS rules.",
                "creation_rules:",
                "  - path_regex: (^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/.*\\.enc\\.ya?ml$",
                "    encrypted_regex: ^(data|stringData)$",
                "    azure_keyvault: https://kv-contoso-sops-prod.vault.azure.net/keys/sops-prod",
                "  # Everything else: the platform team's PGP key.",
                "  - pgp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4 # break-glass key",
                "    encrypted_regex: ^(data|stringData)$",
                "",
            ].join("\n"),
        );
        for (const path of pathsOf("prod")) {
            assert.equal(sopsKeyFor(merged, path), KEY.prod, path);
        }
        assert.equal(
            sopsKeyFor(merged, "infrastructure/shared.enc.yaml"),
            "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4",
            "other paths keep the catch-all",
        );
    });

    it("puts the environment rule ahead of a `.*` catch-all (which sorts first: the old merge sent prod files to it)", () => {
        const existing = "creation_rules:\n  - path_regex: .*\n    age: age1catchallrecipient\n";
        const merged = merge(existing);
        for (const path of pathsOf("prod")) {
            assert.equal(sopsKeyFor(merged, path), KEY.prod, path);
        }
        assert.equal(sopsKeyFor(merged, "README.enc.yaml"), "age1catchallrecipient");
        assert.match(
            merged,
            /azure_keyvault: https:\/\/kv-contoso-sops-prod[^\n]+\n {2}- path_regex: \.\*\n {4}age: age1catchallrecipient\n$/,
        );
    });

    it("puts it ahead of a user rule whose path_regex would shadow the environment's paths", () => {
        // `(.*/)?clusters/...` sorts before `(^|/)(clusters/prod-...` and matches prod's cluster files.
        const existing = [
            "creation_rules:",
            "  # Cluster files: the platform key.",
            "  - path_regex: (.*/)?clusters/.*\\.enc\\.yaml$",
            "    azure_keyvault: https://kv-platform.vault.azure.net/keys/platform",
            "",
            "  - path_regex: ^apps/.*\\.enc\\.yaml$ # app teams",
            "    azure_keyvault: https://kv-apps.vault.azure.net/keys/apps",
            "",
        ].join("\n");
        const merged = merge(existing);
        for (const path of pathsOf("prod")) {
            assert.equal(sopsKeyFor(merged, path), KEY.prod, path);
        }
        // The user's rules keep their order and comments below it, and still decide the paths no environment owns.
        assert.equal(
            sopsKeyFor(merged, "clusters/shared/x.enc.yaml"),
            "https://kv-platform.vault.azure.net/keys/platform",
        );
        assert.equal(
            sopsKeyFor(merged, "apps/my-service/base/x.enc.yaml"),
            "https://kv-apps.vault.azure.net/keys/apps",
        );
        assert.equal(
            merged,
            [
                "creation_rules:",
                "  - path_regex: (^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/.*\\.enc\\.ya?ml$",
                "    encrypted_regex: ^(data|stringData)$",
                "    azure_keyvault: https://kv-contoso-sops-prod.vault.azure.net/keys/sops-prod",
                "  # Cluster files: the platform key.",
                "  - path_regex: (.*/)?clusters/.*\\.enc\\.yaml$",
                "    azure_keyvault: https://kv-platform.vault.azure.net/keys/platform",
                "",
                "  - path_regex: ^apps/.*\\.enc\\.yaml$ # app teams",
                "    azure_keyvault: https://kv-apps.vault.azure.net/keys/apps",
                "",
            ].join("\n"),
        );
    });

    it("moves every environment's rule ahead of the user's rules, not only the stack's", () => {
        // dev's rule sits under a catch-all (a hand edit); merging prod's stack also lifts dev's.
        const existing = [
            "creation_rules:",
            '  - path_regex: ""',
            "    age: age1catchallrecipient",
            `  - path_regex: ${ENV_REGEX.dev}`,
            "    encrypted_regex: ^(data|stringData)$",
            `    azure_keyvault: ${KEY.dev} # dev's key`,
            "",
        ].join("\n");
        const merged = merge(existing);
        for (const env of ["dev", "prod"] as const) {
            for (const path of pathsOf(env)) {
                assert.equal(sopsKeyFor(merged, path), KEY[env], path);
            }
        }
        assert.deepEqual(
            (parse(merged) as { creation_rules: { path_regex: string }[] }).creation_rules.map((r) => r.path_regex),
            [ENV_REGEX.dev, ENV_REGEX.prod, ""],
        );
        assert.match(merged, /# dev's key/);
    });

    it("is idempotent, and a second cluster of the environment (the same rule) changes nothing", () => {
        const existing = "# mine\ncreation_rules:\n  - path_regex: ^docs/.*\n    age: age1docs # docs\n";
        const once = merge(existing);
        assert.equal(merge(once), once);
        assert.equal(merge(merge(once, rule("dev")), rule("prod")), merge(once, rule("dev")));
        // The starter fleet's .sops.yaml is already in order: merged again, byte for byte the same.
        const starter = readFileSync(join(ROOT, "examples/fleet/.sops.yaml"), "utf8");
        assert.equal(merge(starter), starter);
    });

    it("refuses a second cluster of the environment with another key: one key per environment", () => {
        const existing = merge(undefined);
        assert.throws(
            () => merge(existing, rule("prod", "https://kv-other-prod.vault.azure.net/keys/sops-prod")),
            (e: Error) => {
                assert.equal(e.name, "ConfigFileError");
                assert.equal(
                    e.message,
                    'fleet/.sops.yaml: creation_rules[0] (path_regex (^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/.*\\.enc\\.ya?ml$) sends this environment\'s files to azure_keyvault "https://kv-contoso-sops-prod.vault.azure.net/keys/sops-prod", the stack to azure_keyvault "https://kv-other-prod.vault.azure.net/keys/sops-prod". One key per environment: a second cluster of the environment uses its key (sops.existingKeyId); if the key really moved, change the rule by hand and re-encrypt the environment\'s files (sops updatekeys). Nothing was written. (SOPS reads creation_rules: a list of mappings, each with a path_regex; getsops/sops docs)',
                );
                return true;
            },
        );
        // A second key source on the environment's rule would let its holder decrypt prod's files too.
        const widened = existing.replace(
            "    azure_keyvault:",
            "    pgp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\n    azure_keyvault:",
        );
        assert.throws(
            () => merge(widened),
            /^ConfigFileError: fleet\/\.sops\.yaml: creation_rules\[0\] \(path_regex .*\) sends this environment's files to pgp "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4"/,
        );
    });

    it("refuses a malformed .sops.yaml, naming the file and what is wrong", () => {
        const cases: [string, string][] = [
            ["creation_rules:\n  - path_regex: a\n    age: [unclosed\n", "is not valid YAML: "],
            ["creation_rules:\n  - age: x\n    age: y\n", "is not valid YAML: Map keys must be unique"],
            ["- path_regex: a\n", "is not a mapping (expected creation_rules: at the top level)"],
            ["creation_rules:\n  path_regex: a\n", "creation_rules is not a list"],
            [
                "creation_rules:\n  - path_regex: a\n    age: x\n  - just a string\n",
                "creation_rules[1] is not a mapping",
            ],
            ["creation_rules:\n  - path_regex: [a]\n    age: x\n", "creation_rules[0].path_regex is not a string"],
            [
                `creation_rules:\n  - path_regex: ${ENV_REGEX.prod}\n    age: x\n  - path_regex: ${ENV_REGEX.prod}\n    age: y\n`,
                "creation_rules[0] and creation_rules[1] are both the rule for path_regex",
            ],
            ["creation_rules: []\n---\ncreation_rules: []\n", "is not valid YAML: Source contains multiple documents"],
        ];
        for (const [text, why] of cases) {
            assert.throws(
                () => merge(text),
                (e: Error) =>
                    e.name === "ConfigFileError" &&
                    e.message.startsWith(`fleet/.sops.yaml: ${why}`) &&
                    e.message.includes("Nothing was written"),
                text,
            );
        }
    });

    it("npm run fleet exits 2 on a malformed .sops.yaml, names it, and writes nothing", async function () {
        this.timeout(60000);
        const out = join(mkdtempSync(join(tmpdir(), "sops-merge-")), "fleet");
        cpSync(join(ROOT, "examples/fleet"), out, { recursive: true });
        rmSync(join(out, "clusters"), { recursive: true });
        writeFileSync(join(out, ".sops.yaml"), "creation_rules:\n  - path_regex: .*\n   age: misindented\n");
        const before = readFileSync(join(out, ".sops.yaml"), "utf8");
        const r = await runCliInProcess(runCli, ["--stack", "prod", "--out", out]);
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, "");
        assert.ok(r.stderr.startsWith(`${join(out, ".sops.yaml")}: is not valid YAML: `), r.stderr);
        assert.equal(readFileSync(join(out, ".sops.yaml"), "utf8"), before);
        assert.equal(existsSync(join(out, "clusters")), false, "no cluster directory written");
        assert.deepEqual(
            readdirSync(out).sort(),
            readdirSync(join(ROOT, "examples/fleet"))
                .filter((e) => e !== "clusters")
                .sort(),
        );
        rmSync(join(out, ".."), { recursive: true, force: true });
    });
});
