// policy/offline.ts on hand-made captures and policies: what a policy is shown (inputs with secrets revealed, options,
// parents and dependencies as resources), how enforcement levels and skips are handled, and the order of findings.
import * as assert from "node:assert/strict";
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { Capture } from "../../offline/program";
import { SECRET } from "../../stacks/files";
import type { Registration } from "../../offline/monitor";
import { evaluatePolicies } from "../../policy/offline";
import { registrationOf } from "../support/registration";

const urn = (name: string, type = "test:index:Thing") => `urn:pulumi:s::p::${type}::${name}`;

function registration(name: string, extra: Partial<Registration> = {}): Registration {
    return registrationOf({ urn: urn(name), type: "test:index:Thing", name, ...extra });
}

function captureOf(resources: Registration[]): Capture {
    return {
        project: "p",
        stack: "s",
        resources,
        outputs: {},
        references: new Map(),
        registeredOutputs: new Map(),
        calls: [],
        config: {},
    };
}

/** A stack policy that records what it was shown. */
function recorder(name = "record"): { policy: StackValidationPolicy; seen: PolicyResource[] } {
    const seen: PolicyResource[] = [];
    return {
        seen,
        policy: {
            name,
            description: "records",
            enforcementLevel: "mandatory",
            validateStack: (args) => void seen.push(...args.resources),
        },
    };
}

const reporting = (
    name: string,
    level: "advisory" | "mandatory",
    messages: (r: PolicyResource) => string[],
): ResourceValidationPolicy => ({
    name,
    description: name,
    enforcementLevel: level,
    validateResource: (args, report) => messages(args as unknown as PolicyResource).forEach((m) => report(m)),
});

