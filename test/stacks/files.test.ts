// Reading the committed stacks (stacks/files.ts) as every CLI does before it plans, checks or deploys: which stacks
// exist, and each way a stack name or file can be wrong, with the message the user reads. Messages literal.
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProjectConfig, loadStackFile, stackNames } from "../../stacks/files";

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
        const dir = project({ "Pulumi.list.yaml": "config:\n  - a\n", "Pulumi.null.yaml": "config:\n" });
        mkdirSync(join(dir, "Pulumi.folder.yaml"));
        assert.throws(() => loadStackFile("folder", dir), {
            message: new RegExp(`^cannot read ${join(dir, "Pulumi.folder.yaml")}: EISDIR`),
        });
        for (const stack of ["list", "null"]) {
            assert.throws(() => loadStackFile(stack, dir), {
                message: `${join(dir, `Pulumi.${stack}.yaml`)}: "config" must be a mapping of keys to values`,
            });
        }
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
});
