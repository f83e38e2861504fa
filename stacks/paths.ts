// Where the product lives and which Pulumi project the tools work on. Kept free of the Pulumi SDK, so a command that
// only needs a path (new-stack's --help, a usage error) does not load it.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The product's root (package.json, examples/, policy/, bin/), found from this file's location whether run from source
 * or bundled.
 */
export const ROOT = findRoot(__dirname);

/**
 * The Pulumi project whose stacks the tools read and write (Pulumi.yaml and Pulumi.<stack>.yaml): ROOT, unless
 * AKS_GITOPS_PROJECT_DIR names another directory. The committed stacks are the user's and may be anything valid; the
 * product's own tests point this at the fixture project they own (test/fixtures/project, set in .mocharc.cjs), so a
 * user's stacks never decide whether the product's tests pass.
 */
export const PROJECT_DIR = process.env.AKS_GITOPS_PROJECT_DIR ? resolve(process.env.AKS_GITOPS_PROJECT_DIR) : ROOT;

function findRoot(start: string): string {
    for (let dir = start; ; dir = dirname(dir)) {
        if (existsSync(join(dir, "Pulumi.yaml"))) {
            return dir;
        }
        if (dirname(dir) === dir) {
            throw new Error(`no Pulumi.yaml above ${start}`);
        }
    }
}
