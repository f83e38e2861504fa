// The stack configuration schema: what each key accepts, checked with zod before any resource is registered.
// Keys live under the project namespace (aks-gitops:<key>); paths in error messages use the same names.
import { z } from "zod";
import { cidrContains, cidrsOverlap, isNetworkAddress, isPrivateRange, parseCidr } from "./net";

// The promotion rings, in order: a release goes dev -> staging -> prod (npm run promote refuses to skip one).
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (value: string): boolean => GUID.test(value);

// Cluster names double as the fleet directory (clusters/<name>) and the AKS DNS prefix (max 54 chars).
const clusterName = z.string().regex(/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/, {
    error: "must be 3-40 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
});

// Azure programmatic region names ("westeurope"), not display names ("West Europe").
const location = z.string().regex(/^[a-z][a-z0-9]{2,29}$/, {
    error: 'must be an Azure region name in lowercase without spaces, e.g. "westeurope"',
});

// Resource group names: 1-90 chars of letters, digits, underscores, hyphens, periods and parentheses; not ending in a period.
const resourceGroupName = z.string().regex(/^[-\w.()]{0,89}[-\w()]$/, {
    error: "must be 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending with '.'",
});

// Key Vault names: 3-24 chars, letters/digits/hyphens, start with a letter, end with a letter or digit, no "--".
// Source: https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#objects-identifiers-and-versioning
const vaultName = z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, {
        error: "must be 3-24 letters, digits or hyphens, start with a letter and end with a letter or digit",
    })
    .refine((v) => !v.includes("--"), { error: "must not contain consecutive hyphens" });

const keyName = z.string().regex(/^[a-zA-Z0-9-]{1,127}$/, { error: "must be 1-127 letters, digits or hyphens" });

const cidr = z.string().refine((v) => parseCidr(v) !== undefined, {
    error: 'must be an IPv4 CIDR with no host bits set, e.g. "10.244.0.0/16" or "203.0.113.7/32"',
});

const publicCidr = cidr.refine((v) => !parseCidr(v) || !isPrivateRange(parseCidr(v)!), {
    error: "must be a public address range (Key Vault IP rules reject private ranges)",
});

// Names resolved through Entra ID when they are not object ids.
const principalRef = z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^\r\n\t]+$/, { error: "must be a single-line group name or object id" });

// ARM resource ids of a given type. The subscription part is optional: "/resourceGroups/..." means the subscription the
// stack deploys to, so committed stack files need no subscription id.
export function armIdPattern(provider: string, ...types: string[]): RegExp {
    const segments = types.map((t) => `/${t}/[A-Za-z0-9][-\\w.]*`).join("");
    return new RegExp(
        `^(/subscriptions/[0-9a-fA-F-]{36})?/resourceGroups/[-\\w.()]+/providers/${provider.replace(".", "\\.")}${segments}$`,
        "i",
    );
}

export interface ParsedArmId {
    subscriptionId?: string;
    resourceGroupName: string;
    /** Resource names after the provider, outermost first (vault, then key). */
    names: string[];
}

export function parseArmId(id: string): ParsedArmId {
    const parts = id.split("/");
    const rg = parts.findIndex((p) => p.toLowerCase() === "resourcegroups");
    const provider = parts.findIndex((p) => p.toLowerCase() === "providers");
    return {
        subscriptionId: rg === 3 ? parts[2] : undefined,
        resourceGroupName: parts[rg + 1],
        names: parts.slice(provider + 2).filter((_, i) => i % 2 === 1),
    };
}

/** Whether two ARM ids name the same resource: ARM ids compare case-insensitively; a missing subscription part matches any. */
export function sameArmId(a: string, b: string): boolean {
    const bare = (id: string) => id.replace(/^\/subscriptions\/[^/]+/i, "").toLowerCase();
    return bare(a) === bare(b);
}

/**
 * Whether a run with `admitExistingOnly` leaves the admitted egress prefix `id` out of the vault firewall when it does
 * not exist (a 404): `true` (the rollout's vault wave) any of sops.admitEgressPrefixIds, a list (a pull request's
 * preview, ci/pulumi-stack.ts) only the prefixes listed, those a stack of the same rollout creates. Any other missing
 * prefix fails the run.
 */
export function leavesOutIfMissing(admitExistingOnly: boolean | readonly string[] | undefined, id: string): boolean {
    return (
        admitExistingOnly === true ||
        (typeof admitExistingOnly === "object" && admitExistingOnly.some((a) => sameArmId(a, id)))
    );
}

/** A full ARM id: subscription-relative ids ("/resourceGroups/...") get the deployment's subscription. */
export function absoluteArmId(id: string, subscriptionId: string): string {
    return id.toLowerCase().startsWith("/subscriptions/") ? id : `/subscriptions/${subscriptionId}${id}`;
}

const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;

/** Days in an ISO 8601 date duration (P2Y, P18M, P30D), counting a month as 30 and a year as 365 days. */
export function durationDays(text: string): number | undefined {
    const m = ISO_DURATION.exec(text);
    if (!m || text === "P") {
        return undefined;
    }
    const [y, mo, w, d] = m.slice(1).map((v) => Number(v ?? 0));
    return y * 365 + mo * 30 + w * 7 + d;
}

const isoDuration = z.string().refine((v) => durationDays(v) !== undefined, {
    error: 'must be an ISO 8601 duration in years, months, weeks or days, e.g. "P18M" or "P30D"',
});

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

// AKS planned maintenance window (AKS docs planned-maintenance.md; REST: durationHours 4-24, startTime HH:MM, utcOffset +HH:MM).
const maintenanceWindow = z.strictObject({
    dayOfWeek: z.enum(WEEKDAYS),
    intervalWeeks: z.number().int().min(1).max(4),
    startTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a 24-hour time "HH:MM"' }),
    durationHours: z.number().int().min(4).max(24),
    utcOffset: z
        .string()
        .regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, { error: 'must be an offset such as "+00:00" or "+01:00"' }),
});

