import { setFlagsFromString } from 'node:v8';

/**
 * A small install's memory (EMBEDDED_LOW_MEMORY), in V8's process-wide flags, so it is set before
 * PGlite's WASM is compiled and before the young generation grows:
 * - PGlite's WASM on the baseline compiler (Liftoff) alone: the optimizing tier's code and compile
 *   memory were ~60 MB of ~270 MB after start (README, Benchmarks);
 * - the young generation held at its first size through the start's one-off burst of module
 *   loading (~25 MB otherwise), and given back V8's default growth once the service is up:
 *   held small for good, it cost the PGlite overview 5–13 ms p95.
 * Returns what to call once the service is up.
 */
export function holdEmbeddedMemoryLow(): () => void {
  compilePgliteOnBaseline();
  setFlagsFromString('--semi-space-growth-factor=1');
  return () => setFlagsFromString('--semi-space-growth-factor=2'); // V8's default
}

/** PGlite's WASM compiled by V8's baseline compiler alone (bench/kpi-pglite.ts times it as the service runs it). */
export function compilePgliteOnBaseline(): void {
  setFlagsFromString('--liftoff-only');
}
