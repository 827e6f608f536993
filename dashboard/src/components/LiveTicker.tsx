import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { type LiveConversion, type LiveStatus, watchConversions } from "../api/live";
import { Dashboard } from "../context";
import { formatMoney, formatTime } from "../lib/format";

interface Entry extends LiveConversion {
  key: number;
}

const KEEP = 50;

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  refused: "Refused",
  stopped: "Stopped",
};

/** Conversions of the site as they are stored, newest first. */
export function LiveTicker({ token, site, timezone }: { token: string; site: string; timezone: string | null }) {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [detail, setDetail] = useState<string | null>(null);
  const [count, setCount] = useState(0);
  const ctx = useContext(Dashboard);
  const expire = useRef(ctx?.expire);
  expire.current = ctx?.expire;

  useEffect(() => {
    setEntries([]);
    setCount(0);
    setStatus("connecting");
    setDetail(null);
    let next = 0;
    return watchConversions(token, site, {
      onConversion: (conversion) => {
        next += 1;
        const entry = { ...conversion, key: next };
        setEntries((list) => [entry, ...list].slice(0, KEEP));
        setCount((c) => c + 1);
      },
      onStatus: (value, text) => {
        setStatus(value);
        setDetail(text ?? null);
        // 4403 at connection_init: goalgate no longer accepts the token.
        if (value === "refused") expire.current?.("goalgate no longer accepts this token (revoked?). Sign in again.");
      },
    });
  }, [token, site]);

  return (
    <section class="panel live" aria-labelledby="live-title">
      <div class="live-head">
        <h2 id="live-title">Live conversions</h2>
        <span class={`status status-${status}`} role="status" data-live-status={status}>
          <span class="dot" aria-hidden="true" />
          {STATUS_TEXT[status]}
        </span>
      </div>
      {detail && status !== "live" && <p class="muted small">{detail}</p>}
      <p class="muted small">
        {count === 0 ? `Waiting for conversions on ${site}…` : `${count} since this page opened${count > KEEP ? ` (the last ${KEEP} shown)` : ""}.`}
      </p>
      <ol class="ticker" aria-live="polite" aria-relevant="additions" aria-label={`Latest conversions on ${site}`}>
        {entries.map((entry) => (
          <li key={entry.key} class="tick-item">
            <time dateTime={entry.occurredAt}>{formatTime(entry.occurredAt, timezone ?? undefined)}</time>
            <span class="goal-name">{entry.goal.name}</span>
            <code class="value">{entry.value}</code>
            {entry.revenue && <span class="money">{formatMoney(entry.revenue)}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
