// Configuration as the Pulumi CLI hands it to the program: Pulumi.yaml's project-level `config:` first, then the stack
// file, whose keys replace project keys of the same name wholesale. Source: pulumi/docs content/docs/iac/concepts/
// config.md, "Project Level Configuration" (structured project values sit under `value:`; keys without a namespace
// are the project's; "Stack level configuration using the same key supersedes the project level configuration").
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStackFile, withSecretPlaceholders } from "../../stacks/files";
import { ROOT } from "../../stacks/paths";
import { parse } from "yaml";
import { ConfigFileError } from "../../cli/usage";
import { rawConfigFrom, validateStackConfig } from "../../stacks/load";

function project(pulumiYaml: string, stacks: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "aks-gitops-config-"));
    writeFileSync(join(dir, "Pulumi.yaml"), pulumiYaml);
    for (const [name, text] of Object.entries(stacks)) {
        writeFileSync(join(dir, `Pulumi.${name}.yaml`), text);
    }
    return dir;
}

const PROJECT = `name: aks-gitops
runtime: nodejs
config:
  org:
    value:
      fleet:
        url: ssh://git@ssh.dev.azure.com/v3/acme/platform/fleet
        branch: release
      adminGroups: [acme-admins]
  location: northeurope
  aws:region: eu-west-1
  logs:
    type: string
    description: declared only
  flavour:
    type: string
    default: vanilla
`;

describe("configuration read as the Pulumi CLI does", () => {
    it("inherits project values, unwraps value:, takes a declaration's default and namespaces bare keys to the project", () => {
        const dir = project(PROJECT, { a: "config:\n  aks-gitops:environment: dev\n" });
        const { config } = loadStackFile("a", dir);
        assert.deepEqual(JSON.parse(config["aks-gitops:org"]), {
            fleet: { url: "ssh://git@ssh.dev.azure.com/v3/acme/platform/fleet", branch: "release" },
            adminGroups: ["acme-admins"],
        });
        assert.equal(config["aks-gitops:location"], "northeurope");
        assert.equal(config["aws:region"], "eu-west-1", "a namespaced key keeps its namespace");
        assert.equal(config["aks-gitops:flavour"], "vanilla", "a typed declaration contributes its default");
        assert.ok(!("aks-gitops:logs" in config), "a declaration without a default sets nothing");
        assert.equal(config["aks-gitops:environment"], "dev");
    });

    it("lets a stack key replace the project key of the same name as a whole, not merge into it", () => {
        const dir = project(PROJECT, {
            b: "config:\n  aks-gitops:location: westeurope\n  aks-gitops:org:\n    adminGroups: [b-admins]\n",
        });
        const { config } = loadStackFile("b", dir);
        assert.equal(config["aks-gitops:location"], "westeurope");
        assert.deepEqual(
            JSON.parse(config["aks-gitops:org"]),
            { adminGroups: ["b-admins"] },
            "no fleet left from the project's org",
        );
    });

    it("keeps secure stack values out of the config, as [secret] placeholders", () => {
        const dir = project(PROJECT, { c: "config:\n  aks-gitops:gitSshPrivateKey:\n    secure: AAABAJ0x\n" });
        const input = loadStackFile("c", dir);
        assert.deepEqual(input.secretKeys, ["aks-gitops:gitSshPrivateKey"]);
        assert.notEqual(input.config["aks-gitops:gitSshPrivateKey"], "AAABAJ0x");
    });

    it("adds the deploy-key placeholder when the org's fleet URL is ssh://", () => {
        const dir = project(PROJECT, { d: "config:\n  aks-gitops:environment: dev\n" });
        assert.deepEqual(withSecretPlaceholders(loadStackFile("d", dir)).secretKeys, ["aks-gitops:gitSshPrivateKey"]);
    });

    it("points at the line of a YAML syntax error, without the usage text", () => {
        const dir = project(PROJECT, { e: "config:\n  aks-gitops:environment: dev\n  aks-gitops:environment: prod\n" });
        assert.throws(
            () => loadStackFile("e", dir),
            (e: unknown) =>
                e instanceof ConfigFileError &&
                /Pulumi\.e\.yaml is not valid YAML: Map keys must be unique at line 3, column 3/.test(e.message) &&
                !/usage:/.test(e.message),
        );
    });
});

