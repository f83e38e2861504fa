// Small checkouts for npm run promote's in-process tests (test/fleet/promote.*.test.ts): a fleet repository
// (apps/<app>/overlays/<ring>/kustomization.yaml) or an application repository (deploy/overlays/<ring>), written from
// literal overlay texts into a temp directory, and every file of a checkout read back to show what a run wrote.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { runCli } from "../../fleet/promote";
import { type CliRun, runCliInProcess } from "./cli-run";

export type PromoteRun = CliRun;

/** An overlay's kustomization.yaml with one images: entry per [name, newTag] (quoted as given). */
export function overlayText(images: [string, string][], extra = ""): string {
    const entries = images.map(([name, tag]) => `  - name: ${name}\n    newTag: ${tag}\n`).join("");
    return `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${extra}resources:\n  - ../../base\nimages:\n${entries}`;
}

/** A scratch directory (removed by `cleanup`) to build checkouts in. */
export function scratch(): { dir: string; cleanup: () => void } {
    const dir = mkdtempSync(join(tmpdir(), "promote-"));
    return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `files` (path relative to `root` -> text) and returns `root`. */
export function writeTree(root: string, files: Record<string, string>): string {
    for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
    }
    mkdirSync(root, { recursive: true });
    return root;
}

/** A fleet repository at `root` whose apps each have the given overlay texts by ring. */
export function fleetRepo(root: string, apps: Record<string, Record<string, string>>): string {
    const files: Record<string, string> = {};
    for (const [app, rings] of Object.entries(apps)) {
        for (const [ring, text] of Object.entries(rings)) {
            files[`apps/${app}/overlays/${ring}/kustomization.yaml`] = text;
        }
    }
    mkdirSync(join(root, "apps"), { recursive: true });
    return writeTree(root, files);
}

/** An application repository at `root` with the given overlay texts by ring. */
export function appRepo(root: string, rings: Record<string, string>): string {
    mkdirSync(join(root, "deploy/overlays"), { recursive: true });
    return writeTree(
        root,
        Object.fromEntries(Object.entries(rings).map(([ring, t]) => [`deploy/overlays/${ring}/kustomization.yaml`, t])),
    );
}

/** Every regular file under `root` (relative path -> text), sorted: what a run left behind. */
export function filesOf(root: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (dir: string) => {
        for (const entry of readdirSync(dir).sort()) {
            const path = join(dir, entry);
            if (statSync(path).isDirectory()) {
                walk(path);
            } else {
                out[relative(root, path)] = readFileSync(path, "utf8");
            }
        }
    };
    walk(root);
    return out;
}

/** `npm run promote -- <args>` in this process (the runCli bin/launch.cjs calls): exit status, stdout, stderr. */
export function promote(...args: string[]): Promise<PromoteRun> {
    return runCliInProcess(runCli, args);
}
