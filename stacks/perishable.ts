// Facts about Azure that expire: the one dated place for them, each naming its source and the day it was read.
// They drive defaults and advisory findings only; `npm run preflight` asks the user's own subscription (the region's
// Kubernetes versions, SKUs, quotas) before anything is created. Refresh this table when a finding says it is old.

export interface DatedFact {
    source: string;
    /** The day the source was read (YYYY-MM-DD). */
    readOn: string;
}

export interface AksMinor {
    /** AKS general availability (month). */
    ga: string;
    /** End of AKS standard (community) support: the last day clusters of this minor can be created without LTS. */
    endOfStandardSupport: string;
    /** End of long-term support (Premium tier + supportPlan AKSLongTermSupport). */
    endOfLongTermSupport: string;
}

// "Unless an explicit date is provided, the End of Life (EOL) date is the last day of the specified month"; clusters
// cannot be created on a minor outside standard support ("Cluster creation | Supported | Not supported").
export const AKS_KUBERNETES_CALENDAR: DatedFact & { minors: Record<string, AksMinor> } = {
    source:
        "MicrosoftDocs/azure-aks-docs articles/aks/supported-kubernetes-versions.md, AKS Kubernetes release calendar and LTS table (commit fb060ab, 2026-08-21)",
    readOn: "2026-11-25",
    minors: {
        "1.32": { ga: "2025-04", endOfStandardSupport: "2026-03-31", endOfLongTermSupport: "2027-03-31" },
        "1.33": { ga: "2025-06", endOfStandardSupport: "2026-07-31", endOfLongTermSupport: "2027-07-31" },
        "1.34": { ga: "2025-11", endOfStandardSupport: "2026-11-30", endOfLongTermSupport: "2027-11-30" },
        "1.35": { ga: "2026-03", endOfStandardSupport: "2027-03-31", endOfLongTermSupport: "2028-03-31" },
        "1.36": { ga: "2026-06", endOfStandardSupport: "2027-06-30", endOfLongTermSupport: "2028-06-30" },
        "1.37": { ga: "2026-10", endOfStandardSupport: "2027-10-31", endOfLongTermSupport: "2028-10-31" },
    },
};

/** Days before the end of support at which the plan starts warning. */
export const SUPPORT_WARNING_DAYS = 60;

// microsoft.flux 1.24.1 (Flux v2.7.5) was the newest release; only the newest three minors (N-2) are supported.
export const FLUX_EXTENSION: DatedFact & { version: string } = {
    source: "MicrosoftDocs/azure-management-docs articles/azure-arc/kubernetes/flux-gitops-release-notes.md",
    readOn: "2026-11-01",
    version: "1.24.1",
};

export type SupportStatus =
    | { kind: "ok"; endsOn: string; daysLeft: number }
    | { kind: "ending"; endsOn: string; daysLeft: number }
    | { kind: "ended"; endsOn: string; daysLeft: number }
    | { kind: "unknown" };

/** Where a pinned minor stands on `today` under the given support plan, from the calendar above. */
export function kubernetesSupport(minor: string, supportPlan: string, today: Date, calendar = AKS_KUBERNETES_CALENDAR.minors): SupportStatus {
    const entry = calendar[minor];
    if (!entry) {
        return { kind: "unknown" };
    }
    const endsOn = supportPlan === "AKSLongTermSupport" ? entry.endOfLongTermSupport : entry.endOfStandardSupport;
    const end = Date.parse(`${endsOn}T23:59:59Z`);
    const daysLeft = Math.floor((end - today.getTime()) / 86_400_000);
    if (daysLeft < 0) {
        return { kind: "ended", endsOn, daysLeft };
    }
    return { kind: daysLeft <= SUPPORT_WARNING_DAYS ? "ending" : "ok", endsOn, daysLeft };
}

/** The finding for a pinned version, or undefined when it is comfortably supported (or not pinned). */
export function kubernetesSupportFinding(version: string | undefined, supportPlan: string, today: Date): string | undefined {
    if (version === undefined) {
        return undefined;
    }
    const minor = /^(\d+\.\d+)/.exec(version)?.[1] ?? version;
    const plan = supportPlan === "AKSLongTermSupport" ? "long-term support" : "AKS standard support";
    const status = kubernetesSupport(minor, supportPlan, today);
    const table = `stacks/perishable.ts, read ${AKS_KUBERNETES_CALENDAR.readOn}`;
    switch (status.kind) {
        case "ok":
            return undefined;
        case "unknown":
            return `Kubernetes ${minor} is not in the AKS calendar (${table}): check it with npm run preflight and update the table`;
        case "ending":
            return `Kubernetes ${minor} leaves ${plan} on ${status.endsOn} (in ${status.daysLeft} days; ${table}): move aks.kubernetesVersion to a newer minor before then`;
        case "ended":
            return `Kubernetes ${minor} left ${plan} on ${status.endsOn} (${table}): AKS creates no new clusters on it; set aks.kubernetesVersion to a supported minor`;
    }
}
