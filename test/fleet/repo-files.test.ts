// fleet/repo-files.ts: the files of a cluster's directory (clusterFiles), written out literally for a small made-up
// layout, and the cases of the .sops.yaml merge (mergeSopsConfig) that repo-files.sops-merge.test.ts leaves out. SOPS
// reads creation_rules in file order and uses the first rule whose path_regex matches (a rule without one matches
// every file): getsops/sops config/config.go, parseCreationRuleForFile.
import * as assert from "node:assert/strict";
import { clusterFiles, fileFor, mergeSopsConfig } from "../../fleet/repo-files";
import type { FluxKustomization, LayerObject } from "../../fleet/layout";

const HEADER = "# Rendered by `npm run fleet` from the aks-gitops stack. Edit the stack config, not this file.\n";
const LAYER = "fleet.aks-gitops.io/layer";

const kustomization = (name: string, path: string) =>
    ({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name, namespace: "flux-system" },
        spec: { path },
    }) as unknown as FluxKustomization;
const object = (kind: string, name: string, layer: string, namespace?: string): LayerObject => ({
    apiVersion: "example.io/v1",
    kind,
    metadata: { name, ...(namespace === undefined ? {} : { namespace }), labels: { [LAYER]: layer } },
    spec: { n: 1 },
});
const kustomizationYaml = (resources: string[]) =>
    `${HEADER}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${r}\n`).join("")}`;

describe("clusterFiles (a cluster's directory in the fleet repo)", () => {
    const objects = [
        kustomization("infrastructure", "./infrastructure"),
        kustomization("alerts", "./clusters/c1/alerts"),
    ];
    const layers = [
        object("Widget", "b", "alerts", "ns1"),
        object("Policy", "p", "boundary"),
        object("Widget", "a", "alerts", "ns1"),
        object("Alert", "x", "notifications", "flux-system"),
    ];

    it("writes each Flux Kustomization, the kustomization.yaml listing them and the layers no Kustomization applies, each layer and the apps", () => {
        const files = clusterFiles(objects, { clusterName: "c1", environment: "dev", apps: ["web", "api"] }, layers);
        assert.deepEqual(
            [...files.keys()],
            [
                "clusters/c1/infrastructure.yaml",
                "clusters/c1/alerts.yaml",
                "clusters/c1/kustomization.yaml",
                "clusters/c1/alerts/widget-b.yaml",
                "clusters/c1/alerts/widget-a.yaml",
                "clusters/c1/alerts/kustomization.yaml",
                "clusters/c1/boundary/policy-p.yaml",
                "clusters/c1/boundary/kustomization.yaml",
                "clusters/c1/notifications/alert-x.yaml",
                "clusters/c1/notifications/kustomization.yaml",
                "clusters/c1/notifications/flux-alerts-webhook.enc.yaml.example",
                "clusters/c1/apps/kustomization.yaml",
            ],
        );
        assert.equal(
            files.get("clusters/c1/alerts.yaml"),
            `${HEADER}apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: alerts\n  namespace: flux-system\nspec:\n  path: ./clusters/c1/alerts\n`,
        );
        // alerts has its own Flux Kustomization (its path): not listed again; boundary and notifications are.
        assert.equal(
            files.get("clusters/c1/kustomization.yaml"),
            kustomizationYaml(["infrastructure.yaml", "alerts.yaml", "boundary", "notifications"]),
        );
        assert.equal(
            files.get("clusters/c1/alerts/widget-a.yaml"),
            `${HEADER}apiVersion: example.io/v1\nkind: Widget\nmetadata:\n  name: a\n  namespace: ns1\n  labels:\n    ${LAYER}: alerts\nspec:\n  n: 1\n`,
        );
        assert.equal(
            files.get("clusters/c1/alerts/kustomization.yaml"),
            kustomizationYaml(["widget-b.yaml", "widget-a.yaml"]),
        );
        assert.equal(files.get("clusters/c1/boundary/kustomization.yaml"), kustomizationYaml(["policy-p.yaml"]));
        assert.equal(
            files.get("clusters/c1/apps/kustomization.yaml"),
            kustomizationYaml(["../../../apps/web/overlays/dev", "../../../apps/api/overlays/dev"]),
        );
        const template = files.get("clusters/c1/notifications/flux-alerts-webhook.enc.yaml.example")!;
        assert.ok(template.startsWith(`${HEADER}# TEMPLATE, not applied and not encrypted:`), template);
        assert.match(template, /\n {2}name: flux-alerts-webhook\n {2}namespace: flux-system\n/);
        assert.match(
            template,
            /# {3}sops --encrypt --in-place clusters\/c1\/notifications\/flux-alerts-webhook\.enc\.yaml\n/,
        );
    });

    it("lists the team's encrypted files in their layer, sorted, once, and nothing else found there", () => {
        const asked: string[] = [];
        const files = clusterFiles(objects, { clusterName: "c1", environment: "dev", apps: [] }, layers, (dir) => {
            asked.push(dir);
            return dir === "clusters/c1/alerts"
                ? [
                      "z.enc.yaml",
                      "widget-a.yaml",
                      "notes.txt",
                      "a.enc.yml",
                      "b.enc.yaml.example",
                      "c.enc.json",
                      "kustomization.yaml",
                  ]
                : [];
        });
        assert.deepEqual(asked, ["clusters/c1/alerts", "clusters/c1/boundary", "clusters/c1/notifications"]);
        assert.equal(
            files.get("clusters/c1/alerts/kustomization.yaml"),
            kustomizationYaml(["widget-b.yaml", "widget-a.yaml", "a.enc.yml", "z.enc.yaml"]),
        );
        assert.equal(
            files.get("clusters/c1/apps/kustomization.yaml"),
            `${HEADER}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n`,
        );
        // A rendered object whose file name ends in .enc.yaml is found in the directory on the next run: listed once.
        const named = clusterFiles(
            [],
            { clusterName: "c1", environment: "dev", apps: [] },
            [object("Secret", "s.enc", "l")],
            () => ["secret-s.enc.yaml"],
        );
        assert.equal(named.get("clusters/c1/l/kustomization.yaml"), kustomizationYaml(["secret-s.enc.yaml"]));
    });

    it("writes the alerts template only for the notifications layer with a namespace", () => {
        const keys = (l: LayerObject[]) =>
            [...clusterFiles([], { clusterName: "c1", environment: "dev", apps: [] }, l).keys()].filter((k) =>
                k.endsWith(".example"),
            );
        assert.deepEqual(keys([object("Alert", "x", "notifications")]), []);
        assert.deepEqual(keys([object("Alert", "x", "other", "flux-system")]), []);
        assert.deepEqual(fileFor({ metadata: { name: "apps" } }), "apps.yaml");
    });
});

