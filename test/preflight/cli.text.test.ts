// What `npm run preflight` prints, in process and word for word: the result lines, the fix lines (only for what is
// not ok), the resource prefix (only where the detail does not name it), the summary's counts, plural and advice; and
// the usage errors it gives before it asks Azure anything.
import * as assert from "node:assert/strict";
import { formatText, main } from "../../preflight/cli";
import { UsageError } from "../../cli/usage";
import type { CheckResult } from "../../preflight/run-checks";

const SUB = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";

describe("npm run preflight's text", () => {
    it("a result line per result; fix lines for warnings and failures only; the resource when the detail lacks it", () => {
        const results: CheckResult[] = [
            {
                id: "vm-sizes",
                status: "ok",
                resource: "aks/system",
                detail: "Standard_D4ds_v5 offered in westeurope",
                fix: "ignored",
            },
            {
                id: "vcpu-quota",
                status: "warn",
                resource: "cores",
                detail: "Total Regional vCPUs: 2 left",
                fix: "az quota update",
            },
            {
                id: "vault-name",
                status: "fail",
                resource: "kv-x",
                detail: "the name kv-x is taken",
                fix: "choose another",
            },
            { id: "entra-groups", status: "ok", detail: "no groups" },
        ];
        assert.deepEqual(formatText("prod", SUB, results), [
            `preflight prod in subscription ${SUB}`,
            "ok  vm-sizes  aks/system: Standard_D4ds_v5 offered in westeurope",
            "WARN  vcpu-quota  cores: Total Regional vCPUs: 2 left",
            "      fix: az quota update",
            "FAIL  vault-name  the name kv-x is taken",
            "      fix: choose another",
            "ok  entra-groups  no groups",
            "summary: 2 ok, 1 warning, 1 failed: fix the failures above before `pulumi up`",
        ]);
    });

    it("the summary: warnings in the plural, and no failure means nothing found that would stop `pulumi up`", () => {
        const warn = (id: string): CheckResult => ({ id, status: "warn", detail: "d" });
        assert.equal(
            formatText("dev", SUB, [warn("a"), warn("b")]).at(-1),
            "summary: 0 ok, 2 warnings, 0 failed: nothing found that would stop `pulumi up`",
        );
        assert.equal(
            formatText("dev", SUB, []).at(-1),
            "summary: 0 ok, 0 warnings, 0 failed: nothing found that would stop `pulumi up`",
        );
    });
});

describe("npm run preflight's usage, before Azure is asked", () => {
    const run = async (argv: string[]) => {
        const lines: string[] = [];
        try {
            const code = await main(argv, { log: (l) => lines.push(l), env: {} });
            return { code, out: lines.join("\n") };
        } catch (e) {
            assert.ok(e instanceof UsageError, String(e));
            return { code: 2, out: e.message };
        }
    };

    it("--help and -h print the usage and exit 0", async () => {
        for (const flag of ["--help", "-h"]) {
            const { code, out } = await run([flag]);
            assert.equal(code, 0);
            assert.equal(
                out.split("\n")[0],
                "usage: npm run preflight -- --stack <name> [--subscription <id>] [--json] [--timeout 30s] [--validation-timeout 5m] [--state <file>]",
            );
            assert.match(
                out,
                /^Exit codes: 0 ok \(warnings allowed\), 1 a check failed, 2 bad usage or config, 4 not signed in or not allowed\.$/m,
            );
        }
    });

    it("no --stack", async () => {
        assert.deepEqual(await run([]), { code: 2, out: "--stack is required" });
        assert.deepEqual(await run(["--subscription", SUB]), { code: 2, out: "--stack is required" });
    });

    it("a --timeout or --validation-timeout that is not a duration names the option", async () => {
        const timeout = await run(["--stack", "dev", "--subscription", SUB, "--timeout", "soon"]);
        assert.equal(timeout.code, 2);
        assert.match(timeout.out, /^--timeout /);
        const validation = await run(["--stack", "dev", "--subscription", SUB, "--validation-timeout", "soon"]);
        assert.equal(validation.code, 2);
        assert.match(validation.out, /^--validation-timeout /);
    });
});
