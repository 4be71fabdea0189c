import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api.ts';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again, keeping the current data on screen meanwhile. */
  reload: () => void;
}

/**
 * GETs `path` (null: nothing to load) and re-GETs when it changes. Earlier answers that arrive
 * late are dropped; unmounting aborts the request.
 */
export function useResource<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean; path: string | null }>({ data: undefined, error: undefined, loading: path !== null, path });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    if (path === null) {
      setState({ data: undefined, error: undefined, loading: false, path });
      return;
    }
    const controller = new AbortController();
    const id = ++latest.current;
    setState((previous) => ({ data: previous.data, error: undefined, loading: true, path }));
    api.get<T>(path, controller.signal).then(
      (data) => {
        if (id === latest.current) setState({ data, error: undefined, loading: false, path });
      },
      (error: unknown) => {
        if (controller.signal.aborted || id !== latest.current) return;
        setState((previous) => ({ data: previous.data, error, loading: false, path }));
      },
    );
    return () => controller.abort();
  }, [path, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** `value`, once it has stopped changing for `delayMs`. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}
