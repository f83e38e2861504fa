// The distilled REST spec table (preflight/specs.ts) held to two sources on this machine that derive from the same
// specifications: azure-native's SDK type declarations (the input names it generated from x-ms-client-name and
// x-ms-client-flatten) and, where an @azure/arm-* client in node_modules speaks the same API version, that client's own
// serializer (what it puts on the wire for client-named models). No request leaves the machine (nock).
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ObjectShape, pathParameters, Shape, specs, sdkRoutes, toWire } from "../../preflight/specs";
import type { StackFacts } from "../../preflight/stack";
import { credential, stackFacts } from "../fixtures/preflight/world";
import { lazy } from "../../cli/lazy";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const root = dirname(require.resolve("@pulumi/azure-native/package.json"));

/** Property names per interface, per module namespace, in @pulumi/azure-native/types/input.d.ts. */
function inputTypes(): Map<string, Map<string, Set<string>>> {
    const byModule = new Map<string, Map<string, Set<string>>>();
    let ns: Map<string, Set<string>> | undefined;
    let iface: Set<string> | undefined;
    for (const line of readFileSync(join(root, "types", "input.d.ts"), "utf8").split("\n")) {
        const n = /^export declare namespace (\w+) \{/.exec(line);
        if (n) {
            ns = new Map();
            byModule.set(n[1], ns);
            continue;
        }
        const i = /^ {4}interface (\w+) \{/.exec(line);
        if (i && ns) {
            iface = new Set();
            ns.set(i[1], iface);
            continue;
        }
        const p = /^ {8}"?([\w-]+)"?\??:/.exec(line);
        if (p && iface) {
            iface.add(p[1]);
        }
    }
    return byModule;
}

/** The input names of a resource's Args interface (@pulumi/azure-native/<module>/<resource>.d.ts). */
function resourceArgs(token: string): Set<string> {
    const [, mod, type] = token.split(":");
    const text = readFileSync(join(root, mod, `${type.charAt(0).toLowerCase()}${type.slice(1)}.d.ts`), "utf8");
    const block = new RegExp(`export interface ${type}Args \\{([\\s\\S]*?)\\n\\}`).exec(text)![1];
    return new Set([...block.matchAll(/^ {4}"?([\w-]+)"?\??:/gm)].map((m) => m[1]));
}

/** Every nested object of a shape (below the resource itself), with where it is. */
function nestedObjects(shape: Shape, at: string): { at: string; shape: ObjectShape }[] {
    switch (shape.kind) {
        case "object":
            return [
                { at, shape },
                ...[...sdkRoutes(shape)].flatMap(([sdk, route]) => nestedObjects(route.shape, `${at}.${sdk}`)),
            ];
        case "array":
        case "map":
            return nestedObjects(shape.of, `${at}[]`);
        default:
            return [];
    }
}

describe("preflight: the REST spec table", () => {
    sharedCaptures();
    const types = inputTypes();

    it("names what azure-native names: path parameters and top-level inputs are inputs of each resource's Args", () => {
        for (const spec of specs()) {
            const args = resourceArgs(spec.token);
            for (const p of pathParameters(spec)) {
                assert.ok(args.has(p), `${spec.token}: path parameter {${p}} is an input`);
            }
            for (const sdk of sdkRoutes(spec.body).keys()) {
                assert.ok(
                    args.has(sdk),
                    `${spec.token}: ${sdk} is an input (flattened containers and client names as the spec says)`,
                );
            }
        }
        // The two facts the issue names, literally: the key's expiry is an input `expires` that goes out as `exp`; a role
        // definition's id is an input and a path parameter.
        const key = specs().find((s) => s.token === T.Key)!;
        const attributes = sdkRoutes(sdkRoutes(key.body).get("properties")!.shape as ObjectShape).get("attributes")!
            .shape as ObjectShape;
        assert.deepEqual(sdkRoutes(attributes).get("expires")!.wire, ["exp"]);
        assert.deepEqual(sdkRoutes(attributes).get("notBefore")!.wire, ["nbf"]);
        assert.ok(pathParameters(specs().find((s) => s.token === T.RoleDefinition)!).includes("roleDefinitionId"));
    });

    it("names nested inputs as azure-native does: each nested object's inputs are those of one of the module's input types", () => {
        for (const spec of specs()) {
            const mod = spec.token.split(":")[1];
            const interfaces = [...(types.get(mod)?.values() ?? [])];
            for (const { at, shape } of nestedObjects(spec.body, spec.token).slice(1)) {
                const names = [...sdkRoutes(shape).keys()];
                if (names.length === 0) {
                    continue;
                }
                assert.ok(
                    interfaces.some((props) => names.every((n) => props.has(n))),
                    `${at}: no ${mod} input type has all of ${names.join(", ")} (a wire name where the SDK uses a client name?)`,
                );
            }
        }
    });

    describe("against the @azure/arm-* clients that speak the same API version", function () {
        this.timeout(20_000);
        let nock: typeof import("nock");
        const facts: Record<string, StackFacts> = {};
        const ARM = "https://fake-arm-specs.test";
        const SUB = "00000000-0000-0000-0000-000000000001";

        before(async () => {
            facts.prod = await stackFacts("prod");
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

        /** The body the client PUTs, answered with `reply`. */
        const captured = (reply: object) => {
            const seen: { body?: unknown } = {};
            nock(ARM)
                .put(() => true)
                .query(true)
                .reply(200, (_uri, body) => {
                    seen.body = body;
                    return reply;
                });
            return seen;
        };
        /** The plan's inputs of the first resource of a type, path parameters left out. */
        const planned = (token: string) => {
            const r = facts.prod.resources.find((x) => x.token === token)!;
            const spec = specs().find((s) => s.token === token)!;
            const skip = new Set(pathParameters(spec));
            // Secrets are placeholders in the plan ("[secret]"), not the shape the client expects: left out.
            const inputs = Object.entries(r.rawInputs).filter(
                ([k, value]) => !skip.has(k) && !JSON.stringify(value).includes("[secret]"),
            );
            return { spec, inputs: Object.fromEntries(inputs) as Record<string, unknown> };
        };

        it("role assignments (@azure/arm-authorization 9.0.0, api-version 2022-04-01)", async () => {
            const { AuthorizationManagementClient } = lazy.armAuthorization();
            const { spec, inputs } = planned(T.RoleAssignment);
            const seen = captured({ id: "/x", properties: {} });
            const client = new AuthorizationManagementClient(credential, SUB, {
                endpoint: ARM,
                credentialScopes: ["https://management.azure.com/.default"],
            });
            await client.roleAssignments.create(
                `subscriptions/${SUB}`,
                "00000000-0000-0000-0000-0000000000aa",
                inputs as never,
            );
            assert.deepEqual(seen.body, toWire(spec, inputs).body);
            assert.ok((seen.body as { properties: object }).properties, "flattened under properties");
        });

        it("extensions and Flux configurations (@azure/arm-kubernetesconfiguration 6.1.0, api-version 2023-05-01)", async () => {
            const { SourceControlConfigurationClient } = lazy.armKubernetesConfiguration();
            const client = new SourceControlConfigurationClient(credential, SUB, {
                endpoint: ARM,
                credentialScopes: ["https://management.azure.com/.default"],
            });
            for (const token of [T.Extension, T.FluxConfiguration]) {
                const { spec, inputs } = planned(token);
                const seen = captured({ id: "/x", properties: { provisioningState: "Succeeded" } });
                const args = ["rg", "Microsoft.ContainerService", "managedClusters", "aks", "x", inputs] as const;
                if (token.endsWith("Extension")) {
                    await client.extensions.beginCreateAndWait(
                        ...(args as unknown as Parameters<typeof client.extensions.beginCreateAndWait>),
                    );
                } else {
                    await client.fluxConfigurations.beginCreateOrUpdateAndWait(
                        ...(args as unknown as Parameters<typeof client.fluxConfigurations.beginCreateOrUpdateAndWait>),
                    );
                }
                assert.deepEqual(seen.body, toWire(spec, inputs).body, token);
            }
        });
    });
});
