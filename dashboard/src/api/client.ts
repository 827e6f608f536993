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

/** `data` and the errors that nulled some fields beneath the operation's root fields. */
export interface PartialResult<TResult> {
  data: TResult;
  /** Each with the `path` of the field it nulled; empty when the answer is whole. */
  errors: readonly GraphQLErrorEntry[];
}

export type ResponsePath = readonly (string | number)[];

/** An error that answers for the whole operation: no path, or a root field's. */
function isRootError(error: GraphQLErrorEntry): boolean {
  return !Array.isArray(error.path) || error.path.length <= 1;
}

/**
 * Runs one operation. Resolves with `data` and the field errors that came with
 * it when goalgate answered in part: an error beneath a root field (a goal's
 * stats, a site's goals, a field of a mutation's payload) nulls that field
 * alone, and the caller shows what came and says what did not (see
 * `errorsUnder`). Rejects with an ApiError when there is no data, or when an
 * error hit a root field or has no path: then nothing of the answer stands.
 */
export async function requestPartial<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  options: RequestOptions,
): Promise<PartialResult<TResult>> {
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
  const errors = Array.isArray(body?.errors) ? body.errors : [];
  const data = body?.data;
  if (errors.length && (data === undefined || data === null || errors.some(isRootError))) {
    throw new ApiError(errors.map((e) => e.message).join("; "), "graphql", errors, response.status);
  }
  if (!body || data === undefined || data === null) {
    throw new ApiError("goalgate sent an empty answer.", "http", [], response.status);
  }
  return { data, errors };
}

/**
 * Runs one operation that must be answered whole: resolves with `data` when
 * there are no errors at all, rejects with an ApiError otherwise.
 */
export async function request<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  options: RequestOptions,
): Promise<TResult> {
  const { data, errors } = await requestPartial(document, variables, options);
  if (errors.length) throw new ApiError(errors.map((e) => e.message).join("; "), "graphql", errors);
  return data;
}

/** The errors at `path` or beneath it (["site", "goals", "nodes", 3, "stats"] and deeper). */
export function errorsUnder(errors: readonly GraphQLErrorEntry[], path: ResponsePath): GraphQLErrorEntry[] {
  return errors.filter((error) => {
    const at = error.path;
    if (!Array.isArray(at) || at.length < path.length) return false;
    return path.every((part, i) => at[i] === part);
  });
}

/** What a field's errors say, for the place the field would have been shown; `fallback` when none names it. */
export function describeFieldErrors(errors: readonly GraphQLErrorEntry[], fallback: string): string {
  const messages = [...new Set(errors.map((e) => e.message).filter(Boolean))];
  return messages.length ? messages.join("; ") : fallback;
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