const pool = (name: "system" | "user") =>
    z
        .strictObject({
            vmSize: z
                .string()
                .regex(/^Standard_[A-Za-z0-9_]+$/, { error: 'must be an Azure VM size such as "Standard_D4ds_v5"' }),
            minCount: z
                .number()
                .int()
                .min(name === "system" ? 1 : 0)
                .max(1000),
            maxCount: z.number().int().min(1).max(1000),
            // CKV_AZURE_168 wants >= 50; Azure CNI overlay allows up to 250 pods per node.
            maxPods: z.number().int().min(50).max(250),
            availabilityZones: z.array(z.enum(["1", "2", "3"])).max(3),
            osDiskType: z.enum(["Ephemeral", "Managed"]),
            osDiskSizeGB: z.number().int().min(30).max(2048),
            osSku: z.enum(["AzureLinux", "Ubuntu"]),
        })
        .superRefine((p, ctx) => {
            if (p.minCount > p.maxCount) {
                ctx.addIssue({
                    code: "custom",
                    path: ["minCount"],
                    message: `must be <= maxCount (${p.minCount} > ${p.maxCount})`,
                });
            }
        });

const aks = z.strictObject({
    // A minor only: AKS picks the newest patch of it, and a pinned patch disappears from AKS within months, which would
    // break the next rebuild (managedClusters kubernetesVersion: "When <major.minor> is specified, the latest supported
    // GA patch version is chosen automatically"; azure-rest-api-specs containerservice managedClusters.json). Absent:
    // the region's default version.
    kubernetesVersion: z
        .string()
        .regex(/^1\.\d{2}$/, {
            error: 'must be a Kubernetes minor version such as "1.34" (AKS picks its newest patch; leave it out for the region\'s default)',
        })
        .optional(),
    /** KubernetesOfficial (community support window) or AKSLongTermSupport (two more years; needs skuTier Premium). */
    supportPlan: z.enum(["KubernetesOfficial", "AKSLongTermSupport"]),
    skuTier: z.enum(["Free", "Standard", "Premium"]),
    adminGroups: z.array(principalRef).max(20),
    systemPool: pool("system"),
    userPool: pool("user"),
    network: z
        .strictObject({
            networkPolicy: z.enum(["cilium", "azure", "calico"]),
            podCidr: cidr,
            serviceCidr: cidr,
            dnsServiceIp: z.string(),
            // Outbound traffic leaves through a public IP prefix the stack knows in advance, so the SOPS vault's firewall
            // can admit it: either created here (/28-/31) or an existing one (a prefix reserved for this cluster).
            egress: z
                .strictObject({
                    publicIpPrefixLength: z.number().int().min(28).max(31).optional(),
                    publicIpPrefixId: z
                        .string()
                        .regex(armIdPattern("Microsoft.Network", "publicIPPrefixes"), {
                            error: "must be the resource id of a public IP prefix",
                        })
                        .optional(),
                })
                .refine((e) => (e.publicIpPrefixLength === undefined) !== (e.publicIpPrefixId === undefined), {
                    error: "set exactly one of publicIpPrefixLength (create a prefix) or publicIpPrefixId (use an existing one)",
                })
                // Not in the profiles: a stack that names an existing prefix replaces this default rather than merging with it.
                .default({ publicIpPrefixLength: 31 }),
        })
        .superRefine((net, ctx) => {
            const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
            const pods = typeof net.podCidr === "string" ? parseCidr(net.podCidr) : undefined;
            const services = typeof net.serviceCidr === "string" ? parseCidr(net.serviceCidr) : undefined;
            // Constraints from AKS docs, concepts-network-azure-cni-overlay.md: service CIDR smaller than /12, no overlap
            // with the pod CIDR, DNS IP inside the service range and not its first address.
            if (pods && services && cidrsOverlap(pods, services)) {
                issue("serviceCidr", `must not overlap podCidr (${net.podCidr})`);
            }
            if (services && services.prefix < 12) {
                issue("serviceCidr", "must be smaller than a /12");
            }
            if (
                services &&
                (!cidrContains(services, net.dnsServiceIp) || isNetworkAddress(services, net.dnsServiceIp))
            ) {
                issue(
                    "dnsServiceIp",
                    `must be an address inside serviceCidr (${net.serviceCidr}) other than its first address`,
                );
            }
        }),
    apiServer: z
        .strictObject({
            authorizedIpRanges: z.array(cidr).max(200),
            privateCluster: z.boolean(),
        })
        .superRefine((api, ctx) => {
            if (api.privateCluster && api.authorizedIpRanges.length > 0) {
                // Authorized ranges only apply to a public API server. Source: AKS docs, api-server-authorized-ip-ranges.md (Limitations).
                ctx.addIssue({
                    code: "custom",
                    path: ["authorizedIpRanges"],
                    message: "must be empty when privateCluster is true (ranges apply only to a public API server)",
                });
            }
        }),
    upgradeChannel: z.enum(["none", "patch", "stable", "rapid", "node-image"]),
    nodeOsUpgradeChannel: z.enum(["NodeImage", "SecurityPatch", "Unmanaged", "None"]),
    maintenance: z.strictObject({ autoUpgrade: maintenanceWindow, nodeOs: maintenanceWindow }),
    encryptionAtHost: z.boolean(),
    defender: z.boolean(),
    containerInsights: z.boolean(),
    // AKS docs image-cleaner.md: minimum 24 hours, maximum three months.
    imageCleanerIntervalHours: z.number().int().min(24).max(2160),
});

