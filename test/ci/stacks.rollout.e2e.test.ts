// The whole rollout (ci/stacks.ts: ring by ring, wave by wave), walked under the mock runtime against a simulated
// subscription: each wave's stacks run the real program with the config their wave's run gets (waveConfig), and
// whatever a stack reads by id (an admitted egress prefix, the existing key) or points at by id (a decrypt grant's
// vault, the custom decrypt role) must have been created by an earlier wave, be one of Azure's built-in roles, or be
// tolerated by design (the vault wave's admitExistingOnly). Walked from an empty subscription and again where
// everything exists; also the order the rollout had before (the DR stack before its vault), which cannot finish.
// Stacks of one wave run in parallel in CI, so each sees only what the waves before it created.
import * as assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { discover, RolloutStack, main as stacksMain, rolloutSteps, Wave, waveConfig } from "../../ci/stacks";
import { isNotFound } from "../../components/SopsKeyVault";
import { AzureMocks, MODELS } from "../../offline/azure-answers";
import { Capture, runProgram } from "../../offline/program";
import { loadStackFile, withSecretPlaceholders } from "../../stacks/files";
import { PROJECT_DIR, ROOT } from "../../stacks/paths";
import { factsFrom, type StackFacts } from "../../preflight/stack";
import { derivedNames, settingsFrom } from "../../stacks/load";
import { main as preflightMain } from "../../preflight/cli";
import { ARM, credential, FAST_RETRY, GRAPH, stackFacts, SUBSCRIPTION, World } from "../fixtures/preflight/world";
import { otherClusterOf, projectCopy, StackDoc, writeStack } from "../support/fleet";
import { lazy } from "../../cli/lazy";
import { T } from "../support/tokens";
import { BUILT_IN_ROLE_GUIDS } from "../support/built-in-roles";

// Azure's built-in roles exist in every subscription (test/support/built-in-roles.ts).
const BUILT_IN_ROLES = BUILT_IN_ROLE_GUIDS;

/**
 * A comparable key for an ARM id: without the subscription, lower case (ARM ids compare case-insensitively), and a role
 * definition by its GUID alone (a custom role defined at a resource group is assigned as
 * /subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>).
 */
function key(id: string): string {
    const bare = id.replace(/^\/subscriptions\/[^/]+/i, "").toLowerCase();
    const role = /\/providers\/microsoft\.authorization\/roledefinitions\/([0-9a-f-]{36})$/.exec(bare);
    return role ? `roledefinition:${role[1]}` : bare;
}

const exists = (world: Set<string>) => (k: string) =>
    k === "" || world.has(k) || BUILT_IN_ROLES.some((g) => k === `roledefinition:${g}`);

/** What the engine hands the program when the provider's GET answers 404 (see components/SopsKeyVault.ts isNotFound). */
function armError(token: string, id: string, status: number, code: string): Error {
    const message = `invocation of ${token} returned an error: request failed ${id}: Status=${status} Code="${code}" Message="The Resource '${id.split("/providers/")[1] ?? id}' was not found."`;
    // A gRPC error: the SDK rejects the invoke with new Error(err.details) (@pulumi/pulumi runtime/invoke.js).
    return Object.assign(new Error(message), { code: 2, details: message });
}

/**
 * Runs `body` with the mocks answering get* lookups (azure-native:<module>:get<Type>) only for resources that exist:
 * the id the lookup reads is the one offline/azure-answers.ts models for that type; a missing one fails as ARM answers it.
 */
async function inSubscription<T>(
    has: (k: string) => boolean,
    body: () => Promise<T>,
    answer: { status: number; code: string } = { status: 404, code: "ResourceNotFound" },
): Promise<T> {
    const original = Object.getOwnPropertyDescriptor(AzureMocks.prototype, "call")!;
    Object.defineProperty(AzureMocks.prototype, "call", {
        ...original,
        value(this: AzureMocks, args: { token: string; inputs: Record<string, unknown> }) {
            const m = /^azure-native:([^:]+):get([A-Z]\w*)$/.exec(args.token);
            const model = m ? MODELS[`azure-native:${m[1]}:${m[2]}`] : undefined;
            if (model) {
                const id = model.id(args.inputs, String(args.inputs[model.nameKey]), this.world.subscriptionId);
                if (!has(key(id))) {
                    throw armError(args.token, id, answer.status, answer.code);
                }
            }
            return (original.value as (a: unknown) => unknown).call(this, args);
        },
    });
    try {
        return await body();
    } finally {
        Object.defineProperty(AzureMocks.prototype, "call", original);
    }
}

