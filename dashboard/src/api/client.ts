// The one way the dashboard talks to goalgate over HTTP: POST /graphql with
// the token as a bearer header. Nothing else is called.
import type { TypedDocumentString } from "../gql/operations";

export interface GraphQLErrorEntry {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; scope?: string; arguments?: Record<string, string> } & Record<string, unknown>;
}

export type ApiErrorKind = "network" | "http" | "graphql";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly kind: ApiErrorKind,
    readonly errors: readonly GraphQLErrorEntry[] = [],
    readonly status = 0,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get codes(): string[] {
    return this.errors.map((e) => e.extensions?.code ?? "").filter(Boolean);
  }

  has(code: string): boolean {
    return this.codes.includes(code);
  }

  /** The token is missing, invalid or revoked: the person must sign in again. */
  get unauthenticated(): boolean {
    return this.has("UNAUTHENTICATED") || this.status === 401;
  }

  /** The token lacks a scope; names it (e.g. analytics:read). */
  get missingScope(): string | null {
    const forbidden = this.errors.find((e) => e.extensions?.code === "FORBIDDEN");
    const scope = forbidden?.extensions?.scope;
    return typeof scope === "string" ? scope : null;
  }
}

/** /graphql next to /dashboard/, whatever prefix serves both. */
export function graphqlUrl(base: string = document.baseURI): string {
  return new URL("../graphql", base).href;
}

/** ws:// or wss:// for the same endpoint. */
export function graphqlSocketUrl(base: string = document.baseURI): string {
  const url = new URL(graphqlUrl(base));
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

export interface RequestOptions {
  token: string;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
  url?: string;
}

/**
 * Runs one operation; resolves with `data` when there are no errors, rejects
 * with an ApiError otherwise (a partial answer counts as a failure: the
 * dashboard never shows half a table as if it were whole).
 */
export async function request<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  options: RequestOptions,
): Promise<TResult> {
  const doFetch = options.fetchImpl ?? fetch;
  let response: Response;
  try {
    response = await doFetch(options.url ?? graphqlUrl(), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
        Authorization: `Bearer ${options.token}`,
      },
      body: JSON.stringify({ query: document.toString(), variables }),
      credentials: "omit",
      cache: "no-store",
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError("goalgate cannot be reached: check the network and try again.", "network");
  }
  let body: { data?: TResult | null; errors?: GraphQLErrorEntry[]; error?: { message?: string } } | null = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.status === 429) {
    const wait = Number(response.headers.get("Retry-After"));
    throw new ApiError(
      `Too many requests for this token; try again in ${Number.isFinite(wait) && wait > 0 ? wait : "a few"} seconds.`,
      "http",
      [],
      429,
      Number.isFinite(wait) ? wait : null,
    );
  }
  if (!response.ok && !body?.errors) {
    const message = body?.error?.message ?? `goalgate answered ${response.status}.`;
    throw new ApiError(message, "http", [], response.status);
  }
  if (body?.errors?.length) {
    throw new ApiError(body.errors.map((e) => e.message).join("; "), "graphql", body.errors, response.status);
  }
  if (!body || body.data === undefined || body.data === null) {
    throw new ApiError("goalgate sent an empty answer.", "http", [], response.status);
  }
  return body.data;
}

/** A human sentence for any failure of `request`. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.unauthenticated) return "This token is invalid or has been revoked. Sign in again.";
    const scope = error.missingScope;
    if (scope) return `This token lacks the ${scope} scope.`;
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
