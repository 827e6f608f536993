import { describe, expect, it } from "vitest";
import { ApiError, describeError, graphqlSocketUrl, graphqlUrl, request } from "../src/api/client";
import { ViewerDocument } from "../src/gql/operations";

function fakeFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const impl = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
  }) as unknown as typeof fetch;
  return { impl, calls };
}

describe("the GraphQL endpoint", () => {
  it("is /graphql beside /dashboard/, over http and ws", () => {
    expect(graphqlUrl("http://127.0.0.1:8000/dashboard/")).toBe("http://127.0.0.1:8000/graphql");
    expect(graphqlUrl("https://a.example/tools/dashboard/")).toBe("https://a.example/tools/graphql");
    expect(graphqlSocketUrl("http://127.0.0.1:8000/dashboard/")).toBe("ws://127.0.0.1:8000/graphql");
    expect(graphqlSocketUrl("https://a.example/dashboard/")).toBe("wss://a.example/graphql");
  });
});

describe("request", () => {
  it("posts the operation with the token as a bearer header and no cookies", async () => {
    const { impl, calls } = fakeFetch(200, { data: { viewer: { name: "demo", scopes: [], sites: [] } } });
    const data = await request(ViewerDocument, {}, { token: "gg_x", fetchImpl: impl, url: "/graphql" });
    expect(data.viewer.name).toBe("demo");
    const [call] = calls;
    expect(call?.init.method).toBe("POST");
    expect((call?.init.headers as Record<string, string>).Authorization).toBe("Bearer gg_x");
    expect(call?.init.credentials).toBe("omit");
    const body = JSON.parse(String(call?.init.body));
    expect(body.query).toContain("query Viewer");
    expect(body.variables).toEqual({});
  });

  it("turns UNAUTHENTICATED into a sign-in-again error", async () => {
    const { impl } = fakeFetch(200, {
      data: null,
      errors: [{ message: "the token is invalid or revoked", extensions: { code: "UNAUTHENTICATED" } }],
    });
    const error = await request(ViewerDocument, {}, { token: "bad", fetchImpl: impl, url: "/graphql" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.unauthenticated).toBe(true);
    expect(describeError(error)).toMatch(/Sign in again/);
  });

  it("names the missing scope of a FORBIDDEN answer", async () => {
    const { impl } = fakeFetch(200, {
      data: null,
      errors: [{ message: "this token lacks the analytics:read scope", extensions: { code: "FORBIDDEN", scope: "analytics:read" } }],
    });
    const error = await request(ViewerDocument, {}, { token: "w", fetchImpl: impl, url: "/graphql" }).catch((e) => e);
    expect(error.missingScope).toBe("analytics:read");
    expect(describeError(error)).toBe("This token lacks the analytics:read scope.");
  });

  it("says when to come back after a 429", async () => {
    const { impl } = fakeFetch(429, { error: { code: "rate_limited", message: "slow down" } }, { "Retry-After": "12" });
    const error = await request(ViewerDocument, {}, { token: "t", fetchImpl: impl, url: "/graphql" }).catch((e) => e);
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(12);
    expect(error.message).toMatch(/12 seconds/);
  });

  it("reports an unreachable server in words", async () => {
    const impl = (async () => {
      throw new TypeError("Failed to fetch");
    }) as unknown as typeof fetch;
    const error = await request(ViewerDocument, {}, { token: "t", fetchImpl: impl, url: "/graphql" }).catch((e) => e);
    expect(error.kind).toBe("network");
    expect(error.message).toMatch(/cannot be reached/);
  });
});
