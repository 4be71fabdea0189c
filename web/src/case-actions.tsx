import { useState, type ReactNode } from 'react';
import { api, companyPath } from './api.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { formatDateTime, localizeTimes } from './format.ts';
import { nudgeOutcome } from './timeline-items.ts';
import { isOperator, useSession } from './session.tsx';
import type { ActionResponse, RecoveryCase } from './types.ts';

type ActionName = 'nudge' | 'cancel' | 'cancel-membership' | 'terminate';

interface ActionSpec {
  label: string;
  testId: string;
  title: string;
  confirmLabel: string;
  danger: boolean;
  explain: (c: RecoveryCase) => ReactNode;
  done: string;
}

const ACTIONS: Record<ActionName, ActionSpec> = {
  nudge: {
    label: 'Nudge now',
    testId: 'action-nudge',
    title: 'Send the next reminder now?',
    confirmLabel: 'Send reminder',
    danger: false,
    explain: (c) => (
      <p>
        Sends reminder {c.steps_sent + 1} to {memberName(c)} right away on every enabled channel, instead of waiting for its scheduled time. The minimum gap between
        reminders still applies.
      </p>
    ),
    done: 'Reminder sent.',
  },
  cancel: {
    label: 'Cancel case',
    testId: 'action-cancel',
    title: 'Cancel this case?',
    confirmLabel: 'Cancel case',
    danger: true,
    explain: (c) => <p>Stops all further reminders to {memberName(c)} and closes the case as not recovered. The membership itself is not changed.</p>,
    done: 'Case cancelled. No more reminders will be sent.',
  },
  'cancel-membership': {
    label: 'Cancel membership at period end',
    testId: 'action-cancel-membership',
    title: 'Cancel the membership at the end of the period?',
    confirmLabel: 'Cancel at period end',
    danger: true,
    explain: (c) => (
      <p>
        Asks Whop to cancel membership <code>{c.whop_membership_id}</code> when its current period ends, and closes this case. {memberName(c)} keeps access until then.
      </p>
    ),
    done: 'The membership will cancel at the end of its period. The case is closed.',
  },
  terminate: {
    label: 'Terminate',
    testId: 'action-terminate',
    title: 'Terminate the membership now?',
    confirmLabel: 'Terminate now',
    danger: true,
    explain: (c) => (
      <p>
        Ends membership <code>{c.whop_membership_id}</code> immediately: {memberName(c)} loses access now. This cannot be undone from here.
      </p>
    ),
    done: 'Membership terminated. The case is closed.',
  },
};

function memberName(c: RecoveryCase): string {
  return c.member_name || c.member_email || c.whop_user_id || 'the member';
}

type Result = { ok: boolean; message: string };

