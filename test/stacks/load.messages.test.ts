// The words of a config error (stacks/load.ts), literally: each kind of schema issue, what the value was, counts in
// the singular and plural, unknown keys with and without a suggestion, near-miss namespaces, secrets that do not fit
// the repo URL, and how the flat config Pulumi passes is read. test/stacks/load.test.ts and test/stacks/schema.boundaries.test.ts hold
// which configs are refused; this file holds what the user reads.
import * as assert from "node:assert/strict";
import { configKey, formatIssues, namespaceIssues, rawConfigFrom, settingsFrom, suggestion } from "../../stacks/load";
import { baseConfig, ConfigObject, refusals, stackInput, TEST_SSH_KEY, withConfig } from "../support/stacks";

const AKS_KEYS =
    "adminGroups, apiServer, containerInsights, defender, encryptionAtHost, imageCleanerIntervalHours, kubernetesVersion, maintenance, network, nodeOsUpgradeChannel, skuTier, supportPlan, systemPool, upgradeChannel, userPool";

/** The problems a dev config with `overrides` is refused with, as the user reads them ("  - " bullets), or []. */
const problems = (
    overrides: ConfigObject,
    secrets: Record<string, string> = { gitSshPrivateKey: TEST_SSH_KEY },
): string[] => refusals(withConfig(baseConfig("dev"), overrides), secrets).map((l) => `  - ${l}`);