const sops = z
    .strictObject({
        /** The environment's vault, created and owned by this stack. */
        vaultName: vaultName.optional(),
        /** Or: the environment's existing key (a DR cluster uses its environment's key; it creates no vault or key). */
        existingKeyId: z
            .string()
            .regex(armIdPattern("Microsoft.KeyVault", "vaults", "keys"), {
                error: 'must be a Key Vault key id, "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<vault>/keys/<key>" (the subscription part may be left out)',
            })
            .optional(),
        /** Adopt the retained SOPS resources (vault, key, ...) into a new state instead of failing on their names. */
        adopt: z.boolean(),
        /**
         * Egress prefixes of the environment's other clusters (its DR clusters, each created by its own stack in its own
         * region), by ARM id: the owner's vault firewall admits them, so a DR cluster can decrypt the moment it exists.
         */
        admitEgressPrefixIds: z
            .array(
                z.string().regex(armIdPattern("Microsoft.Network", "publicIPPrefixes"), {
                    error: "must be the resource id of a public IP prefix",
                }),
            )
            .max(10),
        resourceGroupName: resourceGroupName.optional(),
        keyName: keyName.optional(),
        keySize: z.union([z.literal(3072), z.literal(4096)], { error: "must be 3072 or 4096" }),
        skuName: z.enum(["standard", "premium"]),
        softDeleteRetentionDays: z.number().int().min(7).max(90),
        purgeProtection: z.boolean(),
        encryptorGroups: z.array(principalRef).max(20),
        /** Key Vault firewall: deny by default, admit the cluster's egress prefix and allowedIpRanges. */
        firewall: z.boolean(),
        /** Operators and pipelines that run `sops` (public ranges). */
        allowedIpRanges: z.array(publicCidr).max(100),
        keyType: z.enum(["RSA", "RSA-HSM"]),
        rotation: z
            .strictObject({ rotateAfter: isoDuration, expireAfter: isoDuration, notifyBefore: isoDuration })
            .superRefine((r, ctx) => {
                const [rotate, expire, notify] = [r.rotateAfter, r.expireAfter, r.notifyBefore].map(durationDays);
                // Key Vault: expiry >= 28 days; rotation >= 7 days after creation and >= 7 days before expiry
                // (keys.json KeyRotationPolicyAttributes; how-to-configure-key-rotation.md).
                if (expire !== undefined && expire < 28) {
                    ctx.addIssue({ code: "custom", path: ["expireAfter"], message: "must be at least 28 days (P28D)" });
                }
                if (rotate !== undefined && rotate < 7) {
                    ctx.addIssue({ code: "custom", path: ["rotateAfter"], message: "must be at least 7 days (P7D)" });
                }
                if (rotate !== undefined && expire !== undefined && rotate > expire - 7) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["rotateAfter"],
                        message: `must be at least 7 days before expireAfter (${r.expireAfter})`,
                    });
                }
                if (notify !== undefined && expire !== undefined && (notify < 1 || notify >= expire)) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["notifyBefore"],
                        message: `must be between 1 day and expireAfter (${r.expireAfter})`,
                    });
                }
            }),
        /** crypto-user: built-in Key Vault Crypto User. sops-decrypt: a custom role with only keys/read and keys/decrypt. */
        decryptRole: z.enum(["crypto-user", "sops-decrypt"]),
    })
    .superRefine((s, ctx) => {
        if (s.vaultName === undefined && s.existingKeyId === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["vaultName"],
                message:
                    "is required (this stack owns the environment's vault), unless existingKeyId names the environment's existing key",
            });
        }
        if (s.vaultName !== undefined && s.existingKeyId !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["existingKeyId"],
                message:
                    "cannot be combined with vaultName: a stack either owns the environment's vault or uses the existing key",
            });
        }
        if (s.existingKeyId !== undefined && s.adopt) {
            ctx.addIssue({
                code: "custom",
                path: ["adopt"],
                message: "only applies to the stack that owns the vault (vaultName), not with existingKeyId",
            });
        }
        if (s.adopt) {
            s.encryptorGroups.forEach((ref, i) => {
                if (!isGuid(ref)) {
                    // The retained assignment is imported by its name, which is derived from the group's object id.
                    ctx.addIssue({
                        code: "custom",
                        path: ["encryptorGroups", i],
                        message: `must be a group object id while sops.adopt is true (got the name "${ref}"): adopting imports the existing role assignment by a name derived from the object id`,
                    });
                }
            });
        }
        if (s.existingKeyId !== undefined && s.admitEgressPrefixIds.length > 0) {
            ctx.addIssue({
                code: "custom",
                path: ["admitEgressPrefixIds"],
                message:
                    "only applies to the stack that owns the vault (its firewall admits the prefixes), not with existingKeyId",
            });
        }
        if (s.keyType === "RSA-HSM" && s.skuName !== "premium") {
            // HSM-protected keys need a Premium vault.
            ctx.addIssue({ code: "custom", path: ["keyType"], message: 'RSA-HSM needs sops.skuName "premium"' });
        }
    });

const receiverName = z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/, { error: "must be 1-64 letters, digits, spaces, '.', '_' or '-'" });

// The alert receivers, one definition for a stack's monitoring.receivers and the organisation's org.receivers.
const emailReceivers = z
    .array(z.strictObject({ name: receiverName, address: z.email({ error: "must be an email address" }) }))
    .max(20);
const webhookReceivers = z
    .array(
        z.strictObject({
            name: receiverName,
            url: z.string().refine((u) => URL.canParse(u) && new URL(u).protocol === "https:", {
                error: "must be an https:// URL",
            }),
        }),
    )
    .max(10);

// Azure tags, for a stack's tags and the organisation's org.tags.
const tagMap = z.record(
    z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, {
        error: "tag names must be 1-128 letters, digits, '_', '.' or '-'",
    }),
    z.string().max(256),
);

const monitoring = z.strictObject({
    /** Managed Prometheus for the cluster, Flux alert rules and an action group. */
    enabled: z.boolean(),
    /** How long a Kustomization/HelmRelease/source may stay not Ready before it alerts (ISO 8601, e.g. PT10M). */
    notReadyFor: z.string().regex(/^PT([1-9]\d*)M$/, { error: 'must be minutes in ISO 8601, e.g. "PT10M"' }),
    /** How long an object may stay suspended before it alerts. */
    suspendedFor: z.string().regex(/^PT([1-9]\d*)(M|H)$/, { error: 'must be ISO 8601 minutes or hours, e.g. "PT1H"' }),
    /** Alert when reconciliation takes this many times longer than over the last day (and over minSlowSeconds). */
    slowFactor: z.number().min(1.5).max(100),
    minSlowSeconds: z.number().int().min(10).max(3600),
    receivers: z.strictObject({ emails: emailReceivers, webhooks: webhookReceivers }),
    grafana: z.strictObject({
        enabled: z.boolean(),
        /** Entra ID groups (names or object ids) that get Grafana Admin on the instance. */
        admins: z.array(principalRef).max(20),
    }),
});

