// Shared by the secret guard's tests: its fixtures, a temporary fleet made of the base fixture plus one case, and
// `kubectl kustomize` as kustomize-controller builds (load restrictions off), to show that a fixture really becomes
// the object the guard reports.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ROOT } from "../../stacks/paths";

export const FIXTURES = join(ROOT, "test", "fixtures", "fleet-guard");
export const EXAMPLE = join(ROOT, "examples", "fleet");
export const haveKubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

export type K8sObject = {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
    [key: string]: unknown;
};

/** `kubectl kustomize --load-restrictor=LoadRestrictionsNone <dir>`, parsed; throws with kustomize's message on failure. */
export function kustomizeBuild(dir: string): K8sObject[] {
    const run = spawnSync("kubectl", ["kustomize", "--load-restrictor=LoadRestrictionsNone", dir], {
        encoding: "utf8",
    });
    if (run.status !== 0) {
        throw new Error(`kubectl kustomize ${dir} failed: ${run.stderr}`);
    }
    return parseAllDocuments(run.stdout).map((d) => d.toJS() as K8sObject);
}

/** The Secrets of a build. */
export const secretsIn = (objects: K8sObject[]): K8sObject[] =>
    objects.filter((o) => o.kind === "Secret" && o.apiVersion === "v1");

/** A fleet in a temporary directory: test/fixtures/fleet-guard/base with the files of cases/<name> laid over it. */
export function fleetWith(caseName?: string, from = join(FIXTURES, "base")): { dir: string; remove(): void } {
    const parent = mkdtempSync(join(tmpdir(), "fleet-guard-"));
    const dir = join(parent, "fleet");
    cpSync(from, dir, { recursive: true });
    if (caseName) {
        cpSync(join(FIXTURES, "cases", caseName), dir, { recursive: true });
    }
    return { dir, remove: () => rmSync(parent, { recursive: true, force: true }) };
}

export const decode = (value: unknown): string => Buffer.from(String(value), "base64").toString("utf8");
