// Synthetic fleets for the CI tests: a copy of the project with stacks added, made from the committed stack files the
// way an operator would (another cluster of an environment uses the environment's existing key).
import * as assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { RolloutStack, main } from "../../ci/stacks";
import { PROJECT_DIR } from "../../stacks/paths";
import { stackNames } from "../../stacks/files";

export type StackDoc = { config: Record<string, unknown> };

/** A copy of the project (Pulumi.yaml and every committed stack file) to add synthetic stacks to. */
export function projectCopy(): string {
    const dir = mkdtempSync(join(tmpdir(), "fleet-"));
    for (const f of ["Pulumi.yaml", ...stackNames().map((s) => `Pulumi.${s}.yaml`)]) {
        copyFileSync(join(PROJECT_DIR, f), join(dir, f));
    }
    return dir;
}

/**
 * Another cluster of an environment, made from the stack file of the environment's vault owner: it uses the owner's
 * key (sops.existingKeyId) instead of owning a vault; on standby when asked.
 */
export function otherClusterOf(owner: RolloutStack, name: string, location: string, standby = false): StackDoc {
    const doc = parse(readFileSync(join(PROJECT_DIR, `Pulumi.${owner.stack}.yaml`), "utf8")) as StackDoc;
    const config = { ...doc.config };
    config["aks-gitops:clusterName"] = name;
    config["aks-gitops:location"] = location;
    config["aks-gitops:sops"] = {
        existingKeyId: `/resourceGroups/rg-sops-${owner.environment}/providers/Microsoft.KeyVault/vaults/${owner.vault}/keys/sops-${owner.environment}`,
    };
    const flux = config["aks-gitops:flux"] as { kustomizations?: { cluster?: { path?: string } } } | undefined;
    if (flux?.kustomizations?.cluster) {
        config["aks-gitops:flux"] = {
            ...flux,
            kustomizations: {
                ...flux.kustomizations,
                cluster: { ...flux.kustomizations.cluster, path: `./clusters/${name}` },
            },
        };
    }
    if (standby) {
        config["aks-gitops:standby"] = true;
    } else {
        delete config["aks-gitops:standby"];
    }
    return { config };
}

export function writeStack(dir: string, stack: string, doc: StackDoc): void {
    writeFileSync(join(dir, `Pulumi.${stack}.yaml`), stringify(doc));
}

/** What `npm run stacks -- --github-output` writes, parsed: output name -> stacks of its matrix (in order). */
export function githubOutputsOf(dir: string, args: string[] = []): Record<string, string[]> {
    const tmp = mkdtempSync(join(tmpdir(), "github-output-"));
    const file = join(tmp, "github-output");
    writeFileSync(file, "");
    const result = main(["--github-output", ...args], dir, { GITHUB_OUTPUT: file });
    assert.equal(result.code, 0, result.stderr);
    const text = readFileSync(file, "utf8");
    rmSync(tmp, { recursive: true, force: true });
    const outputs: Record<string, string[]> = {};
    for (const line of text.split("\n").filter((l) => l !== "")) {
        const [name, value] = [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)];
        outputs[name] =
            value === "" ? [] : (JSON.parse(value) as { include: RolloutStack[] }).include.map((s) => s.stack);
    }
    return outputs;
}