interface Run {
    stack: string;
    ring: number;
    wave: Wave;
    capture: Capture;
    error?: string;
    /** Ids the stack's resources point at that neither it nor an earlier wave created (nor Azure has built in). */
    unmet: string[];
    /** Keys of what the stack's resources are (their ARM ids). */
    created: Set<string>;
    warnings: string[];
}

/** One stack's `pulumi up` in one wave, against the subscription `world` as the wave found it. */
async function runStack(
    stack: string,
    ring: number,
    wave: Wave,
    world: Set<string>,
    root: string,
    config: Record<string, string> = waveConfig(wave),
): Promise<Run> {
    const input = withSecretPlaceholders(loadStackFile(stack, root));
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
    let capture: Capture;
    try {
        capture = await inSubscription(exists(world), () =>
            runProgram({ ...input, config: { ...input.config, ...config } }, { allowFailure: true }),
        );
    } catch (e) {
        // A failed read rejects the resource inputs that depend on it: the run fails after the program returned, as
        // `pulumi up` does when the engine cannot register them.
        return {
            stack,
            ring,
            wave,
            capture: undefined as unknown as Capture,
            error: String((e as Error)?.message ?? e),
            unmet: [],
            created: new Set(),
            warnings,
        };
    } finally {
        console.warn = warn;
    }
    const sub = [...capture.references].find(([, label]) => label === "azure.subscriptionId")![0];
    const idOf = new Map(
        [...capture.references]
            .filter(([, label]) => label.endsWith(".id"))
            .map(([value, label]) => [label.slice(0, -3), value]),
    );
    const azure = capture.resources.filter((r) => r.custom && r.type.startsWith("azure-native:"));
    const created = new Set(azure.flatMap((r) => (idOf.has(r.name) ? [key(idOf.get(r.name)!)] : [])));
    const referenced = new Set<string>();
    for (const r of azure) {
        for (const m of JSON.stringify(r.inputs).matchAll(
            new RegExp(`/subscriptions/${sub}(?:/[A-Za-z0-9._()-]+)*`, "g"),
        )) {
            referenced.add(key(m[0]));
        }
        if (typeof r.inputs.resourceGroupName === "string") {
            referenced.add(key(`/resourceGroups/${r.inputs.resourceGroupName}`));
        }
    }
    const has = exists(world);
    const unmet = [...referenced].filter((k) => !created.has(k) && !has(k)).sort();
    const error = capture.error === undefined ? undefined : String((capture.error as Error)?.message ?? capture.error);
    return { stack, ring, wave, capture, error, unmet, created, warnings };
}

/** The rollout of the project at `root`, wave by wave; returns every run and the subscription afterwards. */
async function walk(
    root: string,
    initial: Set<string> = new Set(),
): Promise<{ runs: Run[]; world: Set<string>; stacks: RolloutStack[] }> {
    const { stacks, invalid } = discover(root);
    assert.deepEqual(invalid, []);
    const world = new Set(initial);
    const runs: Run[] = [];
    for (const step of rolloutSteps(stacks)) {
        // The wave's stacks run in parallel: each sees the subscription as the earlier waves left it.
        const before = new Set(world);
        for (const s of step.stacks) {
            const run = await runStack(s.stack, step.ring, step.wave, before, root);
            runs.push(run);
            run.created.forEach((k) => world.add(k));
        }
    }
    return { runs, world, stacks };
}

const failures = (runs: Run[]) =>
    runs
        .filter((r) => r.error !== undefined || r.unmet.length > 0)
        .map(
            (r) =>
                `ring ${r.ring} ${r.wave} ${r.stack}: ${r.error ?? `points at what does not exist: ${r.unmet.join(", ")}`}`,
        );
const vaultRules = (c: Capture) =>
    (
        c.resources.find((r) => r.type === T.Vault)!.inputs.properties as {
            networkAcls: { ipRules: { value: string }[] };
        }
    ).networkAcls.ipRules.map((r) => r.value);
const labelOf = (c: Capture, value: string) => c.references.get(value) ?? value;
const DR_PREFIX =
    "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope";

