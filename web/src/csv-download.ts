import { ApiError, readError } from './api.ts';

export interface CsvProgress {
  bytes: number;
  /** Data rows received so far (the header row is not counted). */
  rows: number;
}

/**
 * Counts CSV records across chunks: a newline ends a record unless it is inside a quoted cell
 * ("" inside quotes toggles twice, so it needs no special case).
 */
export class CsvRowCounter {
  private inQuotes = false;
  private records = 0;
  private pending = false;

  push(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 34 /* " */) this.inQuotes = !this.inQuotes;
      else if (ch === 10 /* \n */ && !this.inQuotes) {
        this.records++;
        this.pending = false;
        continue;
      }
      if (ch !== 13 /* \r */) this.pending = true;
    }
  }

  /** Data rows: complete records plus an unterminated last one, less the header. */
  get rows(): number {
    return Math.max(0, this.records + (this.pending ? 1 : 0) - 1);
  }
}

/**
 * Streams `url` into memory, reporting bytes and rows as they arrive, and returns the file.
 * Errors carry the server's `{error}` message.
 */
export async function downloadCsv(url: string, onProgress: (progress: CsvProgress) => void, signal: AbortSignal): Promise<{ blob: Blob; filename: string | null; progress: CsvProgress }> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/csv' }, signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ApiError(0, 'network_error', 'Could not reach Churn Saver. Check your connection and try again.');
  }
  if (!response.ok) {
    const error = await readError(response);
    throw new ApiError(response.status, error.code, error.message);
  }
  const filename = filenameOf(response.headers.get('content-disposition'));
  const counter = new CsvRowCounter();
  const progress: CsvProgress = { bytes: 0, rows: 0 };

  if (!response.body) {
    const text = await response.text();
    counter.push(text);
    const blob = new Blob([text], { type: 'text/csv;charset=utf-8' });
    const done = { bytes: blob.size, rows: counter.rows };
    onProgress(done);
    return { blob, filename, progress: done };
  }

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const chunks: BlobPart[] = [];
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value as Uint8Array<ArrayBuffer>);
    progress.bytes += value.byteLength;
    counter.push(decoder.decode(value, { stream: true }));
    progress.rows = counter.rows;
    const now = performance.now();
    if (now - lastReport > 100) {
      lastReport = now;
      onProgress({ ...progress });
    }
  }
  counter.push(decoder.decode());
  progress.rows = counter.rows;
  onProgress({ ...progress });
  return { blob: new Blob(chunks, { type: 'text/csv;charset=utf-8' }), filename, progress };
}

/** `attachment; filename="cases.csv"` → "cases.csv". */
function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain?.[1]?.trim() ?? null;
}

/** Hands a Blob to the browser as a file download. */
export function saveBlob(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = filename;
  anchor.style.display = 'none';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  window.setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
