// One key per environment (fleet/guard/environments.ts), in process: which environment a path belongs to, and the
// .sops.yaml creation rule SOPS would use for it. SOPS takes the FIRST rule whose path_regex matches the file's path
// relative to .sops.yaml, a rule without path_regex matching every file, and matches with Go's regexp.MatchString,
// unanchored (getsops/sops config/config.go parseCreationRuleForFile: `if r.PathRegex == "" { rule = &r; break }`,
// `if reg.MatchString(filePath) { rule = &r; break }`). The rules here are parsed from .sops.yaml text as the guard
// parses the repository's.
import * as assert from "node:assert/strict";
import { checkEnvironments, clusterOf, normalFluxPath } from "../../../fleet/guard/environments";
import type { EncryptedRecord, EnvironmentInput, FluxKustomizationRecord } from "../../../fleet/guard/environments";
import { parseSopsConfig } from "../../../fleet/guard/sops";
import type { SopsKey } from "../../../fleet/guard/sops";

const DEV_VAULT = "https://kv-dev.vault.azure.net";
const PROD_VAULT = "https://kv-prod.vault.azure.net";
const PREPROD_VAULT = "https://kv-preprod.vault.azure.net";
// A key as a file's sops metadata names it (the version SOPS recorded; a rule without one accepts any).
const azure = (vault: string, name: string): SopsKey => ({
    type: "azure_kv",
    id: `${vault}/keys/${name}`,
    vault,
    version: "5d6e7f",
});
const DEV = azure(DEV_VAULT, "sops-dev");
const PROD = azure(PROD_VAULT, "sops-prod");
const PREPROD = azure(PREPROD_VAULT, "sops-preprod");

// As npm run fleet writes them (test/fixtures/fleet-guard/base/.sops.yaml).
const DEV_RULE = `  - path_regex: (^|/)(clusters/dev-[^/]+|apps/[^/]+/overlays/dev)/.*\\.enc\\.ya?ml$
    azure_keyvault: ${DEV_VAULT}/keys/sops-dev
`;
const PROD_RULE = `  - path_regex: (^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/.*\\.enc\\.ya?ml$
    azure_keyvault: ${PROD_VAULT}/keys/sops-prod
`;
const rules = (...list: string[]) => parseSopsConfig(`creation_rules:\n${list.join("")}`);

/** A Flux Kustomization found in clusters/<cluster>/apps.yaml, with its postBuild.substitute. */
const flux = (
    cluster: string,
    vars: Record<string, string>,
    path = `clusters/${cluster}/apps`,
): FluxKustomizationRecord => ({
    location: `clusters/${cluster}/apps.yaml`,
    name: "flux-system/apps",
    path,
    vars,
    extraBuilds: [],
});
const cluster = (name: string, env: string, vault: string) =>
    flux(name, { CLUSTER_NAME: name, ENVIRONMENT: env, SOPS_KEY_VAULT_URI: `${vault}/` });
const file = (location: string, ...keys: SopsKey[]): EncryptedRecord => ({
    location,
    kind: "file",
    object: "Secret app/db",
    keys,
});
const dirsOf = (...leaves: string[]) => {
    const all = new Set<string>(["."]);
    for (const leaf of leaves) {
        const parts = leaf.split("/");
        parts.forEach((_, i) => all.add(parts.slice(0, i + 1).join("/")));
    }
    return [...all].sort();
};

const FLEET_DIRS = dirsOf(
    "apps/app/base",
    "apps/app/overlays/dev",
    "apps/app/overlays/prod",
    "clusters/dev-westeurope/apps",
    "clusters/prod-westeurope/apps",
);

function check(input: Partial<EnvironmentInput>): string[] {
    const { findings } = checkEnvironments({
        rules: rules(DEV_RULE, PROD_RULE),
        dirs: FLEET_DIRS,
        kustomizations: [cluster("dev-westeurope", "dev", DEV_VAULT), cluster("prod-westeurope", "prod", PROD_VAULT)],
        encrypted: [],
        applies: (path) => ({ builds: [path], files: [] }),
        ...input,
    });
    return findings.map((f) => `${f.location}: ${f.reason}`);
}

const firstRuleFinding = (dir: string, number: number, pathRegex: string, keys: string, env: string, vault: string) =>
    `${dir}/: the first .sops.yaml creation rule matching ${dir}/secret.enc.yaml is rule ${number} (path_regex ${pathRegex}), which encrypts to ${keys}, not to ${env}'s vault ${vault} (SOPS_KEY_VAULT_URI of its clusters): SOPS uses the first matching rule, so put ${env}'s rule before it`;