describe("the organisation's shared values (org)", () => {
    const settings = (raw: Record<string, unknown>) => validateStackConfig(raw, { gitSshPrivateKey: true });
    const base = {
        environment: "dev",
        location: "westeurope",
        clusterName: "dev-westeurope",
        sops: { vaultName: "kv-acme-sops-dev" },
    };
    const org = {
        fleet: { url: "ssh://git@ssh.dev.azure.com/v3/acme/platform/fleet" },
        adminGroups: ["acme-admins"],
        encryptorGroups: ["acme-sops"],
        tags: { costCenter: "42" },
    };

    it("fill in what the stack leaves out: fleet URL, groups, tags, and the cluster's own fleet directory", () => {
        const s = settings({ ...base, org });
        assert.equal(s.flux.git.url, "ssh://git@ssh.dev.azure.com/v3/acme/platform/fleet");
        assert.equal(s.flux.git.branch, "main", "the profile's branch when org names none");
        assert.deepEqual(s.aks.adminGroups, ["acme-admins"]);
        assert.deepEqual(s.sops.encryptorGroups, ["acme-sops"]);
        assert.deepEqual(s.tags, { costCenter: "42" });
        assert.deepEqual(
            Object.values(s.flux.kustomizations).map((k) => k.path),
            ["./clusters/dev-westeurope"],
        );
    });

    it("give way to the stack's own settings", () => {
        const s = settings({
            ...base,
            org,
            aks: { adminGroups: ["dev-admins"] },
            tags: { team: "blue" },
            flux: { git: { branch: "next" } },
        });
        assert.deepEqual(s.aks.adminGroups, ["dev-admins"]);
        assert.deepEqual(s.tags, { costCenter: "42", team: "blue" });
        assert.equal(s.flux.git.url, "ssh://git@ssh.dev.azure.com/v3/acme/platform/fleet");
        assert.equal(s.flux.git.branch, "next");
    });

    it("are validated with their own key in the message", () => {
        assert.throws(
            () => settings({ ...base, org: { fleet: { url: "git@host:acme/fleet" } } }),
            /aks-gitops:org\.fleet\.url: must be an ssh:\/\/ or https:\/\/ URL/,
        );
        assert.throws(() => settings({ ...base, org: { admins: [] } }), /aks-gitops:org: has unknown key "admins"/);
    });

    it("come from Pulumi.yaml for every committed stack", () => {
        for (const stack of ["dev", "prod", "prod-northeurope"]) {
            const s = validateStackConfig(rawConfigFrom(withSecretPlaceholders(loadStackFile(stack)).config), {
                gitSshPrivateKey: true,
                "tenantGitSshPrivateKey-payments": true,
            });
            assert.equal(s.flux.git.url, "ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet", stack);
        }
    });
});

describe("pulumi new <this repo> (Pulumi.yaml template)", () => {
    const template = (
        parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as {
            template: { config: Record<string, { description: string; default?: string }> };
        }
    ).template;

    it("prompts for the stack's basics and for the organisation's values", () => {
        assert.deepEqual(Object.keys(template.config), [
            "aks-gitops:environment",
            "aks-gitops:location",
            "aks-gitops:clusterName",
            "aks-gitops:org",
        ]);
        assert.match(
            template.config["aks-gitops:org"].description,
            /fleet repo, admin and SOPS-encryptor groups, alert e-mails/,
        );
    });

    it("gives answers, stored as text in the new stack's file, that the program reads as the org object", () => {
        // pulumi new stores each answer as a plain string config value, as Pulumi passes it to the program.
        const answers = Object.fromEntries(Object.entries(template.config).map(([k, v]) => [k, v.default ?? ""]));
        const raw = rawConfigFrom({
            ...answers,
            "aks-gitops:org": '{"fleet":{"url":"https://github.com/acme/fleet"},"adminGroups":["acme-admins"]}',
        });
        const s = validateStackConfig({ ...raw, sops: { vaultName: "kv-acme-sops-dev" } }, {});
        assert.equal(s.flux.git.url, "https://github.com/acme/fleet");
        assert.deepEqual(s.aks.adminGroups, ["acme-admins"]);
        assert.equal(s.clusterName, "dev-westeurope");
    });
});
