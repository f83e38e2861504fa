// Every file of a fleet repository, and what stops the guard from reading one. Nothing is skipped but `.git` (Git's
// own data; Git refuses to track a path through a `.git` directory, so kustomize can reach nothing there that Flux
// would see): a Secret under node_modules/ or a dot-directory is read like any other.
// A symlink that leaves the repository, a symlink loop, a dangling symlink, an unreadable file or directory, and
// anything that is not a regular file are errors: the guard cannot say what Flux would apply through them.
import { closeSync, lstatSync, openSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export interface RepoFile {
    /** Repository-relative, with `/` separators. */
    path: string;
    abs: string;
    size: number;
}

export interface GuardProblem {
    path: string;
    reason: string;
}

export interface RepoTree {
    files: RepoFile[];
    dirs: string[];
    errors: GuardProblem[];
}

/** File system calls the walk makes, replaceable in tests (an unreadable file cannot be made as root). */
export interface WalkIo {
    readdir(path: string): string[];
    open(path: string): number;
}

export const nodeIo: WalkIo = {
    readdir: (path) => readdirSync(path),
    open: (path) => openSync(path, "r"),
};

const why = (e: unknown): string => {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "EACCES" || code === "EPERM" ? "permission denied" : (code ?? (e as Error).message);
};

export function toRepoPath(root: string, abs: string): string {
    return relative(root, abs).split(sep).join("/");
}

/** Walks the repository at `root` (a real, absolute directory path). */
export function walkRepo(root: string, io: WalkIo = nodeIo): RepoTree {
    const tree: RepoTree = { files: [], dirs: [], errors: [] };
    const inside = (target: string) => target === root || target.startsWith(root + sep);
    const visit = (dir: string) => {
        const rel = toRepoPath(root, dir);
        tree.dirs.push(rel === "" ? "." : rel);
        let names: string[];
        try {
            names = io.readdir(dir).sort();
        } catch (e) {
            tree.errors.push({ path: rel === "" ? "." : `${rel}/`, reason: `cannot be read (${why(e)})` });
            return;
        }
        for (const name of names) {
            if (name === ".git") {
                continue;
            }
            const abs = join(dir, name);
            const path = toRepoPath(root, abs);
            let st;
            try {
                st = lstatSync(abs);
            } catch (e) {
                tree.errors.push({ path, reason: `cannot be read (${why(e)})` });
                continue;
            }
            if (st.isSymbolicLink()) {
                let target: string;
                try {
                    target = realpathSync(abs);
                } catch (e) {
                    const code = (e as NodeJS.ErrnoException).code;
                    tree.errors.push({
                        path,
                        reason:
                            code === "ELOOP"
                                ? "is a symlink loop"
                                : code === "ENOENT"
                                  ? "is a symlink to nothing (its target does not exist)"
                                  : `is a symlink that cannot be resolved (${why(e)})`,
                    });
                    continue;
                }
                if (!inside(target)) {
                    tree.errors.push({
                        path,
                        reason: `is a symlink that leaves the repository (to ${target}): kustomize would read outside what is reviewed here`,
                    });
                    continue;
                }
                if (toRepoPath(root, target).split("/").includes(".git")) {
                    tree.errors.push({ path, reason: "is a symlink into .git" });
                    continue;
                }
                const targetStat = statSync(target);
                if (targetStat.isDirectory()) {
                    continue; // its files are walked where they are (not following it keeps the walk finite)
                }
                if (!targetStat.isFile()) {
                    tree.errors.push({ path, reason: "is a symlink to something that is not a regular file" });
                    continue;
                }
                st = targetStat;
            } else if (st.isDirectory()) {
                visit(abs);
                continue;
            } else if (!st.isFile()) {
                tree.errors.push({ path, reason: "is not a regular file (a FIFO, socket or device)" });
                continue;
            }
            try {
                closeSync(io.open(abs));
            } catch (e) {
                tree.errors.push({ path, reason: `cannot be read (${why(e)})` });
                continue;
            }
            tree.files.push({ path, abs, size: st.size });
        }
    };
    visit(root);
    return tree;
}
