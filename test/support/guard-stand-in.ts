// In-process tests of the secret guard's orchestration (fleet/secrets.ts): a fleet repository laid out in a temporary
// directory, and a stand-in for kustomize that prints, for each directory the guard builds, the YAML the test gave
// for it (one `/bin/sh` process per build: milliseconds, where a `kubectl kustomize` is ~0.1 s of CPU). It records
// which directories the guard built and, for the overlays the guard writes itself (a Flux Kustomization's
// spec.patches), the kustomization.yaml it wrote there, read while the overlay still exists (args() runs just before
// the build is spawned).
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import type { Kustomize } from "../../fleet/guard/kustomize";

/** What the stand-in does for a directory: print this text, never finish, or fail saying `stderr`. */
export type Output = string | { hangs: true } | { stderr: string; code: number };
export const HANGS: Output = { hangs: true };
export const fails = (stderr: string, code = 1): Output => ({ stderr, code });

export interface Repos {
    /** A repository with these files (path -> text), at its real path (the path the guard reports relative to). */
    repo(files: Record<string, string>): string;
    removeAll(): void;
}

export function repos(prefix = "guard-stand-in-"): Repos {
    const made: string[] = [];
    return {
        repo(files) {
            const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
            made.push(dir);
            for (const [path, text] of Object.entries(files)) {
                mkdirSync(dirname(join(dir, path)), { recursive: true });
                writeFileSync(join(dir, path), text);
            }
            return dir;
        },
        removeAll: () => made.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })),
    };
}

export interface WrittenOverlay {
    /** The temporary directory the guard wrote the overlay in. */
    dir: string;
    kustomization: Record<string, unknown>;
}

export interface StandIn {
    tool: Kustomize;
    /** Repository-relative directories built, in the order the builds started ("." for the root). */
    built: string[];
    /** The overlays the guard wrote outside the repository and built. */
    overlays: WrittenOverlay[];
}

/**
 * A kustomize printing `outputs[dir]` for each repository directory it is asked to build (nothing for one not named),
 * and `outputs["(overlay)"]` for an overlay the guard wrote outside the repository.
 */
export function standIn(
    root: string,
    outputs: Record<string, Output> = {},
    version = "stand-in kustomize v0.0.1",
): StandIn {
    const built: string[] = [];
    const overlays: WrittenOverlay[] = [];
    const tool: Kustomize = {
        command: "/bin/sh",
        version,
        args: (dir) => {
            let key: string;
            if (dir === root || dir.startsWith(`${root}/`)) {
                key = dir === root ? "." : dir.slice(root.length + 1);
                built.push(key);
            } else {
                key = "(overlay)";
                overlays.push({
                    dir,
                    kustomization: parse(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as Record<
                        string,
                        unknown
                    >,
                });
            }
            const out = outputs[key] ?? "";
            if (typeof out === "string") {
                return ["-c", 'printf "%s" "$1"', "sh", out];
            }
            if ("hangs" in out) {
                return ["-c", "exec sleep 30"];
            }
            return ["-c", 'printf "%s\\n" "$2" >&2; exit "$1"', "sh", String(out.code), out.stderr];
        },
    };
    return { tool, built, overlays };
}
