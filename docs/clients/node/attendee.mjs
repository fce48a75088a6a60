#!/usr/bin/env node
// The attendee flow in Node 20: register (or log in), read the event, give biometric consent, join,
// upload a selfie and wait for its verdict, list the photos page by page, buy some, pay, wait for
// the purchase to be paid, download a bought photo.
//
//   WAIRO_EMAIL=guest@example.com WAIRO_PASSWORD=... WAIRO_PROJECT_ID=... \
//   WAIRO_SELFIE=me.jpg node docs/clients/node/attendee.mjs
//
// Payment: Stripe.js (confirmCardPayment) runs in browsers only, so this example confirms the
// PaymentIntent itself through the fake Stripe's REST API (localstripe, as `make up` and the tests
// run it; ./localstripe.mjs): a PaymentMethod for the test card 4242 4242 4242 4242, attached and
// confirmed with the Stripe *secret* key, which a real client never holds (../browser/app.mjs shows
// the production path). localstripe then sends the signed webhook that marks the purchase paid,
// exactly as Stripe does. WAIRO_STRIPE_URL and WAIRO_STRIPE_SECRET_KEY point it elsewhere.
//
// The last line of stdout is a JSON summary of what happened (ids, statuses, bytes downloaded).
import {createHash} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {basename} from 'node:path';
import {env, exit} from 'node:process';

import {AttendeeClient, contentTypeOf} from '../wairo.mjs';
import {required} from './env.mjs';
import {confirmWithTestCard} from './localstripe.mjs';

const client = new AttendeeClient({
  mainUrl: env.WAIRO_MAIN_URL ?? 'http://127.0.0.1:3002',
  mediaUrl: env.WAIRO_MEDIA_URL ?? 'http://127.0.0.1:3003',
});
const projectId = required('WAIRO_PROJECT_ID');
const selfiePath = required('WAIRO_SELFIE');
const email = required('WAIRO_EMAIL');
const buyCount = Number(env.WAIRO_BUY_COUNT ?? 2);
const pageSize = Number(env.WAIRO_PAGE_SIZE ?? 50);

await client.registerOrLogin({name: env.WAIRO_NAME ?? 'Guest', email, password: required('WAIRO_PASSWORD')});
console.log(`signed in as ${email}`);

const event = await client.publicProject(projectId);
const terms = await client.terms(projectId);
console.log(`event: ${event.name}; terms ${terms ? `version ${terms.version}` : ': platform default'}`);

const consent = await client.giveBiometricConsent(env.WAIRO_CONSENT_VERSION ?? '2024-01');
console.log(`biometric consent ${consent.consentVersion} given`);

const joined = await client.joinOnce(projectId);
console.log(joined ? `joined (member ${joined.projectMemberId})` : 'already a member');

const selfieBytes = await readFile(selfiePath);
const {selfieId} = await client.uploadSelfie(selfieBytes, contentTypeOf(basename(selfiePath)));
console.log(`selfie ${selfieId} uploaded`);
const selfie = await client.waitForSelfie({timeoutMs: 180_000});
console.log(`selfie ${selfie.status}${selfie.rejectionReason ? ` (${selfie.rejectionReason})` : ''}`);

// Matching runs in the background after an approved selfie; the list shows tagged photos first.
let pages = 0;
const photos = [];
let cursor = null;
do {
  const page = await client.photosPage({limit: pageSize, cursor});
  photos.push(...page.photos);
  cursor = page.nextCursor;
  pages += 1;
} while (cursor);
const tagged = photos.filter((p) => p.tagged);
console.log(`${photos.length} photos in ${pages} pages, ${tagged.length} with me in them`);

const chosen = [...tagged, ...photos.filter((p) => !p.tagged && !p.hasPurchase)].slice(0, buyCount);
if (chosen.length === 0) {
  console.error('no photo to buy');
  exit(1);
}
const order = await client.checkout({
  projectId,
  photoIds: chosen.map((p) => p.id),
  ...(env.WAIRO_PROMO_CODE ? {promoCode: env.WAIRO_PROMO_CODE} : {}),
});
console.log(
  `purchase ${order.purchaseId}: subtotal ${order.subtotalCents}, discount ${order.discountAppliedCents}, ` +
    `total ${order.totalCents} cents`,
);
const paymentIntentId = order.clientSecret ? await confirmWithTestCard(order.clientSecret) : null;
if (paymentIntentId) console.log(`PaymentIntent ${paymentIntentId} confirmed with the test card`);
const purchase = await client.waitForPurchase(order.purchaseId, {timeoutMs: 60_000});
console.log(`purchase ${purchase.status}`);

const {downloadUrl, expiresInSeconds} = await client.downloadUrl(chosen[0].id);
const file = await fetch(downloadUrl);
if (!file.ok) throw new Error(`download answered ${file.status}`);
const bytes = new Uint8Array(await file.arrayBuffer());
console.log(`downloaded photo ${chosen[0].id}: ${bytes.length} bytes (link valid ${expiresInSeconds} s)`);

console.log(
  JSON.stringify({
    email,
    projectId,
    selfieId,
    selfieStatus: selfie.status,
    photosListed: photos.length,
    pages,
    tagged: tagged.length,
    purchaseId: order.purchaseId,
    photoIds: chosen.map((p) => p.id),
    totalCents: order.totalCents,
    paymentIntentId,
    purchaseStatus: purchase.status,
    downloadedPhotoId: chosen[0].id,
    downloadBytes: bytes.length,
    downloadSha256: createHash('sha256').update(bytes).digest('hex'),
  }),
);
exit(purchase.status === 'paid' ? 0 : 1);