describe("the offline policy evaluator (policy/offline.ts)", () => {
    const a = registration("a", {
        inputs: { password: { [SECRET]: "s3cret" }, nested: { list: [{ [SECRET]: { deep: "x" } }, "plain"] }, n: 1 },
        options: {
            protect: true,
            retainOnDelete: false,
            ignoreChanges: ["tags"],
            customTimeouts: { create: "30m", update: "90s", delete: "2h" },
            deleteBeforeReplace: true,
            importId: null,
            additionalSecretOutputs: [],
        },
    });
    const b = registration("b", {
        parent: a.urn,
        dependencies: [a.urn, urn("gone")],
        propertyDependencies: { input: [a.urn, urn("gone")], none: [] },
    });

    it("shows policies the inputs with secrets revealed, as the engine does", async () => {
        const { policy, seen } = recorder();
        await evaluatePolicies(captureOf([a, b]), "prod", [policy], {});
        assert.deepEqual(seen.find((r) => r.name === "a")!.props, {
            password: "s3cret",
            nested: { list: [{ deep: "x" }, "plain"] },
            n: 1,
        });
    });

    it("passes the resource options, timeouts in seconds", async () => {
        const { policy, seen } = recorder();
        await evaluatePolicies(captureOf([a, b]), "prod", [policy], {});
        assert.deepEqual(seen.find((r) => r.name === "a")!.opts, {
            protect: true,
            ignoreChanges: ["tags"],
            aliases: [],
            customTimeouts: { createSeconds: 1800, updateSeconds: 90, deleteSeconds: 7200 },
            additionalSecretOutputs: [],
            deleteBeforeReplace: true,
            parent: undefined,
        });
        assert.deepEqual(seen.find((r) => r.name === "b")!.opts.customTimeouts, {
            createSeconds: 0,
            updateSeconds: 0,
            deleteSeconds: 0,
        });
        assert.equal(seen.find((r) => r.name === "b")!.opts.parent, a.urn);
    });

    it("links parents and dependencies as resources, leaving out urns the capture does not hold", async () => {
        const { policy, seen } = recorder();
        await evaluatePolicies(captureOf([a, b]), "prod", [policy], {});
        const [ra, rb] = ["a", "b"].map((n) => seen.find((r) => r.name === n)!);
        assert.equal(rb.parent, ra);
        assert.equal(ra.parent, undefined);
        assert.deepEqual(rb.dependencies, [ra]);
        assert.deepEqual(rb.propertyDependencies, { input: [ra], none: [] });
        assert.equal(ra.isType({ __pulumiType: "test:index:Thing" } as never), true);
        assert.equal(ra.isType({ __pulumiType: "test:index:Other" } as never), false);
        assert.deepEqual(ra.asType({ __pulumiType: "test:index:Thing" } as never), ra.props);
        assert.equal(ra.asType({ __pulumiType: "test:index:Other" } as never), undefined);
    });

    it("applies the enforcement level from the config: disabled skips, remediate counts as mandatory", async () => {
        const always = (name: string) => reporting(name, "mandatory", () => [`${name} says no`]);
        const findings = await evaluatePolicies(
            captureOf([a]),
            "prod",
            [always("off"), always("soft"), always("fix"), always("hard")],
            {
                off: "disabled",
                soft: "advisory",
                fix: { enforcementLevel: "remediate" },
            },
        );
        assert.deepEqual(
            findings.map((f) => [f.policy, f.enforcementLevel, f.urn, f.message]),
            [
                ["fix", "mandatory", a.urn, "fix says no"],
                ["hard", "mandatory", a.urn, "hard says no"],
                ["soft", "advisory", a.urn, "soft says no"],
            ],
        );
    });

    it("runs every validation of a resource policy, skips what a policy declares not applicable, and names a policy that crashes", async () => {
        const two: ResourceValidationPolicy = {
            name: "two",
            description: "two",
            enforcementLevel: "mandatory",
            validateResource: [
                (args, report) => (args.name === "a" ? args.notApplicable("not for a") : report("first")),
                (_args, report) => report("second"),
            ],
        };
        const findings = await evaluatePolicies(captureOf([a, b]), "prod", [two], {});
        assert.deepEqual(
            findings.map((f) => `${f.urn}: ${f.message}`),
            [`${a.urn}: second`, `${b.urn}: first`, `${b.urn}: second`],
        );

        const crash = reporting("crash", "mandatory", () => {
            throw new Error("boom");
        });
        await assert.rejects(
            evaluatePolicies(captureOf([a]), "prod", [crash], {}),
            /^Error: policy crash failed: boom$/,
        );
        const stackCrash: StackValidationPolicy = {
            name: "stack-crash",
            description: "",
            enforcementLevel: "mandatory",
            validateStack: () => {
                throw new Error("bang");
            },
        };
        await assert.rejects(
            evaluatePolicies(captureOf([a]), "prod", [stackCrash], {}),
            /^Error: policy stack-crash failed: bang$/,
        );
        const stackSkip: StackValidationPolicy = {
            name: "stack-skip",
            description: "",
            enforcementLevel: "mandatory",
            validateStack: (args) => args.notApplicable(),
        };
        assert.deepEqual(await evaluatePolicies(captureOf([a]), "prod", [stackSkip], {}), []);
    });

    it("reports stack findings on the resource they name, and gives policies no config and no stack tags", async () => {
        const stack: StackValidationPolicy = {
            name: "stack",
            description: "",
            enforcementLevel: "mandatory",
            validateStack: (args, report) => {
                assert.deepEqual(args.getConfig(), {});
                assert.equal(args.stackTags.size, 0);
                report("about b", b.urn);
                report("about the stack");
            },
        };
        const findings = await evaluatePolicies(captureOf([a, b]), "prod", [stack], {});
        assert.deepEqual(
            findings.map((f) => [f.urn, f.message]),
            [
                [undefined, "about the stack"],
                [b.urn, "about b"],
            ],
        );
    });

    it("sorts findings by policy, then resource, then message, whatever order they were reported in", async () => {
        const z = reporting("z-policy", "mandatory", (r) => [`${r.name} 2`, `${r.name} 1`]);
        const y = reporting("y-policy", "mandatory", (r) => [`${r.name} only`]);
        const findings = await evaluatePolicies(captureOf([b, a]), "prod", [z, y], {});
        assert.deepEqual(
            findings.map((f) => `${f.policy} ${f.urn?.split("::").pop()} ${f.message}`),
            [
                "y-policy a a only",
                "y-policy b b only",
                "z-policy a a 1",
                "z-policy a a 2",
                "z-policy b b 1",
                "z-policy b b 2",
            ],
        );
    });

    it("reads the enforcement levels from policy/config/<environment>.json when none are given", async () => {
        // dev.json makes aks-uptime-sla advisory (policy/config/dev.json); prod.json keeps it mandatory.
        const sla = reporting("aks-uptime-sla", "mandatory", () => ["no SLA"]);
        assert.equal((await evaluatePolicies(captureOf([a]), "dev", [sla]))[0].enforcementLevel, "advisory");
        assert.equal((await evaluatePolicies(captureOf([a]), "prod", [sla]))[0].enforcementLevel, "mandatory");
    });
});