const logs = z.strictObject({
    // Log Analytics retention for audit logs (kube-audit-admin, guard, Key Vault AuditEvent).
    retentionDays: z.number().int().min(30).max(730),
});

// Flux names each generated Kustomization <configuration>-<key>: with both at most 30 characters the name stays within
// the 63-character DNS label Kubernetes allows (30 + 1 + 30).
const kustomizationName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,28}[a-z0-9])?$/, {
    error: "must be 1-30 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
});

// Paths in the fleet repo: "./"-relative, plain segments, no "..", no shell or YAML metacharacters.
export const fleetPath = z
    .string()
    .max(200)
    .regex(/^\.\/([A-Za-z0-9_][A-Za-z0-9._-]*)(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*\/?$|^\.\/?$/, {
        error: 'must be a "./"-relative path of letters, digits, ".", "_" and "-" segments, e.g. "./clusters/prod-westeurope"',
    })
    .refine((p) => !p.split("/").includes(".."), { error: 'must not contain ".." segments' });

const kustomization = z.strictObject({
    path: fleetPath,
    dependsOn: z.array(kustomizationName).max(20).default([]),
    prune: z.boolean().default(true),
    wait: z.boolean().default(true),
    force: z.boolean().default(false),
    syncIntervalSeconds: z.number().int().min(60).max(86400).default(600),
    retryIntervalSeconds: z.number().int().min(30).max(86400).default(120),
    timeoutSeconds: z.number().int().min(30).max(3600).default(600),
});

const gitUrl = z
    .string()
    .max(500)
    .refine((u) => /^(ssh|https):\/\/[^\s"'`$\\]+$/.test(u) && URL.canParse(u) && new URL(u).hostname !== "", {
        error: 'must be an ssh:// or https:// URL with a host and no spaces or quotes, e.g. "ssh://git@ssh.dev.azure.com/v3/org/project/fleet" (Flux does not accept the scp-like "git@host:path")',
    });

const gitRef = z
    .string()
    .regex(/^[A-Za-z0-9._/-]{1,250}$/, { error: "must be a branch name of letters, digits, '.', '_', '/' or '-'" });

const knownHosts = z
    .string()
    .max(16384)
    .regex(/^[^\0]*$/, { error: "must be known_hosts lines (no NUL characters)" });
const httpsUser = z
    .string()
    .max(256)
    .regex(/^[^\s:]+$/, { error: "must not contain spaces or ':'" });

/**
 * The rules every git source shares (the fleet repo's flux.git and each tenant's repo): an ssh host needs its known
 * hosts unless built in, httpsUser is https-only, and credentials never ride in the URL (they are secret config).
 */
function gitSourceRules(secretKeys: string) {
    return (g: { url: string; knownHosts?: string; httpsUser?: string }, ctx: z.RefinementCtx) => {
        const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
        const url = URL.canParse(g.url) ? new URL(g.url) : undefined;
        if (url === undefined || url.hostname === "") {
            return; // already reported by the url check
        }
        if (url.protocol === "ssh:" && !g.knownHosts && !KNOWN_HOSTS[url.hostname]) {
            issue(
                "knownHosts",
                `is required for ssh host ${url.hostname} (known_hosts lines); built in only for: ${Object.keys(KNOWN_HOSTS).join(", ")}`,
            );
        }
        if (url.protocol === "ssh:" && g.httpsUser !== undefined) {
            issue("httpsUser", "only applies to https:// URLs");
        }
        if (url.password !== "" || (url.protocol === "https:" && url.username !== "")) {
            issue("url", `must not embed credentials; use the secret keys ${secretKeys}`);
        }
    };
}

const git = z
    .strictObject({
        url: gitUrl,
        branch: gitRef,
        syncIntervalSeconds: z.number().int().min(60).max(86400),
        timeoutSeconds: z.number().int().min(30).max(3600),
        knownHosts: knownHosts.optional(),
        httpsUser: httpsUser.optional(),
    })
    .superRefine(gitSourceRules("gitHttpsPassword / gitSshPrivateKey"));

/** Team names name Azure resources and secret config keys (tenantGitSshPrivateKey-<team>). */
export const TEAM_NAME = /^[a-z][a-z0-9-]{0,28}[a-z0-9]$/;
const teamName = z.string().regex(TEAM_NAME, {
    error: "must be 2-30 lowercase letters, digits or hyphens, starting with a letter",
});

// A Kubernetes namespace: an RFC 1123 label (the managed namespace's NamePattern allows 1-63 characters; azure-rest-api-specs
// specification/containerservice/resource-manager/Microsoft.ContainerService/aks/ManagedNamespace.tsp), at most 56 here
// so that its Flux configuration's name, tenant-<namespace>, stays a 63-character label too.
const namespaceName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,54}[a-z0-9])?$/, {
    error: "must be a Kubernetes namespace name: 1-56 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
});

// ResourceQuota (ManagedNamespace.tsp): CPU "in one-thousandth CPU form" (e.g. 500m, or whole cores), memory "in the
// power-of-two equivalents form: Ei, Pi, Ti, Gi, Mi, Ki".
const cpuQuantity = z.string().regex(/^([1-9]\d{0,5}m|[1-9]\d{0,3})$/, {
    error: 'must be CPU as whole cores ("2") or millicores ("500m")',
});
const memoryQuantity = z.string().regex(/^[1-9]\d{0,6}(Ki|Mi|Gi|Ti|Pi|Ei)$/, {
    error: 'must be memory in power-of-two units, e.g. "512Mi" or "4Gi"',
});
// PolicyRule (ManagedNamespace.tsp): the namespace's default network policy per direction.
const policyRule = z.enum(["AllowAll", "AllowSameNamespace", "DenyAll"], {
    error: 'must be "AllowAll", "AllowSameNamespace" or "DenyAll"',
});

