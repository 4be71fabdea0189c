import { useEffect, useState } from 'react';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { blockNavigation, navigate } from './router.ts';

/**
 * While `dirty`, leaving the page asks first: closing or reloading the tab gets the browser's own
 * question (beforeunload), moving elsewhere in the app (a link, a tab, Back) gets this dialog.
 * Returns the dialog to render.
 */
export function LeaveGuard({ dirty, what }: { dirty: boolean; what: string }) {
  const [leavingTo, setLeavingTo] = useState<string | null>(null);

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    const unblock = blockNavigation(setLeavingTo);
    return () => {
      window.removeEventListener('beforeunload', warn);
      unblock();
    };
  }, [dirty]);

  return (
    <ConfirmDialog
      open={leavingTo !== null}
      title="Leave without saving?"
      confirmLabel="Leave without saving"
      cancelLabel="Keep editing"
      danger
      onCancel={() => setLeavingTo(null)}
      onConfirm={() => {
        const to = leavingTo;
        setLeavingTo(null);
        if (to !== null) navigate(to, { force: true });
      }}
    >
      <p data-testid="leave-guard">Your changes to {what} are not saved yet. If you leave now, they are lost.</p>
    </ConfirmDialog>
  );
}
