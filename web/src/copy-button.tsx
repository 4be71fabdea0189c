import { useState } from 'react';

/** Copies `text` to the clipboard and says so. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
    window.setTimeout(() => setCopied(null), 2000);
  }
  return (
    <>
      <button type="button" className="button button-small" onClick={copy}>
        {label}
      </button>
      <span className="small muted" aria-live="polite">
        {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Select the text and copy it' : ''}
      </span>
    </>
  );
}
