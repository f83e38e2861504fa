// One key per environment (the seed: a dev cluster must not decrypt production secrets), checked from what the fleet
// repository says about itself:
//   - a cluster's environment and vault: the postBuild.substitute of the Flux Kustomizations in clusters/<cluster>/
//     (`npm run fleet` renders ENVIRONMENT and SOPS_KEY_VAULT_URI there; the cluster's Flux identity may decrypt with
//     that vault's key only);
//   - an environment's .sops.yaml rule: the rule that matches a file of that environment's directories
//     (clusters/<env>-*/, apps/*/overlays/<env>/) and no other environment's;
//   - SOPS encrypts with the FIRST rule whose path_regex matches (getsops/sops config/config.go
//     parseCreationRuleForFile), so for every cluster and overlay directory that rule must be its environment's.
import { posix } from "node:path";
import { describeKey, firstMatchingRule, normalVault, sameKey } from "./sops";
import type { CreationRule, SopsKey } from "./sops";

export interface FluxKustomizationRecord {
    /** Where it was found: a file or a build directory (repository-relative). */
    location: string;
    /** namespace/name */
    name: string;
    /** spec.path, repository-relative without ./, "." for the root; undefined when absent. */
    path?: string;
    vars: Record<string, unknown>;
    /** spec.patches, which kustomize-controller adds to the build. */
    patches?: unknown[];
    /** Builds made for it beyond its path's own (its path with its spec.patches). */
    extraBuilds: string[];
}

export interface EncryptedRecord {
    /** A file (file level) or a build directory. */
    location: string;
    kind: "file" | "build";
    object: string;
    keys: SopsKey[];
}

export interface EnvironmentFinding {
    location: string;
    reason: string;
}

export interface EnvironmentInput {
    rules: CreationRule[];
    dirs: string[];
    kustomizations: FluxKustomizationRecord[];
    encrypted: EncryptedRecord[];
    /** The build directories and files each Flux Kustomization's spec.path applies. */
    applies(path: string): { builds: string[]; files: string[] };
}

/** The directory a SOPS-encrypted secret of that directory is checked as (the name the product documents). */
const probe = (dir: string) => `${dir === "." ? "" : `${dir}/`}secret.enc.yaml`;

export const clusterOf = (path: string): string | undefined => /^clusters\/([^/]+)(\/|$)/.exec(path)?.[1];
const overlayEnvOf = (path: string): string | undefined => /^apps\/[^/]+\/overlays\/([^/]+)(\/|$)/.exec(path)?.[1];

/**
 * The directory a Flux Kustomization's spec.path applies, relative to the repository root. kustomize-controller builds
 * securejoin.SecureJoin(<source root>, spec.path) (fluxcd/kustomize-controller
 * internal/controller/kustomization_controller.go): no path is the root ("Defaults to 'None', which translates to the
 * root path of the SourceRef", api/v1/kustomization_types.go), and ".." or a leading "/" cannot leave the root, they
 * stop at it. Undefined only for a path that is not a string, which the API server refuses (the field is a string).
 */
/** A normal spec.path as a fleet repository writes it: "./apps/app", and "./" for the root. */
export const shownFluxPath = (path: string): string => `./${path === "." ? "" : path}`;

export function normalFluxPath(path: unknown): string | undefined {
    if (path === undefined || path === null) {
        return ".";
    }
    if (typeof path !== "string") {
        return undefined;
    }
    const inRoot = posix.normalize(`/${path}`).replace(/^\/+/, "").replace(/\/+$/, "");
    return inRoot === "" ? "." : inRoot;
}

interface Environment {
    name: string;
    clusters: string[];
    vaults: Set<string>;
    rule?: CreationRule;
}

interface KeyMatcher {
    describe: string;
    matches(key: SopsKey): boolean;
}

const keyList = (keys: SopsKey[]) => (keys.length === 0 ? "no key" : [...new Set(keys.map(describeKey))].join(", "));

