// The attendee flow in a browser page (index.html), with ../wairo.mjs for the Wairo calls and
// Stripe.js for the payment: account, terms and biometric consent, join, selfie from the camera
// (`capture="user"`), photos page by page, checkout, card payment (`confirmCardPayment` with a Card
// Element), downloads. An example of the calls, not the product's web app.
//
// Served from http://localhost:3000 (the APIs' default CORS origin), e.g.
//   python3 -m http.server 3000 --directory docs/clients   →   http://localhost:3000/browser/?project=ID&key=pk_test_...
import {ApiError, AttendeeClient} from '../wairo.mjs';

const OFFICIAL_STRIPE_JS = 'https://js.stripe.com/v3/';
const PAGE_SIZE = 24;

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const settingsForm = /** @type {HTMLFormElement} */ ($('settings'));

/** @type {AttendeeClient} */
let client;
/** @type {string} */
let projectId;
/** @type {string | null} */
let nextCursor = null;
/** @type {any} */
let stripe = null;
/** @type {any} */
let card = null;
/** @type {{purchaseId: string, clientSecret: string, photoIds: string[]} | null} */
let pending = null;

// ?project=&key=&stripe=&main=&media= fill the settings (a join link can carry the project).
const params = new URLSearchParams(location.search);
for (const [field, param] of [
  ['projectId', 'project'],
  ['publishableKey', 'key'],
  ['stripeJsUrl', 'stripe'],
  ['mainUrl', 'main'],
  ['mediaUrl', 'media'],
]) {
  const value = params.get(param);
  if (value) /** @type {HTMLInputElement} */ (settingsForm.elements.namedItem(field)).value = value;
}

/** @returns {Record<string, string>} */
function settings() {
  return /** @type {Record<string, string>} */ (Object.fromEntries(new FormData(settingsForm)));
}

/** @param {string} message */
function log(message) {
  $('log').textContent += `${message}\n`;
}

/** @param {unknown} error */
function explain(error) {
  if (error instanceof ApiError) return `${error.code}: ${error.message} (request ${error.requestId})`;
  return error instanceof Error ? error.message : String(error);
}

/** @param {string} id */
function show(id) {
  $(id).hidden = false;
}

/**
 * Run `handler` on the form's submit, its button disabled meanwhile; errors go to the log.
 * @param {string} id
 * @param {(data: FormData) => Promise<void>} handler
 */
function onSubmit(id, handler) {
  const form = /** @type {HTMLFormElement} */ ($(id));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => (b.disabled = true));
    try {
      await handler(new FormData(form));
    } catch (error) {
      log(`error: ${explain(error)}`);
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  });
}

onSubmit('account', async (data) => {
  if (!settingsForm.reportValidity()) return;
  const s = settings();
  client = new AttendeeClient({mainUrl: s.mainUrl, mediaUrl: s.mediaUrl});
  projectId = s.projectId;
  const email = String(data.get('email'));
  await client.registerOrLogin({name: String(data.get('name')), email, password: String(data.get('password'))});
  log(`signed in as ${email}`);
  const event = await client.publicProject(projectId);
  $('event-name').textContent = event.name;
  const terms = await client.terms(projectId);
  $('terms').textContent = terms ? terms.content : "The platform's default terms apply.";
  show('join');
});

onSubmit('join', async () => {
  const consent = await client.giveBiometricConsent(String($('consent-version').textContent));
  log(`biometric consent ${consent.consentVersion} given`);
  const joined = await client.joinOnce(projectId);
  log(joined ? `joined (member ${joined.projectMemberId})` : 'already a member');
  show('selfie-step');
  show('photos-step');
  await loadPhotos(true);
});

const selfieInput = /** @type {HTMLInputElement} */ ($('selfie'));
selfieInput.addEventListener('change', async () => {
  const file = selfieInput.files?.[0];
  if (!file) return;
  const status = $('selfie-status');
  try {
    status.textContent = 'uploading…';
    await client.uploadSelfie(file); // upload URL → PUT of the file's bytes → complete
    status.textContent = 'checking your selfie…';
    const selfie = await client.waitForSelfie();
    status.textContent =
      selfie.status === 'approved' ? 'approved: finding your photos' : `rejected (${selfie.rejectionReason}): try another`;
    // Matching runs in the background after an approval; the list shows tagged photos first.
    if (selfie.status === 'approved') setTimeout(() => loadPhotos(true).catch((e) => log(explain(e))), 3000);
  } catch (error) {
    status.textContent = explain(error);
  }
});