describe("mergeSopsConfig: the rest of the cases", () => {
    const DEV = "(^|/)(clusters/dev-[^/]+|apps/[^/]+/overlays/dev)/.*\\.enc\\.ya?ml$";
    const PROD = "(^|/)(clusters/prod-[^/]+|apps/[^/]+/overlays/prod)/.*\\.enc\\.ya?ml$";
    const KEY = "https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev";
    const rule = { path_regex: DEV, encrypted_regex: "^(data|stringData)$", azure_keyvault: KEY };
    const merge = (existing: string | undefined) => mergeSopsConfig(existing, rule, [DEV, PROD], "fleet/.sops.yaml");
    const devRule = `  - path_regex: ${DEV}\n    encrypted_regex: ^(data|stringData)$\n    azure_keyvault: ${KEY}\n`;

    it("refuses a stack rule that is not one of the environment rules (a program error, not the user's file)", () => {
        assert.throws(() => mergeSopsConfig(undefined, { ...rule, path_regex: ".*" }, [DEV, PROD]), {
            name: "Error",
            message: "the stack's creation rule (path_regex .*) is not an environment rule",
        });
    });

    it("keeps a comment-only file's comment instead of its own header, and fills an empty creation_rules", () => {
        assert.equal(merge("# ours\n"), `# ours\n\ncreation_rules:\n${devRule}`);
        assert.equal(merge("creation_rules:\n"), `creation_rules:\n${devRule}`);
        assert.equal(merge("creation_rules: ~\n"), `creation_rules:\n${devRule}`);
        // SOPS's other settings stay where they are.
        assert.equal(
            merge("stores:\n  yaml:\n    indent: 2\n"),
            `stores:\n  yaml:\n    indent: 2\ncreation_rules:\n${devRule}`,
        );
    });

    it("completes the environment's existing rule with what it lacks, keeping the user's keys and comments", () => {
        const existing = `creation_rules:\n  - path_regex: .*\n    age: age1x\n\n  - path_regex: ${DEV} # dev\n    azure_keyvault: ${KEY}\n    mac_only_encrypted: true\n`;
        // dev's rule goes first, without the blank line it had above it; the catch-all keeps every other path.
        assert.equal(
            merge(existing),
            `creation_rules:\n  - path_regex: ${DEV} # dev\n    azure_keyvault: ${KEY}\n    mac_only_encrypted: true\n    encrypted_regex: ^(data|stringData)$\n  - path_regex: .*\n    age: age1x\n`,
        );
    });

    it("keeps another environment's rule as it is, and an empty path_regex (SOPS: every file) below the environments", () => {
        assert.equal(
            merge(
                `creation_rules:\n  - path_regex:\n    age: age1all\n  - path_regex: ${PROD}\n    azure_keyvault: https://kv-p\n`,
            ),
            `creation_rules:\n${devRule}  - path_regex: ${PROD}\n    azure_keyvault: https://kv-p\n  - path_regex:\n    age: age1all\n`,
        );
    });

    it("refuses a key source that is not a plain value on the environment's rule", () => {
        assert.throws(
            () => merge(`creation_rules:\n  - path_regex: ${DEV}\n    azure_keyvault: [${KEY}, https://kv-other]\n`),
            (e: Error) =>
                e.name === "ConfigFileError" &&
                e.message.startsWith(
                    `fleet/.sops.yaml: creation_rules[0] (path_regex ${DEV}) sends this environment's files to azure_keyvault ["${KEY}","https://kv-other"], the stack to azure_keyvault "${KEY}".`,
                ),
        );
    });

    it("refuses (exit 2, naming the file) a file it cannot reorder without breaking an alias, instead of crashing", () => {
        // The user's rule anchors a value dev's rule aliases: dev's rule moving first would put the alias before its
        // anchor, which YAML does not allow. Before the fix this threw the yaml package's own Error ("Unresolved
        // alias"): npm run fleet exited 1 with "fleet failed: ..." and no word of which file.
        const existing = [
            "creation_rules:",
            "  - path_regex: ^docs/",
            "    unencrypted_suffix: &plain _unencrypted",
            "    age: age1docs",
            `  - path_regex: ${DEV}`,
            "    unencrypted_suffix: *plain",
            `    azure_keyvault: ${KEY}`,
            "",
        ].join("\n");
        assert.throws(() => merge(existing), {
            name: "ConfigFileError",
            message:
                "fleet/.sops.yaml: cannot be rewritten with the environment rules first without breaking its anchors or aliases; move the environment rules to the top by hand. Nothing was written. (SOPS reads creation_rules: a list of mappings, each with a path_regex; getsops/sops docs)",
        });
        // Already in order, nothing moves: the anchor and its alias stay as the user wrote them.
        const ordered = [
            "creation_rules:",
            `  - path_regex: ${DEV}`,
            "    encrypted_regex: &enc ^(data|stringData)$",
            `    azure_keyvault: ${KEY}`,
            "  - path_regex: ^docs/",
            "    encrypted_regex: *enc",
            "    age: age1docs",
            "",
        ].join("\n");
        assert.equal(merge(ordered), ordered);
    });
});
