// The files `npm run fleet` writes into a fleet repo checkout: a cluster's directory (clusterFiles) and the merged
// .sops.yaml (mergeSopsConfig). A tool's module: the program registers the objects (fleet/layout.ts), never these files.
import { Document, isMap, isScalar, isSeq, parseDocument, stringify, type YAMLMap, type YAMLSeq } from "yaml";
import { ConfigFileError } from "../cli/usage";
import {
    ALERTS_SECRET,
    alertsSecretTemplate,
    clusterDir,
    type FleetLayoutArgs,
    type FluxKustomization,
    LAYER_LABEL,
    type LayerObject,
} from "./layout";

/** File name of a bootstrap object inside the cluster directory. */
export function fileFor(object: { metadata: { name: string } }): string {
    return `${object.metadata.name}.yaml`;
}

const HEADER = "# Rendered by `npm run fleet` from the aks-gitops stack. Edit the stack config, not this file.\n";

/**
 * The files of clusters/<cluster>/: one file per Flux Kustomization, the kustomization.yaml that the Flux
 * configuration applies, and apps/kustomization.yaml selecting the environment's overlay of each app. A layer directory
 * is applied by the Flux Kustomization whose path is that directory (monitoring, notifications), or else by the Flux
 * configuration itself, listed in the cluster's kustomization.yaml (the tenant boundary: applied with the layers'
 * Kustomizations in one step by the platform's cluster-scoped configuration, never waiting on a layer).
 */
export function clusterFiles(
    objects: FluxKustomization[],
    a: Pick<FleetLayoutArgs, "clusterName" | "environment" | "apps">,
    layerObjects: LayerObject[] = [],
    /** SOPS-encrypted files (*.enc.yaml) the team added to a layer directory: listed in that layer's kustomization.yaml. */
    encryptedFiles: (layerDir: string) => string[] = () => [],
): Map<string, string> {
    const dir = clusterDir(a.clusterName);
    const files = new Map<string, string>();
    for (const o of objects) {
        files.set(`${dir}/${fileFor(o)}`, HEADER + stringify(o));
    }
    const layers = new Map<string, LayerObject[]>();
    for (const o of layerObjects) {
        const layer = o.metadata.labels[LAYER_LABEL];
        layers.set(layer, [...(layers.get(layer) ?? []), o]);
    }
    const appliedByKustomization = new Set(objects.map((o) => o.spec.path));
    files.set(
        `${dir}/kustomization.yaml`,
        HEADER +
            stringify({
                apiVersion: "kustomize.config.k8s.io/v1beta1",
                kind: "Kustomization",
                resources: [
                    ...objects.map(fileFor),
                    ...[...layers.keys()].filter((layer) => !appliedByKustomization.has(`./${dir}/${layer}`)),
                ],
            }),
    );
    for (const [layer, members] of layers) {
        const names = members.map((o) => `${o.kind.toLowerCase()}-${o.metadata.name}.yaml`);
        members.forEach((o, i) => files.set(`${dir}/${layer}/${names[i]}`, HEADER + stringify(o)));
        const secrets = encryptedFiles(`${dir}/${layer}`)
            .filter((f) => /\.enc\.ya?ml$/.test(f) && !names.includes(f))
            .sort();
        files.set(
            `${dir}/${layer}/kustomization.yaml`,
            HEADER +
                stringify({
                    apiVersion: "kustomize.config.k8s.io/v1beta1",
                    kind: "Kustomization",
                    resources: [...names, ...secrets],
                }),
        );
        const namespace = members[0].metadata.namespace;
        if (layer === "notifications" && namespace !== undefined) {
            files.set(
                `${dir}/${layer}/${ALERTS_SECRET}.enc.yaml.example`,
                HEADER + alertsSecretTemplate(a.clusterName, namespace),
            );
        }
    }
    files.set(
        `${dir}/apps/kustomization.yaml`,
        HEADER +
            stringify({
                apiVersion: "kustomize.config.k8s.io/v1beta1",
                kind: "Kustomization",
                resources: a.apps.map((app) => `../../../apps/${app}/overlays/${a.environment}`),
            }),
    );
    return files;
}

interface SopsRule {
    path_regex: string;
    [key: string]: unknown;
}

/** The header of a .sops.yaml this program creates (an existing file keeps its own comments). */
const SOPS_HEADER =
    " One creation rule per environment: each sends its files to that environment's key. SOPS uses the first rule whose\n" +
    " path_regex matches a file, so `npm run fleet` keeps the environment rules first; add other rules below them.";

/**
 * The keys of a creation rule that name where SOPS encrypts to (getsops/sops config/config.go, creationRule: kms, age,
 * pgp, gcp_kms, hckms, azure_keyvault, hc_vault_transit_uri, key_groups). With key_groups set, SOPS ignores the
 * top-level keys (getKeyGroupsFromCreationRule), so any of these beside the environment's azure_keyvault moves or
 * widens who can decrypt the environment's files.
 */
const SOPS_KEY_SOURCES = [
    "kms",
    "age",
    "pgp",
    "gcp_kms",
    "hckms",
    "azure_keyvault",
    "hc_vault_transit_uri",
    "key_groups",
];

