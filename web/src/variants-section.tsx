import { useState, type FormEvent } from 'react';
import { api, ApiError, companyPath } from './api.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { formatCount, formatRate } from './format.ts';
import { rateNote, rateText } from './kpi-tiles.tsx';
import { TEMPLATE_PARTS } from './settings-model.ts';
import { CHANNELS, DECLINE_VARIANTS, type Rate, type SettingsProblem } from './types.ts';
import { useResource } from './use-resource.ts';

/**
 * Variant tests (#15 §5): two approved texts of one template side by side. The card shows each
 * variant's recovery rate over decided cases with its 95 % interval, what the plan still needs,
 * and lets the creator keep one; the setup form (settings page) starts a test with B's text,
 * typed or drafted by the AI and read first. Starting and keeping are settings changes.
 */

type Channel = (typeof CHANNELS)[number];

interface VariantFigures {
  cases: number;
  decided: number;
  deciding: number;
  recovered: number;
  rate: Rate;
  interval: { lower: number; upper: number } | null;
}

type VariantTestView =
  | { running: false; settings_version: number; formula: string; formulas_url: string }
  | {
      running: true;
      settings_version: number;
      test: { started_version: number; channel: Channel; step: number | null; decline_variant: string; texts: { a: Record<string, string>; b: Record<string, string> } };
      a: VariantFigures;
      b: VariantFigures;
      difference: { estimate: number | null; lower: number | null; upper: number | null };
      planned_decided: number;
      more_decided_needed: number;
      state: 'measuring' | 'b_better' | 'a_better' | 'no_clear_difference';
      formula: string;
      formulas_url: string;
    };

