// preflight --state <file> in process: a stack's state as `pulumi stack export` writes it tells which ARM resources the
// stack manages (by Pulumi type token, ARM ids compared case-insensitively); a file that is missing, not JSON or not a
// stack export is a usage error (exit 2) naming the file and saying how to write one, never an empty state.
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { failure, UsageError } from "../../cli/usage";
import { inState, readState } from "../../preflight/state";

const SUB = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";
const VAULT = "azure-native:keyvault:Vault";
const vaultId = `/subscriptions/${SUB}/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod`;
const rgId = `/subscriptions/${SUB}/resourceGroups/rg-sops-prod`;
const urn = (type: string, name: string) => `urn:pulumi:prod::aks-gitops::${type}::${name}`;

// What `pulumi stack export` writes (pulumi/pulumi sdk/go/common/apitype/core.go: UntypedDeployment {version,
// deployment}, DeploymentV3 {manifest, secrets_providers, resources}, ResourceV3 {urn, custom, id, type, inputs,
// outputs, parent, provider, external, delete, pendingReplacement, ...}; apitype/deployments.json): the stack and a
// component (not custom), the provider (custom, its id a UUID), and the ARM resources with their ARM ids.
const exported = {
    version: 3,
    deployment: {
        manifest: { time: "2025-06-02T09:14:27.113Z", magic: "4b1c0ad5e6f7", version: "v3.270.0" },
        secrets_providers: { type: "passphrase", state: { salt: "v1:abc:def" } },
        resources: [
            { urn: urn("pulumi:pulumi:Stack", "aks-gitops-prod"), custom: false, type: "pulumi:pulumi:Stack" },
            {
                urn: urn("pulumi:providers:azure-native", "default_3_28_0"),
                custom: true,
                id: "1f6c2e0a-8b5d-4c7e-9a31-2d4b6f8e0c13",
                type: "pulumi:providers:azure-native",
                inputs: { version: "3.28.0" },
            },
            {
                urn: urn("aks-gitops:index:SopsKeyVault", "prod-westeurope-sops"),
                custom: false,
                type: "aks-gitops:index:SopsKeyVault",
                parent: urn("pulumi:pulumi:Stack", "aks-gitops-prod"),
            },
            {
                urn: urn("azure-native:resources:ResourceGroup", "prod-westeurope-sops-rg"),
                custom: true,
                id: rgId,
                type: "azure-native:resources:ResourceGroup",
                inputs: { resourceGroupName: "rg-sops-prod", location: "westeurope" },
                outputs: { id: rgId, name: "rg-sops-prod" },
            },
            {
                urn: urn(VAULT, "prod-westeurope-sops-vault"),
                custom: true,
                // ARM returns ids in the casing it likes; preflight's own reads may differ.
                id: vaultId.replace("resourceGroups", "resourcegroups").replace("kv-contoso", "KV-Contoso"),
                type: VAULT,
                parent: urn("aks-gitops:index:SopsKeyVault", "prod-westeurope-sops"),
                provider: `${urn("pulumi:providers:azure-native", "default_3_28_0")}::1f6c2e0a-8b5d-4c7e-9a31-2d4b6f8e0c13`,
                created: "2025-06-02T09:10:01.000Z",
                modified: "2025-06-02T09:14:20.000Z",
            },
        ],
    },
};