/**
 * Puts a stack's environment rule into an existing .sops.yaml (yaml Document API: the user's rules, their order and
 * their comments stay) and places the environment rules first. SOPS takes the FIRST creation rule whose path_regex
 * matches the file's path (relative to the .sops.yaml's directory), and a rule without path_regex matches every file
 * (getsops/sops config/config.go, parseCreationRuleForFile). The environment rules match only their environment's
 * paths and are disjoint, so putting them ahead of every other rule makes each environment's own rule the first match
 * for every path of that environment, whatever catch-all or overlapping rule the user has, and changes nothing for the
 * user's rules on other paths. Among themselves they are sorted by path_regex (deterministic whatever order stacks
 * are rendered in).
 *
 * `environmentRules`: the path_regex of every environment's rule (the stack's own among them). Refused (exit 2, naming
 * `file`, nothing written): a file that is not YAML or not SOPS's shape, two rules for one environment's paths, or an
 * existing rule for this environment that sends its files to another key, or to more keys than the stack's: one key per
 * environment, and a second cluster of the environment shares it (sops.existingKeyId).
 */
export function mergeSopsConfig(
    existing: string | undefined,
    rule: SopsRule,
    environmentRules: readonly string[],
    file = ".sops.yaml",
): string {
    if (!environmentRules.includes(rule.path_regex)) {
        throw new Error(`the stack's creation rule (path_regex ${rule.path_regex}) is not an environment rule`);
    }
    const refuse = (why: string) =>
        new ConfigFileError(
            `${file}: ${why}. Nothing was written. (SOPS reads creation_rules: a list of mappings, each with a path_regex; getsops/sops docs)`,
        );
    const doc =
        existing === undefined ? new Document() : parseDocument(existing, { uniqueKeys: true, prettyErrors: true });
    if (doc.errors.length > 0) {
        throw refuse(`is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
    }
    const isEmpty = doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
    if (isEmpty) {
        doc.contents = doc.createNode({});
        if (!doc.commentBefore) {
            doc.commentBefore = SOPS_HEADER;
        }
    }
    if (!isMap(doc.contents)) {
        throw refuse("is not a mapping (expected creation_rules: at the top level)");
    }
    let seq: unknown = doc.contents.get("creation_rules", true);
    if (seq === undefined || (isScalar(seq) && seq.value === null)) {
        seq = doc.createNode([]);
        doc.contents.set("creation_rules", seq);
    }
    if (!isSeq(seq)) {
        throw refuse("creation_rules is not a list");
    }
    const rules = seq as YAMLSeq<YAMLMap>;
    const environment: YAMLMap[] = [];
    const others: YAMLMap[] = [];
    const seen = new Map<string, number>();
    rules.items.forEach((item: unknown, i) => {
        if (!isMap(item)) {
            throw refuse(`creation_rules[${i}] is not a mapping`);
        }
        const regex = item.get("path_regex", true);
        if (regex !== undefined && !(isScalar(regex) && (typeof regex.value === "string" || regex.value === null))) {
            throw refuse(`creation_rules[${i}].path_regex is not a string`);
        }
        const value = regex?.value as string | null | undefined;
        if (typeof value === "string" && environmentRules.includes(value)) {
            if (seen.has(value)) {
                throw refuse(
                    `creation_rules[${seen.get(value)}] and creation_rules[${i}] are both the rule for path_regex ${value}; keep one`,
                );
            }
            seen.set(value, i);
            environment.push(item);
        } else {
            others.push(item);
        }
    });
    const index = seen.get(rule.path_regex);
    const current = index === undefined ? undefined : rules.items[index];
    if (current) {
        for (const key of SOPS_KEY_SOURCES) {
            const theirs = current.get(key, true);
            const ours = rule[key];
            if (theirs === undefined) {
                continue; // a key the rule lacks is added; only a different or an extra one is refused
            }
            if (ours === undefined || !isScalar(theirs) || theirs.value !== ours) {
                throw refuse(
                    `creation_rules[${index}] (path_regex ${rule.path_regex}) sends this environment's files to ${key} ${JSON.stringify((current.toJSON() as Record<string, unknown>)[key])}, ` +
                        `the stack to ${Object.entries(rule)
                            .filter(([k]) => SOPS_KEY_SOURCES.includes(k))
                            .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
                            .join(", ")}. ` +
                        "One key per environment: a second cluster of the environment uses its key (sops.existingKeyId); if the key really moved, " +
                        "change the rule by hand and re-encrypt the environment's files (sops updatekeys)",
                );
            }
        }
        for (const [key, value] of Object.entries(rule)) {
            if (current.get(key) !== value) {
                current.set(key, value);
            }
        }
    } else {
        environment.push(doc.createNode(rule));
    }
    environment.sort((x, y) => String(x.get("path_regex")).localeCompare(String(y.get("path_regex"))));
    const order = [...environment, ...others];
    if (order.some((item, i) => item !== rules.items[i])) {
        // A comment above the first rule belongs to the list in the yaml package's model: give it to that rule, so it
        // moves with it; the new first rule starts right under creation_rules:.
        if (rules.commentBefore && rules.items.length > 0) {
            const first = rules.items[0];
            first.commentBefore = first.commentBefore
                ? `${rules.commentBefore}\n${first.commentBefore}`
                : rules.commentBefore;
            rules.commentBefore = undefined;
        }
        rules.items = order;
        order[0].spaceBefore = false;
    }
    // A rule moved ahead of the anchor its alias refers to (a user's rule anchors a value an environment rule aliases)
    // makes the yaml package's toString throw its own Error ("Unresolved alias"), which would surface as "fleet failed"
    // (exit 1) without naming the file; any other result that does not parse back is refused the same way.
    let text: string | undefined;
    try {
        text = doc.toString({ lineWidth: 0 });
    } catch {
        text = undefined;
    }
    if (text === undefined || parseDocument(text).errors.length > 0) {
        throw refuse(
            "cannot be rewritten with the environment rules first without breaking its anchors or aliases; move the environment rules to the top by hand",
        );
    }
    return text;
}
