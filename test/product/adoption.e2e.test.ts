// Adoption day, as a new team does it from the README, in a scratch copy of this checkout: remove the example tenant
// (README "Make it yours": npm run new-tenant -- --remove payments) and every example stack, write a prod stack
// (GitHub over ssh, --save-org), a dev stack (Azure DevOps over https) and a DR standby with new-stack, add a cluster
// by "Add a cluster in three steps", render the fleet repo, then run the README's test command there. It must be
// green: the product's tests own their fixtures, and the user's stacks are held only by the generic suite
// (test/product/committed-stacks.test.ts), which must pass for these stacks too.
import * as assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseDocument } from "yaml";
import { ROOT } from "../../stacks/paths";

// Set in the scratch copy's own test run, so that run does not adopt again (it would never end).
const NESTED = "AKS_GITOPS_ADOPTION_RUN";

describe("adoption day: a team replaces the example stacks, adds a DR and a fourth cluster, and the tests stay green", function () {
    this.timeout(15 * 60 * 1000);
    let work: string;
    let project: string;
    let fleet: string;

    // The user's environment: no fixture project (that is the product's tests' own setting), nothing of this run's.
    const env = (): NodeJS.ProcessEnv => {
        const e: NodeJS.ProcessEnv = { ...process.env, [NESTED]: "1", FLEET_REPO: fleet };
        delete e.AKS_GITOPS_PROJECT_DIR;
        delete e.COMMITTED_STACKS_DIR;
        return e;
    };
    const npm = (args: string[]): SpawnSyncReturns<string> =>
        spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", args, {
            cwd: project,
            env: env(),
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            maxBuffer: 64 * 1024 * 1024,
        });
    const ok = (r: SpawnSyncReturns<string>, what: string) =>
        assert.equal(r.status, 0, `${what} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);

    before(function () {
        if (process.env[NESTED]) {
            this.skip();
        }
        work = mkdtempSync(join(tmpdir(), "aks-gitops-adoption-"));
        project = join(work, "platform");
        fleet = join(work, "fleet");
        // What a clone of this checkout holds: the tracked files and the new ones git does not ignore.
        const files = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.equal(files.status, 0, files.stderr);
        for (const file of files.stdout
            .split("\0")
            .filter((f) => f !== "" && f !== "node_modules" && existsSync(join(ROOT, f)))) {
            mkdirSync(dirname(join(project, file)), { recursive: true });
            cpSync(join(ROOT, file), join(project, file));
        }
        symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"), "dir");
    });

    after(() => {
        if (work) {
            rmSync(work, { recursive: true, force: true });
        }
    });

    it('removes the example tenant as README "Make it yours" does', () => {
        const removed = npm(["run", "--silent", "new-tenant", "--", "--remove", "payments"]);
        ok(removed, "new-tenant --remove payments");
        assert.match(removed.stdout, /^removed tenant payments from .*Pulumi\.yaml \(org\.tenants\.payments\)$/m);
        const org = parseDocument(readFileSync(join(project, "Pulumi.yaml"), "utf8")).getIn([
            "config",
            "org",
            "value",
        ]) as { toJSON(): Record<string, unknown> };
        assert.equal(org.toJSON().tenants, undefined, "no tenants left");
    });

    it("removes every example stack", () => {
        for (const stack of ["dev", "staging", "prod", "prod-northeurope"]) {
            rmSync(join(project, `Pulumi.${stack}.yaml`));
        }
        assert.deepEqual(
            spawnSync("ls", [project], { encoding: "utf8" })
                .stdout.split("\n")
                .filter((f) => /^Pulumi\..+\.yaml$/.test(f)),
            [],
        );
    });

    it("writes a prod stack for a GitHub fleet over ssh and stores the organisation's fleet and receivers", () => {
        ok(
            npm([
                "run",
                "--silent",
                "new-stack",
                "--",
                "prod-westeurope",
                "--yes",
                "--environment",
                "prod",
                "--region",
                "westeurope",
                "--fleet-url",
                "ssh://git@github.com/acme/fleet.git",
                "--save-org",
                "--admin-group",
                "aks-prod-admins",
                "--encryptor-group",
                "sops-encryptors",
                "--api-range",
                "198.51.100.0/26",
                "--vault-range",
                "198.51.100.0/26",
                "--vault-name",
                "kv-acme-sops-prod",
                "--alert-email",
                "on-call=oncall@acme.example",
            ]),
            "new-stack prod-westeurope",
        );
        const org = parseDocument(readFileSync(join(project, "Pulumi.yaml"), "utf8")).getIn([
            "config",
            "org",
            "value",
        ]) as { toJSON(): unknown };
        assert.deepEqual(
            org.toJSON(),
            {
                fleet: { url: "ssh://git@github.com/acme/fleet.git", branch: "main" },
                receivers: { emails: [{ name: "on-call", address: "oncall@acme.example" }] },
            },
            "the example's contoso receivers and its tenant payments are gone",
        );
    });

    it("writes a dev stack for an Azure DevOps fleet over https", () => {
        ok(
            npm([
                "run",
                "--silent",
                "new-stack",
                "--",
                "dev-westeurope",
                "--yes",
                "--environment",
                "dev",
                "--region",
                "westeurope",
                "--fleet-url",
                "https://dev.azure.com/acme/platform/_git/fleet",
                "--admin-group",
                "aks-dev-admins",
                "--encryptor-group",
                "sops-encryptors",
                "--vault-name",
                "kv-acme-sops-dev",
            ]),
            "new-stack dev-westeurope",
        );
    });

    it("writes prod's DR cluster on standby, using prod's key", () => {
        ok(
            npm([
                "run",
                "--silent",
                "new-stack",
                "--",
                "prod-northeurope",
                "--yes",
                "--environment",
                "prod",
                "--region",
                "northeurope",
                "--standby",
                "--use-key-of",
                "prod-westeurope",
                "--admin-group",
                "aks-prod-admins",
                "--api-range",
                "198.51.100.0/26",
            ]),
            "new-stack prod-northeurope",
        );
    });

    it("adds a cluster in the README's three steps: the stack file with the owner's admitted prefix, the fleet directory", () => {
        const written = npm([
            "run",
            "--silent",
            "new-stack",
            "--",
            "prod-eastus2",
            "--yes",
            "--environment",
            "prod",
            "--region",
            "eastus2",
            "--use-key-of",
            "prod-westeurope",
            "--admin-group",
            "aks-prod-admins",
            "--api-range",
            "198.51.100.0/26",
        ]);
        ok(written, "new-stack prod-eastus2");
        // Step 1's second half: the new cluster's and the DR cluster's egress prefixes in the owner's admitted list.
        const owner = join(project, "Pulumi.prod-westeurope.yaml");
        const doc = parseDocument(readFileSync(owner, "utf8"));
        doc.setIn(
            ["config", "aks-gitops:sops", "admitEgressPrefixIds"],
            [
                "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope",
                "/resourceGroups/rg-aks-prod-eastus2/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-eastus2",
            ],
        );
        writeFileSync(owner, doc.toString());
        // Step 2: the fleet directories (a new fleet repo: the first one scaffolds the shared layers).
        ok(
            npm(["run", "--silent", "fleet", "--", "--stack", "prod-westeurope", "--out", fleet, "--scaffold"]),
            "fleet --scaffold",
        );
        for (const stack of ["dev-westeurope", "prod-northeurope", "prod-eastus2"]) {
            ok(npm(["run", "--silent", "fleet", "--", "--stack", stack, "--out", fleet]), `fleet ${stack}`);
        }
        assert.ok(existsSync(join(fleet, "clusters", "prod-eastus2", "kustomization.yaml")));
        // Step 3 (merge) is CI's: the stack is in its ring.
        const stacks = npm(["run", "--silent", "stacks", "--", "--json"]);
        ok(stacks, "npm run stacks");
        assert.match(stacks.stdout, /prod-eastus2/);
    });

    it("runs the README's test command in the adopted copy: green, with the generic suite holding the new stacks", () => {
        const test = npm(["test"]);
        const output = `${test.stdout}\n${test.stderr}`;
        const failures = output
            .slice(Math.max(0, output.search(/\d+ failing/)))
            .split("\n")
            .filter((l) => !/MaxListenersExceededWarning/.test(l));
        assert.equal(test.status, 0, failures.join("\n").slice(0, 8000));
        assert.doesNotMatch(output, /\d+ failing/);
        assert.match(
            output,
            /the committed stacks \(dev-westeurope, prod-eastus2, prod-northeurope, prod-westeurope in /,
        );
        assert.match(output, /matches its cluster directory clusters\/prod-eastus2 in /);
    });
});
