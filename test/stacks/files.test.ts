// Reading the committed stacks (stacks/files.ts) as every CLI does before it plans, checks or deploys: which stacks
// exist, and each way a stack name or file can be wrong, with the message the user reads. Messages literal.
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProjectConfig, loadStackFile, stackNames, withSecretPlaceholders } from "../../stacks/files";

describe("the committed stacks, read as the CLIs read them (stacks/files.ts)", () => {
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
    /** A scratch project: Pulumi.yaml and the given files. */
    const project = (files: Record<string, string>, pulumiYaml = "name: aks-gitops\nruntime: nodejs\n"): string => {
        const dir = mkdtempSync(join(tmpdir(), "aks-gitops-files-"));
        dirs.push(dir);
        writeFileSync(join(dir, "Pulumi.yaml"), pulumiYaml);
        for (const [name, text] of Object.entries(files)) {
            writeFileSync(join(dir, name), text);
        }
        return dir;
    };

    it("lists Pulumi.<stack>.yaml files in order, and nothing else", () => {
        const dir = project({
            "Pulumi.prod.yaml": "",
            "Pulumi.dev.yaml": "",
            "Pulumi.prod-northeurope.yaml": "",
            "Pulumi.yaml.bak": "",
            "Pulumi.dev.yaml.orig": "",
            "old-Pulumi.prod.yaml": "",
            "pulumi.qa.yaml": "",
            "Pulumi..yaml": "",
        });
        assert.deepEqual(stackNames(dir), ["dev", "prod", "prod-northeurope"]);
    });

    it("names the committed stacks, or none, for a stack that does not exist", () => {
        const dir = project({ "Pulumi.dev.yaml": "", "Pulumi.prod.yaml": "" });
        assert.throws(() => loadStackFile("qa", dir), {
            message: `unknown stack "qa": no Pulumi.qa.yaml in ${dir}. Committed stacks: dev, prod`,
        });
        const empty = project({});
        assert.throws(() => loadStackFile("qa", empty), {
            message: `unknown stack "qa": no Pulumi.qa.yaml in ${empty}. Committed stacks: none`,
        });
    });

    it("refuses a stack name that could leave the project directory, before touching the file system", () => {
        assert.throws(() => loadStackFile("../dev", project({})), { message: /^invalid stack name "\.\.\/dev": / });
    });

    it("says which stack a file name typed for a stack's name means", () => {
        const dir = project({ "Pulumi.prod.yaml": "" });
        const cases: [string, string][] = [
            ["Pulumi.prod.yaml", 'that is a file name; the stack is "prod" (it writes Pulumi.prod.yaml)'],
            ["prod.YML", 'that is a file name; the stack is "prod" (it writes Pulumi.prod.yaml)'],
            // Only a leading "Pulumi." and a trailing extension are the file's: the rest is the stack's name.
            [
                "my.Pulumi.prod.yaml",
                'that is a file name; the stack is "my.Pulumi.prod" (it writes Pulumi.my.Pulumi.prod.yaml)',
            ],
            ["prod.yaml.yaml", 'that is a file name; the stack is "prod.yaml" (it writes Pulumi.prod.yaml.yaml)'],
            [".yml", "that is a file name; the stack's name comes without .yaml"],
            [
                "Pulumi.yaml",
                "that is the project's file; a stack's file is Pulumi.<stack>.yaml, and the stack is named by <stack>",
            ],
        ];
        for (const [name, says] of cases) {
            assert.throws(() => loadStackFile(name, dir), { message: `invalid stack name "${name}": ${says}` });
        }
    });

    it("says which file it cannot read, and which one's config is not a mapping", () => {
        const dir = project({
            "Pulumi.list.yaml": "config:\n  - a\n",
            "Pulumi.null.yaml": "config:\n",
            "Pulumi.text.yaml": "config: westeurope\n",
        });
        mkdirSync(join(dir, "Pulumi.folder.yaml"));
        assert.throws(() => loadStackFile("folder", dir), {
            message: new RegExp(`^cannot read ${join(dir, "Pulumi.folder.yaml")}: EISDIR`),
        });
        for (const stack of ["list", "null", "text"]) {
            assert.throws(() => loadStackFile(stack, dir), {
                message: `${join(dir, `Pulumi.${stack}.yaml`)}: "config" must be a mapping of keys to values`,
            });
        }
    });

    it("reads an empty stack file as the project's config, and names Pulumi.yaml when its config is not a mapping", () => {
        const dir = project(
            { "Pulumi.dev.yaml": "" },
            "name: aks-gitops\nruntime: nodejs\nconfig:\n  location: westeurope\n",
        );
        assert.deepEqual(loadStackFile("dev", dir), {
            stack: "dev",
            config: { "aks-gitops:location": "westeurope" },
            secretKeys: [],
        });
        const list = project({ "Pulumi.dev.yaml": "" }, "name: aks-gitops\nruntime: nodejs\nconfig: [location]\n");
        assert.throws(() => loadStackFile("dev", list), {
            message: `${join(list, "Pulumi.yaml")}: "config" must be a mapping of keys to values`,
        });
    });

    it("namespaces bare keys to the project's own name, as Pulumi does", () => {
        const dir = project(
            {},
            "name: platform\nruntime: nodejs\nconfig:\n  location: westeurope\n  aws:region: eu-west-1\n",
        );
        assert.deepEqual(loadProjectConfig(dir), {
            projectName: "platform",
            config: { "platform:location": "westeurope", "aws:region": "eu-west-1" },
        });
    });

    it("refuses a Pulumi.yaml config entry Pulumi's project schema refuses, naming the key, before reading any value", () => {
        const refused = (entry: string) => {
            const dir = project(
                { "Pulumi.dev.yaml": "" },
                `name: aks-gitops\nruntime: nodejs\nconfig:\n  org:\n${entry}`,
            );
            try {
                loadStackFile("dev", dir);
            } catch (e) {
                assert.equal((e as Error).name, "ConfigFileError");
                return (e as Error).message.split(`${join(dir, "Pulumi.yaml")}: `).join("");
            }
            assert.fail(`accepted: ${entry}`);
        };
        const tail =
            "(Pulumi reads a mapping there as a declaration: type, items, description, secret, default, value); a structured value goes under value:";
        // A structured value written without value: is the mistake this catches: it would plan here and fail at pulumi up.
        assert.equal(
            refused("    fleet:\n      url: ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet\n"),
            `config org: "fleet" is not allowed ${tail}`,
        );
        assert.equal(
            refused("    fleet: {}\n    tenants: {}\n"),
            `config org: "fleet", "tenants" are not allowed ${tail}`,
        );
        assert.equal(
            refused("    type: object\n"),
            `config org: type "object" is not one of string, integer, boolean, array ${tail}`,
        );
        assert.equal(
            refused("    type: array\n"),
            `config org: type array has no items (the type of its elements) ${tail}`,
        );
        assert.equal(refused("    default: a\n    value: b\n"), `config org: has both default and value ${tail}`);
        assert.equal(
            refused(""),
            "config org has no value (Pulumi takes a text, number, boolean, list or declaration there)",
        );
    });

    it("reads every form of entry Pulumi.yaml may hold: text, list, value, default, and a declaration without either", () => {
        const dir = project(
            {},
            [
                "name: aks-gitops",
                "runtime: nodejs",
                "config:",
                "  location: westeurope",
                "  zones: [1, 2]",
                "  org:\n    value:\n      adminGroups: [admins]",
                "  environment:\n    type: string\n    default: dev",
                "  clusters:\n    type: array\n    items:\n      type: string\n    default: [a]",
                "  notes:\n    description: declared only",
                "  token:\n    secret: true",
                "",
            ].join("\n"),
        );
        assert.deepEqual(loadProjectConfig(dir).config, {
            "aks-gitops:location": "westeurope",
            "aks-gitops:zones": "[1,2]",
            "aks-gitops:org": '{"adminGroups":["admins"]}',
            "aks-gitops:environment": "dev",
            "aks-gitops:clusters": '["a"]',
        });
    });

    it("reads a stack's secure values as placeholders and its own keys over the project's", () => {
        const dir = project(
            {
                "Pulumi.dev.yaml":
                    "config:\n  aks-gitops:location: northeurope\n  gitSshPrivateKey:\n    secure: v1:abc\n",
            },
            "name: aks-gitops\nruntime: nodejs\nconfig:\n  location: westeurope\n  environment:\n    type: string\n    description: dev, staging or prod\n  tags:\n    default:\n      team: platform\n",
        );
        assert.deepEqual(loadStackFile("dev", dir), {
            stack: "dev",
            config: {
                "aks-gitops:location": "northeurope",
                "aks-gitops:tags": '{"team":"platform"}',
                "aks-gitops:gitSshPrivateKey": "[secret]",
            },
            secretKeys: ["aks-gitops:gitSshPrivateKey"],
        });
        // A typed declaration without a default contributes nothing; its default, or its value, does.
        assert.deepEqual(loadProjectConfig(dir), {
            projectName: "aks-gitops",
            config: { "aks-gitops:location": "westeurope", "aks-gitops:tags": '{"team":"platform"}' },
        });
    });

    it("adds a placeholder for each credential the stack's repositories need, keeping what the stack sets", () => {
        const ssh = "ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet";
        const https = "https://dev.azure.com/contoso/platform/_git/fleet";
        const org = (url: string, tenants?: object) =>
            JSON.stringify({ fleet: { url }, ...(tenants ? { tenants } : {}) });
        const input = (config: Record<string, string>, secretKeys: string[] = []) => ({
            stack: "s",
            config,
            secretKeys,
        });
        // The organisation's ssh:// fleet repo: its deploy key, after the secrets the stack already lists.
        assert.deepEqual(
            withSecretPlaceholders(input({ "aks-gitops:org": org(ssh), "aks-gitops:x": "[secret]" }, ["aks-gitops:x"])),
            input(
                { "aks-gitops:org": org(ssh), "aks-gitops:x": "[secret]", "aks-gitops:gitSshPrivateKey": "[secret]" },
                ["aks-gitops:x", "aks-gitops:gitSshPrivateKey"],
            ),
        );
        // The stack's own flux.git.url comes before the organisation's: an https:// one needs no key (a token is
        // optional, for a private repository, and never guessed).
        const own = { "aks-gitops:org": org(ssh), "aks-gitops:flux": JSON.stringify({ git: { url: https } }) };
        assert.deepEqual(withSecretPlaceholders(input(own)), input(own));
        assert.deepEqual(
            withSecretPlaceholders(input({ "aks-gitops:org": org(https) })),
            input({ "aks-gitops:org": org(https) }),
        );
        // A key the stack sets is kept as it is, and listed once.
        const set = { "aks-gitops:org": org(ssh), "aks-gitops:gitSshPrivateKey": "[secret]" };
        assert.deepEqual(
            withSecretPlaceholders(input(set, ["aks-gitops:gitSshPrivateKey"])),
            input(set, ["aks-gitops:gitSshPrivateKey"]),
        );
        // A tenant with an ssh:// repository that the stack runs: its deploy key too.
        const tenants = {
            payments: {
                groups: ["g"],
                namespaces: ["payments"],
                repo: { url: "ssh://git@ssh.dev.azure.com/v3/contoso/payments/payments-api" },
            },
        };
        const withTenant = { "aks-gitops:environment": "dev", "aks-gitops:org": org(https, tenants) };
        assert.deepEqual(
            withSecretPlaceholders(input(withTenant)),
            input({ ...withTenant, "aks-gitops:tenantGitSshPrivateKey-payments": "[secret]" }, [
                "aks-gitops:tenantGitSshPrivateKey-payments",
            ]),
        );
        // A value that is not JSON reads as no URL at all: no placeholder is made up for it.
        assert.deepEqual(withSecretPlaceholders(input({ "aks-gitops:org": "{" })), input({ "aks-gitops:org": "{" }));
    });
});
