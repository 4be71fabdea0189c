import { companyPath } from './api.ts';
import { CHANNEL_LABELS } from './channel-copy.ts';
import { ErrorView } from './error-view.tsx';
import { formatCount, formatDateTime, formatMoney, formatRate } from './format.ts';
import { rateNote, rateText } from './kpi-tiles.tsx';
import type { Rate } from './types.ts';
import { useResource } from './use-resource.ts';

/** GET /api/companies/:id/saves (src/presenters/saves.presenter.ts). */
interface SaveFigures {
  cases: number;
  offers_sent: number;
  offers_in_outbox: number;
  accepted: number;
  saved: number;
  held: number;
  reverted: number;
  lost: number;
  deciding: number;
  save_rate: Rate;
  accept_rate: number | null;
}
interface SavesView {
  window_days: number;
  treated: SaveFigures;
  control: SaveFigures;
  by_offer: Array<{ offer_kind: string } & SaveFigures>;
  saved_by: { offer: number; own: number };
  offer_cost: Array<{ currency: string | null; codes_redeemed: number; cost_cents: number }>;
  recent: Array<{
    id: string;
    whop_membership_id: string;
    status: string;
    holdout: boolean;
    cancel_option: string | null;
    offer_kind: string;
    offer_days: number | null;
    promo: { code: string; description: string } | null;
    pause_resumes_at: string | null;
    scheduled_at: string;
    accepted_at: string | null;
    decided_at: string | null;
    reverted_reason: string | null;
    messages: Array<{ channel: string; delivery: string; subject: string | null; body: string | null }>;
  }>;
  formulas: { save_rate: string; save_accept_rate: string; save_reverted: string };
}

const OFFER_LABELS: Record<string, string> = { free_days: 'Free days', promo_code: 'Promo code', pause: 'Pause', message: 'Message from you' };
const STATUS_LABELS: Record<string, string> = { open: 'Cancellation scheduled', saved: 'Saved · holding (30 days)', held: 'Saved · held 30 days', reverted: 'Saved · reverted', lost: 'Cancelled' };
function offerText(r: SavesView['recent'][number]): string {
  if (r.offer_kind === 'free_days' && r.offer_days) return `${r.offer_days} free days`;
  if (r.offer_kind === 'pause' && r.offer_days) return r.pause_resumes_at ? `Pause ${r.offer_days} days (billing resumes ${formatDateTime(r.pause_resumes_at)})` : `Pause ${r.offer_days} days`;
  // The code's own truthful sentence: created, redeemed, expired or not created.
  if (r.offer_kind === 'promo_code') return r.promo ? r.promo.description : 'Promo code (created when the offer is sent)';
  return OFFER_LABELS[r.offer_kind] ?? r.offer_kind;
}

const DELIVERY_LABELS: Record<string, string> = { sent: 'sent', outbox: 'kept in the outbox', skipped: 'not reachable', failed: 'failed', unknown: 'may have been sent', sending: 'sending' };

/** What the offer said on each channel: as sent, or as kept in the outbox while the provider is not set up (offers sent before 0043 kept no text: nothing to show). */
function OfferMessages({ messages }: { messages: SavesView['recent'][number]['messages'] }) {
  return (
    <details data-testid="save-offer-messages">
      <summary className="small">Messages ({messages.map((m) => `${CHANNEL_LABELS[m.channel] ?? m.channel}: ${DELIVERY_LABELS[m.delivery] ?? m.delivery}`).join(', ')})</summary>
      {messages.map((m) => (
        <div key={m.channel} className="stack" data-channel={m.channel}>
          <span className="label">{CHANNEL_LABELS[m.channel] ?? m.channel}</span>
          {m.body === null ? <p className="muted small">Text not kept.</p> : <pre className="code-box draft-text">{m.subject ? `${m.subject}\n\n${m.body}` : m.body}</pre>}
        </div>
      ))}
    </details>
  );
}

/**
 * Saves of scheduled cancellations (issue #15 §2), apart from payment recoveries: offers sent,
 * accepted, held 30 days and reverted, with the save rate over decided cases only.
 */
