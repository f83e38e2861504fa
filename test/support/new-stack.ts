// What the new-stack suites (test/stacks/new*.test.ts) share: a scratch project holding the fixture project's
// Pulumi.yaml and the stacks named, removed after the run, and the config a written stack file holds.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../../stacks/paths";

const made: string[] = [];
process.on("exit", () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A scratch project: the fixture project's Pulumi.yaml (org: the contoso fleet) and copies of the stacks named. */
export function newStackProject(...stacks: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), "aks-gitops-new-"));
    made.push(dir);
    copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    for (const s of stacks) {
        copyFileSync(join(PROJECT_DIR, `Pulumi.${s}.yaml`), join(dir, `Pulumi.${s}.yaml`));
    }
    return dir;
}

/** The `config:` map of the stack file new-stack wrote. */
export const stackConfig = (dir: string, stack: string) =>
    (parse(readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
