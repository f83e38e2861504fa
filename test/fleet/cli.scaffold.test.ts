// npm run fleet into a fleet repo that lacks the shared layers the cluster directory refers to (infrastructure/,
// infrastructure/configs, apps/<app>/overlays/<env>): refused without --scaffold (exit 2, the layers named, nothing
// written, since Flux would be left with paths that do not exist); with --scaffold, the missing ones are copied from
// examples/fleet and nothing of the user's is overwritten; a layer the starter does not have either is named, and
// nothing is copied or written.
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { copyRoots, runCli } from "../../fleet/cli";
import { lazy } from "../../cli/lazy";
import type { Capture } from "../../offline/program";
import { runProgram } from "../../offline/program";
import { loadStackFile, withSecretPlaceholders } from "../../stacks/files";
import { ROOT } from "../../stacks/paths";
import { runCliInProcess } from "../support/stacks";
import { sharedCaptures } from "../support/share-captures";

const EXAMPLE = join(ROOT, "examples", "fleet");

/** Every file under `dir`, relative to it, sorted. */
function tree(dir: string): string[] {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => relative(dir, join(e.parentPath, e.name)))
        .sort();
}

describe("npm run fleet: shared layers and --scaffold", () => {
    sharedCaptures();
    let dir: string;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "fleet-scaffold-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("refuses a fleet without the shared layers (exit 2, each named) and writes nothing", async () => {
        writeFileSync(join(dir, "README.md"), "our fleet\n");
        const run = await runCliInProcess(runCli, ["--stack", "dev", "--out", dir]);
        assert.equal(run.status, 2);
        assert.equal(run.stdout, "");
        assert.ok(
            run.stderr.startsWith(
                `${dir} lacks the shared layers dev's cluster directory refers to: apps/my-service/overlays/dev, infrastructure, infrastructure/configs. Add them to the fleet repo, or pass --scaffold to copy them from examples/fleet\n\nusage: npm run fleet -- `,
            ),
            run.stderr,
        );
        assert.deepEqual(tree(dir), ["README.md"]);
    });

    it("--scaffold copies only the layers the fleet lacks, an app whole, and never overwrites the user's", async () => {
        // The user's infrastructure/ (their own kustomization, no configs/ yet) and another app of theirs; no my-service.
        mkdirSync(join(dir, "infrastructure"));
        writeFileSync(join(dir, "infrastructure/kustomization.yaml"), "# ours\n");
        mkdirSync(join(dir, "apps/billing/overlays/dev"), { recursive: true });
        writeFileSync(join(dir, "apps/billing/overlays/dev/kustomization.yaml"), "# billing\n");

        assert.deepEqual(await runCliInProcess(runCli, ["--stack", "dev", "--out", dir, "--scaffold"]), {
            status: 0,
            stdout: [
                "copied from examples/fleet:",
                // The overlay builds on ../../base: the app comes whole, and each directory once.
                "  apps/my-service/",
                "  infrastructure/configs/",
                "wrote:",
                "  clusters/dev-westeurope/infrastructure.yaml",
                "  clusters/dev-westeurope/infrastructure-configs.yaml",
                "  clusters/dev-westeurope/apps.yaml",
                "  clusters/dev-westeurope/kustomization.yaml",
                "  clusters/dev-westeurope/tenant-boundary/validatingadmissionpolicybinding-aks-gitops-tenant-boundary.yaml",
                "  clusters/dev-westeurope/tenant-boundary/validatingadmissionpolicy-aks-gitops-tenant-boundary.yaml",
                "  clusters/dev-westeurope/tenant-boundary/kustomization.yaml",
                "  clusters/dev-westeurope/apps/kustomization.yaml",
                "  .sops.yaml",
                "",
            ].join("\n"),
            stderr: "",
        });
        assert.equal(readFileSync(join(dir, "infrastructure/kustomization.yaml"), "utf8"), "# ours\n");
        assert.equal(readFileSync(join(dir, "apps/billing/overlays/dev/kustomization.yaml"), "utf8"), "# billing\n");
        for (const copied of ["apps/my-service", "infrastructure/configs"]) {
            assert.deepEqual(tree(join(dir, copied)), tree(join(EXAMPLE, copied)), copied);
            for (const file of tree(join(EXAMPLE, copied))) {
                assert.equal(
                    readFileSync(join(dir, copied, file), "utf8"),
                    readFileSync(join(EXAMPLE, copied, file), "utf8"),
                    file,
                );
            }
        }
        assert.deepEqual(
            tree(join(dir, "infrastructure")),
            ["kustomization.yaml", ...tree(join(EXAMPLE, "infrastructure/configs")).map((f) => `configs/${f}`)].sort(),
        );
    });

    it("copies an app's missing overlay alone when the app is there (copyRoots)", () => {
        assert.deepEqual(
            copyRoots(
                ["apps/my-service/overlays/dev", "infrastructure", "infrastructure/configs"],
                (d) => d === "apps/my-service",
            ),
            ["apps/my-service/overlays/dev", "infrastructure"],
        );
        assert.deepEqual(
            copyRoots(["apps/b/overlays/dev", "apps/a/overlays/dev"], () => false),
            ["apps/a", "apps/b"],
        );
    });

    it("--scaffold names a layer examples/fleet does not have either, and copies and writes nothing", async () => {
        // A stack with an app the starter fleet has no directory for.
        const input = withSecretPlaceholders(loadStackFile("dev"));
        const fleet = JSON.parse(input.config["aks-gitops:fleet"]) as { apps: string[] };
        const capture: Capture = await runProgram({
            ...input,
            config: {
                ...input.config,
                "aks-gitops:fleet": JSON.stringify({ ...fleet, apps: [...fleet.apps, "billing"] }),
            },
        });
        const real = lazy.offlineProgram;
        lazy.offlineProgram = () => ({ ...real(), planStack: () => Promise.resolve(capture) });
        try {
            const run = await runCliInProcess(runCli, ["--stack", "dev", "--out", dir, "--scaffold"]);
            assert.equal(run.status, 2);
            assert.equal(run.stdout, "");
            assert.ok(
                run.stderr.startsWith(
                    "--scaffold: examples/fleet has no apps/billing/overlays/dev to copy; create them in the fleet repo\n\nusage: ",
                ),
                run.stderr,
            );
        } finally {
            lazy.offlineProgram = real;
        }
        assert.deepEqual(readdirSync(dir), [], "nothing copied (not even the layers the starter has), nothing written");
    });
});