const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} pts`;
const stepName = (step: number | null) => (step === null ? 'every reminder' : `reminder ${step + 1}`);
const reasonName = (variant: string) => variant.replace(/_/g, ' ');

/** What the figures say, in words that never overstate. */
function verdictOf(view: Extract<VariantTestView, { running: true }>): string {
  if (view.state === 'measuring') return `Measuring: ${formatCount(view.more_decided_needed)} more decided cases needed (planned ${formatCount(view.planned_decided)}). Until then neither text is called better.`;
  if (view.state === 'b_better') return 'Decided: variant B recovers more, and the 95 % interval of the difference excludes 0.';
  if (view.state === 'a_better') return 'Decided: variant A (today’s text) recovers more, and the 95 % interval of the difference excludes 0.';
  return 'Decided: no clear difference (the 95 % interval of the difference includes 0). Either text may be kept.';
}

function VariantTile({ label, figures, testId }: { label: string; figures: VariantFigures; testId: string }) {
  return (
    <div className="tile" data-testid={testId}>
      <div className="tile-label">{label}</div>
      <div className="tile-value">{rateText(figures.rate)}</div>
      <div className="tile-note">{rateNote(figures.rate)}</div>
      <div className="tile-note">
        {figures.interval === null ? 'no interval until a case is decided' : `95 % interval ${formatRate(figures.interval.lower)} to ${formatRate(figures.interval.upper)}`}
      </div>
    </div>
  );
}

/** The running test's figures and the keep buttons; nothing when no test runs. */
export function VariantTestCard({ companyId, onChanged }: { companyId: string; onChanged?: () => void }) {
  const resource = useResource<VariantTestView>(companyPath(companyId, '/variant-test'));
  const [keeping, setKeeping] = useState<'a' | 'b' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const view = resource.data;
  if (view === undefined || !view.running) return null;

  async function keep(winner: 'a' | 'b') {
    if (!view?.running) return;
    setBusy(true);
    setError(null);
    try {
      await api.post(companyPath(companyId, '/variant-test/keep'), { winner, started_version: view.test.started_version });
      setKeeping(null);
      resource.reload();
      onChanged?.();
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Could not keep the variant.');
    } finally {
      setBusy(false);
    }
  }

  const { test, difference } = view;
  return (
    <section className="card" aria-labelledby="variant-test-heading" data-testid="variant-test">
      <h2 id="variant-test-heading">Variant test: {test.channel} · {stepName(test.step)} · {reasonName(test.decline_variant)}</h2>
      <p className="muted small">{view.formula}</p>
      <div className="tiles">
        <VariantTile label="A: today’s text" figures={view.a} testId="variant-a" />
        <VariantTile label="B: the new text" figures={view.b} testId="variant-b" />
        <div className="tile" data-testid="variant-difference">
          <div className="tile-label">B − A</div>
          <div className="tile-value">{difference.estimate === null ? '—' : points(difference.estimate)}</div>
          <div className="tile-note">
            {difference.lower === null || difference.upper === null ? 'needs decided cases in both variants' : `95 % interval ${points(difference.lower)} to ${points(difference.upper)}`}
          </div>
        </div>
      </div>
      <p className="message" data-testid="variant-verdict">
        {verdictOf(view)}
      </p>
      <details>
        <summary>Show both texts</summary>
        <div className="grid-2">
          {(['a', 'b'] as const).map((v) => (
            <div key={v}>
              <strong>{v.toUpperCase()}</strong>
              {Object.entries(test.texts[v]).map(([part, text]) => (
                <pre key={part} className="code-box" data-testid={`variant-text-${v}-${part}`}>
                  {text}
                </pre>
              ))}
            </div>
          ))}
        </div>
      </details>
      <div className="save-buttons">
        <button type="button" className="button" data-testid="variant-keep-a" onClick={() => setKeeping('a')}>
          Keep A, end the test
        </button>
        <button type="button" className="button button-primary" data-testid="variant-keep-b" onClick={() => setKeeping('b')}>
          Keep B as the template
        </button>
      </div>
      {error !== null && <p className="message message-error">{error}</p>}
      <ConfirmDialog
        open={keeping !== null}
        title={keeping === 'b' ? 'Keep variant B?' : 'Keep variant A?'}
        confirmLabel={keeping === 'b' ? 'Make B the template' : 'Keep A'}
        busy={busy}
        onConfirm={() => void keep(keeping!)}
        onCancel={() => setKeeping(null)}
      >
        <p>
          {keeping === 'b' ? 'B’s text becomes the template for new cases and the test ends.' : 'Today’s text stays and the test ends.'}{' '}
          {view.state === 'measuring' && 'The test has not reached its planned size: the figures are interim. '}
          Cases already in the test keep the text they were getting. This is saved as a new settings version.
        </p>
      </ConfirmDialog>
    </section>
  );
}

/**
 * The settings page's section: the running test (as on the overview), or a form to start one.
 * `blocked` names why starting is off (unsaved settings: the page reloads after a test starts).
 */
export function VariantTestSection({ companyId, reminders, aiAvailable, blocked, onChanged }: { companyId: string; reminders: number; aiAvailable: boolean; blocked: string | null; onChanged: () => void }) {
  const resource = useResource<VariantTestView>(companyPath(companyId, '/variant-test'));
  if (resource.data === undefined) return null;
  if (resource.data.running) return <VariantTestCard companyId={companyId} onChanged={onChanged} />;
  return <StartVariantTestForm companyId={companyId} reminders={reminders} aiAvailable={aiAvailable} blocked={blocked} onStarted={onChanged} />;
}

function StartVariantTestForm({ companyId, reminders, aiAvailable, blocked, onStarted }: { companyId: string; reminders: number; aiAvailable: boolean; blocked: string | null; onStarted: () => void }) {
  const [channel, setChannel] = useState<Channel>('email');
  const [step, setStep] = useState<string>('0');
  const [declineVariant, setDeclineVariant] = useState<string>('generic');
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<SettingsProblem[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const parts = TEMPLATE_PARTS[channel];

  async function draft() {
    setBusy(true);
    setMessage(null);
    try {
      let brief = { product: '', tone: '', language: '' };
      try {
        brief = { ...brief, ...(JSON.parse(window.localStorage.getItem(`churn-saver:ai-brief:${companyId}`) ?? '{}') as object) };
      } catch {}
      if (brief.product.trim() === '') {
        setMessage('Describe the product in the AI brief above first.');
        return;
      }
      const answer = await api.post<{ draft: Record<string, string> }>(companyPath(companyId, '/settings/drafts'), { channel, step: step === 'all' ? null : Number(step), variant: declineVariant, brief });
      setTexts(answer.draft);
      setMessage('Drafted. Read it, edit it if you like: nothing is sent until you start the test.');
    } catch (e) {
      setMessage(e instanceof Error ? e.message : 'Could not draft.');
    } finally {
      setBusy(false);
    }
  }

  async function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setProblems([]);
    setMessage(null);
    try {
      const b = Object.fromEntries(parts.map((part) => [part, texts[part] ?? '']));
      await api.post(companyPath(companyId, '/variant-test'), { channel, step: step === 'all' ? null : Number(step), decline_variant: declineVariant, b });
      onStarted();
    } catch (e) {
      if (e instanceof ApiError && e.problems.length > 0) setProblems(e.problems);
      else setMessage(e instanceof Error ? e.message : 'Could not start the test.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="variant-start-heading" data-testid="variant-start">
      {/* Collapsed, as the templates are: the settings page stays a few screens long. */}
      <details>
      <summary>
        <h2 id="variant-start-heading">Test a second text</h2>
      </summary>
      <p className="muted">
        Run a new text (B) beside today’s (A) for one message. New cases are split at random, half and half, and each member keeps their variant on every case; the
        control group gets neither. The dashboard compares the two recovery rates, and you keep the better one.
      </p>
      <form className="stack" onSubmit={start} aria-label="Start a variant test">
        <div className="grid-2">
          <label className="field">
            <span className="label">Channel</span>
            <select value={channel} onChange={(e) => setChannel(e.target.value as Channel)} data-testid="variant-channel">
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="label">Reminder</span>
            <select value={step} onChange={(e) => setStep(e.target.value)} data-testid="variant-step">
              <option value="all">every reminder</option>
              {Array.from({ length: reminders }, (_, i) => (
                <option key={i} value={String(i)}>
                  reminder {i + 1}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="label">Decline reason</span>
            <select value={declineVariant} onChange={(e) => setDeclineVariant(e.target.value)} data-testid="variant-decline">
              {DECLINE_VARIANTS.map((v) => (
                <option key={v} value={v}>
                  {reasonName(v)}
                </option>
              ))}
            </select>
          </label>
        </div>
        {parts.map((part) => (
          <label key={part} className="field">
            <span className="label">Variant B: {part}</span>
            <textarea
              rows={part === 'body' ? 6 : 1}
              value={texts[part] ?? ''}
              onChange={(e) => setTexts({ ...texts, [part]: e.target.value })}
              data-testid={`variant-b-${part}`}
              placeholder={part === 'body' ? 'Must contain {manage_url}' : ''}
            />
            {problems
              .filter((p) => p.field === `variant_test.b.${part}`)
              .map((p, i) => (
                <span key={i} className="field-error">
                  {p.message}
                </span>
              ))}
          </label>
        ))}
        {problems
          .filter((p) => !parts.some((part) => p.field === `variant_test.b.${part}`))
          .map((p, i) => (
            <p key={i} className="message message-error">
              {p.field}: {p.message}
            </p>
          ))}
        {message !== null && <p className="message" data-testid="variant-message">{message}</p>}
        {blocked !== null && <p className="muted">{blocked}</p>}
        <div className="save-buttons">
          {aiAvailable && (
            <button type="button" className="button" onClick={() => void draft()} disabled={busy}>
              Draft B with AI
            </button>
          )}
          <button type="submit" className="button button-primary" data-testid="variant-start-submit" disabled={busy || blocked !== null}>
            Approve B and start the test
          </button>
        </div>
      </form>
      </details>
    </section>
  );
}