// Where in the team's repo Flux applies from: relative and inside the repo (no segment may start with ".", so neither
// ".." nor "." gets through), with {environment} and {namespace} filled in.
const tenantPath = z
    .string()
    .max(200)
    .regex(/^\.\/([A-Za-z0-9_{}][A-Za-z0-9._{}-]*\/?)*$/, {
        error: 'must be a path inside the repository starting with "./", e.g. "./deploy/overlays/{environment}" (no "..", no "//")',
    })
    .refine((p) => (p.match(/\{[^}]*\}/g) ?? []).every((t) => t === "{environment}" || t === "{namespace}"), {
        error: "may use only the placeholders {environment} and {namespace}",
    });

/** A team on the platform: defaults as documented in the README's "Onboard a team". */
const tenant = z.strictObject({
    /** Entra ID groups (names or object ids) whose members get the team's access to its namespaces. */
    groups: z.array(principalRef).min(1).max(10),
    /** The team's namespaces, created as AKS managed namespaces on each of its clusters. */
    namespaces: z.array(namespaceName).min(1).max(10),
    /** The team's Kubernetes role in its namespaces (default reader: changes go through the team's repository). */
    access: z.enum(["reader", "writer", "admin"], { error: 'must be "reader", "writer" or "admin"' }).default("reader"),
    /** The environments whose clusters run the tenant (default: every one). */
    environments: z
        .array(z.enum(ENVIRONMENTS))
        .min(1)
        .max(3)
        .default([...ENVIRONMENTS]),
    repo: z
        .strictObject({
            url: gitUrl,
            /** Default main. */
            branch: gitRef.default("main"),
            /** Default ./deploy/overlays/{environment} (the app repository layout of examples/app-repo). */
            path: tenantPath.default("./deploy/overlays/{environment}"),
            knownHosts: knownHosts.optional(),
            httpsUser: httpsUser.optional(),
        })
        .superRefine(gitSourceRules("tenantGitHttpsPassword-<team> / tenantGitSshPrivateKey-<team>")),
    /** The namespace's default ResourceQuota, held by ARM (defaults: 1 / 2 cores, 2Gi / 4Gi). */
    quota: z
        .strictObject({
            cpuRequest: cpuQuantity.default("1"),
            cpuLimit: cpuQuantity.default("2"),
            memoryRequest: memoryQuantity.default("2Gi"),
            memoryLimit: memoryQuantity.default("4Gi"),
        })
        .prefault({}),
    /** The default network policy, held by ARM; the defaults are AKS's own (ingress AllowSameNamespace, egress AllowAll). */
    networkPolicy: z
        .strictObject({
            ingress: policyRule.default("AllowSameNamespace"),
            egress: policyRule.default("AllowAll"),
        })
        .prefault({}),
    /** What to do with a namespace of that name already in the cluster (default Never: fail rather than take it over). */
    adoptionPolicy: z
        .enum(["Never", "IfIdentical", "Always"], { error: 'must be "Never", "IfIdentical" or "Always"' })
        .default("Never"),
    /**
     * What removing the tenant does to the namespace (default Keep: ARM lets go and the namespace stays; what Flux
     * applied from the team's repository is pruned with its configuration either way, README "Onboard a team").
     */
    deletePolicy: z.enum(["Keep", "Delete"], { error: 'must be "Keep" or "Delete"' }).default("Keep"),
});

const flux = z
    .strictObject({
        configurationName: kustomizationName,
        extensionVersion: z
            .string()
            .regex(/^\d+\.\d+\.\d+$/, {
                error: 'must be a microsoft.flux version such as "1.24.1", or null to follow the Stable release train',
            })
            .nullable(),
        git,
        kustomizations: z
            .record(kustomizationName, kustomization)
            .refine((k) => Object.keys(k).length >= 1 && Object.keys(k).length <= 20, {
                error: "must define between 1 and 20 kustomizations",
            }),
        controllers: z.strictObject({
            helm: z.boolean(),
            notification: z.boolean(),
            imageAutomation: z.boolean(),
            imageReflector: z.boolean(),
        }),
    })
    .superRefine((f, ctx) => {
        const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
        // Refinements also run when sibling fields failed their checks, so only trust what has the right shape.
        const entries = Object.entries(f.kustomizations ?? {}).filter(([, k]) => Array.isArray(k?.dependsOn));
        const names = Object.keys(f.kustomizations ?? {});
        for (const [name, k] of entries) {
            k.dependsOn.forEach((dep, i) => {
                if (dep === name) {
                    issue(["kustomizations", name, "dependsOn", i], "must not name the kustomization itself");
                } else if (!names.includes(dep)) {
                    issue(
                        ["kustomizations", name, "dependsOn", i],
                        `names unknown kustomization "${dep}"; defined: ${names.join(", ")}`,
                    );
                }
            });
        }
        const cycle = findCycle(Object.fromEntries(entries.map(([n, k]) => [n, k.dependsOn.filter((d) => d !== n)])));
        if (cycle) {
            issue(["kustomizations", cycle[0], "dependsOn"], `forms a dependency cycle: ${cycle.join(" -> ")}`);
        }
    });

// App directories in the fleet repo (apps/<app>/overlays/<environment>): DNS-label names.
const appName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
    error: "must be a lowercase DNS label (letters, digits, hyphens)",
});

const fleet = z.strictObject({
    apps: z.array(appName).max(100),
    /**
     * Flux notification-controller Provider + Alerts rendered into clusters/<cluster>/notifications: reconciliation
     * failures and the changes Flux applies (drift it reverts included). The webhook address is a Secret the team
     * adds SOPS-encrypted; the provider type says how the payload is shaped.
     */
    notifications: z.strictObject({
        enabled: z.boolean(),
        provider: z.enum(["msteams", "generic"], {
            error: 'must be "msteams" (a Microsoft Teams workflow webhook) or "generic" (any HTTPS endpoint receiving Flux event JSON)',
        }),
    }),
    intervalSeconds: z.number().int().min(60).max(86400),
    retryIntervalSeconds: z.number().int().min(30).max(86400),
    timeoutSeconds: z.number().int().min(30).max(3600),
    renderDirectory: z
        .string()
        .max(200)
        .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/, {
            error: 'must be a relative directory such as "rendered" (no "..", no leading "/")',
        }),
});

