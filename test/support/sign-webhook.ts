import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Signs like Whop does: Standard Webhooks with the UTF-8 bytes of the whole ws_… secret as key. */
export function signV1(body: string, secret: string, options: { id?: string; at?: Date } = {}): Record<string, string> {
  const id = options.id ?? `msg_${randomBytes(12).toString('hex')}`;
  const at = options.at ?? new Date();
  const signature = new Webhook(Buffer.from(secret, 'utf8').toString('base64')).sign(id, at, body);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

/** Legacy v5: x-whop-signature t=<seconds>,v1=<hex HMAC of "t.body">. */
export function signV5(body: string, secret: string, at = new Date()): Record<string, string> {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${t}.${body}`).digest('hex');
  return { 'content-type': 'application/json', 'x-whop-signature': `t=${t},v1=${v1}` };
}

export function newWebhookSecret(): string {
  return `ws_${randomBytes(32).toString('hex')}`;
}
