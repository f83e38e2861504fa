// Preflight validates the template of the run it checks: in the rollout's vault wave (admitExistingOnly) the owner's
// `pulumi up` leaves out an admitted egress prefix that does not exist yet, so the template ARM validates must not
// reference it either (issue 20, points 4 and 6). The stack is planned against what the existing-resources check found:
// the same GET answers both, and a prefix that answered 404 is planned as absent, through the same program path
// `pulumi up` takes (the mocks' lookup fails as the provider reports a 404, components/SopsKeyVault.ts isNotFound).
import * as assert from "node:assert/strict";
import { waveConfig } from "../../ci/stacks";
import { isNotFound } from "../../components/SopsKeyVault";
import { loadStackFile, withSecretPlaceholders } from "../../stacks/files";
import { runProgram } from "../../offline/program";
import { main as preflightMain } from "../../preflight/cli";
import { factsFrom, type StackFacts } from "../../preflight/stack";
import { derivedNames, settingsFrom } from "../../stacks/load";
import { ARM, credential, FAST_RETRY, GRAPH, SUBSCRIPTION, World } from "../fixtures/preflight/world";
import { lazy } from "../../cli/lazy";
import { sharedCaptures } from "../support/share-captures";

const DR_PREFIX = "pip-egress-aks-prod-northeurope";
const PREFIX_GET = new RegExp(`/publicIPPrefixes/${DR_PREFIX}\\?`);
const notFound = [
    404,
    {
        error: {
            code: "ResourceNotFound",
            message: `The Resource 'Microsoft.Network/publicIPPrefixes/${DR_PREFIX}' under resource group 'rg-aks-prod-northeurope' was not found.`,
        },
    },
] as [number, unknown];

/** The parts of an ARM template (and of a nested deployment in it) these tests read. */
interface ArmTemplate {
    resources: ArmResource[];
}
interface ArmResource {
    type: string;
    properties: { template?: ArmTemplate; networkAcls?: { ipRules: { value: string }[] } };
}

/** prod as a wave's run plans it: the stack file plus the config that wave's run sets (ci/stacks.ts waveConfig). */
async function prodIn(
    wave: "vault" | "admit",
    edit: (config: Record<string, string>) => void = () => {},
): Promise<StackFacts> {
    const input = withSecretPlaceholders(loadStackFile("prod"));
    const config = { ...input.config, ...waveConfig(wave) };
    edit(config);
    const settings = settingsFrom(config);
    return factsFrom("prod", settings, derivedNames(settings), await runProgram({ ...input, config }));
}

/** Every resource of a template, nested deployments' included. */
function resourcesOf(template: ArmTemplate): ArmResource[] {
    return template.resources.flatMap((r) => [
        r,
        ...(r.type === "Microsoft.Resources/deployments" && r.properties.template
            ? resourcesOf(r.properties.template)
            : []),
    ]);
}

