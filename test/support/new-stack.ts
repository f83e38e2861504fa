// What the new-stack and new-tenant suites (test/stacks/new*.test.ts) share: a scratch project holding the fixture
// project's Pulumi.yaml and the stacks named, removed after the run, the config a written stack file holds, and
// new-tenant run in process. Their scripted prompts: prompter.ts.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { failure } from "../../cli/usage";
import { command as newTenantCommand, main as newTenant } from "../../stacks/new-tenant";
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

/**
 * Runs npm run new-tenant in this process as its CLI would, against the project in `dir`, with no terminal unless
 * `options` give a prompter: a thrown error becomes its exit code and message (cli/usage.ts), `dir` in output <dir>.
 */
export async function runNewTenant(
    dir: string,
    args: string[],
    options: Parameters<typeof newTenant>[1] = {},
): Promise<{ code: number; out: string[]; message: string }> {
    const out: string[] = [];
    try {
        const code = await newTenant([...args, "--root", dir], {
            interactive: false,
            log: (l) => out.push(l.split(dir).join("<dir>")),
            ...options,
        });
        return { code, out, message: "" };
    } catch (e) {
        const { code, message } = failure(e, newTenantCommand.usage, newTenantCommand.name);
        return { code, out, message };
    }
}
