// Determinism by construction: the plan document does not depend on the order in which the engine happened to register
// resources, on the key order of their inputs, or on the order of dependency sets. Two runs in one process agreeing
// would not show that; here the same capture is presented shuffled and must give the same bytes.
import * as assert from "node:assert/strict";
import type { Capture } from "../../offline/program";
import type { Registration } from "../../offline/monitor";
import { buildPlan } from "../../plan/model";
import { renderMermaid, renderTree } from "../../plan/render";
import { baseConfig, run } from "../support/stacks";
import { sharedCaptures } from "../support/share-captures";

/** A small seeded PRNG (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
    return () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function shuffle<T>(items: T[], rnd: () => number): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
}

/** The same value with every object's keys in a random order (arrays keep their order: it can mean something). */
function shuffleKeys(value: unknown, rnd: () => number): unknown {
    if (Array.isArray(value)) {
        return value.map((v) => shuffleKeys(v, rnd));
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(shuffle(Object.entries(value), rnd).map(([k, v]) => [k, shuffleKeys(v, rnd)]));
    }
    return value;
}

/** The capture as another engine run could have delivered it: resources, keys, dependency sets and references reordered. */
function reordered(c: Capture, seed: number): Capture {
    const rnd = random(seed);
    const resources = shuffle(c.resources, rnd).map(
        (r): Registration =>
            shuffleKeys(
                {
                    ...r,
                    dependencies: shuffle(r.dependencies, rnd),
                    propertyDependencies: Object.fromEntries(
                        Object.entries(r.propertyDependencies).map(([k, urns]) => [k, shuffle(urns, rnd)]),
                    ),
                },
                rnd,
            ) as Registration,
    );
    return {
        ...c,
        resources,
        outputs: shuffleKeys(c.outputs, rnd) as Capture["outputs"],
        references: new Map(shuffle([...c.references.entries()], rnd)),
    };
}

function isCanonical(value: unknown, path = "$"): void {
    if (Array.isArray(value)) {
        value.forEach((v, i) => isCanonical(v, `${path}[${i}]`));
    } else if (value !== null && typeof value === "object") {
        const keys = Object.keys(value);
        assert.deepEqual(
            keys,
            [...keys].sort((a, b) => a.localeCompare(b)),
            `keys of ${path} are sorted`,
        );
        for (const [k, v] of Object.entries(value)) {
            isCanonical(v, `${path}.${k}`);
        }
    }
}

describe("the plan is canonical by construction", () => {
    sharedCaptures();
    let prod: Capture;
    before(async () => {
        prod = await run(baseConfig("prod"));
    });

    it("gives the same bytes for the same resources registered in another order with shuffled keys", () => {
        const expected = JSON.stringify(buildPlan(prod), null, 2);
        for (const seed of [1, 2, 3]) {
            const shuffled = reordered(prod, seed);
            assert.notDeepEqual(
                shuffled.resources.map((r) => r.urn),
                prod.resources.map((r) => r.urn),
                "the fixture really is reordered",
            );
            const plan = buildPlan(shuffled);
            assert.equal(JSON.stringify(plan, null, 2), expected, `seed ${seed}`);
            assert.equal(renderTree(plan), renderTree(buildPlan(prod)), `tree, seed ${seed}`);
            assert.equal(renderMermaid(plan), renderMermaid(buildPlan(prod)), `mermaid, seed ${seed}`);
        }
    });

    it("sorts resources by urn, every object's keys, and dependency sets", () => {
        const plan = buildPlan(reordered(prod, 7));
        const urns = plan.resources.map((r) => r.urn);
        assert.deepEqual(
            urns,
            [...urns].sort((a, b) => a.localeCompare(b)),
        );
        for (const r of plan.resources) {
            isCanonical(r.inputs, `${r.name}.inputs`);
            isCanonical(r.propertyDependencies, `${r.name}.propertyDependencies`);
            assert.deepEqual(r.dependsOn, [...r.dependsOn].sort(), `${r.name}.dependsOn`);
            for (const [k, deps] of Object.entries(r.propertyDependencies)) {
                assert.deepEqual(deps, [...deps].sort(), `${r.name}.propertyDependencies.${k}`);
            }
        }
        isCanonical(plan.outputs, "outputs");
    });
});