describe("config error messages (stacks/load.ts)", () => {
    it("says what type was expected and what was given", () => {
        const retention = (value: unknown) => problems({ sops: { softDeleteRetentionDays: value } });
        const key = "  - aks-gitops:sops.softDeleteRetentionDays";
        assert.deepEqual(retention("ten"), [`${key}: must be a number, got string "ten"`]);
        assert.deepEqual(
            retention("x".repeat(60)),
            [`${key}: must be a number, got string "${"x".repeat(39)}`],
            "the value shortened to 40 characters",
        );
        assert.deepEqual(retention(7.5), [`${key}: must be a whole number, got the number 7.5`]);
        assert.deepEqual(retention(null), [`${key}: must be a number, got null`]);
        assert.deepEqual(retention([7]), [`${key}: must be a number, got an array`]);
        assert.deepEqual(retention({ days: 7 }), [`${key}: must be a number, got an object`]);
        assert.deepEqual(retention(true), [`${key}: must be a number, got boolean true`]);
        assert.deepEqual(problems({ aks: { skuTier: "Gold" } }), [
            '  - aks-gitops:aks.skuTier: must be one of: "Free", "Standard", "Premium"',
        ]);
    });

    it("gives numeric limits as >= and <=, and lengths as entries or characters, singular for one", () => {
        assert.deepEqual(problems({ sops: { softDeleteRetentionDays: 6 } }), [
            "  - aks-gitops:sops.softDeleteRetentionDays: must be >= 7",
        ]);
        assert.deepEqual(problems({ sops: { softDeleteRetentionDays: 91 } }), [
            "  - aks-gitops:sops.softDeleteRetentionDays: must be <= 90",
        ]);
        assert.deepEqual(problems({ aks: { adminGroups: Array.from({ length: 21 }, (_, i) => `g${i}`) } }), [
            "  - aks-gitops:aks.adminGroups: must have at most 20 entries",
        ]);
        assert.deepEqual(problems({ aks: { adminGroups: ["x".repeat(257)] } }), [
            "  - aks-gitops:aks.adminGroups[0]: must have at most 256 characters",
        ]);
        assert.deepEqual(problems({ aks: { adminGroups: [""] } }), [
            "  - aks-gitops:aks.adminGroups[0]: must have at least 1 character",
            "  - aks-gitops:aks.adminGroups[0]: must be a single-line group name or object id",
        ]);
    });

    it("lists unknown keys with what is allowed there, suggesting the near miss of a single one", () => {
        assert.deepEqual(problems({ aks: { adminGroup: ["a"] } }), [
            `  - aks-gitops:aks: has unknown key "adminGroup"; did you mean "adminGroups"? (allowed: ${AKS_KEYS})`,
        ]);
        assert.deepEqual(problems({ aks: { zzzzzzzz: 1 } }), [
            `  - aks-gitops:aks: has unknown key "zzzzzzzz" (allowed: ${AKS_KEYS})`,
        ]);
        assert.deepEqual(problems({ aks: { adminGroupz: ["a"], foo: 1 } }), [
            `  - aks-gitops:aks: has unknown keys "adminGroupz", "foo" (allowed: ${AKS_KEYS})`,
        ]);
        assert.deepEqual(problems({ flux: { kustomizations: { Bad_Name: { path: "./x" } } } }), [
            "  - aks-gitops:flux.kustomizations.Bad_Name: has an invalid key: must be 1-30 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
        ]);
    });

    it("suggests a key within a third of its length (at least two edits), case aside", () => {
        assert.equal(suggestion("adminGroup", ["adminGroups", "apiServer"]), '; did you mean "adminGroups"?');
        assert.equal(suggestion("ADMINGROUPS", ["adminGroups"]), '; did you mean "adminGroups"?');
        assert.equal(suggestion("abcdefghi", ["abcdefxyz"]), '; did you mean "abcdefxyz"?', "3 edits in 9 characters");
        assert.equal(suggestion("abcdefghi", ["abcdewxyz"]), "", "4 edits in 9 characters");
        assert.equal(suggestion("ab", ["cd"]), '; did you mean "cd"?', "2 edits are always close enough");
        assert.equal(suggestion("abc", ["xyz"]), "");
        assert.equal(suggestion("x", []), "");
    });

    it("counts problems in the heading, names keys with their path, and reports each problem once", () => {
        assert.equal(
            formatIssues([{ path: ["location"], message: "m" }]),
            "invalid stack configuration (1 problem):\n  - aks-gitops:location: m",
        );
        assert.equal(
            formatIssues([
                { path: ["aks", "adminGroups", 0], message: "m" },
                { path: [], key: "aks-gitop:location", message: "n" },
            ]),
            "invalid stack configuration (2 problems):\n  - aks-gitops:aks.adminGroups[0]: m\n  - aks-gitop:location: n",
        );
        assert.equal(configKey([]), "aks-gitops");
        const input = stackInput(baseConfig("dev"));
        const twice = { path: ["location"], message: "said twice" };
        assert.throws(
            () => settingsFrom(input.config, [twice, { ...twice }, { path: ["location"], message: "said once" }]),
            {
                message:
                    "invalid stack configuration (2 problems):\n  - aks-gitops:location: said twice\n  - aks-gitops:location: said once",
            },
        );
    });

    it("names a secret the repo URL's scheme needs or cannot use", () => {
        assert.deepEqual(problems({}, {}), [
            "  - aks-gitops:gitSshPrivateKey: is required for an ssh:// fleet repo URL; set it with `pulumi config set --secret gitSshPrivateKey < deploy-key`",
        ]);
        assert.deepEqual(problems({}, { gitSshPrivateKey: TEST_SSH_KEY, gitHttpsPassword: "p" }), [
            "  - aks-gitops:gitHttpsPassword: only applies to https:// fleet repo URLs",
        ]);
        assert.deepEqual(
            problems(
                { flux: { git: { url: "https://dev.azure.com/contoso/platform/_git/fleet" } } },
                { gitSshPrivateKey: TEST_SSH_KEY },
            ),
            ["  - aks-gitops:gitSshPrivateKey: only applies to ssh:// fleet repo URLs"],
        );
        // An https:// repository with its token (a private one) or without (a public one): both as the user means.
        const https = { flux: { git: { url: "https://dev.azure.com/contoso/platform/_git/fleet" } } };
        assert.deepEqual(problems(https, { gitHttpsPassword: "a-token" }), []);
        assert.deepEqual(problems(https, {}), []);
    });

    it("catches a namespace within three edits of the project's, and leaves other packages' namespaces alone", () => {
        assert.deepEqual(
            namespaceIssues({
                "aks-gi:location": "y",
                "aks-git:location": "x",
                "pulumi:disable-default-providers": "[]",
                "azure-native:location": "z",
                "aksgitops:a": "b",
                "AKS-GITOPS2:a": "c",
                "aks-gitops:location": "westeurope",
                plain: "p",
            }),
            [
                {
                    path: [],
                    key: "AKS-GITOPS2:a",
                    message: 'namespace "AKS-GITOPS2" is not this project\'s: did you mean aks-gitops:a?',
                },
                {
                    path: [],
                    key: "aks-git:location",
                    message: 'namespace "aks-git" is not this project\'s: did you mean aks-gitops:location?',
                },
                {
                    path: [],
                    key: "aksgitops:a",
                    message: 'namespace "aksgitops" is not this project\'s: did you mean aks-gitops:a?',
                },
            ],
        );
    });

    it("reads the project's keys from Pulumi's flat config: JSON for objects and arrays, text otherwise, secrets apart", () => {
        const raw = rawConfigFrom({
            "aks-gitops:a": "{not json",
            "aks-gitops:b": " [1,2]",
            "aks-gitops:c": '{"x":1}',
            "aks-gitops:d": "42",
            "azure-native:location": "westeurope",
            "aks-gitops:gitSshPrivateKey": "k",
            "aks-gitops:gitHttpsPassword": "p",
            "aks-gitops:__proto__": "{}",
        });
        assert.deepEqual(Object.keys(raw), ["a", "b", "c", "d", "__proto__"]);
        assert.deepEqual([raw.a, raw.b, raw.c, raw.d], ["{not json", [1, 2], { x: 1 }, "42"]);
        assert.equal(Object.getPrototypeOf(raw), Object.prototype, "__proto__ arrives as a key, not as a prototype");
    });
});
