// npm run preflight against a fake ARM and Graph (nock; fixtures shaped from the REST API specs' examples in
// test/fixtures/preflight/): every check passes and fails as described, the SDK's retry policy, 403/404/429/5xx and a
// timeout, exit codes 0/1/2/4, and the ARM template submitted for validation. No request leaves this machine.
import * as assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialUnavailableError } from "@azure/identity";
import { CHECKS, main, MainOptions, SIGN_IN_HINT, subscriptionFrom } from "../../preflight/cli";
import { failure, UsageError } from "../../cli/usage";
import type { StackFacts } from "../../preflight/stack";
import { allowed, matches } from "../../preflight/checks/permissions";
import { judgeVersion } from "../../preflight/checks/kubernetes";
import {
    ARM,
    armError,
    credential,
    FAST_RETRY,
    fixture,
    GRAPH,
    groupId,
    Json,
    pinnedMinor,
    stackFacts,
    SUBSCRIPTION,
    versionsWith,
    World,
} from "../fixtures/preflight/world";
import { lazy } from "../../cli/lazy";
import { T } from "../support/tokens";

// Loaded in before(), not at import: nock patches Node's networking as soon as it loads (see test/verify/cli.test.ts).
let nock: typeof import("nock");
const facts: Record<string, StackFacts> = {};

async function preflight(
    stack: string,
    setup: (w: World) => void = () => {},
    extra: Partial<MainOptions> & { args?: string[] } = {},
) {
    nock.cleanAll(); // one fake world per run: an earlier one's persistent interceptors would answer first
    const world = new World(facts[stack], nock);
    setup(world);
    const lines: string[] = [];
    const code = await main(["--stack", stack, "--subscription", SUBSCRIPTION, ...(extra.args ?? [])], {
        credential,
        endpoint: ARM,
        graphEndpoint: GRAPH,
        retry: FAST_RETRY,
        // Generous: the fakes answer at once, but CI runs this beside other suites on two busy cores.
        timeoutMs: 15000,
        facts: (s) => Promise.resolve(facts[s]),
        log: (l) => lines.push(l),
        ...extra,
    });
    return { code, out: lines.join("\n"), lines, world };
}

const line = (out: string, prefix: string) => out.split("\n").find((l) => l.startsWith(prefix));

