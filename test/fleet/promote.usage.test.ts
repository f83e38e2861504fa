// npm run promote as typed, in process (fleet/promote.ts runCli): --help, every usage error word for word with exit 2
// and the usage text after it, which checkout is used (--fleet, --app-repo, --repo, the default examples/fleet; paths
// relative to where npm run was started), the app and overlay listings in messages, and the overlay files it refuses
// to read or write. Nothing is written by a refusal.
import * as assert from "node:assert/strict";
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../fleet/promote";
import { ROOT } from "../../stacks/paths";
import { appRepo, filesOf, fleetRepo, overlayText, promote, scratch } from "../support/promote-repos";

const USAGE = `usage: npm run promote -- <app> --from <ring> --to <ring> [--fleet DIR] [--skip-ring] [--dry-run]
       npm run promote -- [<name>] --from <ring> --to <ring> --app-repo DIR [--skip-ring] [--dry-run]
       npm run promote -- [<app>] --from <ring> --to <ring> --repo DIR [--skip-ring] [--dry-run]

  <app>        in a fleet repository: a directory under DIR/apps with overlays/<ring>/kustomization.yaml
  <name>       in an application repository: the name the PR text gives it (default: DIR's directory name)
  --from/--to  rings, in promotion order: dev -> staging -> prod
  --fleet      a fleet repository checkout: apps/<app>/overlays/<ring> (default: examples/fleet)
  --app-repo   an application repository checkout: deploy/overlays/<ring> (examples/app-repo's layout)
  --repo       either: a fleet repository if DIR has apps/, an application repository if it has deploy/overlays/
  --skip-ring  allow a promotion that skips a ring (e.g. dev -> prod)
  --dry-run    print the diff and PR text without writing`;

const IMAGE = "contoso.azurecr.io/shop";
const RINGS = () => ({
    dev: overlayText([[IMAGE, "2.0.0"]]),
    staging: overlayText([[IMAGE, "1.9.0"]]),
    prod: overlayText([[IMAGE, "1.8.0"]]),
});

/** Runs promote and checks a refusal: exit 2, nothing on stdout, stderr exactly the message, a blank line, the usage. */
async function refused(args: string[], message: string): Promise<void> {
    const r = await promote(...args);
    assert.deepEqual(r, { status: 2, stdout: "", stderr: `${message}\n\n${USAGE}\n` }, args.join(" "));
}