describe("the rollout, wave by wave, against a simulated subscription", function () {
    this.timeout(120_000);

    let empty: Awaited<ReturnType<typeof walk>>;
    before(async () => {
        empty = await walk(PROJECT_DIR);
    });

    it("runs the fixture fleet's waves in this order: each owner's vault before the clusters that use it, then its admit run", () => {
        assert.deepEqual(
            rolloutSteps(discover().stacks).map(
                (s) => `ring ${s.ring} ${s.wave}: ${s.stacks.map((x) => x.stack).join(", ")}`,
            ),
            [
                "ring 0 vault: dev",
                "ring 1 vault: staging",
                "ring 2 vault: prod",
                "ring 2 clusters: prod-northeurope",
                "ring 2 admit: prod",
            ],
        );
    });

    describe("from an empty subscription", () => {
        it("finishes: every wave finds what it reads or points at by id, created by an earlier wave", () => {
            assert.deepEqual(failures(empty.runs), []);
            assert.deepEqual(
                empty.runs.map((r) => `${r.wave} ${r.stack}`),
                ["vault dev", "vault staging", "vault prod", "clusters prod-northeurope", "admit prod"],
            );
        });

        it("prod's vault run creates the vault and the decrypt role the DR stack's grant needs, and leaves the DR prefix out with a warning", () => {
            const vault = empty.runs.find((r) => r.wave === "vault" && r.stack === "prod")!;
            for (const k of [
                "/resourcegroups/rg-sops-prod/providers/microsoft.keyvault/vaults/kv-contoso-sops-prod",
                "/resourcegroups/rg-sops-prod/providers/microsoft.keyvault/vaults/kv-contoso-sops-prod/keys/sops-prod",
            ]) {
                assert.ok(vault.created.has(k), k);
            }
            assert.ok(
                [...vault.created].some((k) => k.startsWith("roledefinition:")),
                "the custom decrypt role",
            );
            assert.deepEqual(
                vaultRules(vault.capture).map((v) => labelOf(vault.capture, v)),
                ["prod-westeurope-aks-egress.ipPrefix", "198.51.100.0/26"],
                "its own egress and the operators, not the DR prefix",
            );
            assert.deepEqual(
                vault.warnings
                    .filter((w) => w.includes("admitExistingOnly"))
                    .map((w) => w.replace(/\/subscriptions\/[^/]+/, "/subscriptions/S")),
                [
                    `warning: [runtime] /subscriptions/S${DR_PREFIX} does not exist yet: not admitted by this run (admitExistingOnly); the rollout's admit wave admits it once its cluster's stack has created it`,
                ],
            );
            assert.deepEqual(vault.capture.outputs.sopsAdmittedEgress.value, []);
        });

        it("the DR stack's grant targets the vault and role prod's vault run created; the DR stack creates the prefix prod admits", () => {
            const dr = empty.runs.find((r) => r.stack === "prod-northeurope")!;
            const prodVault = empty.runs.find((r) => r.wave === "vault" && r.stack === "prod")!;
            const grant = dr.capture.resources.find((r) => r.name === "prod-northeurope-flux-identity-decrypt")!.inputs;
            assert.ok(prodVault.created.has(key(String(grant.scope))), "the vault");
            assert.ok(prodVault.created.has(key(String(grant.roleDefinitionId))), "the custom decrypt role");
            assert.ok(dr.created.has(key(DR_PREFIX)));
        });

        it("prod's admit run admits the DR prefix, read by id, and warns about nothing", () => {
            const admit = empty.runs.find((r) => r.wave === "admit")!;
            assert.deepEqual(
                vaultRules(admit.capture).map((v) => labelOf(admit.capture, v)),
                [
                    "prod-westeurope-aks-egress.ipPrefix",
                    "198.51.100.0/26",
                    "getPublicIPPrefix(pip-egress-aks-prod-northeurope).ipPrefix",
                ],
            );
            assert.deepEqual(
                admit.warnings.filter((w) => w.includes("admitExistingOnly")),
                [],
            );
            assert.equal(admit.capture.config["aks-gitops:admitExistingOnly"], undefined, "the admit run is strict");
        });

        it("discovery knows which stack creates which prefix, as the program creates it", () => {
            for (const s of empty.stacks) {
                const run = empty.runs.find((r) => r.stack === s.stack)!;
                assert.ok(
                    s.egressPrefixId && run.created.has(key(s.egressPrefixId)),
                    `${s.stack}: ${s.egressPrefixId}`,
                );
            }
        });
    });

    describe("where everything exists", () => {
        let again: Awaited<ReturnType<typeof walk>>;
        before(async () => {
            again = await walk(PROJECT_DIR, empty.world);
        });

        it("finishes, creates nothing new, and the vault run already admits every prefix (no firewall rule is dropped, even for a moment)", () => {
            assert.deepEqual(failures(again.runs), []);
            assert.deepEqual([...again.world].sort(), [...empty.world].sort());
            const vault = again.runs.find((r) => r.wave === "vault" && r.stack === "prod")!;
            assert.deepEqual(
                vault.warnings.filter((w) => w.includes("admitExistingOnly")),
                [],
            );
            assert.ok(
                vaultRules(vault.capture)
                    .map((v) => labelOf(vault.capture, v))
                    .includes("getPublicIPPrefix(pip-egress-aks-prod-northeurope).ipPrefix"),
            );
        });

        it("the admit run asks for exactly what the vault run asked for: an update with no changes", () => {
            const [vault, admit] = ["vault", "admit"].map(
                (w) => again.runs.find((r) => r.wave === w && r.stack === "prod")!.capture,
            );
            // What the engine would send the provider: the custom resources' inputs (components only record their args).
            const inputs = (c: Capture) => c.resources.filter((r) => r.custom).map((r) => [r.urn, r.inputs]);
            assert.deepEqual(inputs(admit), inputs(vault));
        });
    });

    describe("why the owner runs twice", () => {
        it("the order before (the DR stack first, then prod) cannot finish: the DR stack's grant points at a vault and role that do not exist", async () => {
            const dr = await runStack("prod-northeurope", 2, "clusters", new Set(), PROJECT_DIR);
            assert.equal(dr.error, undefined);
            assert.deepEqual(
                dr.unmet.filter((k) => !k.startsWith("roledefinition:")),
                ["/resourcegroups/rg-sops-prod/providers/microsoft.keyvault/vaults/kv-contoso-sops-prod"],
            );
            assert.ok(
                dr.unmet.some((k) => k.startsWith("roledefinition:")),
                "the custom decrypt role prod defines",
            );
        });

        it("nor can prod go first without admitExistingOnly: it reads the DR prefix, which does not exist", async () => {
            const prod = await runStack("prod", 2, "admit", new Set(), PROJECT_DIR);
            assert.match(
                prod.error ?? "",
                /getPublicIPPrefix returned an error: request failed \/subscriptions\/[0-9a-f-]+\/resourceGroups\/rg-aks-prod-northeurope\/providers\/Microsoft\.Network\/publicIPPrefixes\/pip-egress-aks-prod-northeurope: Status=404/,
            );
        });
    });

    describe("guards", () => {
        it("a prefix no stack creates (a typo) is left out by the vault run and fails the admit run: the rollout stops there", async () => {
            const dir = projectCopy();
            try {
                const doc = parse(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8")) as StackDoc;
                const sops = doc.config["aks-gitops:sops"] as { admitEgressPrefixIds: string[] };
                sops.admitEgressPrefixIds = [
                    ...sops.admitEgressPrefixIds,
                    "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeuropa",
                ];
                writeStack(dir, "prod", doc);
                const { runs } = await walk(dir);
                const failed = failures(runs);
                assert.equal(failed.length, 1, failed.join("\n"));
                assert.match(
                    failed[0],
                    /^ring 2 admit prod: .*getPublicIPPrefix returned an error: request failed \/subscriptions\/[0-9a-f-]+\/resourceGroups\/rg-aks-prod-northeurope\/providers\/Microsoft\.Network\/publicIPPrefixes\/pip-egress-aks-prod-northeuropa: Status=404/,
                );
                assert.equal(
                    runs
                        .find((r) => r.wave === "vault" && r.stack === "prod")!
                        .warnings.filter((w) => w.includes("pip-egress-aks-prod-northeuropa does not exist yet"))
                        .length,
                    1,
                );
            } finally {
                rmSync(dir, { recursive: true, force: true });
            }
        });

        it("only 'not found' is tolerated: a prefix the deployer may not read fails the vault run", async () => {
            const input = withSecretPlaceholders(loadStackFile("prod"));
            await assert.rejects(
                inSubscription(
                    () => false,
                    () => runProgram({ ...input, config: { ...input.config, ...waveConfig("vault") } }),
                    { status: 403, code: "AuthorizationFailed" },
                ),
                /getPublicIPPrefix returned an error: request failed \/subscriptions\/[0-9a-f-]+\/resourceGroups\/rg-aks-prod-northeurope\/providers\/Microsoft\.Network\/publicIPPrefixes\/pip-egress-aks-prod-northeurope: Status=403 Code="AuthorizationFailed"/,
            );
        });

        it("isNotFound reads the provider's status, not the words", () => {
            assert.equal(
                isNotFound(
                    new Error(
                        'invocation of azure-native:network:getPublicIPPrefix returned an error: request failed /x: Status=404 Code="ResourceGroupNotFound" Message="Resource group \'rg\' could not be found."',
                    ),
                ),
                true,
            );
            assert.equal(
                isNotFound(
                    new Error(
                        'autorest/azure: Service returned an error. Status=404 Code="ResourceNotFound" Message="x"',
                    ),
                ),
                true,
            );
            assert.equal(
                isNotFound(
                    new Error(
                        'request failed /x: Status=403 Code="AuthorizationFailed" Message="not found in the scope"',
                    ),
                ),
                false,
            );
            assert.equal(isNotFound(new Error('request failed /x: Status=4040 Code="x"')), false);
            assert.equal(isNotFound("Status=404"), true);
        });

        it("admitExistingOnly is the owner's: refused on a stack that uses the existing key", async () => {
            const input = withSecretPlaceholders(loadStackFile("prod-northeurope"));
            await assert.rejects(
                runProgram({ ...input, config: { ...input.config, ...waveConfig("vault") } }),
                /aks-gitops:admitExistingOnly: only applies to the stack that owns the vault \(its firewall admits sops\.admitEgressPrefixIds\), not with sops\.existingKeyId/,
            );
        });

        it("admitExistingOnly committed in a stack file stops discovery (exit 2): it would let the admit run skip a missing prefix too", () => {
            const dir = projectCopy();
            try {
                const doc = parse(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8")) as StackDoc;
                doc.config["aks-gitops:admitExistingOnly"] = "true";
                writeStack(dir, "prod", doc);
                const result = stacksMain(["--matrix"], dir);
                assert.equal(result.code, 2);
                assert.match(
                    result.stderr ?? "",
                    /Pulumi\.prod\.yaml: aks-gitops:admitExistingOnly: is set by the rollout for the vault wave's run only; remove it from the committed files \(Pulumi\.prod\.yaml, Pulumi\.yaml\)/,
                );
            } finally {
                rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    it("a bigger fleet: another active prod cluster and a second DR stack, both admitted by prod, stand up in one rollout", async () => {
        const dir = projectCopy();
        try {
            const owner = discover(dir).stacks.find((s) => s.stack === "prod")!;
            writeStack(dir, "prod-eastus2", otherClusterOf(owner, "prod-eastus2", "eastus2"));
            writeStack(dir, "prod-swedencentral", otherClusterOf(owner, "prod-swedencentral", "swedencentral", true));
            const doc = parse(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8")) as StackDoc;
            const sops = doc.config["aks-gitops:sops"] as { admitEgressPrefixIds: string[] };
            sops.admitEgressPrefixIds = [
                ...sops.admitEgressPrefixIds,
                ...["prod-eastus2", "prod-swedencentral"].map(
                    (c) =>
                        `/resourceGroups/rg-aks-${c}/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-${c}`,
                ),
            ];
            writeStack(dir, "prod", doc);
            const { runs } = await walk(dir);
            assert.deepEqual(failures(runs), []);
            assert.deepEqual(
                runs.filter((r) => r.ring === 2).map((r) => `${r.wave} ${r.stack}`),
                [
                    "vault prod",
                    "clusters prod-eastus2",
                    "clusters prod-northeurope",
                    "clusters prod-swedencentral",
                    "admit prod",
                ],
            );
            const admit = runs.find((r) => r.wave === "admit")!;
            assert.deepEqual(
                admit.capture.calls
                    .filter((c) => c.token === T.GetPublicIPPrefix)
                    .map((c) => c.inputs.publicIpPrefixName),
                ["pip-egress-aks-prod-northeurope", "pip-egress-aks-prod-eastus2", "pip-egress-aks-prod-swedencentral"],
            );
            // The mocks' fake ranges may coincide; the count is what matters: own egress, the operators, three admitted.
            assert.equal(vaultRules(admit.capture).length, 5);
            assert.equal((admit.capture.outputs.sopsAdmittedEgress.value as string[]).length, 3);
            assert.equal(
                runs
                    .find((r) => r.wave === "vault" && r.stack === "prod")!
                    .warnings.filter((w) => w.includes("does not exist yet")).length,
                3,
            );
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- workflows and pipelines are read as untyped YAML (any): the assertions are their schema */
describe("the vault wave's run in CI sets exactly waveConfig('vault'), and nothing else does", () => {
    const read = (...p: string[]) => readFileSync(join(ROOT, ...p), "utf8");
    type Doc = Record<string, any>;

    it("states the config literally", () => {
        assert.deepEqual(waveConfig("vault"), { "aks-gitops:admitExistingOnly": "true" });
        assert.deepEqual(waveConfig("clusters"), {});
        assert.deepEqual(waveConfig("admit"), {});
    });

    it("GitHub Actions: every deploy job passes its own wave; pulumi-up.yml sets the config for the vault wave only, before preflight", () => {
        const deploy = parse(read(".github", "workflows", "deploy.yml")) as Doc;
        for (const [id, job] of Object.entries(deploy.jobs as Record<string, Doc>).filter(([, j]) => j.uses)) {
            const wave = /^ring\d+-(\w+)$/.exec(id)![1];
            assert.equal(job.with.wave, wave, id);
            assert.equal(job.strategy.matrix, `\${{ fromJSON(needs.discover.outputs.${id.replace("-", "_")}) }}`, id);
        }
        const up = parse(read(".github", "workflows", "pulumi-up.yml")) as Doc;
        assert.equal(up.on.workflow_call.inputs.wave.required, true);
        const steps = up.jobs.up.steps as Doc[];
        const set = steps.filter((s) => /pulumi config set .*admitExistingOnly/.test(String(s.run)));
        assert.equal(set.length, 1);
        assert.equal(set[0].if, "inputs.wave == 'vault'");
        assert.equal(set[0].run, 'pulumi config set --stack "$STACK" aks-gitops:admitExistingOnly true');
        const at = (pred: (s: Doc) => boolean) => steps.findIndex(pred);
        assert.ok(
            at((s) => String(s.run).includes("ci/pulumi-stack.ts")) < steps.indexOf(set[0]),
            "after the stack is selected",
        );
        assert.ok(steps.indexOf(set[0]) < at((s) => /^npm run preflight/m.test(String(s.run))), "preflight sees it");
    });

    it("Azure Pipelines: each wave job passes its wave; pulumi.yml sets the config for the vault wave only, before preflight", () => {
        const ring = parse(read("azure-pipelines", "templates", "ring.yml")) as Doc;
        const jobs = (ring.stages[0].jobs as Doc[]).filter((j) => j.strategy?.matrix);
        assert.deepEqual(
            jobs.map((j) => j.job),
            ["vault", "clusters", "admit"],
        );
        for (const j of jobs) {
            assert.equal((j.steps as Doc[]).find((s) => s.template === "pulumi.yml")!.parameters.wave, j.job);
            assert.equal(
                j.strategy.matrix,
                `$[ dependencies.discover.outputs['stacks.ring\${{ parameters.ring }}_${j.job}'] ]`,
            );
        }
        const text = read("azure-pipelines", "templates", "pulumi.yml");
        const block = /- \$\{\{ if eq\(parameters\.wave, 'vault'\) \}\}:\n(?:\s{10}.*\n)+/.exec(text);
        assert.ok(block, "a step only for the vault wave");
        assert.match(
            block[0],
            /script: pulumi config set --stack "\$\{\{ parameters\.stack \}\}" aks-gitops:admitExistingOnly true\n/,
        );
        assert.equal(text.match(/admitExistingOnly true/g)?.length, 1);
        assert.ok(text.indexOf(block[0]) < text.indexOf("npm run preflight"), "preflight sees it");
        assert.ok(
            text.indexOf('ci/pulumi-stack.ts --stack "${{ parameters.stack }}" --mode deploy') < text.indexOf(block[0]),
            "after the stack is selected",
        );
    });
});
/* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return */

describe("preflight of the vault wave's run", function () {
    this.timeout(30_000);
    let nock: typeof import("nock");
    let prod: StackFacts;
    const missing = (w: World) =>
        w.on("GET", /\/publicIPPrefixes\/pip-egress-aks-prod-northeurope\?/, [
            404,
            {
                error: {
                    code: "ResourceNotFound",
                    message:
                        "The Resource 'Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope' under resource group 'rg-aks-prod-northeurope' was not found.",
                },
            },
        ]);

    async function preflight(facts: StackFacts, setup: (w: World) => void) {
        nock.cleanAll();
        const world = new World(facts, nock);
        setup(world);
        const lines: string[] = [];
        const code = await preflightMain(["--stack", facts.stack, "--subscription", SUBSCRIPTION], {
            credential,
            endpoint: ARM,
            graphEndpoint: GRAPH,
            retry: FAST_RETRY,
            timeoutMs: 5000,
            facts: () => Promise.resolve(facts),
            log: (l) => lines.push(l),
        });
        return { code, out: lines.join("\n") };
    }

    before(async () => {
        prod = await stackFacts("prod");
        nock = lazy.nock();
        if (!nock.isActive()) {
            nock.activate();
        }
        nock.disableNetConnect();
    });
    after(() => {
        nock.cleanAll();
        nock.enableNetConnect();
        nock.restore();
    });

    it("warns, not fails, about the DR prefix a later wave of the same rollout creates", async () => {
        // Planned as the vault wave's run is: the stack file plus the config that run sets (preflight re-plans from it).
        const input = withSecretPlaceholders(loadStackFile("prod"));
        const config = { ...input.config, ...waveConfig("vault") };
        const settings = settingsFrom(config);
        const vaultRun = factsFrom("prod", settings, derivedNames(settings), await runProgram({ ...input, config }));
        const { code, out } = await preflight(vaultRun, missing);
        assert.equal(code, 0, out);
        assert.equal(
            out.split("\n").find((l) => l.includes("existing-resources")),
            "WARN  existing-resources  Microsoft.Network/publicIPPrefixes pip-egress-aks-prod-northeurope does not exist yet: prod-northeurope creates it in a later wave of this rollout (ring 2, clusters); this run leaves it out of the vault firewall (admitExistingOnly), the rollout's admit wave admits it",
        );
    });

    it("still fails without admitExistingOnly (the admit run, a run by hand): pulumi up would fail on it", async () => {
        const { code, out } = await preflight(prod, missing);
        assert.equal(code, 1);
        assert.match(
            out,
            /^FAIL {2}existing-resources {2}Microsoft\.Network\/publicIPPrefixes pip-egress-aks-prod-northeurope does not exist: /m,
        );
    });

    it("still fails when no stack of the rollout creates the prefix, or one creates it no later than the vault wave", async () => {
        // prod admitting a typo (no stack creates it) and staging's prefix (staging's vault wave, ring 1, comes first).
        const typo = "pip-egress-aks-prod-northeuropa";
        const input = withSecretPlaceholders(loadStackFile("prod"));
        const sops = JSON.parse(input.config["aks-gitops:sops"]) as { admitEgressPrefixIds: string[] };
        sops.admitEgressPrefixIds = [
            `/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/${typo}`,
            "/resourceGroups/rg-aks-staging-westeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-staging-westeurope",
        ];
        const config = { ...input.config, "aks-gitops:sops": JSON.stringify(sops), ...waveConfig("vault") };
        const settings = settingsFrom(config);
        const facts = factsFrom("prod", settings, derivedNames(settings), await runProgram({ ...input, config }));
        const notFound = [404, { error: { code: "ResourceNotFound", message: "not found" } }] as [number, unknown];
        const { code, out } = await preflight(facts, (w) =>
            w.on("GET", new RegExp(`/publicIPPrefixes/(${typo}|pip-egress-aks-staging-westeurope)\\?`), notFound),
        );
        assert.equal(code, 1, out);
        assert.deepEqual(
            out
                .split("\n")
                .filter((l) => l.includes("existing-resources"))
                .map((l) => l.replace(/ does not exist: .*/, "")),
            [
                "FAIL  existing-resources  Microsoft.Network/publicIPPrefixes pip-egress-aks-prod-northeuropa",
                "FAIL  existing-resources  Microsoft.Network/publicIPPrefixes pip-egress-aks-staging-westeurope",
            ],
        );
    });
});