describe("preflight plans the run it checks: a prefix the vault wave's run leaves out is not in the template", function () {
    sharedCaptures();
    this.timeout(60_000);
    let nock: typeof import("nock");
    let vault: StackFacts;
    let admit: StackFacts;

    async function preflight(facts: StackFacts, setup: (w: World) => void = () => {}) {
        nock.cleanAll();
        const world = new World(facts, nock);
        setup(world);
        const lines: string[] = [];
        const code = await preflightMain(["--stack", "prod", "--subscription", SUBSCRIPTION], {
            credential,
            endpoint: ARM,
            graphEndpoint: GRAPH,
            retry: FAST_RETRY,
            timeoutMs: 10_000,
            facts: () => Promise.resolve(facts),
            log: (l) => lines.push(l),
        });
        const validate = world.calls.find(
            (c) => c.method === "POST" && /\/deployments\/preflight-prod\/validate\?/.test(c.path),
        );
        assert.ok(validate, "ARM's validation was asked");
        const body = (typeof validate.body === "string" ? JSON.parse(validate.body) : validate.body) as {
            properties: { template: ArmTemplate };
        };
        const template = body.properties.template;
        const vaultRules = resourcesOf(template)
            .find((r) => r.type === "Microsoft.KeyVault/vaults")!
            .properties.networkAcls!.ipRules.map((r) => r.value);
        return { code, out: lines.join("\n"), template, text: JSON.stringify(template), vaultRules, world };
    }

    before(async () => {
        vault = await prodIn("vault");
        admit = await prodIn("admit");
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

    it("the vault wave, DR prefix not created yet: the template's firewall is the owner's egress and the operators' range, with no reference to the missing prefix", async () => {
        // The plan preflight is handed (the mocks, where every read exists) still admits the DR prefix, read by id.
        assert.ok(
            JSON.stringify(vault.resources.find((r) => r.type === "Microsoft.KeyVault/vaults")!.inputs).includes(
                `getPublicIPPrefix(${DR_PREFIX}).ipPrefix`,
            ),
        );
        const r = await preflight(vault, (w) => w.on("GET", PREFIX_GET, notFound));
        assert.equal(r.code, 0, r.out);
        assert.doesNotMatch(r.text, new RegExp(DR_PREFIX));
        assert.equal(r.vaultRules.length, 2, JSON.stringify(r.vaultRules));
        assert.match(
            r.vaultRules[0],
            /^\[reference\(resourceId\(subscription\(\)\.subscriptionId, 'rg-aks-prod-westeurope', 'Microsoft\.Network\/publicIPPrefixes', 'pip-egress-aks-prod-westeurope'\), '[0-9-]+'\)\.ipPrefix\]$/,
        );
        assert.equal(r.vaultRules[1], "198.51.100.0/26");
        assert.match(
            r.out,
            new RegExp(
                `^ok {2}arm-validation {2}ARM accepted .*; planned as this run deploys it, without ${DR_PREFIX} \\(does not exist; admitExistingOnly leaves it out\\)$`,
                "m",
            ),
        );
        // The check still says what it found, from the same single read.
        assert.match(
            r.out,
            new RegExp(
                `^WARN {2}existing-resources {2}Microsoft\\.Network/publicIPPrefixes ${DR_PREFIX} does not exist yet: prod-northeurope creates it in a later wave of this rollout`,
                "m",
            ),
        );
        assert.equal(r.world.count("GET", PREFIX_GET), 1, "one read of the prefix answers both the plan and the check");
    });

    it("the vault wave where the prefix exists: the template admits it, read by id, and nothing is planned away", async () => {
        const r = await preflight(vault);
        assert.equal(r.code, 0, r.out);
        assert.equal(r.vaultRules.length, 3);
        assert.match(
            r.vaultRules[2],
            new RegExp(
                `^\\[reference\\(resourceId\\(subscription\\(\\)\\.subscriptionId, 'rg-aks-prod-northeurope', 'Microsoft\\.Network/publicIPPrefixes', '${DR_PREFIX}'\\), '[0-9-]+'\\)\\.ipPrefix\\]$`,
            ),
        );
        assert.doesNotMatch(r.out, /planned as this run deploys it/);
    });

    it("the admit wave (no admitExistingOnly): a missing prefix stays in the template and fails the check, as pulumi up would fail on it", async () => {
        const r = await preflight(admit, (w) => w.on("GET", PREFIX_GET, notFound));
        assert.equal(r.code, 1);
        assert.match(r.text, new RegExp(`'${DR_PREFIX}'`));
        assert.match(
            r.out,
            new RegExp(
                `^FAIL {2}existing-resources {2}Microsoft\\.Network/publicIPPrefixes ${DR_PREFIX} does not exist: `,
                "m",
            ),
        );
    });

    it("only an admitted prefix is planned away: the cluster's own existing egress prefix, missing, stays read and fails the check", async () => {
        const OWN = "pip-egress-shared-westeurope";
        const own = await prodIn("vault", (config) => {
            // An egress given replaces the default one (stacks/schema.ts aks.network.egress).
            const aks = JSON.parse(config["aks-gitops:aks"]) as { network?: Record<string, unknown> };
            aks.network = {
                ...aks.network,
                egress: {
                    publicIpPrefixId: `/resourceGroups/rg-network-westeurope/providers/Microsoft.Network/publicIPPrefixes/${OWN}`,
                },
            };
            config["aks-gitops:aks"] = JSON.stringify(aks);
        });
        const r = await preflight(own, (w) =>
            w.on("GET", new RegExp(`/publicIPPrefixes/(${OWN}|${DR_PREFIX})\\?`), notFound),
        );
        assert.equal(r.code, 1, r.out);
        assert.match(r.text, new RegExp(`'${OWN}'`), "the program reads it strictly: the template keeps it");
        assert.doesNotMatch(r.text, new RegExp(DR_PREFIX), "the admitted one is still planned away");
        assert.match(
            r.out,
            new RegExp(
                `^FAIL {2}existing-resources {2}Microsoft\\.Network/publicIPPrefixes ${OWN} does not exist: the stack reads it$`,
                "m",
            ),
        );
    });

    it("only a 404 is planned away: a prefix the deployer may not read stays in the template, and the check fails", async () => {
        const r = await preflight(vault, (w) =>
            w.on("GET", PREFIX_GET, [403, { error: { code: "AuthorizationFailed", message: "no read" } }]),
        );
        assert.equal(r.code, 1);
        assert.match(r.text, new RegExp(`'${DR_PREFIX}'`));
        assert.match(
            r.out,
            /^FAIL {2}existing-resources {2}the signed-in identity cannot read the resources the stack reads by id \(needs Reader on their resource groups\): AuthorizationFailed$/m,
        );
    });
});

describe("the Azure mocks can answer 'not found' for chosen ids, as the provider reports a 404", function () {
    sharedCaptures();
    this.timeout(60_000);

    it("the program under admitExistingOnly leaves such a prefix out; without it, the run fails on it", async () => {
        const input = withSecretPlaceholders(loadStackFile("prod"));
        // Any subscription, any case: ARM ids compare case-insensitively.
        const absent = [
            `/subscriptions/${SUBSCRIPTION}/resourceGroups/RG-AKS-PROD-NORTHEUROPE/providers/Microsoft.Network/publicIPPrefixes/${DR_PREFIX}`,
        ];
        const warn = console.warn;
        const warnings: string[] = [];
        console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
        let left;
        try {
            left = await runProgram({ ...input, config: { ...input.config, ...waveConfig("vault") } }, { absent });
        } finally {
            console.warn = warn;
        }
        assert.deepEqual(left.outputs.sopsAdmittedEgress.value, []);
        assert.equal(warnings.filter((w) => w.includes(`${DR_PREFIX} does not exist yet`)).length, 1);
        const strict = await runProgram(input, { absent, allowFailure: true }).catch((e: unknown) => ({ error: e }));
        const error = (strict as { error?: unknown }).error;
        assert.ok(isNotFound(error), String(error));
        assert.match(
            String((error as Error).message),
            new RegExp(
                `getPublicIPPrefix returned an error: request failed /subscriptions/[0-9a-f-]+/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft\\.Network/publicIPPrefixes/${DR_PREFIX}: Status=404 Code="ResourceNotFound"`,
            ),
        );
    });
});
