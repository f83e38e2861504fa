// Environment profiles: the defaults a stack gets before its own Pulumi.<stack>.yaml is applied on top.
// prod is hardened (zones, SLA tier, 90-day soft delete, pinned Flux); dev is cheaper and follows release trains;
// staging sits between them: prod's shape where a release rehearsal needs it, dev's prices where it does not.
import { FLUX_EXTENSION } from "./perishable";
import type { Environment } from "./schema";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Profile = { [key: string]: Json };

const common = {
    standby: false,
    aks: {
        supportPlan: "KubernetesOfficial",
        systemPool: {
            vmSize: "Standard_D4ds_v5",
            maxPods: 110,
            osDiskType: "Ephemeral",
            osDiskSizeGB: 128,
            osSku: "AzureLinux",
        },
        userPool: {
            vmSize: "Standard_D4ds_v5",
            maxPods: 110,
            osDiskType: "Ephemeral",
            osDiskSizeGB: 128,
            osSku: "AzureLinux",
        },
        network: {
            networkPolicy: "cilium",
            podCidr: "10.244.0.0/16",
            serviceCidr: "10.0.0.0/16",
            dnsServiceIp: "10.0.0.10",
        },
        apiServer: { authorizedIpRanges: [], privateCluster: false },
        nodeOsUpgradeChannel: "NodeImage",
        adminGroups: [],
        maintenance: {
            autoUpgrade: {
                dayOfWeek: "Sunday",
                intervalWeeks: 1,
                startTime: "01:00",
                durationHours: 4,
                utcOffset: "+00:00",
            },
            nodeOs: {
                dayOfWeek: "Wednesday",
                intervalWeeks: 1,
                startTime: "01:00",
                durationHours: 4,
                utcOffset: "+00:00",
            },
        },
        imageCleanerIntervalHours: 168,
    },
    sops: {
        keySize: 4096,
        purgeProtection: true,
        adopt: false,
        admitEgressPrefixIds: [],
        encryptorGroups: [],
        allowedIpRanges: [],
        // Rotate every 18 months, each new version expiring after 2 years (Key Vault guidance: rotate at least every
        // two years). Old versions stay enabled, so files encrypted with them keep decrypting.
        rotation: { rotateAfter: "P18M", expireAfter: "P2Y", notifyBefore: "P30D" },
    },
    flux: {
        configurationName: "flux-system",
        git: { branch: "main", syncIntervalSeconds: 300, timeoutSeconds: 600 },
        controllers: { helm: true, notification: false, imageAutomation: false, imageReflector: false },
    },
    fleet: {
        apps: [],
        intervalSeconds: 600,
        retryIntervalSeconds: 120,
        timeoutSeconds: 600,
        renderDirectory: "rendered",
        notifications: { enabled: false, provider: "msteams" },
    },
    monitoring: {
        notReadyFor: "PT10M",
        suspendedFor: "PT1H",
        slowFactor: 3,
        minSlowSeconds: 60,
        receivers: { emails: [], webhooks: [] },
        grafana: { enabled: false, admins: [] },
    },
} satisfies Profile;

const profiles: Record<Environment, Profile> = {
    dev: merge(common, {
        aks: {
            skuTier: "Free",
            upgradeChannel: "rapid",
            systemPool: { minCount: 1, maxCount: 3, availabilityZones: [] },
            userPool: { minCount: 1, maxCount: 5, availabilityZones: [] },
            // Cheaper dev: no Defender plan, no Container Insights, no host encryption (needs a feature registration).
            encryptionAtHost: false,
            defender: false,
            containerInsights: false,
        },
        // Dev's vault stays reachable from developer machines; software keys; the built-in role.
        sops: {
            softDeleteRetentionDays: 7,
            firewall: false,
            skuName: "standard",
            keyType: "RSA",
            decryptRole: "crypto-user",
        },
        logs: { retentionDays: 30 },
        // Managed Prometheus and Flux alerts are a prod concern; dev can opt in.
        monitoring: { enabled: false },
        // dev follows the Stable release train (no pinned version) so new Flux releases land here first.
        flux: { extensionVersion: null },
    }) as Profile,
    staging: merge(common, {
        aks: {
            // Standard (SLA) tier: the promotion gate must be up when a release waits for it, and the Free tier's API
            // server limits would make staging's load tests measure the control plane rather than the release.
            skuTier: "Standard",
            // Same channel as prod: staging runs each Kubernetes minor (aks.kubernetesVersion) before prod does.
            upgradeChannel: "patch",
            // Zones like prod, so zone-spread scheduling and zonal disks are rehearsed; two system nodes instead of
            // three (survives one node; the third is prod's margin), smaller user pool.
            systemPool: { minCount: 2, maxCount: 4, availabilityZones: ["1", "2", "3"] },
            userPool: { minCount: 2, maxCount: 6, availabilityZones: ["1", "2", "3"] },
            // Security posture as prod: staging runs the exact images prod will run and is reachable from CI.
            encryptionAtHost: true,
            defender: true,
            // Log ingestion is the cost; staging's evidence is the canary metrics and Flux alerts, not container logs.
            containerInsights: false,
        },
        // Firewalled, purge-protected, 90 days like prod (its secrets are real credentials of real test systems);
        // software keys in a standard vault (HSM is prod's, for production data); the least-privilege custom role.
        sops: {
            softDeleteRetentionDays: 90,
            firewall: true,
            skuName: "standard",
            keyType: "RSA",
            decryptRole: "sops-decrypt",
        },
        logs: { retentionDays: 60 },
        // Flux alerts and managed Prometheus: staging is where "did it reconcile" decides a promotion.
        monitoring: { enabled: true },
        // Pinned like prod; a new extension version is bumped here first and promoted to prod's profile after.
        flux: { extensionVersion: FLUX_EXTENSION.version, controllers: { notification: true } },
        fleet: { notifications: { enabled: true } },
    }) as Profile,
    prod: merge(common, {
        aks: {
            skuTier: "Standard",
            upgradeChannel: "patch",
            systemPool: { minCount: 3, maxCount: 5, availabilityZones: ["1", "2", "3"] },
            userPool: { minCount: 3, maxCount: 10, availabilityZones: ["1", "2", "3"] },
            encryptionAtHost: true,
            defender: true,
            containerInsights: true,
        },
        sops: {
            softDeleteRetentionDays: 90,
            firewall: true,
            skuName: "premium",
            keyType: "RSA-HSM",
            decryptRole: "sops-decrypt",
        },
        logs: { retentionDays: 90 },
        monitoring: { enabled: true },
        // Pinned to a release that was current (the dated table in stacks/perishable.ts names its source).
        flux: { extensionVersion: FLUX_EXTENSION.version, controllers: { notification: true } },
        // Reconciliation failures and reverted drift go to the team's channel (clusters/<cluster>/notifications).
        fleet: { notifications: { enabled: true } },
    }) as Profile,
};

export function profileFor(environment: Environment): Profile {
    return profiles[environment];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep merge where objects merge key by key and everything else (arrays included) is replaced by the override. */
export function merge(base: unknown, override: unknown): unknown {
    if (override === undefined) {
        return base;
    }
    if (!isPlainObject(base) || !isPlainObject(override)) {
        return override;
    }
    const result: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        // defineProperty, not assignment: a config key named "__proto__" must stay an (invalid) own key that the
        // schema rejects, not silently replace the object's prototype.
        Object.defineProperty(result, key, {
            value: merge(Object.hasOwn(base, key) ? base[key] : undefined, value),
            enumerable: true,
            writable: true,
            configurable: true,
        });
    }
    return result;
}
