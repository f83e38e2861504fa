// Every file of the fleet repository (fleet/guard/walk.ts), in process: nothing is skipped but `.git`, whatever a file
// is called, and whatever the guard cannot read or say what Flux would make of (a symlink leaving the repository or
// looping, a FIFO, a socket, a file or directory it may not open) is an error naming it, so the guard exits 2. An
// unreadable file is made through the walk's file system calls: the tests may run as root, which reads anything.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { nodeIo, walkRepo, type WalkIo } from "../../../fleet/guard/walk";
import { secretsReport } from "../../../fleet/secrets";

const SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n";

describe("fleet secret guard: the repository's files (fleet/guard/walk.ts)", () => {
    const made: string[] = [];
    after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
    /** A repository in a temporary directory (its real path, as the guard walks it). */
    const repo = (files: Record<string, string>): string => {
        const dir = realpathSync(mkdtempSync(join(tmpdir(), "guard-walk-")));
        made.push(dir);
        for (const [path, text] of Object.entries(files)) {
            mkdirSync(dirname(join(dir, path)), { recursive: true });
            writeFileSync(join(dir, path), text);
        }
        return dir;
    };
    const denied = (path: string) =>
        Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: "EACCES" });
    /** The walk's calls, failing with `error` for the paths ending in one of `names`. */
    const failing = (names: string[], error: (path: string) => Error = denied): WalkIo => ({
        readdir: (path) => {
            if (names.some((n) => path.endsWith(`/${n}`))) {
                throw error(path);
            }
            return nodeIo.readdir(path);
        },
        open: (path) => {
            if (names.some((n) => path.endsWith(`/${n}`))) {
                throw error(path);
            }
            return nodeIo.open(path);
        },
    });

    it("lists every file, any name or extension, hidden directories and node_modules included; only .git is Git's own", () => {
        const dir = repo({
            "apps/app/secret.yaml": SECRET,
            "apps/app/secret.yml": SECRET,
            "apps/app/secret.json": "{}",
            "apps/app/db.env": "PASSWORD=hunter2\n",
            "apps/app/db.ini": "[db]\npassword=hunter2\n",
            "apps/app/Kustomization": "resources: []\n",
            "apps/app/password": "hunter2\n",
            "apps/app/.hidden.yaml": SECRET,
            ".github/workflows/ci.yml": "on: push\n",
            ".secrets/db.yaml": SECRET,
            "node_modules/pkg/secret.yaml": SECRET,
            ".git/config": "[core]\n",
            "vendor/lib/.git": "gitdir: ../../.git/modules/lib\n",
        });
        const tree = walkRepo(dir);
        assert.deepEqual(tree.errors, []);
        assert.deepEqual(
            tree.files.map((f) => [f.path, f.size]),
            [
                [".github/workflows/ci.yml", 9],
                [".secrets/db.yaml", SECRET.length],
                ["apps/app/.hidden.yaml", SECRET.length],
                ["apps/app/Kustomization", 14],
                ["apps/app/db.env", 17],
                ["apps/app/db.ini", 22],
                ["apps/app/password", 8],
                ["apps/app/secret.json", 2],
                ["apps/app/secret.yaml", SECRET.length],
                ["apps/app/secret.yml", SECRET.length],
                ["node_modules/pkg/secret.yaml", SECRET.length],
            ],
        );
        assert.equal(tree.files[0].abs, join(dir, ".github/workflows/ci.yml"));
        assert.deepEqual(tree.dirs, [
            ".",
            ".github",
            ".github/workflows",
            ".secrets",
            "apps",
            "apps/app",
            "node_modules",
            "node_modules/pkg",
            "vendor",
            "vendor/lib",
        ]);
    });

    it("a file it may not open, of any type, is an error naming it: exit 2, nothing passed", async () => {
        const names = ["secret.yaml", "secret.yml", "secret.json", "db.env", "db.ini", "password"];
        const dir = repo(Object.fromEntries(names.map((n) => [`apps/app/${n}`, "x: 1\n"])));
        const tree = walkRepo(dir, failing(names));
        assert.deepEqual(tree.files, []);
        assert.deepEqual(
            tree.errors,
            [...names].sort().map((n) => ({ path: `apps/app/${n}`, reason: "cannot be read (permission denied)" })),
        );
        const report = await secretsReport(dir, "fleet", { io: failing(["db.ini"]) });
        assert.deepEqual(report, {
            code: 2,
            text:
                "the secret guard could not check fleet (exit 2: fix these, nothing was passed):\n" +
                "  apps/app/db.ini: cannot be read (permission denied)\n",
        });
    });

    it("an unreadable file fails the run even beside a plaintext finding, and other errors are named by their code", async () => {
        const dir = repo({ "apps/app/secret.yaml": SECRET, "apps/app/db.env": "A=1\n" });
        const eio = (path: string) => Object.assign(new Error(`EIO: i/o error, open '${path}'`), { code: "EIO" });
        const report = await secretsReport(dir, "fleet", { io: failing(["db.env"], eio) });
        assert.deepEqual(report, {
            code: 2,
            text:
                "plaintext secrets would land, or secrets would go to the wrong key, in fleet:\n" +
                "  apps/app/secret.yaml: Secret db: stringData.password is not SOPS-encrypted\n" +
                "the secret guard could not check fleet (exit 2: fix these, nothing was passed):\n" +
                "  apps/app/db.env: cannot be read (EIO)\n",
        });
    });

    it("a directory it may not list (EACCES or EPERM) is an error naming it, the repository's root as `.`", () => {
        const dir = repo({ "apps/private/secret.yaml": SECRET, "apps/public/ok.yaml": "a: 1\n" });
        const tree = walkRepo(dir, failing(["private"]));
        assert.deepEqual(tree.errors, [{ path: "apps/private/", reason: "cannot be read (permission denied)" }]);
        assert.deepEqual(
            tree.files.map((f) => f.path),
            ["apps/public/ok.yaml"],
        );
        const unlistedRoot: WalkIo = {
            ...nodeIo,
            readdir: (path) => {
                if (path === dir) {
                    throw Object.assign(new Error(`EPERM: operation not permitted, scandir '${path}'`), {
                        code: "EPERM",
                    });
                }
                return nodeIo.readdir(path);
            },
        };
        const root = walkRepo(dir, unlistedRoot);
        assert.deepEqual(root.errors, [{ path: ".", reason: "cannot be read (permission denied)" }]);
        assert.deepEqual(root.dirs, ["."]);
    });

    it("lists in name order whatever order the directory is read in, and names an error without a code by its message", () => {
        const dir = repo({ "b/2.yaml": "a: 1\n", "b/1.yaml": "a: 1\n", "a.yaml": "a: 1\n", "c/x.yaml": "a: 1\n" });
        const reversed: WalkIo = { ...nodeIo, readdir: (path) => nodeIo.readdir(path).sort().reverse() };
        const tree = walkRepo(dir, reversed);
        assert.deepEqual(
            tree.files.map((f) => f.path),
            ["a.yaml", "b/1.yaml", "b/2.yaml", "c/x.yaml"],
        );
        assert.deepEqual(tree.dirs, [".", "b", "c"]);
        const broken: WalkIo = {
            readdir: (path) => {
                if (path.endsWith("/c")) {
                    throw new Error("the disk went away");
                }
                return nodeIo.readdir(path);
            },
            open: (path) => {
                if (path.endsWith("/1.yaml")) {
                    throw new Error("no handles left");
                }
                return nodeIo.open(path);
            },
        };
        assert.deepEqual(walkRepo(dir, broken).errors, [
            { path: "b/1.yaml", reason: "cannot be read (no handles left)" },
            { path: "c/", reason: "cannot be read (the disk went away)" },
        ]);
    });

    describe("symlinks, FIFOs and sockets", () => {
        let server: Server | undefined;
        afterEach(() => server?.close());

        it("a link inside the repository is read under its own name; a link to a directory is walked where it points", () => {
            const dir = repo({ "notes/secret.txt": SECRET, "apps/base/ok.yaml": "a: 1\n" });
            symlinkSync("../notes/secret.txt", join(dir, "apps/linked.yaml"));
            symlinkSync("base", join(dir, "apps/base-link"));
            symlinkSync(".", join(dir, "self"));
            const tree = walkRepo(dir);
            assert.deepEqual(tree.errors, []);
            assert.deepEqual(
                tree.files.map((f) => [f.path, f.size]),
                [
                    ["apps/base/ok.yaml", 5],
                    ["apps/linked.yaml", SECRET.length],
                    ["notes/secret.txt", SECRET.length],
                ],
            );
            assert.equal(tree.files[1].abs, join(dir, "apps/linked.yaml"));
        });

        it("a link to a sibling whose name starts with the repository's leaves it; into a nested .git is Git's; one through a file cannot be resolved; a link is opened like a file", () => {
            const dir = repo({
                "apps/ok.yaml": "a: 1\n",
                ".github/workflows/ci.yml": "on: push\n",
                "vendor/lib/.git/config": "[core]\n",
            });
            const sibling = `${dir}-secrets`;
            made.push(sibling);
            mkdirSync(sibling);
            writeFileSync(join(sibling, "db.yaml"), SECRET);
            symlinkSync(join(sibling, "db.yaml"), join(dir, "apps/sibling.yaml"));
            symlinkSync("../.github/workflows/ci.yml", join(dir, "apps/ci.yml"));
            symlinkSync("../vendor/lib/.git/config", join(dir, "apps/submodule.yaml"));
            symlinkSync("ok.yaml/inner", join(dir, "apps/through-file.yaml"));
            symlinkSync("ok.yaml", join(dir, "apps/locked.yaml"));
            const tree = walkRepo(dir, failing(["locked.yaml"]));
            assert.deepEqual(
                tree.files.map((f) => f.path),
                [".github/workflows/ci.yml", "apps/ci.yml", "apps/ok.yaml"],
            );
            assert.deepEqual(tree.errors, [
                { path: "apps/locked.yaml", reason: "cannot be read (permission denied)" },
                {
                    path: "apps/sibling.yaml",
                    reason: `is a symlink that leaves the repository (to ${join(sibling, "db.yaml")}): kustomize would read outside what is reviewed here`,
                },
                { path: "apps/submodule.yaml", reason: "is a symlink into .git" },
                { path: "apps/through-file.yaml", reason: "is a symlink that cannot be resolved (ENOTDIR)" },
            ]);
        });

        it("a link leaving the repository, into .git, looping, to nothing, or to a FIFO; a FIFO and a socket", async () => {
            const outside = repo({ "secret.yaml": SECRET });
            const dir = repo({ ".git/config": "[core]\n", "apps/ok.yaml": "a: 1\n" });
            symlinkSync(join(outside, "secret.yaml"), join(dir, "apps/outside.yaml"));
            symlinkSync(outside, join(dir, "apps/outside-dir"));
            symlinkSync("../.git/config", join(dir, "apps/git.yaml"));
            symlinkSync("loop-b", join(dir, "apps/loop-a"));
            symlinkSync("loop-a", join(dir, "apps/loop-b"));
            symlinkSync("missing.yaml", join(dir, "apps/gone.yaml"));
            assert.equal(spawnSync("mkfifo", [join(dir, "apps/pipe.yaml")]).status, 0);
            symlinkSync("pipe.yaml", join(dir, "apps/pipe-link.yaml"));
            server = createServer();
            await new Promise<void>((resolve) => server?.listen(join(dir, "apps/socket"), resolve));
            const tree = walkRepo(dir);
            assert.deepEqual(
                tree.files.map((f) => f.path),
                ["apps/ok.yaml"],
            );
            assert.deepEqual(tree.errors, [
                { path: "apps/git.yaml", reason: "is a symlink into .git" },
                { path: "apps/gone.yaml", reason: "is a symlink to nothing (its target does not exist)" },
                { path: "apps/loop-a", reason: "is a symlink loop" },
                { path: "apps/loop-b", reason: "is a symlink loop" },
                {
                    path: "apps/outside-dir",
                    reason: `is a symlink that leaves the repository (to ${outside}): kustomize would read outside what is reviewed here`,
                },
                {
                    path: "apps/outside.yaml",
                    reason: `is a symlink that leaves the repository (to ${join(outside, "secret.yaml")}): kustomize would read outside what is reviewed here`,
                },
                { path: "apps/pipe-link.yaml", reason: "is a symlink to something that is not a regular file" },
                { path: "apps/pipe.yaml", reason: "is not a regular file (a FIFO, socket or device)" },
                { path: "apps/socket", reason: "is not a regular file (a FIFO, socket or device)" },
            ]);
            const report = await secretsReport(dir, "fleet");
            assert.equal(report.code, 2, report.text);
            assert.match(
                report.text,
                /^the secret guard could not check fleet \(exit 2: fix these, nothing was passed\):\n/,
            );
            assert.equal(report.text.split("\n").filter((line) => line.startsWith("  apps/")).length, 9, report.text);
        });
    });
});
