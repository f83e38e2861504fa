// npm run fleet -- --stack <s> --out <fleet repo>: writes only the files that differ from what the stack renders and
// says which ("nothing to change" when none). The fleet repo is the user's: their own files stay, and their .sops.yaml
// keeps its rules, order and comments, the environment rules going first. SOPS encrypts a file with the FIRST creation
// rule whose path_regex matches its path (relative to the .sops.yaml), a rule without path_regex matching every file
// (getsops/sops config/config.go, parseCreationRuleForFile: the rules in order, `break` at the first match).
// Runs on copies of examples/fleet (which cli.test.ts keeps golden with the fixture stacks).
import * as assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../fleet/cli";
import { ROOT } from "../../stacks/paths";
import { sharedCaptures } from "../support/share-captures";

const EXAMPLE = join(ROOT, "examples", "fleet");
const HEADER = "# Rendered by `npm run fleet` from the aks-gitops stack. Edit the stack config, not this file.\n";

describe("npm run fleet (writing into a fleet repo checkout)", () => {
    sharedCaptures();
    let out: string;
    beforeEach(() => {
        out = join(mkdtempSync(join(tmpdir(), "fleet-write-")), "fleet");
        cpSync(EXAMPLE, out, { recursive: true });
    });
    afterEach(() => rmSync(join(out, ".."), { recursive: true, force: true }));

    it("changes nothing in an up-to-date fleet, then rewrites only what differs, keeping the user's files and rules", async () => {
        assert.deepEqual(await main(["--stack", "dev", "--out", out]), { code: 0, text: "nothing to change\n" });

        const cluster = join(out, "clusters/dev-westeurope");
        writeFileSync(join(cluster, "apps.yaml"), "tampered\n");
        rmSync(join(cluster, "kustomization.yaml"));
        writeFileSync(join(cluster, "NOTES.md"), "ours\n");
        // The user's .sops.yaml: staging's rule (commented), a rule of their own and a break-glass catch-all; no dev rule.
        writeFileSync(
            join(out, ".sops.yaml"),
            [
                "# The platform team's SOPS rules.",
                "creation_rules:",
                "  # staging: its own vault",
                "  - path_regex: (^|/)(clusters/staging-[^/]+|apps/[^/]+/overlays/staging)/.*\\.enc\\.ya?ml$",
                "    encrypted_regex: ^(data|stringData)$",
                "    azure_keyvault: https://kv-contoso-sops-staging.vault.azure.net/keys/sops-staging",
                "  - path_regex: ^docs/.*\\.enc\\.yaml$",
                "    age: age1docsrecipient # the docs team",
                "  - pgp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4 # break-glass, every other file",
                "",
            ].join("\n"),
        );

        assert.deepEqual(await main(["--stack", "dev", "--out", out]), {
            code: 0,
            text: [
                "wrote:",
                "  clusters/dev-westeurope/apps.yaml",
                "  clusters/dev-westeurope/kustomization.yaml",
                "  .sops.yaml",
                "",
            ].join("\n"),
        });
        for (const file of ["apps.yaml", "kustomization.yaml"]) {
            assert.equal(
                readFileSync(join(cluster, file), "utf8"),
                readFileSync(join(EXAMPLE, "clusters/dev-westeurope", file), "utf8"),
                file,
            );
        }
        assert.equal(readFileSync(join(cluster, "NOTES.md"), "utf8"), "ours\n");
        // dev's rule first (the environment rules sorted: dev before staging), then the user's rules in their order,
        // each with its comments: staging's files still go to staging's key, docs to the docs team, the rest to PGP.
        assert.equal(
            readFileSync(join(out, ".sops.yaml"), "utf8"),
            [
                "# The platform team's SOPS rules.",
                "creation_rules:",
                "  - path_regex: (^|/)(clusters/dev-[^/]+|apps/[^/]+/overlays/dev)/.*\\.enc\\.ya?ml$",
                "    encrypted_regex: ^(data|stringData)$",
                "    azure_keyvault: https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev",
                "  # staging: its own vault",
                "  - path_regex: (^|/)(clusters/staging-[^/]+|apps/[^/]+/overlays/staging)/.*\\.enc\\.ya?ml$",
                "    encrypted_regex: ^(data|stringData)$",
                "    azure_keyvault: https://kv-contoso-sops-staging.vault.azure.net/keys/sops-staging",
                "  - path_regex: ^docs/.*\\.enc\\.yaml$",
                "    age: age1docsrecipient # the docs team",
                "  - pgp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4 # break-glass, every other file",
                "",
            ].join("\n"),
        );
        assert.deepEqual(await main(["--stack", "dev", "--out", out]), { code: 0, text: "nothing to change\n" });
    });

    it("lists the encrypted files the team added to a rendered layer (the alerts Secret) in its kustomization.yaml", async () => {
        const notifications = join(out, "clusters/prod-westeurope/notifications");
        // The Secret the template describes, encrypted (its content is not read), and files that are not *.enc.yaml.
        writeFileSync(join(notifications, "flux-alerts-webhook.enc.yaml"), "apiVersion: v1\nkind: Secret\n");
        writeFileSync(join(notifications, "a-notes.txt"), "not a resource\n");
        assert.deepEqual(await main(["--stack", "prod", "--out", out]), {
            code: 0,
            text: "wrote:\n  clusters/prod-westeurope/notifications/kustomization.yaml\n",
        });
        assert.equal(
            readFileSync(join(notifications, "kustomization.yaml"), "utf8"),
            HEADER +
                [
                    "apiVersion: kustomize.config.k8s.io/v1beta1",
                    "kind: Kustomization",
                    "resources:",
                    "  - provider-flux-alerts.yaml",
                    "  - alert-applied-changes.yaml",
                    "  - alert-reconciliation-failures.yaml",
                    "  - flux-alerts-webhook.enc.yaml",
                    "",
                ].join("\n"),
        );
    });
});
