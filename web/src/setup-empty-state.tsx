import { CopyButton } from './copy-button.tsx';
import { Link } from './link.tsx';
import { paths } from './router.ts';

export const WHOP_EVENTS = ['payment.failed', 'payment.succeeded', 'membership.activated', 'membership.deactivated', 'refund.created', 'dispute.created'] as const;

/** No case yet: what to do so the first failed payment opens one. */
export function SetupEmptyState({ companyId, webhookUrl, webhookError }: { companyId: string; webhookUrl: string | undefined; webhookError?: string | undefined }) {
  return (
    <section className="card empty-state" data-testid="empty-state" aria-labelledby="empty-heading">
      <h2 id="empty-heading">No recovery cases yet</h2>
      <p>Churn Saver opens a case as soon as Whop tells it that a member's payment failed. To start receiving those events:</p>
      <ol className="steps">
        <li>
          In Whop, open <strong>Developer → Webhooks</strong> and add this webhook URL (API version v1):
          <div className="copy-row">
            {webhookUrl !== undefined ? (
              <>
                <code className="code-box" data-testid="webhook-url">
                  {webhookUrl}
                </code>
                <CopyButton text={webhookUrl} label="Copy URL" />
              </>
            ) : webhookError !== undefined ? (
              <span className="text-bad small" role="alert">
                Could not load the webhook URL ({webhookError}). It is also shown on the <Link to={paths.settings(companyId)}>settings page</Link>.
              </span>
            ) : (
              <span className="muted small">Loading the webhook URL…</span>
            )}
          </div>
        </li>
        <li>
          Select these events:
          <ul className="event-list">
            {WHOP_EVENTS.map((event) => (
              <li key={event}>
                <code>{event}</code>
              </li>
            ))}
          </ul>
        </li>
        <li>
          Check your <Link to={paths.settings(companyId)}>outreach settings</Link>: channels, reminder days and the messages members get.
        </li>
      </ol>
      <p className="muted">The first case shows up here within seconds of the next failed payment.</p>
    </section>
  );
}
