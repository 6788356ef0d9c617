/**
 * The network a replay's Http and ApiConnection actions reach: the fake Graph, a fake Key Vault
 * holding the notification webhook URL, the webhook itself, and the fake Sentinel (through its
 * connector, and through Azure Resource Manager for the incidents the sweep creates).
 * A request to any other host stops the replay: a playbook holding a Tier-0 identity has no
 * business calling an address the replay does not know.
 */
import { FakeGraph, graphHost } from "./fake-graph";
import { FakeSentinel } from "./fake-sentinel";
import { ConnectorRequest, HttpRequest, HttpResponse, Network } from "./network";
import { isJsonObject } from "./values";

const vaultAudiences = ["https://vault.azure.net", "https://vault.azure.net/"];
const armHost = "management.azure.com";

/** A vault holding secrets, readable only by the playbook's identity (Key Vault Secrets User). */
export class FakeKeyVault {
    readonly host: string;

    constructor(
        vaultUri: string,
        private readonly secrets: ReadonlyMap<string, string>,
        private readonly identityResourceId: string,
    ) {
        this.host = new URL(vaultUri).host;
    }

    handle(request: HttpRequest): HttpResponse {
        const url = new URL(request.url);
        const authentication = request.authentication;
        const authenticated =
            isJsonObject(authentication) &&
            authentication.type === "ManagedServiceIdentity" &&
            authentication.identity === this.identityResourceId &&
            vaultAudiences.includes(String(authentication.audience));
        if (!authenticated) return vaultError(401, "Unauthorized", "The request needs a token for https://vault.azure.net from the playbook's identity.");
        if (!url.searchParams.has("api-version")) return vaultError(400, "BadParameter", "The 'api-version' query parameter is required.");
        const match = /^\/secrets\/([0-9a-zA-Z-]+)(\/[0-9a-f]*)?$/.exec(url.pathname);
        if (request.method !== "GET" || match === null)
            return vaultError(404, "NotFound", `The replay's Key Vault serves GET /secrets/<name>, not ${request.method} ${url.pathname}.`);
        const value = this.secrets.get(match[1]!);
        if (value === undefined) return vaultError(404, "SecretNotFound", `A secret with (name/id) ${match[1]} was not found in this key vault.`);
        return {
            statusCode: 200,
            body: { value, id: `https://${this.host}/secrets/${match[1]}/0123456789abcdef0123456789abcdef`, attributes: { enabled: true } },
        };
    }
}

/** What the notification webhook received. The URL is the secret, so it is not part of the record. */
export interface WebhookPost {
    readonly body: unknown;
}

export class FakeWebhook {
    readonly posts: WebhookPost[] = [];

    constructor(readonly url: string) {}

    handle(request: HttpRequest): HttpResponse {
        if (request.method !== "POST") return { statusCode: 405 };
        this.posts.push({ body: request.body ?? null });
        return { statusCode: 200, body: { ok: true } };
    }
}

/** Thrown when the definition calls a host the replay does not know. */
export class UnexpectedHostError extends Error {
    constructor(host: string) {
        super(`the playbook called ${host}, which is neither Graph, the notification vault nor the notification webhook`);
        this.name = "UnexpectedHostError";
    }
}

export class FakeCloud implements Network {
    constructor(
        readonly graph: FakeGraph,
        readonly sentinel: FakeSentinel,
        readonly vault: FakeKeyVault,
        readonly webhook: FakeWebhook | undefined,
    ) {}

    send(request: HttpRequest): HttpResponse {
        const url = new URL(request.url);
        if (url.protocol === "https:" && url.host === graphHost) return this.graph.handle(request);
        if (url.protocol === "https:" && url.host === this.vault.host) return this.vault.handle(request);
        if (url.protocol === "https:" && url.host === armHost) return this.sentinel.handleArm(request);
        if (this.webhook !== undefined && request.url === this.webhook.url) return this.webhook.handle(request);
        throw new UnexpectedHostError(url.host);
    }

    callConnector(request: ConnectorRequest): HttpResponse {
        return this.sentinel.handle(request);
    }
}

function vaultError(statusCode: number, code: string, message: string): HttpResponse {
    return { statusCode, body: { error: { code, message } } };
}