/**
 * What every cluster of an organisation shares, set once in Pulumi.yaml's project-level config (`org`). A stack that
 * sets the same setting itself (e.g. aks.adminGroups) wins; a stack that sets `org` replaces it as a whole.
 */
const org = z.strictObject({
    fleet: z.strictObject({ url: gitUrl, branch: gitRef.optional() }).optional(),
    adminGroups: z.array(principalRef).max(20).optional(),
    encryptorGroups: z.array(principalRef).max(20).optional(),
    receivers: z.strictObject({ emails: emailReceivers.optional(), webhooks: webhookReceivers.optional() }).optional(),
    tags: tagMap.optional(),
    /** The teams on the platform (issue 23): each with its groups, namespaces and app repository. */
    tenants: z
        .record(teamName, tenant)
        .refine((t) => Object.keys(t).length <= 50, { error: "must define at most 50 tenants" })
        .optional(),
});

/** The settings `org` supplies, in the shape of the stack settings (beneath the stack's own values). */
export function orgDefaults(raw: unknown): Record<string, unknown> {
    if (!isRecord(raw)) {
        return {};
    }
    const fleet = isRecord(raw.fleet) ? raw.fleet : undefined;
    const receivers = isRecord(raw.receivers) ? raw.receivers : undefined;
    const pick = (entries: [string, unknown][]) => Object.fromEntries(entries.filter(([, v]) => v !== undefined));
    const git = fleet
        ? pick([
              ["url", fleet.url],
              ["branch", fleet.branch],
          ])
        : {};
    return pick([
        ["flux", fleet ? { git } : undefined],
        ["aks", raw.adminGroups !== undefined ? { adminGroups: raw.adminGroups } : undefined],
        ["sops", raw.encryptorGroups !== undefined ? { encryptorGroups: raw.encryptorGroups } : undefined],
        [
            "monitoring",
            receivers
                ? {
                      receivers: pick([
                          ["emails", receivers.emails],
                          ["webhooks", receivers.webhooks],
                      ]),
                  }
                : undefined,
        ],
        ["tags", raw.tags],
    ]);
}

export const stackConfigSchema = z.strictObject({
    environment: z.enum(ENVIRONMENTS),
    org: org.optional(),
    location,
    clusterName,
    /**
     * A DR cluster in peacetime: everything except the cluster and what hangs on it (identities, grants, egress prefix,
     * monitoring), so that an incident's `pulumi up` with standby false only creates the cluster and Flux.
     */
    // Top-level scalars arrive from Pulumi as text ("true"), as `pulumi config set standby true` stores them.
    standby: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean()),
    /**
     * Set by the rollout for the vault owner's first run only (ci/stacks.ts, the vault wave), never committed: admit only
     * the sops.admitEgressPrefixIds that exist now and leave out, with a warning, those their clusters have not created
     * yet; the rollout's admit wave runs the owner again without it, and fails on any prefix still missing. A list of
     * prefix ids instead of true (a pull request's preview, ci/pulumi-stack.ts) leaves out only those when missing.
     */
    admitExistingOnly: z
        .preprocess(
            (v) => (v === "true" ? true : v === "false" ? false : v),
            z.union(
                [
                    z.boolean(),
                    z
                        .array(z.string().regex(armIdPattern("Microsoft.Network", "publicIPPrefixes")))
                        .min(1)
                        .max(10),
                ],
                {
                    error: "must be true, false, or a list of public IP prefix ids from sops.admitEgressPrefixIds",
                },
            ),
        )
        .optional(),
    resourceGroupName: resourceGroupName.optional(),
    tags: tagMap.optional(),
    /**
     * The organisation's tenants (org.tenants) this cluster runs; absent: every tenant whose environments include the
     * stack's. A standby stack (DR in peacetime) creates no tenant resources either way.
     */
    tenants: z.array(teamName).max(50).optional(),
    aks,
    sops,
    flux,
    fleet,
    logs,
    monitoring,
});

export interface ConfigIssue {
    path: (string | number)[];
    message: string;
    /** The full config key when it is not under the project's namespace (a misspelt namespace). */
    key?: string;
}

/**
 * The one rule that needs the deployment's subscription, known only once the program asks Azure (getClientConfig): the
 * owner reads the admitted egress prefixes with the stack's own provider, so they must be in that subscription.
 */
export function subscriptionRules(admitEgressPrefixIds: readonly string[], subscriptionId: string): ConfigIssue[] {
    return admitEgressPrefixIds.flatMap((id, index) => {
        const sub = parseArmId(id).subscriptionId;
        return sub !== undefined && sub.toLowerCase() !== subscriptionId.toLowerCase()
            ? [
                  {
                      path: ["sops", "admitEgressPrefixIds", index],
                      message: `must be in the subscription this stack deploys to (${subscriptionId}); leave the /subscriptions/<id> part out`,
                  },
              ]
            : [];
    });
}

/**
 * Rules that depend on the environment. They read the merged raw config defensively (it may be partly invalid) so that
 * their findings are reported together with the schema's, not after the schema errors are fixed.
 */
