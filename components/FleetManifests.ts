import * as pulumi from "@pulumi/pulumi";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Provider } from "@pulumi/kubernetes/provider";
import { FleetLayoutArgs, FluxKustomization, fluxKustomizations, LayerObject, monitoringObjects, notificationObjects } from "../fleet/layout";

export interface FleetManifestsArgs extends FleetLayoutArgs {
    /** Where `pulumi up` writes the rendered YAML; nothing is ever sent to a cluster. */
    renderDirectory: string;
}

/**
 * The cluster's bootstrap objects for the fleet repo (clusters/<cluster>/): Flux Kustomizations per layer with SOPS
 * decryption, plus the monitoring and notifications layers' objects. They go through a render-only Kubernetes provider, so `pulumi up` writes files and never needs a line
 * to the API server. `npm run fleet` writes the same objects into a fleet repo checkout.
 */
export class FleetManifests extends pulumi.ComponentResource {
    readonly objects: FluxKustomization[];
    readonly layerObjects: LayerObject[];

    constructor(name: string, args: FleetManifestsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-gitops:index:FleetManifests", name, args, opts);
        const render = new Provider(`${name}-render`, { renderYamlToDirectory: args.renderDirectory }, { parent: this });
        this.objects = fluxKustomizations(args);
        this.layerObjects = [
            ...(args.monitoring ? monitoringObjects(args) : []),
            ...(args.notifications ? notificationObjects(args, args.notifications) : []),
        ];
        for (const object of this.objects) {
            new CustomResource(`${name}-${object.metadata.name}`, { ...object }, { parent: this, provider: render });
        }
        for (const object of this.layerObjects) {
            new CustomResource(`${name}-${object.kind.toLowerCase()}-${object.metadata.name}`, { ...object }, { parent: this, provider: render });
        }
        this.registerOutputs({ objects: this.objects, layerObjects: this.layerObjects });
    }
}