describe("npm run promote: usage, checkouts and listings (fleet/promote.ts)", function () {
    let s: ReturnType<typeof scratch>;
    const initCwd = process.env.INIT_CWD;
    beforeEach(() => (s = scratch()));
    afterEach(() => {
        s.cleanup();
        if (initCwd === undefined) {
            delete process.env.INIT_CWD;
        } else {
            process.env.INIT_CWD = initCwd;
        }
    });

    it("--help and -h print the usage and exit 0, whatever else is given", async () => {
        for (const args of [["--help"], ["-h"], ["shop", "--from", "prod", "--to", "dev", "--help"]]) {
            assert.deepEqual(await promote(...args), { status: 0, stdout: `${USAGE}\n`, stderr: "" }, args.join(" "));
        }
        assert.deepEqual(main(["--help"]), { code: 0, text: `${USAGE}\n` });
    });

    it("refuses options it does not know and options without their value (exit 2, with the usage)", async () => {
        const root = fleetRepo(join(s.dir, "fleet"), { shop: RINGS() });
        const before = filesOf(root);
        for (const [args, start] of [
            [["shop", "--from", "dev", "--to", "staging", "--force", "--fleet", root], "Unknown option '--force'"],
            [["shop", "--to", "staging", "--fleet", root, "--from"], "Option '--from <value>' argument missing"],
            [["shop", "--from", "dev", "--to", "staging", "--skip-ring=yes", "--fleet", root], "Option '--skip-ring'"],
        ] as const) {
            const r = await promote(...args);
            assert.equal(r.status, 2, args.join(" "));
            assert.equal(r.stdout, "");
            assert.ok(r.stderr.startsWith(start), r.stderr);
            assert.ok(r.stderr.endsWith(`\n\n${USAGE}\n`), r.stderr);
        }
        assert.deepEqual(filesOf(root), before);
    });

    it("wants one app and both rings in a fleet repository, at most one name and both rings in an application repository", async () => {
        const fleet = fleetRepo(join(s.dir, "fleet"), { shop: RINGS(), other: RINGS() });
        const app = appRepo(join(s.dir, "app"), RINGS());
        const before = { ...filesOf(fleet), ...filesOf(app) };
        const ONE_APP = "give one app and both --from and --to";
        await refused(["--from", "dev", "--to", "staging", "--fleet", fleet], ONE_APP);
        await refused(["shop", "other", "--from", "dev", "--to", "staging", "--fleet", fleet], ONE_APP);
        await refused(["shop", "--to", "staging", "--fleet", fleet], ONE_APP);
        await refused(["shop", "--from", "dev", "--fleet", fleet], ONE_APP);
        await refused(["shop", "--from", "", "--to", "staging", "--fleet", fleet], ONE_APP);
        await refused(
            ["a", "b", "--from", "dev", "--to", "staging", "--app-repo", app],
            "an application repository holds one deploy/: give at most one name (for the PR text), and both --from and --to",
        );
        await refused(["--from", "dev", "--app-repo", app], "give both --from and --to");
        await refused(["--to", "staging", "--app-repo", app], "give both --from and --to");
        await refused(["--from", "dev", "--to", "", "--app-repo", app], "give both --from and --to");
        assert.deepEqual({ ...filesOf(fleet), ...filesOf(app) }, before);
    });

    it("takes one of --fleet, --app-repo and --repo, naming the ones given", async () => {
        const fleet = fleetRepo(join(s.dir, "fleet"), { shop: RINGS() });
        const ring = ["--from", "dev", "--to", "staging"];
        await refused(
            ["shop", ...ring, "--fleet", fleet, "--app-repo", fleet],
            "give one of --fleet, --app-repo and --repo, not --fleet and --app-repo",
        );
        await refused(
            ["shop", ...ring, "--repo", fleet, "--fleet", fleet],
            "give one of --fleet, --app-repo and --repo, not --fleet and --repo",
        );
        await refused(
            ["shop", ...ring, "--repo", fleet, "--app-repo", fleet, "--fleet", fleet],
            "give one of --fleet, --app-repo and --repo, not --fleet and --app-repo and --repo",
        );
    });

    it("refuses a checkout whose apps/ or deploy/overlays/ is a file, not a directory (exit 2, not a crash)", async () => {
        // Before the fix, --fleet with apps as a file passed the check (it only asked whether apps existed) and
        // readdirSync failed: exit 1, "promote failed: ENOTDIR".
        const fleet = join(s.dir, "fleet");
        mkdirSync(fleet);
        writeFileSync(join(fleet, "apps"), "not a directory\n");
        await refused(
            ["shop", "--from", "dev", "--to", "staging", "--fleet", fleet],
            `${fleet} is not a fleet repository checkout (it has no apps/ directory)`,
        );
        const app = join(s.dir, "app");
        mkdirSync(join(app, "deploy"), { recursive: true });
        writeFileSync(join(app, "deploy/overlays"), "");
        await refused(
            ["--from", "dev", "--to", "staging", "--app-repo", app],
            `${app} is not an application repository checkout (it has no deploy/overlays/ directory)`,
        );
        await refused(
            ["--from", "dev", "--to", "staging", "--repo", app],
            `${app} is neither a fleet repository checkout (apps/<app>/overlays/<ring>) nor an application repository checkout (deploy/overlays/<ring>)`,
        );
        // --repo tells them apart by directories: an apps file beside deploy/overlays/ is an application repository.
        const both = appRepo(join(s.dir, "shop"), RINGS());
        writeFileSync(join(both, "apps"), "");
        const r = await promote("--from", "dev", "--to", "staging", "--repo", both, "--dry-run");
        assert.equal(r.status, 0, r.stderr);
        assert.ok(r.stdout.startsWith("dry run, nothing written:\n--- a/deploy/overlays/staging/kustomization.yaml\n"));
    });

    it("reads DIR relative to where npm run was started (INIT_CWD), and names it as typed", async () => {
        fleetRepo(join(s.dir, "fleet"), { shop: RINGS() });
        appRepo(join(s.dir, "payments"), RINGS());
        process.env.INIT_CWD = s.dir;
        await refused(
            ["nope", "--from", "dev", "--to", "staging", "--fleet", "fleet"],
            'unknown app "nope" in fleet; apps there: shop',
        );
        const r = await promote("shop", "--from", "dev", "--to", "staging", "--fleet", "fleet");
        assert.equal(r.status, 0, r.stderr);
        assert.match(
            filesOf(join(s.dir, "fleet"))["apps/shop/overlays/staging/kustomization.yaml"],
            /newTag: 2\.0\.0\n$/,
        );
        const app = await promote("--from", "staging", "--to", "prod", "--repo", "payments");
        assert.equal(app.status, 0, app.stderr);
        assert.match(app.stdout, /\nPR title: Promote payments to prod: contoso\.azurecr\.io\/shop:1\.9\.0\n/);
        // Without --fleet, --app-repo or --repo: examples/fleet, relative to that directory too.
        await refused(
            ["shop", "--from", "dev", "--to", "staging"],
            "examples/fleet is not a fleet repository checkout (it has no apps/ directory)",
        );
        process.env.INIT_CWD = ROOT;
        const starter = await promote("my-service", "--from", "dev", "--to", "staging", "--dry-run");
        assert.equal(starter.status, 0, starter.stderr);
        assert.ok(
            starter.stdout.startsWith(
                "dry run, nothing written:\n--- a/apps/my-service/overlays/staging/kustomization.yaml\n",
            ),
            starter.stdout,
        );
    });

    it("lists the apps there, sorted, directories only (a symlinked one too), odd names quoted; (none) when there are none", async () => {
        const fleet = fleetRepo(join(s.dir, "fleet"), { zeta: RINGS(), alpha: RINGS(), "mid dir": RINGS() });
        writeFileSync(join(fleet, "apps/readme.md"), "# apps\n");
        symlinkSync(join(fleet, "apps/gone"), join(fleet, "apps/broken"));
        symlinkSync(join(fleet, "apps/alpha"), join(fleet, "apps/linked"));
        await refused(
            ["nope", "--from", "dev", "--to", "staging", "--fleet", fleet],
            `unknown app "nope" in ${fleet}; apps there: alpha, linked, "mid dir", zeta`,
        );
        // A file or a broken symlink is not an app, even when named.
        await refused(
            ["readme.md", "--from", "dev", "--to", "staging", "--fleet", fleet],
            `unknown app "readme.md" in ${fleet}; apps there: alpha, linked, "mid dir", zeta`,
        );
        const empty = fleetRepo(join(s.dir, "empty"), {});
        await refused(
            ["shop", "--from", "dev", "--to", "staging", "--fleet", empty],
            `unknown app "shop" in ${empty}; apps there: (none)`,
        );
    });

    it("names the missing overlay, from or to, and the overlays there: sorted, each a directory with a kustomization.yaml", async () => {
        const fleet = fleetRepo(join(s.dir, "fleet"), {
            shop: { staging: RINGS().staging, prod: RINGS().prod, canary: RINGS().dev },
        });
        mkdirSync(join(fleet, "apps/shop/overlays/dev"));
        writeFileSync(join(fleet, "apps/shop/overlays/dev/patches.yaml"), "");
        writeFileSync(join(fleet, "apps/shop/overlays/notes.md"), "");
        const before = filesOf(fleet);
        await refused(
            ["shop", "--from", "dev", "--to", "staging", "--fleet", fleet],
            "shop has no dev overlay (apps/shop/overlays/dev/kustomization.yaml); its overlays: canary, prod, staging",
        );
        assert.deepEqual(filesOf(fleet), before);

        const app = appRepo(join(s.dir, "app"), { dev: RINGS().dev, staging: RINGS().staging });
        await refused(
            ["--from", "staging", "--to", "prod", "--app-repo", app],
            `${app} (application repository) has no prod overlay (deploy/overlays/prod/kustomization.yaml); its overlays: dev, staging`,
        );

        // An app without overlays/, or with overlays as a file (before the fix: readdirSync's ENOTDIR, exit 1).
        mkdirSync(join(fleet, "apps/bare"));
        await refused(
            ["bare", "--from", "dev", "--to", "staging", "--fleet", fleet],
            "bare has no dev overlay (apps/bare/overlays/dev/kustomization.yaml); its overlays: (none)",
        );
        writeFileSync(join(fleet, "apps/bare/overlays"), "");
        await refused(
            ["bare", "--from", "dev", "--to", "staging", "--fleet", fleet],
            "bare has no dev overlay (apps/bare/overlays/dev/kustomization.yaml); its overlays: (none)",
        );
    });

    it("refuses an overlay that is not a regular file, or that resolves to the checkout's parent; allows a '..name' folder inside", async () => {
        const fleet = fleetRepo(join(s.dir, "fleet"), { shop: { dev: RINGS().dev } });
        mkdirSync(join(fleet, "apps/shop/overlays/staging/kustomization.yaml"), { recursive: true });
        await refused(
            ["shop", "--from", "dev", "--to", "staging", "--fleet", fleet],
            "apps/shop/overlays/staging/kustomization.yaml is not a regular file",
        );

        const up = fleetRepo(join(s.dir, "up"), { shop: { dev: RINGS().dev } });
        mkdirSync(join(up, "apps/shop/overlays/staging"));
        symlinkSync(s.dir, join(up, "apps/shop/overlays/staging/kustomization.yaml"));
        await refused(
            ["shop", "--from", "dev", "--to", "staging", "--fleet", up],
            `apps/shop/overlays/staging/kustomization.yaml resolves to ${realpathSync(s.dir)}, outside the fleet repository ${realpathSync(up)} (through a symlink): promote reads and writes only inside it`,
        );

        // "..shared" is a folder inside the checkout, not its parent: the promotion writes through the symlink into it.
        const inside = fleetRepo(join(s.dir, "inside"), { shop: { dev: RINGS().dev } });
        mkdirSync(join(inside, "..shared"));
        writeFileSync(join(inside, "..shared/staging.yaml"), RINGS().staging);
        mkdirSync(join(inside, "apps/shop/overlays/staging"));
        symlinkSync(
            join(inside, "..shared/staging.yaml"),
            join(inside, "apps/shop/overlays/staging/kustomization.yaml"),
        );
        const r = await promote("shop", "--from", "dev", "--to", "staging", "--fleet", inside);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(filesOf(inside)["..shared/staging.yaml"], RINGS().dev);
    });

    it("names an application repository after its directory's real name unless a name is given", async () => {
        const app = appRepo(join(s.dir, "payments"), RINGS());
        symlinkSync(app, join(s.dir, "link"));
        const title = async (...args: string[]) => {
            const r = await promote("--from", "dev", "--to", "staging", "--dry-run", ...args);
            assert.equal(r.status, 0, r.stderr);
            return /\nPR title: ([^\n]*)\n/.exec(r.stdout)![1];
        };
        assert.equal(
            await title("--app-repo", join(s.dir, "link")),
            "Promote payments to staging: contoso.azurecr.io/shop:2.0.0",
        );
        assert.equal(
            await title("--app-repo", `${app}/`),
            "Promote payments to staging: contoso.azurecr.io/shop:2.0.0",
        );
        assert.equal(
            await title("payments-api", "--repo", app),
            "Promote payments-api to staging: contoso.azurecr.io/shop:2.0.0",
        );
    });

    it("--dry-run prints exactly what the real run prints after one header line, and writes nothing", async () => {
        const dry = fleetRepo(join(s.dir, "dry"), { shop: RINGS() });
        const real = fleetRepo(join(s.dir, "real"), { shop: RINGS() });
        const before = filesOf(dry);
        const a = await promote("shop", "--from", "dev", "--to", "staging", "--dry-run", "--fleet", dry);
        const b = await promote("shop", "--from", "dev", "--to", "staging", "--fleet", real);
        assert.equal(a.status, 0, a.stderr);
        assert.equal(b.status, 0, b.stderr);
        assert.equal(a.stdout, `dry run, nothing written:\n${b.stdout}`);
        assert.deepEqual(filesOf(dry), before);
        assert.deepEqual(filesOf(real), {
            ...before,
            "apps/shop/overlays/staging/kustomization.yaml": RINGS().dev,
        });
    });
});
