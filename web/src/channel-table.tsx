import { CHANNEL_LABELS, formatCount } from './format.ts';
import type { Kpis } from './types.ts';

/** Messages sent (and kept in the outbox, never called sent) and cases recovered per channel. */
export function ChannelTable({ channels }: { channels: Kpis['by_channel'] }) {
  if (channels.length === 0) return <p className="muted">No messages sent in this window.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="channel-table">
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col" className="num">
              Sent
            </th>
            <th scope="col" className="num">
              <abbr title="Kept with its text, not sent: the provider is not configured">In the outbox</abbr>
            </th>
            <th scope="col" className="num">
              Recovered cases
            </th>
          </tr>
        </thead>
        <tbody>
          {channels.map((c) => (
            <tr key={c.channel}>
              <th scope="row">{CHANNEL_LABELS[c.channel] ?? c.channel}</th>
              <td className="num">{formatCount(c.sent)}</td>
              <td className="num">{formatCount(c.outbox)}</td>
              <td className="num">{formatCount(c.recovered_cases)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
