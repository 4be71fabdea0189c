/**
 * Which requests to a tracked link count as a member's click. Mail security scanners and chat
 * link previews fetch every link in a message, often within seconds of delivery; counting them
 * would credit a nudge with a "click" no one made. Told apart as well as is practical: HEAD
 * requests, known scanner and preview user agents, and an email click within seconds of delivery.
 */
export type ClickVerdict = { counted: true } | { counted: false; why: 'head_request' | 'bot_user_agent' | 'too_soon_after_delivery' | 'no_user_agent' };

/** A human opening an email and clicking takes longer than this; scanners are faster. */
export const EMAIL_SCANNER_SECONDS = 10;

const BOT_USER_AGENTS =
  /bot\b|crawler|spider|slurp|preview|scanner|facebookexternalhit|slackbot|discordbot|telegrambot|whatsapp|skypeuripreview|googleimageproxy|ms-office|microsoft office|outlook-ios-linkpreview|safelinks|barracuda|mimecast|proofpoint|symantec|forcepoint|trendmicro|headlesschrome|phantomjs|python-requests|python-urllib|curl\/|wget\/|go-http-client|java\/|okhttp|axios|node-fetch|undici|libwww|httpclient/i;

export function classifyClick(input: { method: string; userAgent: string | null | undefined; channel: string; at: Date; deliveredAt: Date | null }): ClickVerdict {
  if (input.method.toUpperCase() === 'HEAD') return { counted: false, why: 'head_request' };
  const ua = input.userAgent?.trim() ?? '';
  if (ua === '') return { counted: false, why: 'no_user_agent' };
  if (BOT_USER_AGENTS.test(ua)) return { counted: false, why: 'bot_user_agent' };
  if (input.channel === 'email' && input.deliveredAt && input.at.getTime() - input.deliveredAt.getTime() < EMAIL_SCANNER_SECONDS * 1000)
    return { counted: false, why: 'too_soon_after_delivery' };
  return { counted: true };
}