/** Nudge now / Cancel case / Cancel membership / Terminate, each confirmed, each answered in words. */
export function CaseActions({ companyId, recoveryCase, onDone }: { companyId: string; recoveryCase: RecoveryCase & { holdout?: boolean }; onDone: () => void }) {
  const { me } = useSession();
  const [pending, setPending] = useState<ActionName | null>(null);
  const [busy, setBusy] = useState(false);
  const [force, setForce] = useState(false);
  const [result, setResult] = useState<Result | null>(null);

  async function run(action: ActionName) {
    setBusy(true);
    try {
      const body = action === 'nudge' && force && isOperator(me) ? { force: true } : {};
      const response = await api.post<ActionResponse>(companyPath(companyId, `/cases/${encodeURIComponent(recoveryCase.id)}/${action}`), body);
      setResult(action === 'nudge' ? describeNudge(response.result) : { ok: true, message: ACTIONS[action].done });
      onDone();
    } catch (error) {
      setResult({ ok: false, message: error instanceof Error ? localizeTimes(error.message) : 'The action failed.' });
    } finally {
      setBusy(false);
      setPending(null);
      setForce(false);
    }
  }

  const spec = pending ? ACTIONS[pending] : null;
  const closed = recoveryCase.status !== 'open';

  return (
    <section className="card actions" aria-labelledby="actions-heading">
      <h2 id="actions-heading">Actions</h2>
      {!closed && recoveryCase.holdout === true && (
        <p className="muted small" data-testid="actions-holdout-note">
          This case is in the control group: Churn Saver sends it no reminder, so the dashboard can measure what reminders add.
        </p>
      )}
      {closed && (
        <p className="muted small" data-testid="actions-closed-note">
          This case is {recoveryCase.status === 'recovered' ? 'recovered' : 'closed'}: there is nothing left to do, so these actions are off.
        </p>
      )}
      <div className="action-buttons">
        {(Object.keys(ACTIONS) as ActionName[]).map((name) => (
          <button
            key={name}
            type="button"
            className={ACTIONS[name].danger ? 'button button-danger-outline' : 'button button-primary'}
            data-testid={ACTIONS[name].testId}
            onClick={() => {
              setResult(null);
              setPending(name);
            }}
            disabled={busy || closed || (name === 'nudge' && recoveryCase.holdout === true)}
          >
            {ACTIONS[name].label}
          </button>
        ))}
      </div>
      <div aria-live="polite" role="status" className="action-result-slot">
        {result && (
          <p className={result.ok ? 'message message-ok' : 'message message-error'} data-testid="action-result" data-ok={result.ok}>
            {result.message}
          </p>
        )}
      </div>
      <ConfirmDialog
        open={spec !== null}
        title={spec?.title ?? ''}
        confirmLabel={spec?.confirmLabel ?? 'Confirm'}
        danger={spec?.danger ?? false}
        busy={busy}
        onCancel={() => {
          setPending(null);
          setForce(false);
        }}
        onConfirm={() => pending && run(pending)}
      >
        {spec?.explain(recoveryCase)}
        {pending === 'nudge' && isOperator(me) && (
          <label className="checkbox">
            <input type="checkbox" checked={force} onChange={(event) => setForce(event.target.checked)} data-testid="nudge-force" />
            Ignore the minimum gap between reminders (operators only)
          </label>
        )}
      </ConfirmDialog>
    </section>
  );
}

/** The nudge's `result` (the send outcome) in words. Unknown shapes get a plain "done". */
export function describeNudge(result: unknown): Result {
  if (typeof result !== 'object' || result === null) return { ok: true, message: ACTIONS.nudge.done };
  const r = result as { ok?: boolean; outcome?: string; step?: number; channels?: Record<string, string>; retryAt?: string; retry_at?: string; why?: string; reason?: string };
  const step = typeof r.step === 'number' ? `Reminder ${r.step + 1}` : 'The reminder';
  if (r.outcome === 'sent') return { ok: true, message: `${nudgeOutcome(typeof r.step === 'number' ? r.step : null, r.channels ?? {})}.` };
  if (r.outcome === 'waiting') {
    const at = r.retryAt ?? r.retry_at;
    return { ok: true, message: `${step} is queued${r.why ? `: ${r.why}` : ''}${at ? `; next try ${formatDateTime(at)}` : ''}.` };
  }
  if (r.outcome === 'recovered_by_retry') return { ok: true, message: 'The payment retry succeeded: the case is recovered and no message was needed.' };
  if (r.ok === false) {
    const reasons: Record<string, string> = {
      no_steps_left: 'Nothing sent: every reminder has already gone out.',
      case_closed: 'Nothing sent: the case is no longer open.',
      not_due: 'Nothing sent: the reminder is not due yet.',
      not_found: 'Nothing sent: the case was not found.',
    };
    return { ok: false, message: reasons[r.reason ?? ''] ?? `Nothing sent${r.reason ? `: ${r.reason.replace(/_/g, ' ')}` : ''}.` };
  }
  return { ok: true, message: ACTIONS.nudge.done };
}