export function crossFieldRules(raw: unknown): ConfigIssue[] {
    const get = (...path: string[]): unknown =>
        path.reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), raw);
    const issues: ConfigIssue[] = [...tenantRules(raw)];
    const version = get("aks", "kubernetesVersion");
    if (typeof version === "string" && /^1\.\d{2}$/.test(version) && Number(version.slice(2)) < 30) {
        // Every cluster directory applies the tenant boundary, a ValidatingAdmissionPolicy of
        // admissionregistration.k8s.io/v1, which is GA (served) from Kubernetes 1.30 (kubernetes.io
        // validating-admission-policy: "FEATURE STATE: Kubernetes v1.30 [stable]"); on an older cluster the whole
        // cluster directory would fail to apply.
        issues.push({
            path: ["aks", "kubernetesVersion"],
            message: `must be 1.30 or later, got ${version}: the fleet's tenant boundary is a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, Kubernetes 1.30+)`,
        });
    }
    const environment = get("environment");
    const name = get("clusterName");
    if (
        typeof environment === "string" &&
        (ENVIRONMENTS as readonly string[]).includes(environment) &&
        typeof name === "string" &&
        !name.startsWith(`${environment}-`)
    ) {
        // The .sops.yaml rules select an environment's key by path (clusters/<env>-*), so cluster names carry the environment.
        issues.push({
            path: ["clusterName"],
            message: `must start with "${environment}-" (the environment) so the fleet's .sops.yaml rules select this environment's key`,
        });
    }
    const kustomizations = get("flux", "kustomizations");
    if (typeof name === "string" && isRecord(kustomizations)) {
        const paths = Object.values(kustomizations).map((k) =>
            isRecord(k) && typeof k.path === "string" ? k.path.replace(/\/$/, "") : "",
        );
        if (!paths.includes(`./clusters/${name}`)) {
            issues.push({
                path: ["flux", "kustomizations"],
                message: `must include one whose path is "./clusters/${name}": that is where \`npm run fleet\` writes this cluster's bootstrap`,
            });
        }
    }
    const admitExistingOnly = get("admitExistingOnly");
    if (
        (admitExistingOnly === true || admitExistingOnly === "true" || Array.isArray(admitExistingOnly)) &&
        typeof get("sops", "existingKeyId") === "string"
    ) {
        issues.push({
            path: ["admitExistingOnly"],
            message:
                "only applies to the stack that owns the vault (its firewall admits sops.admitEgressPrefixIds), not with sops.existingKeyId",
        });
    }
    const admits = get("sops", "admitEgressPrefixIds");
    if (Array.isArray(admitExistingOnly)) {
        admitExistingOnly.forEach((id, i) => {
            if (
                typeof id === "string" &&
                !(Array.isArray(admits) && admits.some((a) => typeof a === "string" && sameArmId(a, id)))
            ) {
                issues.push({
                    path: ["admitExistingOnly", i],
                    message: `${id} is not one of sops.admitEgressPrefixIds: only an admitted prefix can be left out while missing`,
                });
            }
        });
    }
    if ((get("standby") === true || get("standby") === "true") && typeof get("sops", "existingKeyId") !== "string") {
        issues.push({
            path: ["standby"],
            message:
                "only applies to a DR cluster (sops.existingKeyId): the stack that owns the environment's vault is never on standby",
        });
    }
    // Long-term support is the Premium tier's feature and needs the plan set explicitly (AKS docs long-term-support.md:
    // "Enabling LTS requires moving your cluster to the Premium tier and explicitly selecting the LTS support plan").
    const tier = get("aks", "skuTier");
    const plan = get("aks", "supportPlan");
    if (plan === "AKSLongTermSupport" && tier !== "Premium") {
        issues.push({
            path: ["aks", "supportPlan"],
            message: `AKSLongTermSupport needs aks.skuTier "Premium" (got ${JSON.stringify(tier)})`,
        });
    }
    if (tier === "Premium" && plan !== "AKSLongTermSupport") {
        issues.push({
            path: ["aks", "skuTier"],
            message:
                'Premium is the tier for long-term support: set aks.supportPlan "AKSLongTermSupport" too, or use "Standard"',
        });
    }
    // Provider and Alert objects are served by notification-controller; without it they are never acted on.
    if (get("fleet", "notifications", "enabled") === true && get("flux", "controllers", "notification") !== true) {
        issues.push({
            path: ["flux", "controllers", "notification"],
            message:
                "must be true while fleet.notifications.enabled is true: the rendered Provider and Alerts need the notification-controller (or set fleet.notifications.enabled: false)",
        });
    }
    if (environment !== "prod") {
        return issues;
    }
    const ranges = get("aks", "apiServer", "authorizedIpRanges");
    if (get("aks", "apiServer", "privateCluster") !== true && !(Array.isArray(ranges) && ranges.length > 0)) {
        issues.push({
            path: ["aks", "apiServer"],
            message:
                "must be restricted in prod: set authorizedIpRanges or privateCluster: true (CKV_AZURE_6, Azure.AKS.AuthorizedIPs)",
        });
    }
    if (get("sops", "purgeProtection") === false) {
        issues.push({
            path: ["sops", "purgeProtection"],
            message:
                "cannot be false in prod: a purged SOPS key makes every encrypted secret unreadable (CKV_AZURE_42)",
        });
    }
    const retention = get("sops", "softDeleteRetentionDays");
    if (typeof retention === "number" && retention < 90) {
        issues.push({
            path: ["sops", "softDeleteRetentionDays"],
            message: `must be 90 in prod, got ${retention} (CKV_AZURE_111)`,
        });
    }
    const minCount = get("aks", "systemPool", "minCount");
    if (typeof minCount === "number" && minCount < 3) {
        issues.push({
            path: ["aks", "systemPool", "minCount"],
            message: `must be at least 3 in prod, got ${minCount} (Azure.AKS.MinNodeCount)`,
        });
    }
    return issues;
}

/**
 * Namespaces no tenant may have: Kubernetes' own, AKS's and its add-ons' (system namespaces cannot become managed
 * namespaces: azure-aks-docs articles/aks/managed-namespaces.md, "Limitations", names kube-system, app-routing-system,
 * istio-system and gatekeeper-system), Flux's, and those the starter fleet's infrastructure installs into.
 */
export const RESERVED_NAMESPACES = [
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "flux-system",
    "gatekeeper-system",
    "app-routing-system",
    "istio-system",
    "aks-istio-system",
    "aks-command",
    "calico-system",
    "tigera-operator",
    "cert-manager",
    "envoy-gateway-system",
    "flagger-system",
] as const;