export function checkEnvironments(input: EnvironmentInput): { findings: EnvironmentFinding[]; clusters: number } {
    const findings: EnvironmentFinding[] = [];
    const add = (location: string, reason: string) => findings.push({ location, reason });
    const clusters = [
        ...new Set(
            input.dirs.map((d) => /^clusters\/([^/]+)$/.exec(d)?.[1]).filter((c): c is string => c !== undefined),
        ),
    ].sort();
    const overlays = input.dirs.filter((d) => /^apps\/[^/]+\/overlays\/[^/]+$/.test(d));

    // Each cluster's environment and vault, from its Flux Kustomizations.
    const envOfCluster = new Map<string, string>();
    const vaultsOfCluster = new Map<string, Set<string>>();
    const disagreeing = new Set<string>();
    for (const cluster of clusters) {
        const mine = input.kustomizations.filter((k) => clusterOf(k.location) === cluster);
        const envs = new Set(
            mine.map((k) => k.vars.ENVIRONMENT).filter((v): v is string => typeof v === "string" && v !== ""),
        );
        vaultsOfCluster.set(
            cluster,
            new Set(
                mine
                    .map((k) => k.vars.SOPS_KEY_VAULT_URI)
                    .filter((v): v is string => typeof v === "string" && /^https:\/\//.test(v))
                    .map(normalVault),
            ),
        );
        if (envs.size > 1) {
            disagreeing.add(cluster);
            add(
                `clusters/${cluster}/`,
                `its Flux Kustomizations disagree on the environment (postBuild.substitute.ENVIRONMENT: ${[...envs].sort().join(", ")})`,
            );
        } else if (envs.size === 1) {
            envOfCluster.set(cluster, [...envs][0]);
        }
    }
    // An environment's rule: the first that matches its directories and no other environment's.
    const names = new Set([...envOfCluster.values(), ...overlays.map((d) => d.split("/")[3])]);
    const probesOf = (env: string) => [
        `clusters/${env}-cluster/${probe(".")}`,
        `apps/app/overlays/${env}/${probe(".")}`,
    ];
    const ruleOf = (env: string) =>
        input.rules.find(
            (r) =>
                probesOf(env).every((p) => r.matches(p)) &&
                ![...names].some((other) => other !== env && probesOf(other).some((p) => r.matches(p))),
        );
    // A cluster without ENVIRONMENT: its name's prefix, when that names an environment (clusters/<env>-<region>).
    for (const cluster of clusters.filter((c) => !envOfCluster.has(c))) {
        const env = [...names]
            .filter(
                (n) =>
                    cluster.startsWith(`${n}-`) && (ruleOf(n) !== undefined || [...envOfCluster.values()].includes(n)),
            )
            .sort((a, b) => b.length - a.length)[0];
        if (env) {
            envOfCluster.set(cluster, env);
        } else if (!disagreeing.has(cluster)) {
            // (A cluster whose Kustomizations disagree has its finding already: they do set ENVIRONMENT.)
            add(
                `clusters/${cluster}/`,
                "no Flux Kustomization here sets postBuild.substitute.ENVIRONMENT and the name starts with no known environment: the guard cannot tell which key its secrets need (render it with npm run fleet)",
            );
        }
    }
    const environments = new Map<string, Environment>();
    for (const name of names) {
        const members = clusters.filter((c) => envOfCluster.get(c) === name);
        const vaults = new Set(members.flatMap((c) => [...(vaultsOfCluster.get(c) ?? [])]));
        const rule = ruleOf(name);
        if (members.length > 0 || rule) {
            environments.set(name, { name, clusters: members, vaults, rule });
        }
    }
    const matcherOf = (env: Environment): KeyMatcher | undefined => {
        if (env.vaults.size > 0) {
            const vaults = [...env.vaults].sort();
            return {
                describe: `${env.name}'s vault ${vaults.join(", ")} (SOPS_KEY_VAULT_URI of its clusters)`,
                matches: (k) => k.type === "azure_kv" && env.vaults.has(k.vault ?? ""),
            };
        }
        if (env.rule && env.rule.keys.length > 0) {
            const rule = env.rule;
            return {
                describe: `${env.name}'s keys in .sops.yaml creation rule ${rule.number} (${keyList(rule.keys)})`,
                matches: (k) => rule.keys.some((rk) => sameKey(k, rk)),
            };
        }
        return undefined;
    };
    const matchers = new Map([...environments.values()].map((e) => [e.name, matcherOf(e)] as const));

    // Two environments decrypting with one vault or key: either's clusters read the other's secrets (they are all in
    // the repository each cluster reads). What decrypts an environment's secrets: its clusters' vaults, else the keys
    // of its own rule, an Azure key counting as its vault (a cluster's Flux identity may decrypt with every key of the
    // vault: components/GitOpsCluster.ts grants it on the vault, decryptScope: key.vaultId).
    const vaultsOf = (e: Environment): Set<string> =>
        e.vaults.size > 0
            ? e.vaults
            : new Set((e.rule?.keys ?? []).flatMap((k) => (k.type === "azure_kv" && k.vault ? [k.vault] : [])));
    const otherKeysOf = (e: Environment): SopsKey[] =>
        e.vaults.size > 0 ? [] : (e.rule?.keys ?? []).filter((k) => k.type !== "azure_kv");
    const envList = [...environments.values()].sort((a, b) => a.name.localeCompare(b.name));
    for (const [i, a] of envList.entries()) {
        for (const b of envList.slice(i + 1)) {
            const shared = [...vaultsOf(a)].filter((v) => vaultsOf(b).has(v)).sort();
            if (shared.length > 0) {
                add(
                    "clusters/",
                    `environments ${a.name} and ${b.name} decrypt with the same vault ${shared.join(", ")}: a ${a.name} cluster can read ${b.name} secrets (give each environment its own key)`,
                );
            }
            const sharedKeys = otherKeysOf(a).filter((k) =>
                otherKeysOf(b).some((o) => o.type === k.type && o.id === k.id),
            );
            if (sharedKeys.length > 0) {
                add(
                    "clusters/",
                    `environments ${a.name} and ${b.name} both encrypt to ${keyList(sharedKeys)}: whoever decrypts ${a.name}'s secrets can read ${b.name}'s (give each environment its own key)`,
                );
            }
        }
        if (a.rule && a.vaults.size > 0) {
            const foreign = a.rule.keys.filter((k) => !(k.type === "azure_kv" && a.vaults.has(k.vault ?? "")));
            if (foreign.length > 0 || a.rule.keys.length === 0) {
                add(
                    ".sops.yaml",
                    `creation rule ${a.rule.number} (environment ${a.name}) encrypts to ${keyList(foreign.length > 0 ? foreign : a.rule.keys)}, not only to ${a.name}'s vault ${[...a.vaults].sort().join(", ")}`,
                );
            }
        }
    }

    // For every cluster and overlay directory, the first matching rule is its environment's.
    const reported = new Set<string>();
    const checkDir = (dir: string, env: string, top: string) => {
        const matcher = matchers.get(env);
        if (!matcher) {
            return;
        }
        const path = probe(dir);
        const rule = firstMatchingRule(input.rules, path);
        const key = `${top}|${rule?.number ?? 0}`;
        if (reported.has(key)) {
            return;
        }
        if (!rule) {
            reported.add(key);
            add(
                `${dir}/`,
                `no .sops.yaml creation rule matches ${path}: \`sops --encrypt\` has no key for environment ${env} here (npm run fleet -- --stack <stack> --out <fleet> adds ${env}'s rule)`,
            );
        } else if (rule.keys.length === 0 || !rule.keys.every((k) => matcher.matches(k))) {
            reported.add(key);
            add(
                `${dir}/`,
                `the first .sops.yaml creation rule matching ${path} is rule ${rule.number} (path_regex ${rule.pathRegex === "" ? "absent: it matches every file" : rule.pathRegex}), which encrypts to ${keyList(rule.keys)}, not to ${matcher.describe}: SOPS uses the first matching rule, so put ${env}'s rule before it`,
            );
        }
    };
    for (const cluster of clusters) {
        const env = envOfCluster.get(cluster);
        if (env === undefined) {
            continue;
        }
        if (!matchers.get(env)) {
            add(
                `clusters/${cluster}/`,
                `the guard cannot tell environment ${env}'s key: no cluster of ${env} sets SOPS_KEY_VAULT_URI and no .sops.yaml creation rule is ${env}'s alone`,
            );
            continue;
        }
        const top = `clusters/${cluster}`;
        for (const dir of input.dirs.filter((d) => d === top || d.startsWith(`${top}/`))) {
            checkDir(dir, env, top);
        }
    }
    for (const dir of overlays) {
        const env = dir.split("/")[3];
        if (environments.has(env)) {
            for (const sub of input.dirs.filter((d) => d === dir || d.startsWith(`${dir}/`))) {
                checkDir(sub, env, dir);
            }
        }
    }

    // Every encrypted file: to the key of the environment its path belongs to.
    const envOfPath = (path: string): string | undefined => {
        const cluster = clusterOf(path);
        if (cluster !== undefined) {
            return envOfCluster.get(cluster);
        }
        const overlay = overlayEnvOf(path);
        return overlay !== undefined && environments.has(overlay) ? overlay : undefined;
    };
    for (const record of input.encrypted.filter((r) => r.kind === "file")) {
        const env = envOfPath(record.location);
        const matcher = env === undefined ? undefined : matchers.get(env);
        if (env === undefined) {
            if (clusterOf(record.location) === undefined) {
                add(
                    record.location,
                    `${record.object} is SOPS-encrypted outside every environment's directories (clusters/<cluster>/, apps/<app>/overlays/<env>/): every cluster that applies it would need its key; move it under the environment that owns it`,
                );
            }
        } else if (matcher) {
            const foreign = record.keys.filter((k) => !matcher.matches(k));
            if (foreign.length > 0) {
                add(
                    record.location,
                    `${record.object} is encrypted to ${keyList(foreign)}, which is not ${matcher.describe}: re-encrypt it with ${env}'s rule (sops updatekeys)`,
                );
            }
        }
    }

    // What each cluster's Flux Kustomizations apply: encrypted to that cluster's environment only.
    for (const cluster of clusters) {
        const env = envOfCluster.get(cluster);
        const matcher = env === undefined ? undefined : matchers.get(env);
        if (!matcher) {
            continue;
        }
        const seen = new Set<string>();
        for (const k of input.kustomizations.filter((x) => clusterOf(x.location) === cluster && x.path !== undefined)) {
            const { builds, files } = input.applies(k.path as string);
            builds.push(...k.extraBuilds);
            const applied = input.encrypted.filter((r) =>
                r.kind === "build" ? builds.includes(r.location) : files.includes(r.location),
            );
            for (const record of applied) {
                const foreign = record.keys.filter((key) => !matcher.matches(key));
                const id = `${k.name}|${record.object}|${keyList(foreign)}`;
                if (foreign.length > 0 && !seen.has(id)) {
                    seen.add(id);
                    add(
                        `clusters/${cluster}/`,
                        `Flux Kustomization ${k.name} (path ${shownFluxPath(k.path as string)}) applies ${record.object} encrypted to ${keyList(foreign)}, not to ${matcher.describe}: a ${env} cluster must not hold another environment's key, and cannot decrypt it without`,
                    );
                }
            }
        }
    }
    return { findings, clusters: clusters.length };
}