describe("fleet secret guard: one key per environment (fleet/guard/environments.ts)", () => {
    it("a fleet as npm run fleet lays it out, each secret encrypted to its environment's vault, passes", () => {
        const { findings, clusters } = checkEnvironments({
            rules: rules(DEV_RULE, PROD_RULE),
            dirs: FLEET_DIRS,
            kustomizations: [
                cluster("dev-westeurope", "dev", DEV_VAULT),
                cluster("prod-westeurope", "prod", PROD_VAULT),
            ],
            encrypted: [
                file("apps/app/overlays/dev/db.enc.yaml", DEV),
                file("apps/app/overlays/prod/db.enc.yaml", PROD),
                file("clusters/prod-westeurope/apps/flux.enc.yaml", PROD),
            ],
            applies: (path) => ({ builds: [path], files: [] }),
        });
        assert.deepEqual(findings, []);
        assert.equal(clusters, 2);
    });

    describe(".sops.yaml: SOPS uses the first rule whose path_regex matches", () => {
        const CATCH_ALL = `  - azure_keyvault: ${DEV_VAULT}/keys/sops-dev\n`;
        it("a rule without path_regex before prod's sends every prod secret to dev's key", () => {
            assert.deepEqual(check({ rules: rules(CATCH_ALL, DEV_RULE, PROD_RULE) }), [
                firstRuleFinding(
                    "clusters/prod-westeurope",
                    1,
                    "absent: it matches every file",
                    `Azure Key Vault key ${DEV_VAULT}/keys/sops-dev`,
                    "prod",
                    PROD_VAULT,
                ),
                firstRuleFinding(
                    "apps/app/overlays/prod",
                    1,
                    "absent: it matches every file",
                    `Azure Key Vault key ${DEV_VAULT}/keys/sops-dev`,
                    "prod",
                    PROD_VAULT,
                ),
            ]);
        });

        it("the same catch-all after every environment's rule is only a fallback", () => {
            assert.deepEqual(check({ rules: rules(DEV_RULE, PROD_RULE, CATCH_ALL) }), []);
        });

        it("path_regex matches anywhere in the path: `prod` also matches preprod's files, so its order decides", () => {
            const prod = `  - path_regex: prod\n    azure_keyvault: ${PROD_VAULT}/keys/sops-prod\n`;
            const preprod = `  - path_regex: preprod\n    azure_keyvault: ${PREPROD_VAULT}/keys/sops-preprod\n`;
            const input: Partial<EnvironmentInput> = {
                dirs: dirsOf(
                    "apps/app/overlays/prod",
                    "apps/app/overlays/preprod",
                    "clusters/prod-westeurope",
                    "clusters/preprod-westeurope",
                ),
                kustomizations: [
                    cluster("prod-westeurope", "prod", PROD_VAULT),
                    cluster("preprod-westeurope", "preprod", PREPROD_VAULT),
                ],
                encrypted: [
                    file("apps/app/overlays/prod/db.enc.yaml", PROD),
                    file("apps/app/overlays/preprod/db.enc.yaml", PREPROD),
                ],
            };
            assert.deepEqual(check({ ...input, rules: rules(prod, preprod) }), [
                firstRuleFinding(
                    "clusters/preprod-westeurope",
                    1,
                    "prod",
                    `Azure Key Vault key ${PROD_VAULT}/keys/sops-prod`,
                    "preprod",
                    PREPROD_VAULT,
                ),
                firstRuleFinding(
                    "apps/app/overlays/preprod",
                    1,
                    "prod",
                    `Azure Key Vault key ${PROD_VAULT}/keys/sops-prod`,
                    "preprod",
                    PREPROD_VAULT,
                ),
            ]);
            assert.deepEqual(check({ ...input, rules: rules(preprod, prod) }), [], "preprod's rule first");
            const anchored = `  - path_regex: ^(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/\n    azure_keyvault: ${PROD_VAULT}/keys/sops-prod\n`;
            assert.deepEqual(check({ ...input, rules: rules(anchored, preprod) }), [], "an anchored prod rule");
        });

        it("no rule for an environment's directories: `sops --encrypt` would have no key there", () => {
            assert.deepEqual(check({ rules: rules(DEV_RULE) }), [
                "clusters/prod-westeurope/: no .sops.yaml creation rule matches clusters/prod-westeurope/secret.enc.yaml: `sops --encrypt` has no key for environment prod here (npm run fleet -- --stack <stack> --out <fleet> adds prod's rule)",
                "apps/app/overlays/prod/: no .sops.yaml creation rule matches apps/app/overlays/prod/secret.enc.yaml: `sops --encrypt` has no key for environment prod here (npm run fleet -- --stack <stack> --out <fleet> adds prod's rule)",
            ]);
        });

        it("an environment's rule that also encrypts to another key (a personal age key added to prod's)", () => {
            const prodAndAge = `${PROD_RULE}    age: age1personal\n`;
            assert.deepEqual(check({ rules: rules(DEV_RULE, prodAndAge) }), [
                `.sops.yaml: creation rule 2 (environment prod) encrypts to age key age1personal, not only to prod's vault ${PROD_VAULT}`,
                firstRuleFinding(
                    "clusters/prod-westeurope",
                    2,
                    "(^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/.*\\.enc\\.ya?ml$",
                    `Azure Key Vault key ${PROD_VAULT}/keys/sops-prod, age key age1personal`,
                    "prod",
                    PROD_VAULT,
                ),
                firstRuleFinding(
                    "apps/app/overlays/prod",
                    2,
                    "(^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/.*\\.enc\\.ya?ml$",
                    `Azure Key Vault key ${PROD_VAULT}/keys/sops-prod, age key age1personal`,
                    "prod",
                    PROD_VAULT,
                ),
            ]);
        });
    });

    describe("which environment a path belongs to", () => {
        it("clusters/<cluster>/ and apps/<app>/overlays/<env>/ are their environment's; a base is nobody's", () => {
            const findings = check({
                dirs: [...FLEET_DIRS, "clusters/prod-northeurope"],
                encrypted: [
                    file("apps/app/overlays/dev/db.enc.yaml", DEV),
                    file("apps/app/overlays/prod/db.enc.yaml", DEV),
                    file("clusters/prod-westeurope/apps/db.enc.yaml", DEV, PROD),
                    // No Flux Kustomization sets its ENVIRONMENT: prod by its name.
                    file("clusters/prod-northeurope/db.enc.yaml", DEV),
                    file("apps/app/base/db.enc.yaml", PROD),
                    file("db.enc.yaml", DEV),
                ],
            });
            const wrongKey = (path: string) =>
                `${path}: Secret app/db is encrypted to Azure Key Vault key ${DEV_VAULT}/keys/sops-dev, which is not prod's vault ${PROD_VAULT} (SOPS_KEY_VAULT_URI of its clusters): re-encrypt it with prod's rule (sops updatekeys)`;
            const nobodys = (path: string) =>
                `${path}: Secret app/db is SOPS-encrypted outside every environment's directories (clusters/<cluster>/, apps/<app>/overlays/<env>/): every cluster that applies it would need its key; move it under the environment that owns it`;
            assert.deepEqual(findings, [
                wrongKey("apps/app/overlays/prod/db.enc.yaml"),
                wrongKey("clusters/prod-westeurope/apps/db.enc.yaml"),
                wrongKey("clusters/prod-northeurope/db.enc.yaml"),
                nobodys("apps/app/base/db.enc.yaml"),
                nobodys("db.enc.yaml"),
            ]);
        });

        it("a cluster without ENVIRONMENT takes the longest environment its name starts with, or is a finding", () => {
            const DEVTEAM_VAULT = "https://kv-devteam.vault.azure.net";
            const devTeamRule = `  - path_regex: (clusters/dev-team-[^/]+|overlays/dev-team)/\n    azure_keyvault: ${DEVTEAM_VAULT}/keys/sops\n`;
            const findings = check({
                rules: rules(devTeamRule, DEV_RULE, PROD_RULE),
                dirs: dirsOf(
                    "clusters/dev-eastus",
                    "clusters/dev-westeurope",
                    "clusters/dev-team-northeurope",
                    "clusters/dev-team-westeurope",
                    "clusters/staging-1",
                ),
                kustomizations: [
                    // dev-eastus sorts before every dev-team cluster: dev is met first, dev-team is still the longer.
                    cluster("dev-eastus", "dev", DEV_VAULT),
                    cluster("dev-westeurope", "dev", DEV_VAULT),
                    cluster("dev-team-northeurope", "dev-team", DEVTEAM_VAULT),
                ],
                encrypted: [file("clusters/dev-team-westeurope/db.enc.yaml", DEV)],
            });
            assert.deepEqual(findings, [
                "clusters/staging-1/: no Flux Kustomization here sets postBuild.substitute.ENVIRONMENT and the name starts with no known environment: the guard cannot tell which key its secrets need (render it with npm run fleet)",
                `clusters/dev-team-westeurope/db.enc.yaml: Secret app/db is encrypted to Azure Key Vault key ${DEV_VAULT}/keys/sops-dev, which is not dev-team's vault ${DEVTEAM_VAULT} (SOPS_KEY_VAULT_URI of its clusters): re-encrypt it with dev-team's rule (sops updatekeys)`,
            ]);
        });

        it("a cluster whose Flux Kustomizations disagree on ENVIRONMENT: that, and not that none sets it", () => {
            const findings = check({
                dirs: dirsOf("clusters/dev-westeurope"),
                kustomizations: [
                    cluster("dev-westeurope", "dev", DEV_VAULT),
                    {
                        ...cluster("dev-westeurope", "prod", PROD_VAULT),
                        location: "clusters/dev-westeurope/infra.yaml",
                    },
                ],
            });
            assert.deepEqual(findings, [
                "clusters/dev-westeurope/: its Flux Kustomizations disagree on the environment (postBuild.substitute.ENVIRONMENT: dev, prod)",
            ]);
            // Named in order, whichever file came first.
            assert.deepEqual(
                check({
                    dirs: dirsOf("clusters/dev-westeurope"),
                    kustomizations: [
                        {
                            ...cluster("dev-westeurope", "prod", PROD_VAULT),
                            location: "clusters/dev-westeurope/a.yaml",
                        },
                        { ...cluster("dev-westeurope", "dev", DEV_VAULT), location: "clusters/dev-westeurope/b.yaml" },
                    ],
                }),
                [
                    "clusters/dev-westeurope/: its Flux Kustomizations disagree on the environment (postBuild.substitute.ENVIRONMENT: dev, prod)",
                ],
            );
        });

        it("normalFluxPath and clusterOf: spec.path as kustomize-controller reads it, a path's cluster", () => {
            assert.equal(normalFluxPath("./clusters/dev-westeurope/apps/"), "clusters/dev-westeurope/apps");
            assert.equal(normalFluxPath("./clusters/dev-westeurope/apps//"), "clusters/dev-westeurope/apps");
            assert.equal(normalFluxPath("./"), ".");
            assert.equal(normalFluxPath("apps//app/./overlays/dev"), "apps/app/overlays/dev");
            // securejoin.SecureJoin(root, path): ".." and a leading "/" stop at the root; no path is the root.
            assert.equal(normalFluxPath("../other-repo"), "other-repo");
            assert.equal(normalFluxPath("../../clusters/../apps/app"), "apps/app");
            assert.equal(normalFluxPath("/etc"), "etc");
            assert.equal(normalFluxPath(".."), ".");
            assert.equal(normalFluxPath(""), ".");
            assert.equal(normalFluxPath(undefined), ".");
            assert.equal(normalFluxPath(null), ".");
            assert.equal(normalFluxPath(42), undefined, "not a string: the API server refuses the object");
            assert.equal(clusterOf("clusters/dev-westeurope"), "dev-westeurope");
            assert.equal(clusterOf("clusters/dev-westeurope/apps/db.enc.yaml"), "dev-westeurope");
            assert.equal(clusterOf("apps/clusters/dev-westeurope"), undefined);
            assert.equal(clusterOf("clusters.yaml"), undefined);
        });
    });

    describe("keys shared between environments", () => {
        it("two environments decrypting with one vault", () => {
            const SHARED = "https://kv-shared.vault.azure.net";
            const findings = check({
                rules: rules(
                    `  - path_regex: (clusters/dev-|overlays/dev/)\n    azure_keyvault: ${SHARED}/keys/sops\n`,
                    `  - path_regex: (clusters/prod-|overlays/prod/)\n    azure_keyvault: ${SHARED}/keys/sops\n`,
                ),
                kustomizations: [cluster("dev-westeurope", "dev", SHARED), cluster("prod-westeurope", "prod", SHARED)],
            });
            assert.deepEqual(findings, [
                `clusters/: environments dev and prod decrypt with the same vault ${SHARED}: a dev cluster can read prod secrets (give each environment its own key)`,
            ]);
        });

        it("an environment known by its rule alone encrypting to another environment's vault or key", () => {
            // prod's overlays are here, its clusters are not (or do not say their vault): prod's rule is its key. A copy
            // of dev's rule would pass every prod secret that dev's clusters, reading the same repository, decrypt.
            const prodWithDevKey = PROD_RULE.replace(`${PROD_VAULT}/keys/sops-prod`, `${DEV_VAULT}/keys/sops-prod`);
            assert.deepEqual(
                check({
                    rules: rules(DEV_RULE, prodWithDevKey),
                    dirs: dirsOf("apps/app/overlays/dev", "apps/app/overlays/prod", "clusters/dev-westeurope"),
                    kustomizations: [cluster("dev-westeurope", "dev", DEV_VAULT)],
                    encrypted: [file("apps/app/overlays/prod/db.enc.yaml", azure(DEV_VAULT, "sops-prod"))],
                }),
                [
                    `clusters/: environments dev and prod decrypt with the same vault ${DEV_VAULT}: a dev cluster can read prod secrets (give each environment its own key)`,
                ],
            );
            const ageRule = (env: string, recipient: string) =>
                `  - path_regex: (clusters/${env}-[^/]+|overlays/${env})/\n    age: ${recipient}\n`;
            assert.deepEqual(
                check({
                    rules: rules(ageRule("dev", "age1shared"), ageRule("prod", "age1prodkey,age1shared")),
                    dirs: dirsOf("apps/app/overlays/dev", "apps/app/overlays/prod"),
                    kustomizations: [],
                }),
                [
                    "clusters/: environments dev and prod both encrypt to age key age1shared: whoever decrypts dev's secrets can read prod's (give each environment its own key)",
                ],
            );
        });

        it("what a cluster's Flux Kustomization applies must be encrypted to that cluster's environment", () => {
            const findings = check({
                kustomizations: [
                    cluster("dev-westeurope", "dev", DEV_VAULT),
                    // prod's cluster pointed at dev's overlay
                    flux(
                        "prod-westeurope",
                        { ENVIRONMENT: "prod", SOPS_KEY_VAULT_URI: PROD_VAULT },
                        "apps/app/overlays/dev",
                    ),
                ],
                encrypted: [
                    file("apps/app/overlays/dev/db.enc.yaml", DEV),
                    { location: "apps/app/overlays/dev", kind: "build", object: "Secret app/db", keys: [DEV] },
                ],
            });
            assert.deepEqual(findings, [
                `clusters/prod-westeurope/: Flux Kustomization flux-system/apps (path ./apps/app/overlays/dev) applies Secret app/db encrypted to Azure Key Vault key ${DEV_VAULT}/keys/sops-dev, not to prod's vault ${PROD_VAULT} (SOPS_KEY_VAULT_URI of its clusters): a prod cluster must not hold another environment's key, and cannot decrypt it without`,
            ]);
        });
    });

    describe("environments known from .sops.yaml alone (no SOPS_KEY_VAULT_URI)", () => {
        const ageRule = (env: string) =>
            `  - path_regex: (clusters/${env}-[^/]+|overlays/${env})/\n    age: age1${env}key\n`;
        const ENV_ONLY = (name: string, env: string) => flux(name, { ENVIRONMENT: env });

        it("an environment's own rule is its key", () => {
            const findings = check({
                rules: rules(ageRule("dev"), ageRule("prod")),
                kustomizations: [ENV_ONLY("dev-westeurope", "dev"), ENV_ONLY("prod-westeurope", "prod")],
                encrypted: [
                    file("apps/app/overlays/dev/db.enc.yaml", { type: "age", id: "age1devkey" }),
                    file("apps/app/overlays/prod/db.enc.yaml", { type: "age", id: "age1devkey" }),
                ],
            });
            assert.deepEqual(findings, [
                "apps/app/overlays/prod/db.enc.yaml: Secret app/db is encrypted to age key age1devkey, which is not prod's keys in .sops.yaml creation rule 2 (age key age1prodkey): re-encrypt it with prod's rule (sops updatekeys)",
            ]);
        });

        it("no vault and no rule of its own: the guard cannot tell the environment's key", () => {
            const findings = check({
                rules: rules(`  - path_regex: clusters/\n    age: age1anykey\n`),
                dirs: dirsOf(
                    "clusters/dev-westeurope/apps",
                    "clusters/prod-westeurope",
                    "apps/app/overlays/dev",
                    "apps/app/overlays/prod",
                ),
                kustomizations: [ENV_ONLY("dev-westeurope", "dev"), ENV_ONLY("prod-westeurope", "prod")],
                // Nothing more is said of what such a cluster holds or applies, or of its overlays: no key to compare.
                encrypted: [
                    file("clusters/dev-westeurope/db.enc.yaml", { type: "age", id: "age1anykey" }),
                    {
                        location: "clusters/dev-westeurope/apps",
                        kind: "build",
                        object: "Secret app/db",
                        keys: [{ type: "age", id: "age1anykey" }],
                    },
                ],
            });
            assert.deepEqual(findings, [
                "clusters/dev-westeurope/: the guard cannot tell environment dev's key: no cluster of dev sets SOPS_KEY_VAULT_URI and no .sops.yaml creation rule is dev's alone",
                "clusters/prod-westeurope/: the guard cannot tell environment prod's key: no cluster of prod sets SOPS_KEY_VAULT_URI and no .sops.yaml creation rule is prod's alone",
            ]);
        });
    });

    describe("which rule is an environment's own", () => {
        const ageRule = (regex: string, recipient: string) => `  - path_regex: ${regex}\n    age: ${recipient}\n`;
        const ENV_ONLY = (name: string, env: string) => flux(name, { ENVIRONMENT: env });
        const ENV_DIRS = dirsOf(
            "apps/app/overlays/dev",
            "apps/app/overlays/prod",
            "clusters/dev-westeurope",
            "clusters/prod-westeurope",
        );
        const cannotTell = (name: string, env: string) =>
            `clusters/${name}/: the guard cannot tell environment ${env}'s key: no cluster of ${env} sets SOPS_KEY_VAULT_URI and no .sops.yaml creation rule is ${env}'s alone`;

        it("a rule for the files at the top of each of its directories (lower-case names ending .enc.yaml) is its own", () => {
            const top = (env: string) =>
                ageRule(
                    `^(clusters/${env}-[^/]+|apps/[^/]+/overlays/${env})/[a-z0-9.-]+\\.enc\\.yaml$`,
                    `age1${env}key`,
                );
            assert.deepEqual(
                check({
                    rules: rules(top("dev"), top("prod")),
                    dirs: ENV_DIRS,
                    kustomizations: [ENV_ONLY("dev-westeurope", "dev"), ENV_ONLY("prod-westeurope", "prod")],
                    encrypted: [file("apps/app/overlays/prod/db.enc.yaml", { type: "age", id: "age1devkey" })],
                }),
                [
                    "apps/app/overlays/prod/db.enc.yaml: Secret app/db is encrypted to age key age1devkey, which is not prod's keys in .sops.yaml creation rule 2 (age key age1prodkey): re-encrypt it with prod's rule (sops updatekeys)",
                ],
            );
        });

        it("separate rules for an environment's clusters and its overlays: neither is its own (cannot tell without a vault)", () => {
            assert.deepEqual(
                check({
                    rules: rules(
                        ageRule("^clusters/dev-", "age1devkey"),
                        ageRule("^apps/[^/]+/overlays/dev/", "age1devkey"),
                        ageRule("^clusters/prod-", "age1prodkey"),
                        ageRule("^apps/[^/]+/overlays/prod/", "age1prodkey"),
                    ),
                    dirs: ENV_DIRS,
                    kustomizations: [ENV_ONLY("dev-westeurope", "dev"), ENV_ONLY("prod-westeurope", "prod")],
                }),
                [cannotTell("dev-westeurope", "dev"), cannotTell("prod-westeurope", "prod")],
            );
        });

        it("a rule that also covers another environment's clusters is not the first one's own", () => {
            // Rule 1 was meant for dev, but `clusters/[^/]+` takes prod's clusters too (and comes first for them).
            assert.deepEqual(
                check({
                    rules: rules(
                        ageRule("(clusters/[^/]+|overlays/dev)/", "age1devkey"),
                        ageRule("(clusters/prod-[^/]+|overlays/prod)/", "age1prodkey"),
                    ),
                    dirs: ENV_DIRS,
                    kustomizations: [ENV_ONLY("dev-westeurope", "dev"), ENV_ONLY("prod-westeurope", "prod")],
                }),
                [
                    cannotTell("dev-westeurope", "dev"),
                    "clusters/prod-westeurope/: the first .sops.yaml creation rule matching clusters/prod-westeurope/secret.enc.yaml is rule 1 (path_regex (clusters/[^/]+|overlays/dev)/), which encrypts to age key age1devkey, not to prod's keys in .sops.yaml creation rule 2 (age key age1prodkey): SOPS uses the first matching rule, so put prod's rule before it",
                ],
            );
        });

        it("a rule without keys: no key for the directories it matches, and no key of its own environment", () => {
            const keyless = (regex: string) => `  - path_regex: ${regex}\n`;
            // Before prod's rule, for prod's clusters: SOPS would take it there.
            assert.deepEqual(check({ rules: rules(keyless("clusters/prod-"), DEV_RULE, PROD_RULE) }), [
                firstRuleFinding("clusters/prod-westeurope", 1, "clusters/prod-", "no key", "prod", PROD_VAULT),
            ]);
            // prod's own rule, prod's vault known from its clusters.
            const PROD_DIRS = "(^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/";
            assert.deepEqual(check({ rules: rules(DEV_RULE, keyless(PROD_DIRS)) }), [
                `.sops.yaml: creation rule 2 (environment prod) encrypts to no key, not only to prod's vault ${PROD_VAULT}`,
                firstRuleFinding("clusters/prod-westeurope", 2, PROD_DIRS, "no key", "prod", PROD_VAULT),
                firstRuleFinding("apps/app/overlays/prod", 2, PROD_DIRS, "no key", "prod", PROD_VAULT),
            ]);
            // prod's own rule and no vault: nothing tells prod's key.
            assert.deepEqual(
                check({
                    rules: rules(ageRule("(clusters/dev-[^/]+|overlays/dev)/", "age1devkey"), keyless(PROD_DIRS)),
                    dirs: ENV_DIRS,
                    kustomizations: [ENV_ONLY("dev-westeurope", "dev"), ENV_ONLY("prod-westeurope", "prod")],
                }),
                [cannotTell("prod-westeurope", "prod")],
            );
        });

        it("a subdirectory with a rule of its own (infra/) is checked too, each wrong rule once per environment directory", () => {
            const infra = ageRule("/infra/", "age1platform");
            const patches = ageRule("/patches/", "age1release");
            const findings = check({
                rules: rules(infra, patches, DEV_RULE),
                dirs: dirsOf(
                    "apps/app/overlays/dev/infra",
                    "apps/app/overlays/prod/infra",
                    "apps/app/overlays/prod/patches",
                    "clusters/dev-westeurope/apps",
                    "clusters/prod-westeurope/apps",
                    "clusters/prod-westeurope/infra",
                ),
            });
            const noRule = (dir: string) =>
                `${dir}/: no .sops.yaml creation rule matches ${dir}/secret.enc.yaml: \`sops --encrypt\` has no key for environment prod here (npm run fleet -- --stack <stack> --out <fleet> adds prod's rule)`;
            const platform = (dir: string, env: string, vault: string) =>
                firstRuleFinding(dir, 1, "/infra/", "age key age1platform", env, vault);
            assert.deepEqual(findings, [
                // prod's cluster: no rule at all (its apps/ too, reported once), and infra/'s rule
                noRule("clusters/prod-westeurope"),
                platform("clusters/prod-westeurope/infra", "prod", PROD_VAULT),
                platform("apps/app/overlays/dev/infra", "dev", DEV_VAULT),
                noRule("apps/app/overlays/prod"),
                platform("apps/app/overlays/prod/infra", "prod", PROD_VAULT),
                firstRuleFinding(
                    "apps/app/overlays/prod/patches",
                    2,
                    "/patches/",
                    "age key age1release",
                    "prod",
                    PROD_VAULT,
                ),
            ]);
        });
    });

    describe("a cluster's environment and vault", () => {
        it("a Kustomization that sets no ENVIRONMENT (flux-system), an empty one or an unrendered vault disagrees with none", () => {
            const findings = check({
                kustomizations: [
                    { ...flux("dev-westeurope", {}), name: "flux-system/flux-system", path: "clusters/dev-westeurope" },
                    cluster("dev-westeurope", "dev", DEV_VAULT),
                    {
                        ...flux("dev-westeurope", { ENVIRONMENT: "", SOPS_KEY_VAULT_URI: "${SOPS_KEY_VAULT_URI}" }),
                        name: "flux-system/infra",
                    },
                    cluster("prod-westeurope", "prod", PROD_VAULT),
                ],
                encrypted: [file("apps/app/overlays/dev/db.enc.yaml", PROD)],
            });
            assert.deepEqual(findings, [
                `apps/app/overlays/dev/db.enc.yaml: Secret app/db is encrypted to Azure Key Vault key ${PROD_VAULT}/keys/sops-prod, which is not dev's vault ${DEV_VAULT} (SOPS_KEY_VAULT_URI of its clusters): re-encrypt it with dev's rule (sops updatekeys)`,
            ]);
        });

        it("clusters are the directories right under clusters/ at the root, reported in name order however listed", () => {
            const { findings, clusters } = checkEnvironments({
                rules: [],
                dirs: [...dirsOf("clusters/staging-2", "clusters/staging-1", "docs/clusters/qa-old")].reverse(),
                kustomizations: [],
                encrypted: [],
                applies: (path) => ({ builds: [path], files: [] }),
            });
            const unknown = (name: string) =>
                `clusters/${name}/: no Flux Kustomization here sets postBuild.substitute.ENVIRONMENT and the name starts with no known environment: the guard cannot tell which key its secrets need (render it with npm run fleet)`;
            assert.deepEqual(
                findings.map((f) => `${f.location}: ${f.reason}`),
                [unknown("staging-1"), unknown("staging-2")],
            );
            assert.equal(clusters, 2);
        });

        it("clusters not named after their environment: ENVIRONMENT says it; environments named in order", () => {
            const SHARED = "https://kv-shared.vault.azure.net";
            assert.deepEqual(
                check({
                    rules: rules(`  - path_regex: ^clusters/\n    azure_keyvault: ${SHARED}/keys/sops\n`),
                    dirs: dirsOf("clusters/aks-1", "clusters/aks-2"),
                    kustomizations: [cluster("aks-1", "staging", SHARED), cluster("aks-2", "dev", SHARED)],
                }),
                [
                    `clusters/: environments dev and staging decrypt with the same vault ${SHARED}: a dev cluster can read staging secrets (give each environment its own key)`,
                ],
            );
        });

        it("a cluster without ENVIRONMENT: its name's environment, known from another cluster or from its own rule", () => {
            // prod-northeurope by prod-westeurope's ENVIRONMENT (.sops.yaml has no prod rule: both clusters lack one)
            const noRule = (name: string) =>
                `clusters/${name}/: no .sops.yaml creation rule matches clusters/${name}/secret.enc.yaml: \`sops --encrypt\` has no key for environment prod here (npm run fleet -- --stack <stack> --out <fleet> adds prod's rule)`;
            assert.deepEqual(
                check({
                    rules: rules(DEV_RULE),
                    dirs: dirsOf("clusters/dev-westeurope", "clusters/prod-northeurope", "clusters/prod-westeurope"),
                }),
                [noRule("prod-northeurope"), noRule("prod-westeurope")],
            );
            // staging-1 by staging's rule and overlay (no cluster sets staging); qa-1 by nothing (qa has no rule):
            // qa-1's secrets are its finding's, not reported again as outside every environment.
            const STAGING_VAULT = "https://kv-staging.vault.azure.net";
            const STAGING_RULE = `  - path_regex: (^|/)(clusters/staging-[^/]+|apps/[^/]+/overlays/staging)/\n    azure_keyvault: ${STAGING_VAULT}/keys/sops-staging\n`;
            assert.deepEqual(
                check({
                    rules: rules(DEV_RULE, PROD_RULE, STAGING_RULE),
                    dirs: [
                        ...FLEET_DIRS,
                        ...dirsOf(
                            "apps/app/overlays/staging",
                            "apps/app/overlays/qa",
                            "clusters/staging-1",
                            "clusters/qa-1",
                        ),
                    ].sort(),
                    encrypted: [file("clusters/staging-1/db.enc.yaml", DEV), file("clusters/qa-1/db.enc.yaml", DEV)],
                }),
                [
                    "clusters/qa-1/: no Flux Kustomization here sets postBuild.substitute.ENVIRONMENT and the name starts with no known environment: the guard cannot tell which key its secrets need (render it with npm run fleet)",
                    `clusters/staging-1/db.enc.yaml: Secret app/db is encrypted to Azure Key Vault key ${DEV_VAULT}/keys/sops-dev, which is not staging's keys in .sops.yaml creation rule 3 (Azure Key Vault key ${STAGING_VAULT}/keys/sops-staging): re-encrypt it with staging's rule (sops updatekeys)`,
                ],
            );
        });

        it("an overlay of no known environment, or an apps/ tree below the root, holds secrets of nobody's", () => {
            const nobodys = (path: string) =>
                `${path}: Secret app/db is SOPS-encrypted outside every environment's directories (clusters/<cluster>/, apps/<app>/overlays/<env>/): every cluster that applies it would need its key; move it under the environment that owns it`;
            assert.deepEqual(
                check({
                    dirs: [...FLEET_DIRS, ...dirsOf("apps/app/overlays/qa", "legacy/apps/app/overlays/dev")].sort(),
                    encrypted: [
                        file("apps/app/overlays/qa/db.enc.yaml", DEV),
                        file("legacy/apps/app/overlays/dev/db.enc.yaml", DEV),
                    ],
                }),
                [nobodys("apps/app/overlays/qa/db.enc.yaml"), nobodys("legacy/apps/app/overlays/dev/db.enc.yaml")],
            );
        });
    });

    describe("an environment with a vault in each region", () => {
        // prod-eastus sorts before prod-westeurope; their vaults the other way round.
        const US = "https://kv-prod-us.vault.azure.net";
        const EU = "https://kv-prod-eu.vault.azure.net";
        const REGIONS = dirsOf("apps/app/overlays/dev", "apps/app/overlays/prod", "clusters/dev-westeurope");
        const PROD_BOTH = `  - path_regex: (^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/.*\\.enc\\.ya?ml$
    azure_keyvault: ${US}/keys/sops,${EU}/keys/sops
`;

        it("both vaults are prod's, named in order", () => {
            const findings = check({
                rules: rules(DEV_RULE, `${PROD_BOTH}    age: age1personal\n`),
                dirs: [...REGIONS, ...dirsOf("clusters/prod-eastus", "clusters/prod-westeurope")].sort(),
                kustomizations: [
                    cluster("dev-westeurope", "dev", DEV_VAULT),
                    cluster("prod-eastus", "prod", US),
                    cluster("prod-westeurope", "prod", EU),
                ],
                encrypted: [
                    file("clusters/prod-eastus/db.enc.yaml", azure(US, "sops")),
                    file("clusters/prod-westeurope/db.enc.yaml", azure(EU, "sops")),
                    file("apps/app/overlays/prod/db.enc.yaml", DEV),
                ],
            });
            const both = `${EU}, ${US}`;
            assert.deepEqual(findings.slice(0, 1), [
                `.sops.yaml: creation rule 2 (environment prod) encrypts to age key age1personal, not only to prod's vault ${both}`,
            ]);
            assert.deepEqual(findings.slice(-1), [
                `apps/app/overlays/prod/db.enc.yaml: Secret app/db is encrypted to Azure Key Vault key ${DEV_VAULT}/keys/sops-dev, which is not prod's vault ${both} (SOPS_KEY_VAULT_URI of its clusters): re-encrypt it with prod's rule (sops updatekeys)`,
            ]);
        });

        it("preprod's clusters pointed at prod's regional vaults: both shared vaults named, in order", () => {
            const findings = check({
                rules: rules(PROD_BOTH, PROD_BOTH.replace(/prod\)/, "preprod)").replace(/prod-\[/, "preprod-[")),
                dirs: dirsOf("clusters/preprod-eastus", "clusters/preprod-westeurope", "clusters/prod-eastus"),
                kustomizations: [
                    cluster("preprod-eastus", "preprod", US),
                    cluster("preprod-westeurope", "preprod", EU),
                    cluster("prod-eastus", "prod", US),
                    { ...cluster("prod-eastus", "prod", EU), name: "flux-system/infra" },
                ],
            });
            assert.deepEqual(findings, [
                `clusters/: environments preprod and prod decrypt with the same vault ${EU}, ${US}: a preprod cluster can read prod secrets (give each environment its own key)`,
            ]);
        });
    });

    describe("keys of .sops.yaml rules shared between environments", () => {
        it("an environment's rule naming a key in another vault than its clusters': that, not a shared vault", () => {
            const prodWithDevKey = PROD_RULE.replace(`${PROD_VAULT}/keys/sops-prod`, `${DEV_VAULT}/keys/sops-prod`);
            const PROD_REGEX = "(^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/.*\\.enc\\.ya?ml$";
            const devKey = `Azure Key Vault key ${DEV_VAULT}/keys/sops-prod`;
            assert.deepEqual(check({ rules: rules(DEV_RULE, prodWithDevKey) }), [
                `.sops.yaml: creation rule 2 (environment prod) encrypts to ${devKey}, not only to prod's vault ${PROD_VAULT}`,
                firstRuleFinding("clusters/prod-westeurope", 2, PROD_REGEX, devKey, "prod", PROD_VAULT),
                firstRuleFinding("apps/app/overlays/prod", 2, PROD_REGEX, devKey, "prod", PROD_VAULT),
            ]);
        });

        it("the same personal age key in every environment's rule: each rule's finding, the vaults still tell them apart", () => {
            const withAge = (rule: string) => `${rule}    age: age1personal\n`;
            const findings = check({ rules: rules(withAge(DEV_RULE), withAge(PROD_RULE)) });
            assert.deepEqual(
                findings.filter((f) => f.startsWith(".sops.yaml") || f.startsWith("clusters/:")),
                [
                    `.sops.yaml: creation rule 1 (environment dev) encrypts to age key age1personal, not only to dev's vault ${DEV_VAULT}`,
                    `.sops.yaml: creation rule 2 (environment prod) encrypts to age key age1personal, not only to prod's vault ${PROD_VAULT}`,
                ],
            );
        });

        it("two environments known by their rules alone, both to one Azure key: the shared vault, once", () => {
            const SHARED = "https://kv-shared.vault.azure.net";
            const rule = (env: string) =>
                `  - path_regex: (clusters/${env}-[^/]+|overlays/${env})/\n    azure_keyvault: ${SHARED}/keys/sops\n`;
            assert.deepEqual(
                check({
                    rules: rules(rule("dev"), rule("prod")),
                    dirs: dirsOf("apps/app/overlays/dev", "apps/app/overlays/prod"),
                    kustomizations: [],
                }),
                [
                    `clusters/: environments dev and prod decrypt with the same vault ${SHARED}: a dev cluster can read prod secrets (give each environment its own key)`,
                ],
            );
        });
    });

    describe("what a Flux Kustomization applies", () => {
        it("one with spec.path ./ applies the whole repository (dev's overlay too) to its cluster", () => {
            const findings = check({
                kustomizations: [
                    cluster("dev-westeurope", "dev", DEV_VAULT),
                    {
                        ...flux("prod-westeurope", { ENVIRONMENT: "prod", SOPS_KEY_VAULT_URI: PROD_VAULT }),
                        path: normalFluxPath("./"),
                    },
                ],
                applies: (path) => ({
                    builds: path === "." ? ["apps/app/overlays/dev", "apps/app/overlays/prod"] : [path],
                    files: [],
                }),
                encrypted: [
                    { location: "apps/app/overlays/dev", kind: "build", object: "Secret app/db", keys: [DEV] },
                    { location: "apps/app/overlays/prod", kind: "build", object: "Secret app/db", keys: [PROD] },
                ],
            });
            assert.deepEqual(findings, [
                `clusters/prod-westeurope/: Flux Kustomization flux-system/apps (path ./) applies Secret app/db encrypted to Azure Key Vault key ${DEV_VAULT}/keys/sops-dev, not to prod's vault ${PROD_VAULT} (SOPS_KEY_VAULT_URI of its clusters): a prod cluster must not hold another environment's key, and cannot decrypt it without`,
            ]);
        });

        it("files of a directory without kustomization.yaml and the build with its spec.patches, each object once", () => {
            const PATCHED =
                "Flux Kustomization flux-system/apps of clusters/prod-westeurope (spec.path ./apps/app/overlays/dev with its spec.patches)";
            const prodOnDev: FluxKustomizationRecord = {
                ...flux(
                    "prod-westeurope",
                    { ENVIRONMENT: "prod", SOPS_KEY_VAULT_URI: PROD_VAULT },
                    "apps/app/overlays/dev",
                ),
                extraBuilds: [PATCHED],
            };
            const build = (object: string): EncryptedRecord => ({
                location: PATCHED,
                kind: "build",
                object,
                keys: [DEV],
            });
            const findings = check({
                kustomizations: [cluster("dev-westeurope", "dev", DEV_VAULT), prodOnDev],
                // apps/app/overlays/dev has no kustomization.yaml: Flux applies its files.
                applies: (path) =>
                    path === "apps/app/overlays/dev"
                        ? {
                              builds: [],
                              files: ["apps/app/overlays/dev/db.enc.yaml", "apps/app/overlays/dev/cache.enc.yaml"],
                          }
                        : { builds: [path], files: [] },
                encrypted: [
                    file("apps/app/overlays/dev/db.enc.yaml", DEV),
                    { ...file("apps/app/overlays/dev/cache.enc.yaml", DEV), object: "Secret app/cache" },
                    build("Secret app/db"),
                    build("Secret app/api"),
                ],
            });
            const applied = (object: string) =>
                `clusters/prod-westeurope/: Flux Kustomization flux-system/apps (path ./apps/app/overlays/dev) applies ${object} encrypted to Azure Key Vault key ${DEV_VAULT}/keys/sops-dev, not to prod's vault ${PROD_VAULT} (SOPS_KEY_VAULT_URI of its clusters): a prod cluster must not hold another environment's key, and cannot decrypt it without`;
            assert.deepEqual(findings, [
                applied("Secret app/db"),
                applied("Secret app/cache"),
                applied("Secret app/api"),
            ]);
        });
    });
});