export function SavesSection({ companyId, windowDays }: { companyId: string; windowDays: number }) {
  const saves = useResource<SavesView>(companyPath(companyId, `/saves?window=${windowDays}`));
  if (saves.error !== undefined && saves.data === undefined) return <ErrorView error={saves.error} title="Could not load the saves" onRetry={saves.reload} />;
  const data = saves.data;
  return (
    <section className="card" aria-labelledby="saves-heading" aria-busy={saves.loading} data-testid="saves">
      <h2 id="saves-heading">Saves (scheduled cancellations)</h2>
      {data === undefined ? (
        <p className="muted">Loading…</p>
      ) : data.treated.cases + data.control.cases === 0 ? (
        <p className="muted" data-testid="saves-none">No member scheduled a cancellation in the last {data.window_days} days.</p>
      ) : (
        <>
          <div className="tiles">
            <div className="tile" data-testid="saves-rate">
              <div className="tile-label">Save rate (held 30 days)</div>
              <div className="tile-value">{rateText(data.treated.save_rate)}</div>
              <div className="tile-note">{rateNote(data.treated.save_rate)}</div>
            </div>
            <div className="tile" data-testid="saves-offers">
              <div className="tile-label">Offers sent</div>
              <div className="tile-value">{formatCount(data.treated.offers_sent)}</div>
              <div className="tile-note">
                {formatCount(data.treated.accepted)} accepted{data.treated.accept_rate !== null && ` (${formatRate(data.treated.accept_rate)})`}
                {data.treated.offers_in_outbox > 0 && ` · ${formatCount(data.treated.offers_in_outbox)} kept in the outbox, not sent`}
              </div>
            </div>
            <div className="tile" data-testid="saves-held">
              <div className="tile-label">Held 30 days / reverted</div>
              <div className="tile-value">
                {formatCount(data.treated.held)} / {formatCount(data.treated.reverted)}
              </div>
              <div className="tile-note">{formatCount(data.treated.deciding)} still deciding · {formatCount(data.treated.lost)} cancelled</div>
            </div>
            <div className="tile" data-testid="saves-control">
              <div className="tile-label">Control group (no offer)</div>
              <div className="tile-value">{data.control.cases === 0 ? '—' : rateText(data.control.save_rate)}</div>
              <div className="tile-note">{data.control.cases === 0 ? 'no held-out member scheduled a cancellation' : rateNote(data.control.save_rate)}</div>
            </div>
            <div className="tile" data-testid="saves-cost">
              <div className="tile-label">Promo codes redeemed (cost)</div>
              <div className="tile-value">{data.offer_cost.length === 0 ? '—' : data.offer_cost.map((c) => formatMoney(c.cost_cents, c.currency ?? 'usd')).join(' · ')}</div>
              <div className="tile-note">
                {data.offer_cost.length === 0 ? 'no code redeemed yet: a code costs nothing until a payment uses it' : `${formatCount(data.offer_cost.reduce((n, c) => n + c.codes_redeemed, 0))} redeemed: the discount × its months`}
              </div>
            </div>
          </div>
          {data.by_offer.length > 0 && (
            <div className="table-wrap">
              <table className="table" data-testid="saves-by-offer">
                <caption className="muted">Save cases by offer (control group excluded)</caption>
                <thead>
                  <tr>
                    <th scope="col">Offer</th>
                    <th scope="col">Cases</th>
                    <th scope="col">Sent</th>
                    <th scope="col">Accepted</th>
                    <th scope="col">Held</th>
                    <th scope="col">Reverted</th>
                    <th scope="col">Still deciding</th>
                  </tr>
                </thead>
                <tbody>
                  {data.by_offer.map((r) => (
                    <tr key={r.offer_kind}>
                      <th scope="row">{OFFER_LABELS[r.offer_kind] ?? r.offer_kind}</th>
                      <td>{formatCount(r.cases)}</td>
                      <td>{formatCount(r.offers_sent)}</td>
                      <td>{formatCount(r.accepted)}</td>
                      <td>{formatCount(r.held)}</td>
                      <td>{formatCount(r.reverted)}</td>
                      <td>{formatCount(r.deciding)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <div className="table-wrap">
            <table className="table" data-testid="saves-recent">
              <caption className="muted">Latest scheduled cancellations</caption>
              <thead>
                <tr>
                  <th scope="col">Scheduled</th>
                  <th scope="col">Membership</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Offer</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {data.recent.map((r) => (
                  <tr key={r.id}>
                    <td>{formatDateTime(r.scheduled_at)}</td>
                    <td>{r.whop_membership_id}</td>
                    <td>{r.cancel_option ?? '—'}</td>
                    <td>
                      {r.holdout ? 'None (control group)' : offerText(r)}
                      {r.messages.some((m) => m.body !== null) && <OfferMessages messages={r.messages} />}
                    </td>
                    <td>
                      {STATUS_LABELS[r.status] ?? r.status}
                      {r.reverted_reason && ` (${r.reverted_reason.replace(/_/g, ' ')})`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted">
            {data.formulas.save_rate} {data.formulas.save_accept_rate} {data.formulas.save_reverted}
          </p>
        </>
      )}
    </section>
  );
}
