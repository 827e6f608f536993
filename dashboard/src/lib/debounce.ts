/** Calls `fn` once calls have stopped for `wait` ms; `cancel` drops a pending call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, wait: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const debounced = (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, wait);
  };
  debounced.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return debounced;
}

/**
 * Keeps only the latest of overlapping requests: `next()` gives a ticket and
 * `isCurrent(ticket)` says whether a later one was started since. A slow
 * answer to an older match value then never overwrites a newer one.
 */
export function latestOnly() {
  let current = 0;
  return {
    next: () => ++current,
    isCurrent: (ticket: number) => ticket === current,
  };
}
