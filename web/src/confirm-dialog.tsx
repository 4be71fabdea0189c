import { useEffect, useId, useRef, type MouseEvent, type ReactNode } from 'react';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** The safe choice's words (default "Keep as is"). */
  cancelLabel?: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * The second click of a double-click on the button that opened the dialog lands on whatever now
 * covers that spot: the backdrop, or (on a phone) one of the dialog's own buttons. A click this
 * soon after opening, or counted as a double-click, is that second click: it neither cancels nor
 * confirms. Keyboard activation (detail 0) is never held back after the grace.
 */
const BACKDROP_GRACE_MS = 300;

/** A native modal <dialog>: focus is trapped and Escape cancels, as the browser does it. */
export function ConfirmDialog({ open, title, children, confirmLabel, cancelLabel = 'Keep as is', danger = false, busy = false, onConfirm, onCancel }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const openedAt = useRef(0);
  const titleId = useId();
  const isEcho = (event: MouseEvent) => event.detail > 1 || performance.now() - openedAt.current < BACKDROP_GRACE_MS;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      openedAt.current = performance.now();
      dialog.showModal();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      data-testid="confirm-dialog"
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
      onClick={(event) => {
        // A click on the backdrop (the dialog element itself, outside its content) cancels.
        if (event.target !== ref.current || busy) return;
        if (isEcho(event)) return;
        onCancel();
      }}
    >
      <div className="dialog-content">
        <h2 id={titleId}>{title}</h2>
        <div className="dialog-text">{children}</div>
        <div className="dialog-buttons">
          <button type="button" className="button" onClick={(event) => !isEcho(event) && onCancel()} disabled={busy} data-testid="confirm-no" autoFocus>
            {cancelLabel}
          </button>
          <button type="button" className={danger ? 'button button-danger' : 'button button-primary'} onClick={(event) => !isEcho(event) && onConfirm()} disabled={busy} data-testid="confirm-yes">
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </div>
    </dialog>
  );
}
