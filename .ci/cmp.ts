import { composeSaveOffer as oldC } from './old-save-offer.ts';
import { composeSaveOffer as newC } from '../src/domain/save-offer.ts';
let n = 0, bad = 0;
for (const offer of [{ kind: 'free_days', days: 7 }, { kind: 'pause', days: 30 }, { kind: 'promo_code', days: null }, { kind: 'message', days: null }] as const)
  for (const promo of [null, { code: 'SAVE-1', offer: '20 % off for 3 months' }])
    for (const message of [null, 'We ship <b>{x}</b> Friday.'])
      for (const companyName of [null, 'Tom & <Jerry>'])
        for (const productTitle of [null, 'Pro'])
          for (const unsubscribeUrl of [null, 'https://x.test/u']) {
            const input = { offer, promo, message, companyName, productTitle, linkFor: (c: string) => `https://x.test/r?c=${c}`, unsubscribeUrl };
            const a = oldC(input as never), b = newC(input as never);
            n++;
            for (const k of ['push', 'dm', 'page'] as const) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) { bad++; console.log(k, a[k], b[k]); }
            if (a.email.subject !== b.email.subject || a.email.text !== b.email.text) { bad++; console.log('email', a.email, b.email); }
          }
console.log(n, 'cases', bad, 'differences');
