import { useState } from "preact/hooks";
import { normalizeToken } from "../lib/token";

interface Props {
  busy: boolean;
  message: string | null;
  onSubmit: (token: string) => void;
}

export function SignIn({ busy, message, onSubmit }: Props) {
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: Event) => {
    event.preventDefault();
    const token = normalizeToken(value);
    if (!token) {
      setProblem("Paste an API token first.");
      return;
    }
    setProblem(null);
    setValue("");
    onSubmit(token);
  };
  const error = problem ?? message;
  return (
    <main id="main" class="signin">
      <div class="signin-card">
        <h1>goalgate dashboard</h1>
        <p>
          Goals, charts and live conversions of your sites, straight from goalgate's GraphQL API.
          Paste an API token to start: <code>make run</code> prints a demo token, and{" "}
          <code>goalgate tokens create</code> makes others.
        </p>
        <form onSubmit={submit} novalidate>
          <label for="token">API token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            placeholder="gg_…"
            value={value}
            aria-invalid={error ? "true" : undefined}
            aria-describedby={error ? "token-error token-note" : "token-note"}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
          {error && (
            <p id="token-error" class="field-error" role="alert">
              {error}
            </p>
          )}
          <p id="token-note" class="hint">
            Kept in this tab only (sessionStorage) until you sign out or close the tab; never in a
            cookie.
          </p>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Checking…" : "Sign in"}
          </button>
        </form>
      </div>
    </main>
  );
}