/** The tenants' cross-field rules: namespaces (reserved, shared), paths with several namespaces, the stack's selection. */
export function tenantRules(raw: unknown): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const root = isRecord(raw) ? raw : {};
    const org = isRecord(root.org) ? root.org : {};
    const tenants = isRecord(org.tenants) ? org.tenants : {};
    const fleet = isRecord(root.fleet) ? root.fleet : {};
    const apps = Array.isArray(fleet.apps) ? fleet.apps.filter((a): a is string => typeof a === "string") : [];
    const owner = new Map<string, string>();
    for (const [team, t] of Object.entries(tenants)) {
        if (!isRecord(t) || !Array.isArray(t.namespaces)) {
            continue;
        }
        t.namespaces.forEach((ns: unknown, i) => {
            if (typeof ns !== "string") {
                return;
            }
            const at = ["org", "tenants", team, "namespaces", i];
            if ((RESERVED_NAMESPACES as readonly string[]).includes(ns) || ns.startsWith("kube-")) {
                issues.push({
                    path: at,
                    message: `"${ns}" is a system or platform namespace; a tenant's namespaces must be its own`,
                });
            } else if (apps.includes(ns)) {
                issues.push({ path: at, message: `"${ns}" is the namespace of the platform's app ${ns} (fleet.apps)` });
            } else if (owner.has(ns)) {
                issues.push({ path: at, message: `"${ns}" is already tenant ${owner.get(ns)}'s namespace` });
            } else {
                owner.set(ns, team);
            }
        });
        const repo = isRecord(t.repo) ? t.repo : {};
        const path = typeof repo.path === "string" ? repo.path : "./deploy/overlays/{environment}";
        if (t.namespaces.length > 1 && !path.includes("{namespace}")) {
            issues.push({
                path: ["org", "tenants", team, "repo", "path"],
                message: `must contain {namespace} when the tenant has several namespaces (each namespace's Flux configuration applies its own directory), e.g. "./deploy/{namespace}/overlays/{environment}"`,
            });
        }
    }
    const environment = root.environment;
    const selected = root.tenants;
    if (Array.isArray(selected)) {
        selected.forEach((team: unknown, i) => {
            if (typeof team !== "string") {
                return;
            }
            const t = tenants[team];
            const envs = isRecord(t) && Array.isArray(t.environments) ? (t.environments as unknown[]) : ENVIRONMENTS;
            if (!isRecord(t)) {
                const known = Object.keys(tenants);
                issues.push({
                    path: ["tenants", i],
                    message: `"${team}" is not a tenant of org.tenants (${known.length > 0 ? `defined: ${known.join(", ")}` : "none defined"})`,
                });
            } else if (typeof environment === "string" && !(envs as readonly unknown[]).includes(environment)) {
                issues.push({
                    path: ["tenants", i],
                    message: `tenant ${team} does not run in ${environment} (org.tenants.${team}.environments: ${envs.join(", ")})`,
                });
            }
        });
    }
    return issues;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export type StackConfigInput = z.input<typeof stackConfigSchema>;
export type StackSettings = z.output<typeof stackConfigSchema>;
export type AksSettings = StackSettings["aks"];
export type PoolSettings = AksSettings["systemPool"];
export type SopsSettings = StackSettings["sops"];
export type FluxSettings = StackSettings["flux"];
export type KustomizationSettings = FluxSettings["kustomizations"][string];
export type FleetSettings = StackSettings["fleet"];
export type MonitoringSettings = StackSettings["monitoring"];
export type TenantDefinition = NonNullable<NonNullable<StackSettings["org"]>["tenants"]>[string];

/** Returns the first dependency cycle found, as a path that starts and ends with the same name. */
export function findCycle(graph: Record<string, string[]>): string[] | undefined {
    const state = new Map<string, "visiting" | "done">();
    const visit = (node: string, trail: string[]): string[] | undefined => {
        if (state.get(node) === "visiting") {
            return [...trail.slice(trail.indexOf(node)), node];
        }
        if (state.get(node) === "done" || !(node in graph)) {
            return undefined;
        }
        state.set(node, "visiting");
        for (const next of graph[node]) {
            const found = visit(next, [...trail, node]);
            if (found) {
                return found;
            }
        }
        state.set(node, "done");
        return undefined;
    };
    for (const node of Object.keys(graph).sort()) {
        const found = visit(node, []);
        if (found) {
            return found;
        }
    }
    return undefined;
}

// Host keys Flux needs to trust the fleet repo's SSH server.
// ssh.dev.azure.com: the RSA host key used by fluxcd/flux2 tests/integration/azure_test.go (azureDevOpsKnownHosts);
// fingerprint SHA256:ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og, as published in argoproj/argo-cd docs/user-guide/private-repositories.md.
export const KNOWN_HOSTS: Record<string, string> = {
    "ssh.dev.azure.com":
        "ssh.dev.azure.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Hr1oTWqNqOlzGJOfGJ4NakVyIzf1rXYd4d7wo6jBlkLvCA4odBlL0mDUyZ0/QUfTTqeu+tm22gOsv+VrVTMk6vwRU75gY/y9ut5Mb3bR5BV58dKXyq9A9UeB5Cakehn5Zgm6x1mKoVyf+FFn26iYqXJRgzIZZcZ5V6hrE0Qg39kZm4az48o0AUbf6Sp4SLdvnuMa2sVNwHBboS7EJkm57XQPVU3/QpyNLHbWDdzwtrlS+ez30S3AdYhLKEOxAG8weOnyrtLJAUen9mTkol8oII1edf7mWWbWVf0nBmly21+nZcmCTISQBtdcyPaEno7fFQMDD26/s0lfKob4Kw8H",
};

type ZodNode = {
    _zod: {
        def: {
            type: string;
            shape?: Record<string, ZodNode>;
            innerType?: ZodNode;
            out?: ZodNode;
            valueType?: ZodNode;
            element?: ZodNode;
        };
    };
};

/** The keys a strict object accepts at `path` of the stack schema (for "did you mean …?"). */
export function allowedKeysAt(path: readonly (string | number)[], root: unknown = stackConfigSchema): string[] {
    const unwrap = (node: ZodNode | undefined): ZodNode | undefined => {
        let n = node;
        while (n && ["optional", "default", "nullable", "pipe", "prefault"].includes(n._zod.def.type)) {
            n = n._zod.def.type === "pipe" ? n._zod.def.out : n._zod.def.innerType;
        }
        return n;
    };
    let node = unwrap(root as ZodNode);
    for (const part of path) {
        const def = node?._zod.def;
        node = unwrap(
            def?.type === "object"
                ? def.shape?.[String(part)]
                : def?.type === "record"
                  ? def.valueType
                  : def?.type === "array"
                    ? def.element
                    : undefined,
        );
    }
    return Object.keys(node?._zod.def.shape ?? {}).sort();
}