describe("npm run preflight", function () {
    this.timeout(20_000);

    before(async () => {
        for (const stack of ["prod", "dev", "prod-northeurope"]) {
            facts[stack] = await stackFacts(stack);
        }
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

    describe("a subscription where everything is in order", () => {
        for (const stack of ["prod", "dev", "prod-northeurope"]) {
            it(`${stack}: every check ok, exit 0`, async () => {
                const { code, out, lines } = await preflight(stack);
                assert.equal(code, 0, out);
                // The DR stack is committed on standby: it is checked as its activation would deploy it.
                const label =
                    stack === "prod-northeurope"
                        ? "prod-northeurope (on standby: checked as activated, standby false)"
                        : stack;
                assert.equal(lines[0], `preflight ${label} in subscription ${SUBSCRIPTION} (from --subscription)`);
                assert.doesNotMatch(out, /^(FAIL|WARN) /m, out);
                for (const check of CHECKS) {
                    assert.ok(line(out, `ok  ${check.id}  `), `a line for ${check.id}:\n${out}`);
                }
                assert.match(
                    out,
                    /^summary: \d+ ok, 0 warnings, 0 failed: nothing found that would stop `pulumi up`$/m,
                );
            });
        }

        it("checks a standby stack's cluster as activation would create it", async () => {
            const { out } = await preflight("prod-northeurope");
            assert.match(out, /^ok {2}kubernetes-version {2}.*1\.36/m);
            assert.match(out, /^ok {2}vm-sizes {2}/m);
            assert.doesNotMatch(out, /creates no AKS cluster/);
        });

        it("prints one JSON document for CI with --json", async () => {
            const { code, out } = await preflight("prod", () => {}, { args: ["--json"] });
            assert.equal(code, 0);
            const doc = JSON.parse(out) as {
                stack: string;
                subscriptionId: string;
                checks: { id: string; status: string }[];
                exitCode: number;
            };
            assert.equal(doc.stack, "prod");
            assert.equal(doc.subscriptionId, SUBSCRIPTION);
            assert.equal(doc.exitCode, 0);
            assert.deepEqual(
                [...new Set(doc.checks.map((c) => c.id))],
                CHECKS.map((c) => c.id),
            );
        });

        it("reads the groups given by name with the caller's token and lists the ids", async () => {
            const { out, world } = await preflight("prod");
            assert.equal(
                line(out, 'ok  entra-groups  group "aks-prod-admins"'),
                `ok  entra-groups  group "aks-prod-admins" is ${groupId("aks-prod-admins")}`,
            );
            assert.equal(
                world.count("GET", /^graph:\/v1\.0\/groups\?\$filter=displayName eq 'aks-prod-admins'/),
                1,
                "one Graph call per name, shared with the template",
            );
        });

        it("looks groups up as the program does: security-enabled groups only", async () => {
            const { world } = await preflight("prod");
            // azuread getGroup({displayName, securityEnabled: true}) asks Graph for exactly this filter
            // (terraform-provider-azuread internal/services/groups/group_data_source.go).
            assert.equal(
                world.count(
                    "GET",
                    /^graph:\/v1\.0\/groups\?\$filter=displayName eq 'aks-prod-admins' and securityEnabled eq true&/,
                ),
                1,
            );
            // A mail-enabled distribution list of the same name is no second match for the program, nor for preflight.
            const both = await preflight("prod", (w) =>
                w.on("GET", /^graph:\/v1\.0\/groups\?\$filter=displayName eq 'aks-prod-admins'/, [
                    200,
                    {
                        value: [
                            {
                                id: "11111111-1111-4111-a111-111111111111",
                                displayName: "aks-prod-admins",
                                securityEnabled: true,
                            },
                            {
                                id: "22222222-2222-4222-a222-222222222222",
                                displayName: "aks-prod-admins",
                                securityEnabled: false,
                            },
                        ],
                    },
                ]),
            );
            assert.equal(
                line(both.out, 'ok  entra-groups  group "aks-prod-admins"'),
                'ok  entra-groups  group "aks-prod-admins" is 11111111-1111-4111-a111-111111111111',
            );
        });
    });

    describe("ARM deployment validation", () => {
        it("fails per resource with ARM's own errors", async () => {
            const { code, out } = await preflight("prod", (w) =>
                w.on("POST", /\/validate\?/, [400, fixture("validate-invalid")]),
            );
            assert.equal(code, 1);
            assert.equal(
                line(out, "FAIL  arm-validation  prod-westeurope-aks-cluster"),
                "FAIL  arm-validation  prod-westeurope-aks-cluster: K8sVersionNotSupported: Managed cluster aks-prod-westeurope is on version 1.33, which is only available for Long-Term Support (LTS). If you intend to onboard to LTS, please ensure the cluster is in Premium tier and LTS support plan.",
            );
            assert.equal(
                line(out, "FAIL  arm-validation  prod-westeurope-sops-vault"),
                "FAIL  arm-validation  prod-westeurope-sops-vault: VaultAlreadyExists: The vault name 'kv-contoso-sops-prod' is already in use.",
            );
        });

        it("submits one subscription-scoped deployment and follows 202 + Location", async () => {
            let posted: { location?: string; properties?: { mode?: string; template?: { resources?: unknown[] } } } =
                {};
            const { code, world } = await preflight("prod", (w) =>
                w
                    .on(
                        "POST",
                        /\/providers\/Microsoft\.Resources\/deployments\/preflight-prod\/validate\?api-version=2025-04-01$/,
                        (_p, body) => {
                            posted = body as typeof posted;
                            return [
                                202,
                                undefined,
                                {
                                    location: `${ARM}/subscriptions/${SUBSCRIPTION}/operationResults/abc?api-version=2025-04-01`,
                                    "retry-after": "0",
                                },
                            ];
                        },
                    )
                    .on("GET", /\/operationResults\/abc\?/, [200, fixture("validate-ok")]),
            );
            assert.equal(code, 0);
            assert.equal(world.count("GET", /\/operationResults\/abc/), 1);
            assert.equal(posted.location, "westeurope");
            assert.equal(posted.properties?.mode, "Incremental");
            assert.ok((posted.properties?.template?.resources ?? []).length > 0);
        });

        it("waits for ARM's validation longer than the per-check timeout, polling the long-running operation", async () => {
            const later = (ms: number, reply: [number, unknown?, Record<string, string>?]) => () =>
                new Promise<[number, unknown?, Record<string, string>?]>((resolve) =>
                    setTimeout(() => resolve(reply), ms),
                );
            const location = {
                location: `${ARM}/subscriptions/${SUBSCRIPTION}/operationResults/slow?api-version=2025-04-01`,
                "retry-after": "0",
            };
            const { code, out, world } = await preflight(
                "prod",
                (w) =>
                    w
                        .on("POST", /\/validate\?/, [202, undefined, location])
                        .on("GET", /\/operationResults\/slow\?/, later(400, [200, fixture("validate-ok")]))
                        .on("GET", /\/operationResults\/slow\?/, later(400, [202, undefined, location]), 1),
                // ARM's validation takes 0.8 s, past this per-check limit. Every other check answers at once; one
                // that misses the limit on a loaded machine fails on its own, which the last assertion allows.
                { timeoutMs: 500 },
            );
            assert.equal(world.count("GET", /\/operationResults\/slow/), 2);
            assert.match(out, /^ok {2}arm-validation {2}ARM accepted \d+ resources/m);
            assert.doesNotMatch(out, /^FAIL {2}arm-validation/m);
            assert.ok(code === 0 || /^FAIL {2}(?!arm-validation)/m.test(out), out);
        });

        it("gives up on ARM's validation after --validation-timeout, saying how to give it longer", async () => {
            const location = {
                location: `${ARM}/subscriptions/${SUBSCRIPTION}/operationResults/stuck?api-version=2025-04-01`,
                "retry-after": "0",
            };
            const { code, out } = await preflight(
                "dev",
                (w) =>
                    w
                        .on("POST", /\/validate\?/, [202, undefined, location])
                        .on(
                            "GET",
                            /\/operationResults\/stuck\?/,
                            () => new Promise((resolve) => setTimeout(() => resolve([202, undefined, location]), 50)),
                        ),
                { args: ["--validation-timeout", "400ms"] },
            );
            assert.equal(code, 1);
            assert.equal(
                line(out, "FAIL  arm-validation"),
                "FAIL  arm-validation  could not be checked: no answer within 400ms; ARM may still be validating: give it longer with --validation-timeout (e.g. 10m)",
            );
        });

        it("says how many resources ARM validated fully and which only partly, with the values they wait for", async () => {
            const { out } = await preflight("prod");
            const ok = line(out, "ok  arm-validation")!;
            const m =
                /^ok {2}arm-validation {2}ARM accepted (\d+) resources in \d+ resource-group deployments: (\d+) validated fully, (\d+) only partly, using values of resources not created yet that ARM cannot know before `pulumi up`: (.*)$/.exec(
                    ok,
                );
            assert.ok(m, ok);
            assert.equal(Number(m[2]) + Number(m[3]), Number(m[1]));
            assert.ok(
                m[4].includes(
                    "prod-westeurope-flux-configuration (prod-westeurope-flux-identity-identity.clientId, prod-westeurope-sops-vault.properties.vaultUri)",
                ),
                m[4],
            );
            // After the list, what the template left out (the fleet's and tenant payments's deploy keys, secrets).
            const [partly, leftOut] = m[4].split("; left out: ");
            assert.equal(partly.split("; ").length, Number(m[3]));
            assert.equal(
                leftOut,
                "prod-westeurope-flux-configuration: configurationProtectedSettings left out (secret); prod-westeurope-tenant-payments-payments-source: configurationProtectedSettings left out (secret)",
            );
        });

        it("warns when the plan sets an input the spec table does not know: it is left out, so not validated", async () => {
            const changed = structuredClone(facts.prod.resources);
            const key = changed.find((r) => r.type === "Microsoft.KeyVault/vaults/keys")!;
            (key.inputs.properties as Record<string, unknown>).bogusSetting = true;
            const { code, out } = await preflight("prod", () => {}, {
                facts: () => Promise.resolve({ ...facts.prod, resources: changed }),
            });
            assert.equal(code, 0);
            assert.match(
                out,
                /^WARN {2}arm-validation {2}ARM accepted .*; left out: .*prod-westeurope-sops-key: properties\.bogusSetting left out \(not in preflight\/specs\.ts for Microsoft\.KeyVault\/vaults\/keys 2024-11-01\)/m,
            );
        });

        it("warns with ARM's diagnostics (e.g. a nested deployment skipped from validation)", async () => {
            const warned = fixture<{ properties: { diagnostics: unknown[] } }>("validate-ok");
            warned.properties.diagnostics = [
                {
                    code: "NestedDeploymentShortCircuited",
                    level: "Warning",
                    message:
                        "A nested deployment got short-circuited and all its resources got skipped from validation.",
                },
            ];
            const { code, out } = await preflight("dev", (w) => w.on("POST", /\/validate\?/, [200, warned]));
            assert.equal(code, 0);
            assert.match(
                out,
                /^WARN {2}arm-validation {2}ARM validated \d+ resources with a warning: NestedDeploymentShortCircuited: A nested deployment got short-circuited/m,
            );
        });
    });

    describe("Kubernetes version", () => {
        it("fails when the pinned minor is offered only under long-term support and the stack is not on LTS", async () => {
            const minor = pinnedMinor(facts.prod)!;
            const { code, out } = await preflight("prod", (w) =>
                w.on("GET", /kubernetesVersions\?/, [200, versionsWith(minor, ["AKSLongTermSupport"])]),
            );
            assert.equal(code, 1);
            assert.equal(
                line(out, "FAIL  kubernetes-version"),
                `FAIL  kubernetes-version  prod-westeurope-aks-cluster: Kubernetes ${minor} is offered in westeurope only with long-term support (supportPlan AKSLongTermSupport and the Premium tier); the stack has KubernetesOfficial on Standard`,
            );
            assert.match(out, /^ {6}fix: pulumi config set --stack prod --path aks\.kubernetesVersion 1\.35$/m);
        });

        it("fails when the minor is not offered at all, and warns on preview", async () => {
            const minor = pinnedMinor(facts.dev)!;
            const gone = await preflight("dev", (w) =>
                w.on("GET", /kubernetesVersions\?/, [200, versionsWith(minor, null)]),
            );
            assert.equal(gone.code, 1);
            assert.match(
                gone.out,
                new RegExp(
                    `^FAIL  kubernetes-version  dev-westeurope-aks-cluster: Kubernetes ${minor.replace(".", "\\.")} is not offered in westeurope \\(standard support: 1\\.34, 1\\.35\\)$`,
                    "m",
                ),
            );
            const preview = await preflight("dev", (w) =>
                w.on("GET", /kubernetesVersions\?/, [200, versionsWith(minor, ["KubernetesOfficial"], true)]),
            );
            assert.equal(preview.code, 0);
            assert.match(preview.out, /^WARN {2}kubernetes-version {2}.*is in preview in westeurope/m);
        });

        it("accepts an LTS-only minor with Premium + AKSLongTermSupport, and no pin at all", () => {
            const cluster = facts.prod.resources.find((r) => r.type === "Microsoft.ContainerService/managedClusters")!;
            const offered = (
                versionsWith("1.33", ["AKSLongTermSupport"]) as { values: Parameters<typeof judgeVersion>[1] }
            ).values;
            assert.equal(
                judgeVersion(
                    {
                        resource: cluster,
                        location: "westeurope",
                        version: "1.33",
                        tier: "Premium",
                        supportPlan: "AKSLongTermSupport",
                    },
                    offered,
                    "prod",
                ).status,
                "ok",
            );
            const unpinned = judgeVersion({ resource: cluster, location: "westeurope" }, offered, "prod");
            assert.deepEqual(
                [unpinned.status, unpinned.detail],
                ["ok", "no version pinned: AKS uses the region's default (1.35 in westeurope)"],
            );
        });
    });

    describe("resource providers and features", () => {
        it("fails for a namespace the plan needs that is not registered, with the command", async () => {
            const { code, out } = await preflight("prod", (w) =>
                w.on("GET", /\/providers\/Microsoft\.KubernetesConfiguration\?/, [
                    200,
                    {
                        ...fixture<Json>("provider", { namespace: "Microsoft.KubernetesConfiguration" }),
                        registrationState: "NotRegistered",
                    },
                ]),
            );
            assert.equal(code, 1);
            assert.equal(
                line(out, "FAIL  resource-providers"),
                "FAIL  resource-providers  Microsoft.KubernetesConfiguration is NotRegistered on the subscription",
            );
            assert.match(out, /^ {6}fix: az provider register --namespace Microsoft\.KubernetesConfiguration --wait$/m);
        });

        it("checks the namespaces the cluster's add-ons need: Microsoft.PolicyInsights for the Azure Policy add-on", async () => {
            // policy-for-kubernetes.md, "Install Azure Policy Add-on for AKS": register Microsoft.PolicyInsights.
            const { code, out, world } = await preflight("dev", (w) =>
                w.on("GET", /\/providers\/Microsoft\.PolicyInsights\?/, [
                    200,
                    {
                        ...fixture<Json>("provider", { namespace: "Microsoft.PolicyInsights" }),
                        registrationState: "NotRegistered",
                    },
                ]),
            );
            assert.equal(code, 1);
            assert.equal(world.count("GET", /\/providers\/Microsoft\.PolicyInsights\?/), 1);
            assert.equal(
                line(out, "FAIL  resource-providers"),
                "FAIL  resource-providers  Microsoft.PolicyInsights is NotRegistered on the subscription (the Azure Policy add-on of aks-dev-westeurope needs it)",
            );
            assert.match(out, /^ {6}fix: az provider register --namespace Microsoft\.PolicyInsights --wait$/m);
            // Managed Prometheus (prod): kubernetes-monitoring-enable.md lists these four.
            const prod = await preflight("prod");
            const ok = line(prod.out, "ok  resource-providers")!;
            for (const ns of [
                "Microsoft.PolicyInsights",
                "Microsoft.ContainerService",
                "Microsoft.Insights",
                "Microsoft.AlertsManagement",
                "Microsoft.Monitor",
            ]) {
                assert.ok(ok.includes(ns), `${ns} in ${ok}`);
            }
        });

        it("derives the namespaces from the plan's resource types", async () => {
            const { out } = await preflight("prod");
            const ok = line(out, "ok  resource-providers")!;
            for (const ns of [
                "Microsoft.ContainerService",
                "Microsoft.KeyVault",
                "Microsoft.KubernetesConfiguration",
                "Microsoft.ManagedIdentity",
                "Microsoft.Authorization",
                "Microsoft.Resources",
            ]) {
                assert.ok(ok.includes(ns), `${ns} in ${ok}`);
            }
        });

        it("fails when a pool encrypts at host and EncryptionAtHost is not registered", async () => {
            const { code, out } = await preflight("prod", (w) =>
                w.on("GET", /features\/EncryptionAtHost\?/, [
                    200,
                    { ...fixture<Json>("feature"), properties: { state: "NotRegistered" } },
                ]),
            );
            assert.equal(code, 1);
            assert.equal(
                line(out, "FAIL  features"),
                "FAIL  features  Microsoft.Compute/EncryptionAtHost is NotRegistered; pools aks-prod-westeurope/system, aks-prod-westeurope/user enable host encryption",
            );
            assert.match(
                out,
                /^ {6}fix: az feature register --namespace Microsoft\.Compute --name EncryptionAtHost && az provider register --namespace Microsoft\.Compute$/m,
            );
        });

        it("does not ask about the feature when no pool encrypts at host (dev)", async () => {
            const { out, world } = await preflight("dev");
            assert.equal(world.count("GET", /features\/EncryptionAtHost/), 0);
            assert.equal(
                line(out, "ok  features"),
                "ok  features  no pool uses host encryption; no feature registration needed",
            );
        });
    });

    describe("VM sizes, zones and quota", () => {
        const restricted = (restriction: object) => {
            const skus = fixture<{ value: { name: string; restrictions: object[] }[] }>("resource-skus", {
                location: "westeurope",
            });
            skus.value.find((s) => s.name === "Standard_D4ds_v5")!.restrictions = [restriction];
            return skus;
        };

        it("fails when the size is not available to the subscription in the region", async () => {
            const skus = restricted({
                type: "Location",
                values: ["westeurope"],
                restrictionInfo: { locations: ["westeurope"] },
                reasonCode: "NotAvailableForSubscription",
            });
            const { code, out } = await preflight("prod", (w) => w.on("GET", /\/skus\?/, [200, skus]));
            assert.equal(code, 1);
            assert.equal(
                line(out, "FAIL  vm-sizes  aks-prod-westeurope/system"),
                "FAIL  vm-sizes  aks-prod-westeurope/system: Standard_D4ds_v5 is restricted in westeurope for this subscription (NotAvailableForSubscription)",
            );
        });

        it("fails when a pool's zone is restricted for the size", async () => {
            const skus = restricted({
                type: "Zone",
                values: ["westeurope"],
                restrictionInfo: { locations: ["westeurope"], zones: ["3"] },
                reasonCode: "NotAvailableForSubscription",
            });
            const { code, out } = await preflight("prod", (w) => w.on("GET", /\/skus\?/, [200, skus]));
            assert.equal(code, 1);
            assert.equal(
                line(out, "FAIL  vm-sizes  aks-prod-westeurope/user"),
                "FAIL  vm-sizes  aks-prod-westeurope/user: Standard_D4ds_v5 is not available in zone 3 of westeurope (available: 1, 2)",
            );
        });

        it("fails when the family quota cannot hold every pool at maxCount, warns when little is left", async () => {
            const quota = (limit: number) => {
                const u = fixture<{ value: { name: { value: string }; limit: number }[] }>("usages");
                u.value.find((x) => x.name.value === "standardDDSv5Family")!.limit = limit;
                return u;
            };
            // prod: (5 + 10) nodes x 4 vCPUs = 60 at maxCount.
            const short = await preflight("prod", (w) => w.on("GET", /\/usages\?/, [200, quota(40)]));
            assert.equal(short.code, 1);
            assert.equal(
                line(short.out, "FAIL  vcpu-quota"),
                "FAIL  vcpu-quota  standardDDSv5Family: Standard DDSv5 Family vCPUs in westeurope: 60 vCPUs at maxCount, 0 used of 40: 20 short",
            );
            assert.match(
                short.out,
                new RegExp(
                    `^ {6}fix: az quota update --scope /subscriptions/${SUBSCRIPTION}/providers/Microsoft\\.Compute/locations/westeurope --resource-name standardDDSv5Family --limit-object value=67 --resource-type dedicated$`,
                    "m",
                ),
            );
            const tight = await preflight("prod", (w) => w.on("GET", /\/usages\?/, [200, quota(64)]));
            assert.equal(tight.code, 0);
            assert.match(
                tight.out,
                /^WARN {2}vcpu-quota {2}standardDDSv5Family: Standard DDSv5 Family vCPUs in westeurope: 60 vCPUs at maxCount, 0 used of 64: less than 10% left/m,
            );
        });
    });

    describe("SOPS vault", () => {
        const taken = (w: World) => w.on("POST", /checkNameAvailability\?/, [200, fixture("vault-name-unavailable")]);

        it("fails when a soft-deleted vault holds the name, with the recover command and the purge-protection consequence", async () => {
            const { code, out } = await preflight("prod", (w) =>
                taken(w)
                    .on("GET", /\/vaults\/kv-contoso-sops-prod\?/, armError(404, "ResourceNotFound", "not found"))
                    .on("GET", /\/deletedVaults\/kv-contoso-sops-prod\?/, [200, fixture("deleted-vault")]),
            );
            assert.equal(code, 1);
            assert.equal(
                line(out, "FAIL  vault-name"),
                "FAIL  vault-name  prod-westeurope-sops-vault: vault name kv-contoso-sops-prod is held by a soft-deleted vault (deleted 2026-11-02, scheduled purge 2027-01-31); purge protection is on, so it cannot be purged before 2027-01-31: recover it (then adopt it with sops.adopt)",
            );
            assert.match(out, /^ {6}fix: az keyvault recover --name kv-contoso-sops-prod --location westeurope$/m);
        });

        const stateFile = (resources: object[]) => {
            const file = join(mkdtempSync(join(tmpdir(), "preflight-state-")), "state.json");
            // The shape `pulumi stack export` writes (pulumi/pulumi sdk/go/common/apitype/core.go: UntypedDeployment, ResourceV3).
            writeFileSync(file, JSON.stringify({ version: 3, deployment: { manifest: {}, resources } }));
            return file;
        };
        const vaultId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod`;

        it("warns, not ok, when the stack's own vault exists in its resource group and the stack's state is not known", async () => {
            const { code, out } = await preflight("prod", taken);
            assert.equal(code, 0);
            assert.equal(
                line(out, "WARN  vault-name"),
                "WARN  vault-name  prod-westeurope-sops-vault: vault kv-contoso-sops-prod exists in rg-sops-prod: `pulumi up` updates it if the stack's state has it, and fails to create it if not (a new or re-created stack): give --state <file> (pulumi stack export) to check, or adopt it with sops.adopt",
            );
            assert.match(out, /^ {6}fix: pulumi config set --stack prod --path sops\.adopt true$/m);
        });

        it("warns when the vault exists but the stack's state (--state) does not have it: `pulumi up` would fail to create it", async () => {
            const file = stateFile([
                {
                    urn: "urn:pulumi:prod::aks-gitops::pulumi:pulumi:Stack::aks-gitops-prod",
                    custom: false,
                    type: "pulumi:pulumi:Stack",
                },
            ]);
            const { code, out } = await preflight("prod", taken, { args: ["--state", file] });
            assert.equal(code, 0);
            assert.equal(
                line(out, "WARN  vault-name"),
                `WARN  vault-name  prod-westeurope-sops-vault: vault kv-contoso-sops-prod exists in rg-sops-prod but the stack's state (${file}) does not have it: \`pulumi up\` would try to create it and fail; adopt it with sops.adopt (or delete it, if it is not the environment's key)`,
            );
        });

        it("is ok when the stack's state has the vault, or sops.adopt imports it", async () => {
            const file = stateFile([
                {
                    urn: "urn:pulumi:prod::aks-gitops::azure-native:keyvault:Vault::prod-westeurope-sops-vault",
                    custom: true,
                    id: vaultId.toUpperCase(),
                    type: T.Vault,
                },
            ]);
            const held = await preflight("prod", taken, { args: ["--state", file] });
            assert.equal(
                line(held.out, "ok  vault-name"),
                `ok  vault-name  prod-westeurope-sops-vault: vault kv-contoso-sops-prod exists in rg-sops-prod and the stack's state (${file}) has it: \`pulumi up\` updates it`,
            );
            const adopting = {
                ...facts.prod,
                settings: { ...facts.prod.settings, sops: { ...facts.prod.settings.sops, adopt: true } },
            } as StackFacts;
            const adopted = await preflight("prod", taken, { facts: () => Promise.resolve(adopting) });
            assert.equal(
                line(adopted.out, "ok  vault-name"),
                "ok  vault-name  prod-westeurope-sops-vault: vault kv-contoso-sops-prod exists in rg-sops-prod: sops.adopt imports it into the stack",
            );
        });

        it("refuses a --state that is not a stack export (exit 2, before asking Azure)", async () => {
            const dir = mkdtempSync(join(tmpdir(), "preflight-state-"));
            writeFileSync(join(dir, "bad.json"), "[1, 2]");
            for (const [file, message] of [
                [
                    join(dir, "missing.json"),
                    /^--state .*missing\.json: cannot read it \(ENOENT\); write it with `pulumi stack export --stack <stack> --file /,
                ],
                [
                    join(dir, "bad.json"),
                    /^--state .*bad\.json: not a Pulumi stack export \(\{version, deployment: \{resources: \[\.\.\.\]\}\}\)/,
                ],
            ] as const) {
                const e = await main(["--stack", "prod", "--subscription", SUBSCRIPTION, "--state", file], {
                    credential,
                    facts: () => Promise.resolve(facts.prod),
                    log: () => {},
                }).then(
                    () => undefined,
                    (err: unknown) => err,
                );
                assert.ok(e instanceof UsageError, String(e));
                assert.match(e.message, message);
                assert.equal(failure(e, "usage", "preflight").code, 2);
            }
        });

        it("fails when another tenant's vault has the name (404 on both reads)", async () => {
            const { code, out } = await preflight("dev", (w) =>
                taken(w)
                    .on("GET", /\/vaults\/kv-contoso-sops-dev\?/, armError(404, "ResourceNotFound", "nf"))
                    .on("GET", /\/deletedVaults\//, armError(404, "ResourceNotFound", "nf")),
            );
            assert.equal(code, 1);
            assert.match(
                out,
                /^FAIL {2}vault-name {2}dev-westeurope-sops-vault: vault name kv-contoso-sops-dev is not available \(AlreadyExists: .*vault names are global$/m,
            );
        });

        it("existing-key mode: ok for an RSA-HSM key that decrypts, fail for a missing or unsuitable key", async () => {
            const ok = await preflight("prod-northeurope");
            assert.match(
                ok.out,
                /^ok {2}existing-key {2}kv-contoso-sops-prod\/sops-prod: key sops-prod in kv-contoso-sops-prod exists: RSA-HSM, encrypt\/decrypt$/m,
            );
            const missing = await preflight("prod-northeurope", (w) =>
                w.on("GET", /\/keys\/sops-prod\?/, armError(404, "ResourceNotFound", "The key was not found")),
            );
            assert.equal(missing.code, 1);
            assert.equal(
                line(missing.out, "FAIL  existing-key"),
                "FAIL  existing-key  kv-contoso-sops-prod/sops-prod: key sops-prod not found in vault kv-contoso-sops-prod",
            );
            const ec = fixture<{ properties: object }>("key");
            ec.properties = { ...ec.properties, kty: "EC", keyOps: ["sign", "verify"] };
            const wrong = await preflight("prod-northeurope", (w) => w.on("GET", /\/keys\/sops-prod\?/, [200, ec]));
            assert.equal(wrong.code, 1);
            assert.match(
                wrong.out,
                /^FAIL {2}existing-key {2}.*cannot serve SOPS: type EC \(SOPS needs RSA or RSA-HSM\); keyOps sign, verify without decrypt$/m,
            );
        });
    });

    describe("resources the stack reads", () => {
        it("is ok when the DR stack's egress prefix prod admits exists", async () => {
            const { out } = await preflight("prod");
            assert.equal(
                line(out, "ok  existing-resources"),
                "ok  existing-resources  Microsoft.Network/publicIPPrefixes pip-egress-aks-prod-northeurope exists (getPublicIPPrefix(pip-egress-aks-prod-northeurope))",
            );
        });

        it("fails, saying to deploy the DR stack first, when the admitted prefix does not exist yet", async () => {
            const { code, out } = await preflight("prod", (w) =>
                w.on("GET", /\/publicIPPrefixes\/pip-egress-aks-prod-northeurope\?/, [
                    404,
                    {
                        error: {
                            code: "ResourceNotFound",
                            message:
                                "The Resource 'Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope' under resource group 'rg-aks-prod-northeurope' was not found.",
                        },
                    },
                ]),
            );
            assert.equal(code, 1);
            assert.equal(
                line(out, "FAIL  existing-resources"),
                "FAIL  existing-resources  Microsoft.Network/publicIPPrefixes pip-egress-aks-prod-northeurope does not exist: the stack reads it for sops.admitEgressPrefixIds; deploy the stack that owns it (the DR stack, on standby) first",
            );
            assert.match(
                out,
                /^ {6}fix: pulumi up --stack <the DR stack> \(or remove the id from sops\.admitEgressPrefixIds until it exists\)$/m,
            );
        });
    });

    describe("Entra groups by name", () => {
        const graph = /^graph:\/v1\.0\/groups\?\$filter=displayName eq 'aks-prod-admins'/;

        it("fails when no group or several groups have the name, naming the ids", async () => {
            const none = await preflight("prod", (w) => w.on("GET", graph, [200, { value: [] }]));
            assert.equal(none.code, 1);
            assert.equal(
                line(none.out, "FAIL  entra-groups"),
                'FAIL  entra-groups  no security-enabled Entra group is named "aks-prod-admins" (the program looks up security groups only)',
            );
            const two = {
                value: [
                    { id: "11111111-1111-4111-a111-111111111111", displayName: "aks-prod-admins" },
                    { id: "22222222-2222-4222-a222-222222222222", displayName: "aks-prod-admins" },
                ],
            };
            const many = await preflight("prod", (w) => w.on("GET", graph, [200, two]));
            assert.equal(
                line(many.out, "FAIL  entra-groups"),
                'FAIL  entra-groups  2 security-enabled Entra groups are named "aks-prod-admins" (11111111-1111-4111-a111-111111111111, 22222222-2222-4222-a222-222222222222): give the intended one\'s object id in the stack config',
            );
            // The template cannot name the admins group either: its role assignment is left out, said in the detail.
            assert.match(
                many.out,
                /^WARN {2}arm-validation {2}.*not validated: prod-westeurope-monitoring-grafana-admin-0 \(the object id of Entra group "aks-prod-admins" is not known\)/m,
            );
        });

        it("fails explaining Group.Read.All on 403", async () => {
            const { code, out } = await preflight("prod", (w) =>
                w.on("GET", /^graph:/, [
                    403,
                    {
                        error: {
                            code: "Authorization_RequestDenied",
                            message: "Insufficient privileges to complete the operation.",
                        },
                    },
                ]),
            );
            assert.equal(code, 1);
            assert.match(
                out,
                /^FAIL {2}entra-groups {2}the signed-in identity cannot look up group "aks-prod-admins" in Microsoft Graph \(Authorization_RequestDenied\): a service principal needs the Group\.Read\.All application permission, or give the group's object id in the stack config$/m,
            );
        });
    });

    describe("caller permissions", () => {
        it("fails with the role to grant when the caller may not write role assignments (Contributor)", async () => {
            const { code, out } = await preflight("dev", (w) =>
                w.on("GET", /\/Microsoft\.Authorization\/permissions\?/, [200, fixture("permissions-contributor")]),
            );
            assert.equal(code, 1);
            assert.match(
                out,
                /^FAIL {2}permissions {2}the signed-in identity lacks Microsoft\.Authorization\/roleAssignments\/write at rg-aks-dev-westeurope .*grant Role Based Access Control Administrator/m,
            );
            assert.match(
                out,
                new RegExp(
                    `^ {6}fix: az role assignment create --assignee <deploying identity's object id> --role "Role Based Access Control Administrator" --scope /subscriptions/${SUBSCRIPTION}/resourceGroups/rg-aks-dev-westeurope$`,
                    "m",
                ),
            );
        });

        it("needs User Access Administrator where the plan defines a role (prod's decrypt-only role)", async () => {
            const { code, out } = await preflight("prod", (w) =>
                w.on("GET", /\/Microsoft\.Authorization\/permissions\?/, [200, fixture("permissions-rbac-admin")]),
            );
            assert.equal(code, 1);
            assert.match(
                out,
                /^FAIL {2}permissions {2}the signed-in identity lacks Microsoft\.Authorization\/roleDefinitions\/write at rg-sops-prod .*grant User Access Administrator/m,
            );
            assert.match(
                out,
                /^ok {2}permissions {2}Microsoft\.Authorization\/roleAssignments\/write allowed at rg-aks-prod-westeurope by actions; conditions on the identity's role assignments \(such as a limit on the roles it may assign\) are not evaluated$/m,
            );
        });

        it("says that conditions on the identity's role assignments are not evaluated", async () => {
            const { out } = await preflight("dev");
            const oks = out
                .split("\n")
                .filter((l) => l.startsWith("ok  permissions  ") && l.includes("roleAssignments/write"));
            assert.ok(oks.length > 0, out);
            for (const l of oks) {
                assert.ok(
                    l.endsWith(
                        "by actions; conditions on the identity's role assignments (such as a limit on the roles it may assign) are not evaluated",
                    ),
                    l,
                );
            }
        });

        it("warns for resource groups that do not exist yet", async () => {
            const { code, out } = await preflight("dev", (w) => w.on("HEAD", /\/resourcegroups\//i, [404]));
            assert.equal(code, 0);
            assert.match(out, /^WARN {2}permissions {2}resource group rg-aks-dev-westeurope does not exist yet/m);
        });

        it("matches wildcards and notActions per role entry", () => {
            assert.ok(matches("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write"));
            assert.ok(!matches("*/read", "Microsoft.Authorization/roleAssignments/write"));
            const contributor = fixture<{ value: Parameters<typeof allowed>[0] }>("permissions-contributor").value;
            assert.equal(allowed(contributor, "Microsoft.Authorization/roleAssignments/write"), false);
            assert.equal(
                allowed(
                    fixture<{ value: Parameters<typeof allowed>[0] }>("permissions-rbac-admin").value,
                    "Microsoft.Authorization/roleAssignments/write",
                ),
                true,
                "another role's notActions do not subtract",
            );
        });
    });

    describe("when Azure misbehaves", () => {
        it("honours 429 Retry-After through the SDK's retry policy", async () => {
            const { code, out, world } = await preflight("dev", (w) =>
                w.on(
                    "GET",
                    /kubernetesVersions\?/,
                    [429, { error: { code: "TooManyRequests", message: "throttled" } }, { "Retry-After": "0" }],
                    1,
                ),
            );
            assert.equal(code, 0, out);
            assert.equal(world.count("GET", /kubernetesVersions\?/), 2);
        });

        it("fails a check that still gets 5xx after the retries: could not be checked", async () => {
            const { code, out, world } = await preflight("dev", (w) =>
                w.on("GET", /\/usages\?/, armError(503, "ServiceUnavailable", "The service is unavailable")),
            );
            assert.equal(code, 1);
            // The pager reports its own message; status and ARM's code are what matter.
            assert.match(
                line(out, "FAIL  vcpu-quota")!,
                /^FAIL {2}vcpu-quota {2}could not be checked: HTTP 503 ServiceUnavailable: /,
            );
            assert.equal(world.count("GET", /\/usages\?/), 1 + FAST_RETRY.maxRetries);
        });

        it("fails a check that gets 403 naming what it cannot read", async () => {
            const { code, out } = await preflight("dev", (w) =>
                w.on(
                    "GET",
                    /\/skus\?/,
                    armError(
                        403,
                        "AuthorizationFailed",
                        "does not have authorization to perform action 'Microsoft.Compute/skus/read'",
                    ),
                ),
            );
            assert.equal(code, 1);
            assert.equal(
                line(out, "FAIL  vm-sizes"),
                "FAIL  vm-sizes  the signed-in identity cannot read the VM sizes offered in the region (resource SKUs) (needs Reader on the subscription): AuthorizationFailed",
            );
        });

        it("fails a check that gets no answer within its timeout, and the others still report", async () => {
            const { code, out } = await preflight(
                "dev",
                (w) =>
                    w.on(
                        "GET",
                        /kubernetesVersions\?/,
                        () =>
                            new Promise((resolve) =>
                                setTimeout(() => resolve([200, versionsWith(undefined, null)]), 6000),
                            ),
                    ),
                // Long enough for the other checks on a loaded machine (about 50 ms in all on an idle one), shorter
                // than the slow answer.
                { timeoutMs: 1000 },
            );
            assert.equal(code, 1);
            assert.equal(
                line(out, "FAIL  kubernetes-version"),
                "FAIL  kubernetes-version  could not be checked: no answer within 1s",
            );
            assert.ok(line(out, "ok  resource-providers"));
        });
    });

    describe("exit codes", () => {
        it("4 with a one-line hint when no credential is available (no chain dump)", async () => {
            const noCredential = {
                getToken: async () =>
                    Promise.reject(
                        new CredentialUnavailableError(
                            "EnvironmentCredential is unavailable. ManagedIdentityCredential: ... AzureCliCredential: Azure CLI could not be found.",
                        ),
                    ),
            };
            const { code, lines } = await preflight("prod", () => {}, { credential: noCredential });
            assert.equal(code, 4);
            assert.deepEqual(lines, [SIGN_IN_HINT]);
            assert.match(
                SIGN_IN_HINT,
                /^not signed in to Azure: run `az login` \(in CI: .*AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE/,
            );
            const json = await preflight("prod", () => {}, { credential: noCredential, args: ["--json"] });
            assert.equal(json.code, 4);
            assert.deepEqual(JSON.parse(json.out), {
                stack: "prod",
                subscriptionId: SUBSCRIPTION,
                subscription: { id: SUBSCRIPTION, source: "--subscription" },
                checks: [{ id: "sign-in", status: "fail", detail: SIGN_IN_HINT }],
                exitCode: 4,
            });
        });

        it("4 when ARM refuses the very first read (401, 403)", async () => {
            const expired = await preflight("prod", (w) =>
                w.on(
                    "GET",
                    /\/providers\/Microsoft\.Resources\?/,
                    armError(401, "InvalidAuthenticationToken", "The access token is invalid."),
                ),
            );
            assert.equal(expired.code, 4);
            assert.equal(expired.out, `${SIGN_IN_HINT}: ARM rejected the token (InvalidAuthenticationToken)`);
            const denied = await preflight("prod", (w) =>
                w.on("GET", /\/providers\/Microsoft\.Resources\?/, armError(403, "AuthorizationFailed", "no access")),
            );
            assert.equal(denied.code, 4);
            assert.equal(
                denied.out,
                `the signed-in identity cannot read subscription ${SUBSCRIPTION} (AuthorizationFailed): check the subscription id, or grant it Reader on the subscription`,
            );
        });

        it("2 for bad usage, an unknown stack or a malformed subscription id", async () => {
            const code = async (argv: string[], env: Record<string, string | undefined> = {}) => {
                const e = await main(argv, { credential, env, log: () => {} }).then(
                    () => undefined,
                    (err: unknown) => err,
                );
                assert.ok(e instanceof UsageError, String(e));
                return failure(e, "usage", "preflight").code;
            };
            assert.equal(await code([]), 2);
            assert.equal(await code(["--stack", "prod", "--bogus"]), 2);
            assert.equal(await code(["--stack", "nope", "--subscription", SUBSCRIPTION]), 2);
            assert.equal(await code(["--stack", "prod", "--subscription", SUBSCRIPTION, "--timeout", "soon"]), 2);
            assert.equal(
                await code(["--stack", "prod"], { PATH: "/nonexistent" }),
                2,
                "no subscription given and no az to ask (test/cli/signin.test.ts: az's default)",
            );
            assert.throws(
                () => subscriptionFrom("0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b9", {}),
                /--subscription "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b9" is not a subscription id \(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\): it has 31 hex digits instead of 32/,
            );
            assert.throws(
                () => subscriptionFrom(undefined, { ARM_SUBSCRIPTION_ID: `/subscriptions/${SUBSCRIPTION}` }),
                /ARM_SUBSCRIPTION_ID .* give the id alone, not a resource path/,
            );
            assert.equal(
                subscriptionFrom(undefined, { AZURE_SUBSCRIPTION_ID: SUBSCRIPTION.toUpperCase() }),
                SUBSCRIPTION.toUpperCase(),
            );
        });

        it("2 for an invalid stack config (ConfigError names the key)", () => {
            const { validateStackConfig } = lazy.stacksLoad();
            let error: unknown;
            try {
                validateStackConfig({ environment: "prod", location: "West Europe" }, {});
            } catch (e) {
                error = e;
            }
            const { code, message } = failure(error, "usage", "preflight");
            assert.equal(code, 2);
            assert.match(message, /aks-gitops:location/);
        });
    });
});
