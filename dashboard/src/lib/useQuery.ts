import { useEffect, useRef, useState } from "preact/hooks";

export type QueryState<T> =
  | { status: "loading"; data: T | null; error: null }
  | { status: "ok"; data: T; error: null }
  | { status: "error"; data: T | null; error: unknown };

/**
 * Runs `load` whenever a key changes (and on `reload()`), aborting the one
 * before; keeps the last data while the next loads, so that tables do not
 * flash empty when the period changes.
 */
export function useQuery<T>(load: (signal: AbortSignal) => Promise<T>, keys: readonly unknown[], enabled = true) {
  const [state, setState] = useState<QueryState<T>>({ status: "loading", data: null, error: null });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    if (!enabled) return undefined;
    const controller = new AbortController();
    setState((previous) => ({ status: "loading", data: previous.data, error: null }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: "ok", data, error: null });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState((previous) => ({ status: "error", data: previous.data, error }));
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...keys, generation, enabled]);

  return { ...state, reload: () => setGeneration((g) => g + 1) };
}
