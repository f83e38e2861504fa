// Shared by the secret guard's tests: its fixtures, a temporary fleet made of the base fixture plus one case, and
// `kubectl kustomize` as kustomize-controller builds (load restrictions off), to show that a fixture really becomes
// the object the guard reports.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ROOT } from "../../stacks/paths";
import { findKustomize, type Kustomize } from "../../fleet/guard/kustomize";
import { memo } from "./memo";
import { runProcess } from "./process";

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

/**
 * kustomizeBuild without blocking the test process, so a test can start it alongside the guard's own run of the same
 * fixture (each is a `kubectl kustomize` process: ~0.1 s of CPU, most of it kubectl starting).
 */
export async function kustomizeBuilt(dir: string): Promise<K8sObject[]> {
    const run = await runProcess("kubectl", ["kustomize", "--load-restrictor=LoadRestrictionsNone", dir]);
    if (run.status !== 0) {
        throw new Error(`kubectl kustomize ${dir} failed: ${run.stderr}`);
    }
    return parseAllDocuments(run.stdout).map((d) => d.toJS() as K8sObject);
}

/**
 * The kustomize the guard finds by default (findKustomize: kustomize, else kubectl), looked up once per test process
 * and handed to the guard runs of tests that are not about finding it: each lookup runs `kubectl version`, as costly
 * as a build. Tests of the lookup itself, and of the report's wording of it, leave the option out.
 */
const found = memo((): Kustomize => findKustomize());
export const guardKustomize = (): Kustomize => found("");

/** The Secrets of a build. */
export const secretsIn = (objects: K8sObject[]): K8sObject[] =>
    objects.filter((o) => o.kind === "Secret" && o.apiVersion === "v1");

/**
 * `src` copied into `dest` (merged over what is there) with every symlink replaced by what it points to. Not
 * `cpSync(..., { dereference: true })`: Node 24's follows only `src` itself and copies links inside it as links
 * (Node 20's followed them all).
 */
function copyFollowingLinks(src: string, dest: string): void {
    if (statSync(src).isDirectory()) {
        mkdirSync(dest, { recursive: true });
        for (const entry of readdirSync(src)) {
            copyFollowingLinks(join(src, entry), join(dest, entry));
        }
    } else {
        copyFileSync(src, dest);
    }
}

/**
 * A fleet in a temporary directory: test/fixtures/fleet-guard/base (or `from`) with the files of cases/<name> laid
 * over it. Copied with symlinks followed: the fixtures hold none, but a copy of this checkout may (StrykerJS's sandbox
 * links every node_modules folder, the skipped-folder attack's too, back to the original), and the guard rightly
 * refuses a link that leaves the repository.
 */
export function fleetWith(caseName?: string, from = join(FIXTURES, "base")): { dir: string; remove(): void } {
    const parent = mkdtempSync(join(tmpdir(), "fleet-guard-"));
    const dir = join(parent, "fleet");
    copyFollowingLinks(from, dir);
    if (caseName) {
        copyFollowingLinks(join(FIXTURES, "cases", caseName), dir);
    }
    return { dir, remove: () => rmSync(parent, { recursive: true, force: true }) };
}

export const decode = (value: unknown): string => Buffer.from(String(value), "base64").toString("utf8");
