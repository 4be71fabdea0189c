import { formatDateTime } from './format.ts';
import { buildTimeline } from './timeline-items.ts';
import type { CaseDetail } from './types.ts';

/** The case's history, oldest first: what happened, when, and who did it. */
export function Timeline({ detail }: { detail: CaseDetail }) {
  const items = buildTimeline(detail);
  if (items.length === 0) return <p className="muted" data-testid="timeline">Nothing has happened on this case yet.</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {items.map((item) => (
        <li key={item.key} className={`timeline-item timeline-${item.tone}`} data-testid="timeline-item" data-kind={item.kind}>
          <span className="timeline-dot" aria-hidden="true" />
          <div className="timeline-body">
            <div className="timeline-head">
              <strong className="timeline-title">{item.title}</strong>
              <span className="timeline-meta">
                {item.at === null ? <span>{item.kind === 'incentive' ? 'not granted' : 'no time recorded'}</span> : <time dateTime={item.at}>{formatDateTime(item.at)}</time>}
                <span aria-hidden="true"> · </span>
                <span>by {item.actor}</span>
              </span>
            </div>
            {item.notes.map((note, i) => (
              <div key={i} className="timeline-note">
                {note}
              </div>
            ))}
            {item.message && (
              <details className="timeline-message">
                <summary>Show the message</summary>
                {item.message.subject && (
                  <p>
                    <strong>{item.message.subject}</strong>
                  </p>
                )}
                {item.message.body && <pre className="message-body">{item.message.body}</pre>}
              </details>
            )}
          </div>
        </li>
      ))}
    </ol>
  );
}