/** @param {boolean} fromStart */
async function loadPhotos(fromStart) {
  const list = $('photos');
  if (fromStart) list.replaceChildren();
  const page = await client.photosPage({limit: PAGE_SIZE, cursor: fromStart ? null : nextCursor});
  for (const photo of page.photos) {
    const item = document.createElement('li');
    const label = document.createElement('label');
    const box = Object.assign(document.createElement('input'), {type: 'checkbox', name: 'photo', value: photo.id});
    const image = Object.assign(document.createElement('img'), {src: photo.thumbnailUrl ?? '', alt: '', width: 200});
    const flags = [photo.tagged && 'you are in it', photo.hasPurchase && 'bought'].filter(Boolean).join(', ');
    label.append(box, image, flags);
    item.append(label);
    list.append(item);
  }
  nextCursor = page.nextCursor;
  $('more').hidden = !nextCursor;
}
$('more').addEventListener('click', () => loadPhotos(false).catch((error) => log(explain(error))));

/**
 * Stripe.js from the configured URL (Stripe's own in production; localstripe's stand-in with `make up`).
 * @param {string} url
 * @param {string} publishableKey
 */
async function loadStripe(url, publishableKey) {
  if (!('Stripe' in globalThis)) {
    await new Promise((resolve, reject) => {
      const script = Object.assign(document.createElement('script'), {src: url});
      script.addEventListener('load', resolve);
      script.addEventListener('error', () => reject(new Error(`could not load Stripe.js from ${url}`)));
      document.head.append(script);
    });
  }
  return /** @type {any} */ (globalThis).Stripe(publishableKey);
}

onSubmit('photos-step', async (data) => {
  const photoIds = data.getAll('photo').map(String);
  if (photoIds.length === 0) return log('select the photos to buy');
  const promoCode = String(data.get('promoCode') ?? '').trim();
  const order = await client.checkout({projectId, photoIds, ...(promoCode ? {promoCode} : {})});
  log(`purchase ${order.purchaseId}: ${order.totalCents} cents (discount ${order.discountAppliedCents})`);
  // However the payment gets confirmed (Stripe.js below, or at once when free), this follows it.
  const paid = waitAndDownload(order.purchaseId, photoIds).catch((error) => log(`error: ${explain(error)}`));
  if (!order.clientSecret) return paid; // free after the discount: paid at once, no PaymentIntent
  const s = settings();
  if (!s.publishableKey) throw new Error('set the Stripe publishable key in the settings, then buy again');
  stripe ??= await loadStripe(s.stripeJsUrl, s.publishableKey);
  if (!card) {
    card = stripe.elements().create('card');
    card.mount('#card');
  }
  pending = {purchaseId: order.purchaseId, clientSecret: order.clientSecret, photoIds};
  $('amount').textContent = `${(order.totalCents / 100).toFixed(2)}`;
  show('pay-step');
});

onSubmit('pay-step', async () => {
  if (!pending) return;
  const status = $('pay-status');
  // The production path: Stripe.js collects the card in its Element and confirms the PaymentIntent;
  // Stripe's webhook then marks the purchase paid on the server.
  const result = await stripe.confirmCardPayment(pending.clientSecret, {payment_method: {card}});
  if (!result.error) {
    status.textContent = 'payment confirmed, waiting for the purchase to be paid…';
    return;
  }
  status.textContent = result.error.message ?? 'the payment failed';
  if (settings().stripeJsUrl !== OFFICIAL_STRIPE_JS) {
    // localstripe's Stripe.js stand-in cannot attach a card to an intent (README.md).
    status.textContent += ` · with localstripe, confirm from a terminal: node docs/clients/node/localstripe.mjs ${pending.clientSecret}`;
  }
});

/**
 * Wait (up to 15 minutes) for the purchase to be paid, then list its downloads.
 * @param {string} purchaseId
 * @param {string[]} photoIds
 */
async function waitAndDownload(purchaseId, photoIds) {
  const purchase = await client.waitForPurchase(purchaseId, {intervalMs: 2000, timeoutMs: 15 * 60_000});
  log(`purchase ${purchase.status}`);
  if (purchase.status !== 'paid') return;
  $('pay-step').hidden = true;
  show('downloads-step');
  for (const photoId of photoIds) {
    const {downloadUrl} = await client.downloadUrl(photoId); // presigned, 15 minutes
    const link = Object.assign(document.createElement('a'), {href: downloadUrl, textContent: `photo ${photoId}`});
    const item = document.createElement('li');
    item.append(link);
    $('downloads').append(item);
  }
}
