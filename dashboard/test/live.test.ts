import { afterEach, describe, expect, it } from "vitest";
import { type LiveStatus, reconnectDelay, watchConversions } from "../src/api/live";

/** A server-side script for one graphql-transport-ws socket, in memory. */
class FakeSocket {
  static all: FakeSocket[] = [];
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  readyState = 0;
  protocol = "graphql-transport-ws";
  sent: Record<string, unknown>[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols: string,
  ) {
    FakeSocket.all.push(this);
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    }, 0);
  }

  send(data: string) {
    const message = JSON.parse(data);
    this.sent.push(message);
    if (message.type === "connection_init") setTimeout(() => this.receive({ type: "connection_ack" }), 0);
  }

  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  close(code = 1000, reason = "") {
    this.drop(code, reason);
  }

  /** The network goes away (or the server refuses). */
  drop(code = 1006, reason = "") {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code === 1000 });
  }
}

const until = async (check: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};

const conversion = { goal: { id: "g1", name: "Purchase" }, value: "purchase", occurredAt: "2024-03-01T10:00:00Z", revenue: null };

afterEach(() => {
  FakeSocket.all = [];
});

describe("live conversions", () => {
  it("sends the token in connection_init, subscribes, and delivers each conversion", async () => {
    const got: unknown[] = [];
    const statuses: LiveStatus[] = [];
    const stop = watchConversions(
      "gg_token",
      "sk_demo",
      { onConversion: (c) => got.push(c), onStatus: (s) => statuses.push(s) },
      { url: "ws://x/graphql", webSocketImpl: FakeSocket, retryWait: () => 0 },
    );
    await until(() => FakeSocket.all[0]?.sent.some((m) => m.type === "subscribe") ?? false);
    const socket = FakeSocket.all[0]!;
    expect(socket.protocols).toBe("graphql-transport-ws");
    expect(socket.sent[0]).toEqual({ type: "connection_init", payload: { Authorization: "Bearer gg_token" } });
    const subscribe = socket.sent[1] as { id: string; payload: { query: string; variables: unknown } };
    expect(subscribe.payload.query).toContain("subscription LiveConversions");
    expect(subscribe.payload.variables).toEqual({ site: "sk_demo" });
    socket.receive({ id: subscribe.id, type: "next", payload: { data: { conversions: conversion } } });
    expect(got).toEqual([conversion]);
    expect(statuses).toContain("live");
    stop();
  });

  it("reconnects after a network drop and subscribes again", async () => {
    const statuses: LiveStatus[] = [];
    const got: unknown[] = [];
    const stop = watchConversions(
      "gg_token",
      "sk_demo",
      { onConversion: (c) => got.push(c), onStatus: (s) => statuses.push(s) },
      { url: "ws://x/graphql", webSocketImpl: FakeSocket, retryWait: () => 0 },
    );
    await until(() => FakeSocket.all[0]?.sent.some((m) => m.type === "subscribe") ?? false);
    FakeSocket.all[0]!.drop(1006);
    expect(statuses).toContain("reconnecting");
    await until(() => FakeSocket.all[1]?.sent.some((m) => m.type === "subscribe") ?? false);
    const second = FakeSocket.all[1]!;
    expect(second.sent[0]).toEqual({ type: "connection_init", payload: { Authorization: "Bearer gg_token" } });
    const subscribe = second.sent[1] as { id: string };
    second.receive({ id: subscribe.id, type: "next", payload: { data: { conversions: conversion } } });
    expect(got).toEqual([conversion]);
    expect(statuses[statuses.length - 1]).toBe("live");
    stop();
  });

  it("stops for good when the server refuses the token (4403)", async () => {
    const statuses: LiveStatus[] = [];
    const stop = watchConversions(
      "gg_revoked",
      "sk_demo",
      { onConversion: () => undefined, onStatus: (s) => statuses.push(s) },
      { url: "ws://x/graphql", webSocketImpl: FakeSocket, retryWait: () => 0 },
    );
    await until(() => FakeSocket.all.length === 1 && FakeSocket.all[0]!.sent.length > 0);
    FakeSocket.all[0]!.drop(4403, "Forbidden");
    await until(() => statuses.includes("refused"));
    await new Promise((r) => setTimeout(r, 50));
    expect(FakeSocket.all).toHaveLength(1);
    stop();
  });

  it("stops for good when the token is revoked while subscribed", async () => {
    const statuses: LiveStatus[] = [];
    const stop = watchConversions(
      "gg_soon_revoked",
      "sk_demo",
      { onConversion: () => undefined, onStatus: (s) => statuses.push(s) },
      { url: "ws://x/graphql", webSocketImpl: FakeSocket, retryWait: () => 0 },
    );
    await until(() => FakeSocket.all[0]?.sent.some((m) => m.type === "subscribe") ?? false);
    const socket = FakeSocket.all[0]!;
    const { id } = socket.sent[1] as { id: string };
    // what goalgate sends: a result with the error, then complete; the lazy client then hangs up
    socket.receive({
      id,
      type: "next",
      payload: { data: null, errors: [{ message: "the token is invalid or revoked", extensions: { code: "UNAUTHENTICATED" } }] },
    });
    socket.receive({ id, type: "complete" });
    await new Promise((r) => setTimeout(r, 20));
    socket.drop(1000);
    await new Promise((r) => setTimeout(r, 20));
    expect(statuses[statuses.length - 1]).toBe("refused");
    expect(FakeSocket.all).toHaveLength(1);
    stop();
  });

  it("waits a little longer after each failed attempt, up to 3 s", () => {
    expect([0, 1, 2, 3, 10].map(reconnectDelay)).toEqual([500, 1000, 2000, 3000, 3000]);
  });
});
