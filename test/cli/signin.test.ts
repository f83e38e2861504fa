// Which subscription verify and preflight work in (cli/signin.ts): --subscription, then AZURE_SUBSCRIPTION_ID,
// then ARM_SUBSCRIPTION_ID, then the Azure CLI's default subscription (`az account show`), printed with where it came
// from; a stack on standby needs none. The Azure CLI here is a fake `az` on a PATH of its own, answering as the real
// one does (Azure/azure-cli: command_modules/profile/custom.py show_subscription -> core/_profile.py get_subscription);
// ARM and Graph are nock fakes with the network shut (nock.disableNetConnect()).
import * as assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TokenCredential } from "@azure/identity";
import { azureCliDefault, describeSubscription, resolveSubscription, Subscription } from "../../cli/signin";
import { failure, UsageError } from "../../cli/usage";
import { main as preflight } from "../../preflight/cli";
import type { StackFacts } from "../../preflight/stack";
import * as verifyCli from "../../verify/cli";
import { ARM, FAST_RETRY, GRAPH, stackFacts, World } from "../fixtures/preflight/world";
import { lazy } from "../../cli/lazy";
import { sharedCaptures } from "../support/share-captures";

const SUB = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";
const OTHER = "7d2f0c4e-1b3a-4e5f-8a9b-0c1d2e3f4a5b";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/** `az account show --output json` of a signed-in user, shaped as azure-cli's _profile.py stores an account. */
const account = (over: Record<string, unknown> = {}) =>
    `${JSON.stringify({ environmentName: "AzureCloud", homeTenantId: TENANT, id: SUB, isDefault: true, managedByTenants: [], name: "Contoso Platform", state: "Enabled", tenantId: TENANT, user: { name: "dev@contoso.example", type: "user" }, ...over }, null, 2)}\n`;

// The Azure CLI's own words (azure-cli core/_profile.py: _AZ_LOGIN_MESSAGE; get_subscription without a default).
const NOT_LOGGED_IN = "ERROR: Please run 'az login' to setup account.\n";
const NO_DEFAULT = "ERROR: No subscription found. Run 'az account set' to select a subscription.\n";

const MISSING =
    "a subscription id is required: --subscription <id>, AZURE_SUBSCRIPTION_ID / ARM_SUBSCRIPTION_ID, or the Azure CLI's default subscription (az login, then az account set --subscription <id>); the Azure CLI has none: ";

let dir: string;

/** A fake `az` alone on PATH: records its arguments and working directory, prints `stdout`/`stderr`, exits `code`. */
function fakeAz(stdout: string, stderr = "", code = 0): Record<string, string> {
    const bin = mkdtempSync(join(dir, "bin-"));
    writeFileSync(
        join(bin, "az"),
        `#!${process.execPath}\n` +
            `require("fs").appendFileSync(${JSON.stringify(join(bin, "calls"))}, JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd() }) + "\\n");\n` +
            `process.stdout.write(${JSON.stringify(stdout)});\nprocess.stderr.write(${JSON.stringify(stderr)});\nprocess.exitCode = ${code};\n`,
    );
    chmodSync(join(bin, "az"), 0o755);
    return { PATH: bin, HOME: dir };
}

const calls = (env: Record<string, string>) => {
    const file = join(env.PATH, "calls");
    return existsSync(file)
        ? readFileSync(file, "utf8")
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l) as { args: string[]; cwd: string })
        : [];
};

