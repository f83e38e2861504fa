// `npm run stacks` as a platform engineer types it (ci/stacks.ts main, in process, on the fixture project): the table
// in rollout order, the rollout document, each filter, and every refusal with the words it prints. The workflows' own
// modes (--matrix, --github-output, --azure-output) are held by test/ci/stacks.test.ts and stacks.order.test.ts.
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../ci/stacks";
import { UsageError } from "../../cli/usage";

const TABLE = [
    "stack             environment  ring  waves        role     location     vault",
    "dev               dev          0     vault        primary  westeurope   kv-contoso-sops-dev",
    "staging           staging      1     vault        primary  westeurope   kv-contoso-sops-staging",
    "prod              prod         2     vault+admit  primary  westeurope   kv-contoso-sops-prod",
    "prod-northeurope  prod         2     clusters     standby  northeurope  kv-contoso-sops-prod",
];

/** The UsageError `main` throws for `argv`, as its message. */
function refused(argv: string[], root?: string): string {
    try {
        main(argv, root);
    } catch (e) {
        assert.ok(e instanceof UsageError, `a UsageError, not ${String(e)}`);
        return e.message;
    }
    assert.fail(`npm run stacks -- ${argv.join(" ")} was accepted`);
}

describe("npm run stacks (ci/stacks.ts main)", () => {
    it("prints the stacks in rollout order as a table: columns as wide as their widest cell, two spaces apart, no trailing blanks", () => {
        assert.deepEqual(main([]), { code: 0, text: `${TABLE.join("\n")}\n` });
    });

    it("--ring, --role and --stack select rows, the columns sized to what is shown; an empty --stack (a dispatch input left blank) is every stack", () => {
        assert.equal(
            main(["--ring", "2"]).text,
            [
                "stack             environment  ring  waves        role     location     vault",
                "prod              prod         2     vault+admit  primary  westeurope   kv-contoso-sops-prod",
                "prod-northeurope  prod         2     clusters     standby  northeurope  kv-contoso-sops-prod",
                "",
            ].join("\n"),
        );
        assert.equal(
            main(["--ring", "0"]).text,
            [
                "stack  environment  ring  waves  role     location    vault",
                "dev    dev          0     vault  primary  westeurope  kv-contoso-sops-dev",
                "",
            ].join("\n"),
        );
        assert.equal(
            main(["--role", "standby"]).text,
            [
                "stack             environment  ring  waves     role     location     vault",
                "prod-northeurope  prod         2     clusters  standby  northeurope  kv-contoso-sops-prod",
                "",
            ].join("\n"),
        );
        assert.equal(main(["--stack", ""]).text, `${TABLE.join("\n")}\n`);
    });

    it("--json is the rollout (each ring's waves, empty waves kept, rings without stacks left out) and the stacks", () => {
        const all = JSON.parse(main(["--json"]).text) as { rollout: unknown[]; stacks: { stack: string }[] };
        assert.deepEqual(all.rollout, [
            { ring: 0, environment: "dev", vault: ["dev"], clusters: [], admit: [] },
            { ring: 1, environment: "staging", vault: ["staging"], clusters: [], admit: [] },
            { ring: 2, environment: "prod", vault: ["prod"], clusters: ["prod-northeurope"], admit: ["prod"] },
        ]);
        assert.deepEqual(
            all.stacks.map((s) => s.stack),
            ["dev", "staging", "prod", "prod-northeurope"],
        );
        const prod = JSON.parse(main(["--json", "--ring", "2"]).text) as { rollout: unknown[] };
        assert.deepEqual(prod.rollout, [
            { ring: 2, environment: "prod", vault: ["prod"], clusters: ["prod-northeurope"], admit: ["prod"] },
        ]);
        assert.deepEqual(JSON.parse(main(["--json", "--role", "secondary"]).text), { rollout: [], stacks: [] });
    });

    it("--help prints the usage, exit 0", () => {
        const { code, text } = main(["--help"]);
        assert.equal(code, 0);
        assert.match(text, /^usage:\n {2}npm run stacks {27}the committed stacks: environment, ring, waves, role/);
        assert.match(text, /\n {2}--ring <n> {6}only ring n \(0 dev, 1 staging, 2 prod\)\n/);
        assert.ok(text.endsWith("an unknown name is an error)\n"));
    });

    it("refuses a ring that is not 0, 1 or 2, an unknown role, an unknown stack and two output modes, naming what is allowed", () => {
        for (const ring of ["-1", "3", "1.5", "two", ""]) {
            assert.equal(
                refused([`--ring=${ring}`]),
                "--ring must be 0-2 (0 dev, 1 staging, 2 prod)",
                `--ring ${JSON.stringify(ring)}`,
            );
        }
        assert.equal(refused(["--role", "leader"]), "--role must be one of primary, secondary, standby");
        assert.equal(
            refused(["--stack", "qa"]),
            'unknown stack "qa": no Pulumi.qa.yaml. Committed stacks: dev, prod, prod-northeurope, staging',
        );
        assert.equal(
            refused(["--json", "--matrix"]),
            "choose one of --json, --matrix, --github-output and --azure-output",
        );
        assert.equal(
            refused(["--github-output", "--azure-output"]),
            "choose one of --json, --matrix, --github-output and --azure-output",
        );
    });

    it("in a project with no stacks yet: an empty table, and an unknown --stack says there are none", () => {
        const empty = mkdtempSync(join(tmpdir(), "stacks-cli-"));
        try {
            writeFileSync(join(empty, "Pulumi.yaml"), readFileSync(join(__dirname, "../fixtures/project/Pulumi.yaml")));
            assert.deepEqual(main([], empty), {
                code: 0,
                text: "stack  environment  ring  waves  role  location  vault\n",
            });
            assert.equal(
                refused(["--stack", "prod"], empty),
                'unknown stack "prod": no Pulumi.prod.yaml. Committed stacks: none',
            );
        } finally {
            rmSync(empty, { recursive: true, force: true });
        }
    });

    it("--github-output needs GITHUB_OUTPUT, which GitHub Actions sets", () => {
        assert.throws(
            () => main(["--github-output"], undefined, {}),
            (e: unknown) =>
                e instanceof UsageError && e.message === "--github-output needs GITHUB_OUTPUT (set by GitHub Actions)",
        );
    });
});