describe("preflight --state (the stack's Pulumi state)", () => {
    let dir: string;
    const write = (name: string, content: unknown) => {
        const file = join(dir, name);
        writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 4));
        return file;
    };
    /** A copy of the export whose vault entry has `extra` set. */
    const withVault = (extra: object) => ({
        ...exported,
        deployment: {
            ...exported.deployment,
            resources: exported.deployment.resources.map((r) => (r.type === VAULT ? { ...r, ...extra } : r)),
        },
    });

    before(() => {
        dir = mkdtempSync(join(tmpdir(), "preflight-state-test-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    describe("a stack export", () => {
        it("holds the stack's custom resources by type token, ARM ids compared in any case", () => {
            const file = write("prod.json", exported);
            const state = readState(file);
            assert.equal(state.file, file);
            assert.equal(inState(state, VAULT, vaultId), true);
            assert.equal(inState(state, VAULT, vaultId.toUpperCase()), true);
            assert.equal(inState(state, "azure-native:resources:ResourceGroup", rgId), true);
            assert.deepEqual([...state.ids.keys()].sort(), [
                VAULT,
                "azure-native:resources:ResourceGroup",
                "pulumi:providers:azure-native",
            ]);
            assert.deepEqual([...state.ids.get(VAULT)!], [vaultId.toLowerCase()]);
        });

        it("does not hold a resource of another type, another id, or a type it has not seen", () => {
            const state = readState(write("prod.json", exported));
            assert.equal(inState(state, "azure-native:resources:ResourceGroup", vaultId), false);
            assert.equal(inState(state, VAULT, vaultId.replace("kv-contoso-sops-prod", "kv-contoso-sops-dev")), false);
            assert.equal(inState(state, "azure-native:keyvault:Key", vaultId), false);
        });

        it("leaves out component resources and custom resources without an id", () => {
            const noId = {
                ...exported,
                deployment: {
                    ...exported.deployment,
                    resources: [
                        ...exported.deployment.resources,
                        {
                            urn: urn("azure-native:keyvault:Key", "sops"),
                            custom: true,
                            type: "azure-native:keyvault:Key",
                        },
                        { urn: urn("x:y:Thing", "odd"), custom: "true", id: "/subscriptions/x", type: "x:y:Thing" },
                        { urn: urn("x:y:Untyped", "odd"), custom: true, id: "/subscriptions/y" },
                        null,
                    ],
                },
            };
            const state = readState(write("no-id.json", noId));
            assert.equal(state.ids.has("azure-native:keyvault:Key"), false);
            assert.equal(state.ids.has("x:y:Thing"), false);
            assert.equal(state.ids.has("aks-gitops:index:SopsKeyVault"), false);
            assert.equal(state.ids.has("pulumi:pulumi:Stack"), false);
            assert.deepEqual([...state.ids.keys()].sort(), [
                VAULT,
                "azure-native:resources:ResourceGroup",
                "pulumi:providers:azure-native",
            ]);
        });

        // core.go ResourceV3: external "the lifecycle of this resource is not managed by Pulumi" (read with get);
        // delete "should be deleted during the next update"; pendingReplacement "deleted but not yet recreated".
        for (const flag of ["external", "delete", "pendingReplacement"] as const) {
            it(`does not count a vault marked ${flag}: \`pulumi up\` would not update that one in place`, () => {
                const state = readState(write(`${flag}.json`, withVault({ [flag]: true })));
                assert.equal(inState(state, VAULT, vaultId), false);
                const unflagged = readState(write(`${flag}-false.json`, withVault({ [flag]: false })));
                assert.equal(inState(unflagged, VAULT, vaultId), true);
            });
        }

        it("is an empty state for a stack without resources, or never deployed (deployment null)", () => {
            const empty = readState(
                write("empty.json", { version: 3, deployment: { manifest: exported.deployment.manifest } }),
            );
            assert.equal(empty.ids.size, 0);
            const never = readState(write("never.json", { version: 3, deployment: null }));
            assert.equal(never.ids.size, 0);
            assert.equal(inState(never, VAULT, vaultId), false);
        });
    });

    describe("refuses, naming the file, before anything is asked of Azure (exit 2)", () => {
        const refused = (file: string, message: RegExp) => {
            assert.throws(
                () => readState(file),
                (e: unknown) => {
                    assert.ok(e instanceof UsageError, String(e));
                    assert.match(e.message, message);
                    assert.ok(e.message.startsWith(`--state ${file}: `), e.message);
                    assert.equal(failure(e, "usage", "preflight").code, 2);
                    return true;
                },
            );
        };

        it("a missing file, saying how to write one", () => {
            const file = join(dir, "missing.json");
            refused(
                file,
                new RegExp(
                    `cannot read it \\(ENOENT\\); write it with \`pulumi stack export --stack <stack> --file ${file.replace(/[.\\/]/g, "\\$&")}\`$`,
                ),
            );
        });

        it("a folder", () => {
            const folder = join(dir, "a-folder.json");
            mkdirSync(folder);
            refused(folder, /cannot read it \(EISDIR\)/);
        });

        it("a file that is not JSON (the text `pulumi stack export` prints with a warning first, say)", () => {
            refused(
                write("not.json", `warning: A new version of Pulumi is available.\n${JSON.stringify(exported)}`),
                /: not JSON; give the output of `pulumi stack export --file <file>`$/,
            );
            refused(write("empty-file.json", ""), /: not JSON;/);
        });

        const shapes: [string, unknown][] = [
            ["a JSON array", [1, 2]],
            ["JSON null", null],
            ["a JSON string", JSON.stringify("version 3")], // written as is: the text "version 3", quotes included
            ["no version", { deployment: exported.deployment }],
            ["a version that is not a number", { version: "3", deployment: exported.deployment }],
            ["no deployment", { version: 3 }],
            // A diy backend's own checkpoint file (.pulumi/stacks/<project>/<stack>.json; core.go VersionedCheckpoint).
            ["a backend checkpoint file", { version: 3, checkpoint: { stack: "prod", latest: exported.deployment } }],
            ["a deployment that is a list", { version: 3, deployment: exported.deployment.resources }],
            ["a deployment that is text", { version: 3, deployment: "{}" }],
            ["resources that are not a list", { version: 3, deployment: { resources: { vault: {} } } }],
        ];
        for (const [what, content] of shapes) {
            it(`${what}: not a stack export`, () => {
                refused(
                    write("shape.json", content),
                    /: not a Pulumi stack export \(\{version, deployment: \{resources: \[\.\.\.\]\}\}\); give the output of `pulumi stack export --file <file>`$/,
                );
            });
        }
    });
});