describe("the subscription verify and preflight use", () => {
    sharedCaptures();
    before(() => {
        dir = mkdtempSync(join(tmpdir(), "signin-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    describe("none given: the Azure CLI's default subscription", () => {
        it("asks `az account show --output json` from /bin, and keeps the id, the name and where it came from", async () => {
            const env = fakeAz(account());
            const s = await resolveSubscription(undefined, env);
            assert.deepEqual(s, { id: SUB, name: "Contoso Platform", source: "az" });
            assert.deepEqual(calls(env), [
                { args: ["account", "show", "--output", "json"], cwd: realpathSync("/bin") },
            ]);
            assert.equal(
                describeSubscription(s),
                `${SUB} "Contoso Platform" (the Azure CLI's default subscription, az account show)`,
            );
        });

        it("says a state other than Enabled", async () => {
            const s = await azureCliDefault(fakeAz(account({ state: "Warned" })));
            assert.equal(
                describeSubscription(s),
                `${SUB} "Contoso Platform" (the Azure CLI's default subscription, az account show; state Warned)`,
            );
        });

        it("is never asked when a subscription is given: flag, then AZURE_SUBSCRIPTION_ID, then ARM_SUBSCRIPTION_ID", async () => {
            const env = fakeAz(account());
            assert.deepEqual(await resolveSubscription(OTHER, { ...env, AZURE_SUBSCRIPTION_ID: SUB }), {
                id: OTHER,
                source: "--subscription",
            });
            assert.deepEqual(
                await resolveSubscription(undefined, {
                    ...env,
                    AZURE_SUBSCRIPTION_ID: OTHER,
                    ARM_SUBSCRIPTION_ID: SUB,
                }),
                { id: OTHER, source: "AZURE_SUBSCRIPTION_ID" },
            );
            assert.deepEqual(
                await resolveSubscription(undefined, { ...env, AZURE_SUBSCRIPTION_ID: "", ARM_SUBSCRIPTION_ID: OTHER }),
                { id: OTHER, source: "ARM_SUBSCRIPTION_ID" },
            );
            assert.deepEqual(calls(env), []);
            assert.equal(
                describeSubscription({ id: OTHER, source: "--subscription" }),
                `${OTHER} (from --subscription)`,
            );
            assert.equal(
                describeSubscription({ id: OTHER, source: "AZURE_SUBSCRIPTION_ID" }),
                `${OTHER} (from AZURE_SUBSCRIPTION_ID)`,
            );
            assert.equal(
                describeSubscription({ id: OTHER, source: "ARM_SUBSCRIPTION_ID" }),
                `${OTHER} (from ARM_SUBSCRIPTION_ID)`,
            );
            await assert.rejects(resolveSubscription("", env), {
                name: "UsageError",
                message:
                    '--subscription "" is not a subscription id (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): it has 0 hex digits instead of 32',
            });
        });

        it("when the Azure CLI has none, says why: exit 2, and the ways to give one", async () => {
            const cases: [Record<string, string>, string][] = [
                [fakeAz("", NOT_LOGGED_IN, 1), "it is not signed in (az login)"],
                [
                    fakeAz("", NO_DEFAULT, 1),
                    "az account show failed: No subscription found. Run 'az account set' to select a subscription.",
                ],
                [{ PATH: join(dir, "no-az-here"), HOME: dir }, "az is not installed (https://aka.ms/azure-cli)"],
                [
                    fakeAz(account({ id: TENANT, name: "N/A(tenant level account)" })),
                    `its default account is a tenant (${TENANT}; az login --allow-no-subscriptions), not a subscription`,
                ],
                [
                    fakeAz("Traceback (most recent call last):\n"),
                    'az account show printed no JSON account: "Traceback (most recent call last):\\n"',
                ],
            ];
            for (const [env, why] of cases) {
                const e = await resolveSubscription(undefined, env).catch((err: unknown) => err);
                assert.ok(e instanceof UsageError, `${why}: ${String(e)}`);
                assert.equal(e.message, `${MISSING}${why}`);
                assert.equal(failure(e, "usage", "verify").code, 2);
            }
            await assert.rejects(azureCliDefault(fakeAz(account({ id: `/subscriptions/${SUB}` }))), {
                message: `the Azure CLI's default subscription "/subscriptions/${SUB}" is not a subscription id (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): give the id alone, not a resource path`,
            });
        });
    });

    describe("npm run verify", () => {
        let nock: typeof import("nock");
        const saved: Record<string, string | undefined> = {};
        before(() => {
            nock = lazy.nock();
            if (!nock.isActive()) {
                nock.activate();
            }
            nock.disableNetConnect();
            // The run's own variables must not stand in for what these cases leave out.
            for (const k of ["AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"]) {
                saved[k] = process.env[k];
                delete process.env[k];
            }
        });
        afterEach(() => nock.cleanAll());
        after(() => {
            for (const [k, v] of Object.entries(saved)) {
                if (v !== undefined) {
                    process.env[k] = v;
                }
            }
            nock.enableNetConnect();
            nock.restore();
        });

        const refusing: TokenCredential = {
            getToken: () => Promise.reject(new Error("a stack on standby must not sign in")),
        };

        it("of a stack on standby needs no subscription and no sign-in, and does not ask the Azure CLI", async () => {
            const env = fakeAz("", NOT_LOGGED_IN, 1);
            const lines: string[] = [];
            const code = await verifyCli.main(
                ["--stack", "prod-northeurope"],
                { credential: refusing, endpoint: ARM, env },
                (l) => lines.push(l),
            );
            assert.equal(code, 0);
            assert.deepEqual(lines, ["prod-northeurope is on standby (no cluster yet): nothing to reconcile"]);
            assert.deepEqual(calls(env), []);
            // A malformed subscription given is still a mistake.
            await assert.rejects(
                verifyCli.main(
                    ["--stack", "prod-northeurope", "--subscription", "{" + SUB + "}"],
                    { credential: refusing, env },
                    () => {},
                ),
                {
                    message: `--subscription "{${SUB}}" is not a subscription id (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): drop the braces`,
                },
            );
        });

        it("of an active stack uses the Azure CLI's default subscription and says so", async () => {
            const env = fakeAz(account());
            const path = `/subscriptions/${SUB}/resourceGroups/rg-aks-prod-westeurope/providers/Microsoft.ContainerService/managedClusters/aks-prod-westeurope/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/flux-system`;
            const fixture = JSON.parse(
                readFileSync(join(__dirname, "..", "fixtures", "flux-configuration.json"), "utf8"),
            ) as object;
            const scope = nock(ARM)
                .get(path)
                .query({ "api-version": "2023-05-01" })
                .reply(200, fixture)
                // The fixture stack's tenant payments: verify lists the cluster's configurations in the same subscription.
                .get(path.replace(/\/flux-system$/, ""))
                .query({ "api-version": "2023-05-01" })
                .reply(200, readFileSync(join(__dirname, "..", "fixtures", "flux-configurations-list.json"), "utf8"));
            const credential: TokenCredential = {
                getToken: () => Promise.resolve({ token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
            };
            const lines: string[] = [];
            const code = await verifyCli.main(
                ["--stack", "prod", "--timeout", "1m", "--interval", "1s"],
                { credential, endpoint: ARM, env },
                (l) => lines.push(l),
            );
            assert.equal(code, 0, lines.join("\n"));
            assert.equal(
                lines[0],
                `verifying aks-prod-westeurope/flux-system and its tenants' tenant-payments in rg-aks-prod-westeurope (timeout 1m), subscription ${SUB} "Contoso Platform" (the Azure CLI's default subscription, az account show)`,
            );
            assert.ok(scope.isDone(), "the Flux configurations were read in the Azure CLI's subscription");
        });

        it("of an active stack without a subscription anywhere: exit 2 with why, before signing in", async () => {
            const run = await verifyCli
                .main(["--stack", "prod"], { credential: refusing, env: fakeAz("", NOT_LOGGED_IN, 1) }, () => {})
                .catch((e: unknown) => e);
            assert.ok(run instanceof UsageError);
            assert.equal(run.message, `${MISSING}it is not signed in (az login)`);
        });
    });

    describe("npm run preflight", function () {
        this.timeout(60_000);
        let nock: typeof import("nock");
        let facts: StackFacts;
        before(async () => {
            facts = await stackFacts("prod");
            nock = lazy.nock();
            if (!nock.isActive()) {
                nock.activate();
            }
            nock.disableNetConnect();
        });
        afterEach(() => nock.cleanAll());
        after(() => {
            nock.enableNetConnect();
            nock.restore();
        });
        const credential: TokenCredential = {
            getToken: () => Promise.resolve({ token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
        };

        const run = async (args: string[], env: Record<string, string>) => {
            nock.cleanAll();
            const world = new World(facts, nock);
            const lines: string[] = [];
            const code = await preflight(["--stack", "prod", ...args], {
                credential,
                endpoint: ARM,
                graphEndpoint: GRAPH,
                retry: FAST_RETRY,
                timeoutMs: 5000,
                facts: () => Promise.resolve(facts),
                log: (l) => lines.push(l),
                env,
            });
            return { code, lines, world };
        };

        it("uses the Azure CLI's default subscription when none is given, and its first line says which and where from", async () => {
            const env = fakeAz(account());
            const { code, lines, world } = await run([], env);
            assert.equal(code, 0, lines.join("\n"));
            assert.equal(
                lines[0],
                `preflight prod in subscription ${SUB} "Contoso Platform" (the Azure CLI's default subscription, az account show)`,
            );
            assert.ok(
                world.calls.filter((c) => c.path.startsWith(`/subscriptions/${SUB}/`)).length >= 10,
                world.calls.map((c) => c.path).join("\n"),
            );
            assert.deepEqual(
                world.calls
                    .filter(
                        (c) =>
                            !c.path.startsWith("graph:") &&
                            !c.path.startsWith(`/subscriptions/${SUB}/`) &&
                            !c.path.startsWith("/providers/"),
                    )
                    .map((c) => c.path),
                [],
                "every ARM call in the Azure CLI's subscription",
            );
            assert.equal(calls(env).length, 1);
        });

        it("puts the subscription and its source in the JSON document", async () => {
            const fromCli = await run(["--json"], fakeAz(account()));
            const doc = JSON.parse(fromCli.lines.join("\n")) as { subscriptionId: string; subscription: Subscription };
            assert.equal(doc.subscriptionId, SUB);
            assert.deepEqual(doc.subscription, { id: SUB, name: "Contoso Platform", source: "az" });
            const env = fakeAz(account());
            const fromVariable = await run(["--json"], { ...env, ARM_SUBSCRIPTION_ID: SUB });
            assert.deepEqual(
                (JSON.parse(fromVariable.lines.join("\n")) as { subscription: Subscription }).subscription,
                { id: SUB, source: "ARM_SUBSCRIPTION_ID" },
            );
            assert.deepEqual(calls(env), [], "a subscription given: the Azure CLI is not asked");
        });

        it("without a subscription anywhere: exit 2 naming the ways to give one, before planning or signing in", async () => {
            let planned = false;
            const e = await preflight(["--stack", "prod"], {
                credential,
                facts: () => ((planned = true), Promise.resolve(facts)),
                log: () => {},
                env: { PATH: join(dir, "no-az-here") },
            }).catch((err: unknown) => err);
            assert.ok(e instanceof UsageError);
            assert.equal(e.message, `${MISSING}az is not installed (https://aka.ms/azure-cli)`);
            assert.equal(planned, false);
        });
    });
});
