// Where the product lives, which Pulumi project the tools work on, and what a stack may be called (its file is
// Pulumi.<stack>.yaml there). Kept free of the Pulumi SDK, so a command that only needs a path or a name check
// (new-stack's --help, a usage error) does not load it.
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

/**
 * Why a stack name cannot be used, or undefined. Pulumi's own rule: 1-100 letters, digits, "-", "_" or "."
 * (pulumi/pulumi sdk/go/common/tokens/stack_name.go, ParseStackName). Narrower here: a name of dots only, which Pulumi's
 * file and Azure Blob backends would turn into a path (pkg/backend/diy/store.go keeps a stack's history and backups in
 * directories named after the stack: "." and ".." are the directories above), and a name ending in .yaml/.yml, which
 * is the stack file's name (or the project's, Pulumi.yaml) typed for the stack's.
 */
export function stackNameProblem(name: string): string | undefined {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
        return 'use letters, digits, "-", "_" or "."';
    }
    if (name.length > 100) {
        return `${name.length} characters; Pulumi allows at most 100`;
    }
    if (/^\.+$/.test(name)) {
        return 'a name of dots only is a directory path (Pulumi keeps a stack\'s history in a directory named after it): use letters or digits, e.g. "prod-eastus2"';
    }
    if (/^Pulumi\.ya?ml$/i.test(name)) {
        return "that is the project's file; a stack's file is Pulumi.<stack>.yaml, and the stack is named by <stack>";
    }
    if (/\.ya?ml$/i.test(name)) {
        const stack = name.replace(/^Pulumi\./, "").replace(/\.ya?ml$/i, "");
        return `that is a file name; the stack${stack !== "" ? ` is "${stack}" (it writes Pulumi.${stack}.yaml)` : "'s name comes without .yaml"}`;
    }
    return undefined;
}
