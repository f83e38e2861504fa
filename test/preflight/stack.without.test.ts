// planWithout in process: prod's vault-wave run planned again where the DR cluster's admitted egress prefix answers
// 404. The program's own warning for that prefix ("... does not exist yet: not admitted by this run") is kept out of
// preflight's output (the existing-resources check reports it), whatever the case or subscription of the id; the
// facts say what was planned away; and a resource the program may not do without fails with preflight's message.
import * as assert from "node:assert/strict";
import { waveConfig } from "../../ci/stacks";
import { loadStackFile, withSecretPlaceholders } from "../../stacks/files";
import { runProgram } from "../../offline/program";
import { factsFrom, planWithout, type StackFacts } from "../../preflight/stack";
import { derivedNames, settingsFrom } from "../../stacks/load";
import { sharedCaptures } from "../support/share-captures";

const SUB = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";
const DR_PREFIX =
    "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope";

/** What console.warn received while `run` ran, and whether console.warn was put back. */
async function warnings<T>(
    run: () => Promise<T>,
): Promise<{ value?: T; error?: unknown; warned: string[]; restored: boolean }> {
    const original = console.warn;
    const warned: string[] = [];
    const mine = (...args: unknown[]) => void warned.push(args.join(" "));
    console.warn = mine;
    try {
        const value = await run();
        return { value, warned, restored: console.warn === mine };
    } catch (error) {
        return { error, warned, restored: console.warn === mine };
    } finally {
        console.warn = original;
    }
}

describe("preflight's planWithout", function () {
    sharedCaptures();
    this.timeout(60_000);
    let vault: StackFacts;
    let admit: StackFacts;

    /** prod as a wave's run plans it (ci/stacks.ts waveConfig). */
    async function prodIn(wave: "vault" | "admit"): Promise<StackFacts> {
        const input = withSecretPlaceholders(loadStackFile("prod"));
        const config = { ...input.config, ...waveConfig(wave) };
        const settings = settingsFrom(config);
        return factsFrom("prod", settings, derivedNames(settings), await runProgram({ ...input, config }));
    }

    before(async () => {
        vault = await prodIn("vault");
        admit = await prodIn("admit");
    });

    it("plans the admitted prefix away without the program's warning for it, in any case and subscription", async () => {
        const absent = `/subscriptions/${SUB.toUpperCase()}${DR_PREFIX.toUpperCase()}`;
        const { value, error, warned, restored } = await warnings(() => planWithout(vault, [absent]));
        assert.equal(error, undefined);
        assert.deepEqual(
            warned.filter((w) => /does not exist yet/.test(w)),
            [],
        );
        assert.ok(restored, "console.warn is put back");
        assert.deepEqual(value!.plannedAbsent, [absent]);
        assert.equal(value!.stack, "prod");
        assert.equal(value!.reads, vault.reads, "the reads stay those of the first plan");
        // The vault's firewall no longer references the prefix; the first plan did.
        const firewall = (f: StackFacts) =>
            JSON.stringify(f.resources.find((r) => r.type === "Microsoft.KeyVault/vaults")!.inputs);
        assert.match(firewall(vault), /pip-egress-aks-prod-northeurope/);
        assert.doesNotMatch(firewall(value!), /pip-egress-aks-prod-northeurope/);
    });

    it("keeps the stack's secrets secret in the plan made again", async () => {
        const { value } = await warnings(() => planWithout(vault, [`/subscriptions/${SUB}${DR_PREFIX}`]));
        const secretsOf = (f: StackFacts) =>
            Object.entries(f.capture.outputs)
                .filter(([, o]) => o.secret)
                .map(([k]) => k)
                .sort();
        assert.deepEqual(secretsOf(value!), secretsOf(vault));
    });

    it("a prefix the run may not leave out (the admit wave reads it strictly), missing, fails naming it", async () => {
        const dr = `/subscriptions/${SUB}${DR_PREFIX}`;
        const { error, restored } = await warnings(() => planWithout(admit, [dr]));
        assert.ok(error instanceof Error);
        assert.ok(
            error.message.startsWith(`preflight could not plan prod without ${dr}, which do not exist: `),
            error.message,
        );
        assert.ok(restored, "console.warn is put back after a failure too");
    });
});
