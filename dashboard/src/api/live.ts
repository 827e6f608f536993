// Live conversions over graphql-transport-ws (the graphql-ws client): the
// token goes in connection_init as {"Authorization": "Bearer <token>"}; after a
// network drop the client reconnects with a growing wait and subscribes again.
import { createClient, type Client } from "graphql-ws/client";
import { LiveConversionsDocument, type LiveConversionsSubscription } from "../gql/operations";
import { graphqlSocketUrl } from "./client";

export type LiveConversion = LiveConversionsSubscription["conversions"];

export type LiveStatus = "connecting" | "live" | "reconnecting" | "refused" | "stopped";

export interface LiveHandlers {
  onConversion: (conversion: LiveConversion) => void;
  onStatus: (status: LiveStatus, detail?: string) => void;
}

export interface LiveOptions {
  url?: string;
  /** Wait before reconnect attempt n (0-based), ms. */
  retryWait?: (attempt: number) => number;
  webSocketImpl?: unknown;
}

/** 0.5 s, 1 s, 2 s, then every 3 s: quick after a blip, gentle during an outage. */
export function reconnectDelay(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 3000);
}

// 4403: the server refused the token at connection_init (invalid or revoked).
const REFUSED = new Set([4401, 4403]);

/** Subscribes to a site's conversions until the returned function is called. */
export function watchConversions(token: string, site: string, handlers: LiveHandlers, options: LiveOptions = {}): () => void {
  let stopped = false;
  let refused = false;
  let everConnected = false;
  let ended = false;
  const wait = options.retryWait ?? reconnectDelay;
  const client: Client = createClient({
    url: options.url ?? graphqlSocketUrl(),
    connectionParams: () => ({ Authorization: `Bearer ${token}` }),
    lazy: true,
    // Ping every 10 s; a connection with no pong in 5 s is dead and replaced.
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (event) => {
      const code = typeof event === "object" && event !== null && "code" in event ? Number((event as { code: unknown }).code) : 0;
      if (REFUSED.has(code)) {
        refused = true;
        return false;
      }
      return !stopped;
    },
    retryWait: async (retries) => {
      await new Promise((resolve) => setTimeout(resolve, wait(retries)));
    },
    on: {
      connecting: () => {
        if (!stopped) handlers.onStatus(everConnected ? "reconnecting" : "connecting");
      },
      connected: () => {
        everConnected = true;
        if (!stopped) handlers.onStatus("live");
      },
      closed: (event) => {
        // Closed after the subscription ended (the lazy client then hangs up): nothing to retry.
        if (stopped || ended) return;
        const code = typeof event === "object" && event !== null && "code" in event ? Number((event as { code: unknown }).code) : 0;
        if (REFUSED.has(code) || refused) {
          refused = true;
          handlers.onStatus("refused", "The server refused this token for live conversions.");
        } else {
          handlers.onStatus("reconnecting");
        }
      },
    },
    ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
  });

  const unsubscribe = client.subscribe<LiveConversionsSubscription>(
    { query: LiveConversionsDocument.toString(), variables: { site } },
    {
      next: (result) => {
        if (result.data?.conversions) handlers.onConversion(result.data.conversions);
        // goalgate ends the subscription of a token revoked meanwhile with a result
        // carrying UNAUTHENTICATED, then completes it.
        const errors = (result.errors ?? []) as readonly { message?: string; extensions?: { code?: unknown } }[];
        if (errors.length && !stopped) {
          ended = true;
          if (errors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) refused = true;
          handlers.onStatus(refused ? "refused" : "stopped", errors.map((e) => e.message).join("; "));
        }
      },
      error: (error) => {
        ended = true;
        if (stopped) return;
        const errors: { message?: string; extensions?: { code?: string } }[] = Array.isArray(error) ? error : [];
        // A token revoked while subscribed ends the subscription with UNAUTHENTICATED.
        if (errors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) refused = true;
        const message = errors.length
          ? errors.map((e) => e.message).join("; ")
          : refused
            ? "The server refused this token for live conversions."
            : "Live conversions stopped.";
        handlers.onStatus(refused ? "refused" : "stopped", message);
      },
      complete: () => {
        const already = ended;
        ended = true;
        if (!stopped && !already) handlers.onStatus("stopped", "The server ended the live conversions.");
      },
    },
  );

  return () => {
    stopped = true;
    unsubscribe();
    void client.dispose();
  };
}
