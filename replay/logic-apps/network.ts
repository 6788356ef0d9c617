/**
 * What the engine's Http and ApiConnection actions talk to. The replay wires fakes behind this
 * interface (Graph, Key Vault, the notification webhook, the Sentinel connector); it is
 * synchronous because everything it reaches lives in memory.
 */
import { JsonObject } from "./values";

/** An Http action's request as the runtime sends it (queries already in the URL). */
export interface HttpRequest {
    readonly method: string;
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: unknown;
    /** The action's `authentication` object, as evaluated (e.g. ManagedServiceIdentity). */
    readonly authentication?: unknown;
}

/** An ApiConnection action's request to a managed connector. */
export interface ConnectorRequest {
    /** The `$connections` key the action's connection resolved to, e.g. `azuresentinel`. */
    readonly connectionName: string;
    /** That `$connections` entry (`connectionId`, `id`, `connectionProperties`...). */
    readonly connection: JsonObject;
    readonly method: string;
    readonly path: string;
    readonly queries: Readonly<Record<string, string>>;
    readonly body?: unknown;
}

export interface HttpResponse {
    readonly statusCode: number;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: unknown;
}

export interface Network {
    send(request: HttpRequest): HttpResponse;
    callConnector(request: ConnectorRequest): HttpResponse;
}
