// The dated Azure facts (stacks/perishable.ts) against their sources, stated literally. Source for the calendar:
// MicrosoftDocs/azure-aks-docs articles/aks/supported-kubernetes-versions.md, "AKS Kubernetes release calendar" and the
// LTS table (an EOL month without a day means its last day). Refreshing the table means updating this test from the
// same page, on purpose.
import * as assert from "node:assert/strict";
import {
    AKS_KUBERNETES_CALENDAR,
    FLUX_EXTENSION,
    kubernetesSupport,
    kubernetesSupportFinding,
} from "../../stacks/perishable";

const READ = "stacks/perishable.ts, read 2026-11-25";
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe("dated Azure facts (stacks/perishable.ts)", () => {
    it("holds the published AKS calendar: GA, end of standard support, end of LTS per minor", () => {
        assert.deepEqual(AKS_KUBERNETES_CALENDAR.minors, {
            "1.32": { ga: "2025-04", endOfStandardSupport: "2026-03-31", endOfLongTermSupport: "2027-03-31" },
            "1.33": { ga: "2025-06", endOfStandardSupport: "2026-07-31", endOfLongTermSupport: "2027-07-31" },
            "1.34": { ga: "2025-11", endOfStandardSupport: "2026-11-30", endOfLongTermSupport: "2027-11-30" },
            "1.35": { ga: "2026-03", endOfStandardSupport: "2027-03-31", endOfLongTermSupport: "2028-03-31" },
            "1.36": { ga: "2026-06", endOfStandardSupport: "2027-06-30", endOfLongTermSupport: "2028-06-30" },
            "1.37": { ga: "2026-10", endOfStandardSupport: "2027-10-31", endOfLongTermSupport: "2028-10-31" },
        });
        assert.equal(FLUX_EXTENSION.version, "1.24.1");
    });

    it("names its source and the day it was read, for every dated fact", () => {
        for (const fact of [AKS_KUBERNETES_CALENDAR, FLUX_EXTENSION]) {
            assert.match(fact.source, /^MicrosoftDocs\/azure-[a-z-]+-docs articles\/\S+\.md/);
            assert.match(fact.readOn, /^20\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
        }
        assert.equal(AKS_KUBERNETES_CALENDAR.readOn, "2026-11-25");
    });

    it("counts the last day as still supported, the day after as ended", () => {
        assert.deepEqual(kubernetesSupport("1.35", "KubernetesOfficial", new Date("2027-03-31T12:00:00Z")), {
            kind: "ending",
            endsOn: "2027-03-31",
            daysLeft: 0,
        });
        assert.deepEqual(kubernetesSupport("1.35", "KubernetesOfficial", day("2027-04-01")), {
            kind: "ended",
            endsOn: "2027-03-31",
            daysLeft: -1,
        });
        assert.deepEqual(kubernetesSupport("1.32", "AKSLongTermSupport", day("2027-03-31")), {
            kind: "ending",
            endsOn: "2027-03-31",
            daysLeft: 0,
        });
    });

    it("says nothing for a comfortably supported minor, and names the plan, the date and the table otherwise", () => {
        assert.equal(kubernetesSupportFinding("1.37", "KubernetesOfficial", day("2026-11-25")), undefined);
        assert.equal(
            kubernetesSupportFinding("1.37.2", "KubernetesOfficial", day("2026-11-25")),
            undefined,
            "a patch version is judged by its minor",
        );
        assert.equal(
            kubernetesSupportFinding("1.34.1", "AKSLongTermSupport", day("2027-10-31")),
            `Kubernetes 1.34 leaves long-term support on 2027-11-30 (in 30 days; ${READ}): move aks.kubernetesVersion to a newer minor before then`,
        );
        assert.equal(
            kubernetesSupportFinding("1.33.5", "KubernetesOfficial", day("2026-11-25")),
            `Kubernetes 1.33 left AKS standard support on 2026-07-31 (${READ}): AKS creates no new clusters on it; set aks.kubernetesVersion to a supported minor`,
        );
        assert.equal(
            kubernetesSupportFinding("1.32", "AKSLongTermSupport", day("2027-04-01")),
            `Kubernetes 1.32 left long-term support on 2027-03-31 (${READ}): AKS creates no new clusters on it; set aks.kubernetesVersion to a supported minor`,
        );
    });

    it("sends a minor it does not know to preflight, whatever its shape", () => {
        const unknown = (minor: string) =>
            `Kubernetes ${minor} is not in the AKS calendar (${READ}): check it with npm run preflight and update the table`;
        assert.equal(kubernetesSupportFinding("1.99.0", "KubernetesOfficial", day("2026-11-25")), unknown("1.99"));
        assert.equal(kubernetesSupportFinding("10.1.2", "KubernetesOfficial", day("2026-11-25")), unknown("10.1"));
        assert.equal(kubernetesSupportFinding("latest", "KubernetesOfficial", day("2026-11-25")), unknown("latest"));
        assert.equal(
            kubernetesSupportFinding("v1.33", "KubernetesOfficial", day("2026-11-25")),
            unknown("v1.33"),
            "only a leading minor counts",
        );
    });
});
