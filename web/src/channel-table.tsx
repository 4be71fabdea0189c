import { CHANNEL_LABELS, formatCount } from './format.ts';
import type { Kpis } from './types.ts';

/** Per channel: messages sent, kept in the outbox (never called sent), counted clicks, recoveries credited. */
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
              <abbr title="Clicks by members on the link; link scanners and previews are not counted">Clicks</abbr>
            </th>
            <th scope="col" className="num">
              <abbr title="Recoveries credited to this channel: the last clicked, else the last delivered message before the payment">Recovered (credited)</abbr>
            </th>
          </tr>
        </thead>
        <tbody>
          {channels.map((c) => (
            <tr key={c.channel} data-testid={`channel-${c.channel}`}>
              <th scope="row">{CHANNEL_LABELS[c.channel] ?? c.channel}</th>
              <td className="num">{formatCount(c.sent)}</td>
              <td className="num">{formatCount(c.outbox)}</td>
              <td className="num">{formatCount(c.clicks)}</td>
              <td className="num">{formatCount(c.recovered)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
