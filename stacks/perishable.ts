// Facts about Azure (and the Git hosts a fleet lives on) that expire: the one dated place for them, each naming its
// source and the day it was read. They drive defaults, advisory findings and what `npm run new-stack` offers and
// checks as a user types; never whether a committed stack deploys. `npm run preflight` asks the user's own
// subscription (the region's Kubernetes versions, SKUs, quotas) before anything is created. Refresh this table when a
// finding says it is old.

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
    source: "MicrosoftDocs/azure-aks-docs articles/aks/supported-kubernetes-versions.md, AKS Kubernetes release calendar and LTS table (commit fb060ab, 2026-08-21)",
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
export function kubernetesSupport(
    minor: string,
    supportPlan: string,
    today: Date,
    calendar = AKS_KUBERNETES_CALENDAR.minors,
): SupportStatus {
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
export function kubernetesSupportFinding(
    version: string | undefined,
    supportPlan: string,
    today: Date,
): string | undefined {
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

// The Azure public cloud's regions by programmatic name (the page's "All" table, its "Programmatic name" column), as
// `location` takes them. `npm run new-stack` refuses a name outside this list with the nearest one ("westeurop" would
// otherwise surface only when ARM refuses the resource group); the stack schema does not use it, so that a region
// newer than this list still deploys: add it here (az account list-locations) and new-stack accepts it too.
// `npm run preflight` asks the user's subscription which regions it may use. Not listed: regions the page names only
// as another's pair, without a row of their own (Sweden South), and the sovereign clouds (the program targets the
// public cloud: its vault URIs are *.vault.azure.net).
export const AZURE_REGIONS: DatedFact & { names: readonly string[] } = {
    source: "MicrosoftDocs/reliability-docs articles/reliability/regions-list.md, Azure regions list, All (commit 01021ab, ms.date 09/23/2025)",
    readOn: "2026-12-03",
    names: [
        "australiacentral",
        "australiacentral2",
        "australiaeast",
        "australiasoutheast",
        "austriaeast",
        "belgiumcentral",
        "brazilsouth",
        "brazilsoutheast",
        "canadacentral",
        "canadaeast",
        "centralindia",
        "centralus",
        "chilecentral",
        "denmarkeast",
        "eastasia",
        "eastus",
        "eastus2",
        "francecentral",
        "francesouth",
        "germanynorth",
        "germanywestcentral",
        "indonesiacentral",
        "israelcentral",
        "italynorth",
        "japaneast",
        "japanwest",
        "koreacentral",
        "koreasouth",
        "malaysiawest",
        "mexicocentral",
        "newzealandnorth",
        "northcentralus",
        "northeurope",
        "norwayeast",
        "norwaywest",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southafricawest",
        "southcentralus",
        "southindia",
        "southeastasia",
        "spaincentral",
        "swedencentral",
        "switzerlandnorth",
        "switzerlandwest",
        "uaecentral",
        "uaenorth",
        "uksouth",
        "ukwest",
        "westcentralus",
        "westeurope",
        "westindia",
        "westus",
        "westus2",
        "westus3",
    ],
};

export interface PublishedHostKeys extends DatedFact {
    /** Who publishes them, as the question names it. */
    provider: string;
    /** Where a user reads them (and their fingerprints) to compare. */
    url: string;
    /** known_hosts lines, as published. */
    knownHosts: string;
}

// SSH host keys that Git hosts publish for their fleet repos, offered by `npm run new-stack` for an ssh:// fleet URL
// (flux.git.knownHosts). Host keys change (GitHub replaced its RSA key on 2023-03-24), hence dated. Azure DevOps's key
// is the one the schema builds in (stacks/schema.ts KNOWN_HOSTS): its docs publish the fingerprint, not the line.
export const PUBLISHED_SSH_HOST_KEYS: Record<string, PublishedHostKeys> = {
    // "GitHub's SSH key fingerprints"; the same keys are in the meta API (GET https://api.github.com/meta, ssh_keys).
    "github.com": {
        provider: "GitHub",
        url: "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/githubs-ssh-key-fingerprints",
        source: "github/docs content/authentication/keeping-your-account-and-data-secure/githubs-ssh-key-fingerprints.md (commit c738402)",
        readOn: "2026-12-03",
        knownHosts: [
            "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
            "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=",
            "github.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aNUkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNqltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8CSSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk=",
        ].join("\n"),
    },
    // GitLab.com settings, "SSH host keys fingerprints" and "SSH known_hosts entries".
    "gitlab.com": {
        provider: "GitLab",
        url: "https://docs.gitlab.com/user/gitlab_com/#ssh-host-keys-fingerprints",
        source: "gitlab-org/gitlab doc/user/gitlab_com/_index.md, SSH known_hosts entries (gitlabhq mirror, commit 0c0ac76)",
        readOn: "2026-12-03",
        knownHosts: [
            "gitlab.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf",
            "gitlab.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCsj2bNKTBSpIYDEGk9KxsGh3mySTRgMtXL583qmBpzeQ+jqCMRgBqB98u3z++J1sKlXHWfM9dyhSevkMwSbhoR8XIq/U0tCNyokEi/ueaBMCvbcTHhO7FcwzY92WK4Yt0aGROY5qX2UKSeOvuP4D6TPqKF1onrSzH9bx9XUf2lEdWT/ia1NEKjunUqu1xOB/StKDHMoX4/OKyIzuS0q/T1zOATthvasJFoPrAjkohTyaDUz2LN5JoH839hViyEG82yB+MjcFV5MU3N1l1QL3cVUCh93xSaua1N85qivl+siMkPGbO5xR/En4iEY6K2XPASUEMaieWVNTRCtJ4S8H+9",
            "gitlab.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFSMqzJeV9rUzU4kWitGjeR4PWSa29SPqJ1fVkhtj3Hw9xjLVXVYrU9QlYWrOLXBpQ6KWjbjTDTdDkoohFzgbEY=",
        ].join("\n"),
    },
};
