#!/usr/bin/env node
// Test mode only: confirm a purchase's PaymentIntent with the test card through the fake Stripe's
// REST API (localstripe, which `make up` and the tests run), as tests and the demo do.
//
// Stripe.js (`confirmCardPayment`) runs in browsers only, and localstripe's stand-in for it only
// completes the 3-D Secure step of an intent already confirmed, so a Node client (or a browser page
// against `make up`) confirms here instead: a card PaymentMethod for 4242 4242 4242 4242, attached to
// the PaymentIntent, then confirmed, with the Stripe *secret* key. A real client never holds that
// key; localstripe then sends the signed `payment_intent.succeeded` webhook that marks the purchase
// paid, exactly as Stripe does.
//
//   node docs/clients/node/localstripe.mjs pi_..._secret_...    # WAIRO_STRIPE_URL, WAIRO_STRIPE_SECRET_KEY
import {argv, env, exit} from 'node:process';
import {pathToFileURL} from 'node:url';

const TEST_CARD = {number: '4242424242424242', exp_month: '12', exp_year: '2034', cvc: '123'};

/**
 * Confirm the PaymentIntent of `clientSecret` with the test card.
 * @param {string} clientSecret  `POST /v1/purchases`' clientSecret
 * @param {{stripeUrl?: string, secretKey?: string}} [options]  localstripe's address and the stack's key
 * @returns {Promise<string>} the PaymentIntent's id
 */
export async function confirmWithTestCard(
  clientSecret,
  {stripeUrl = env.WAIRO_STRIPE_URL ?? 'http://127.0.0.1:8420', secretKey = env.WAIRO_STRIPE_SECRET_KEY ?? 'sk_test_wairo_dev'} = {},
) {
  const intentId = clientSecret.split('_secret_')[0];
  /** @param {string} path @param {Record<string, string>} [form] */
  const post = async (path, form = {}) => {
    const response = await fetch(stripeUrl + path, {
      method: 'POST',
      headers: {Authorization: `Bearer ${secretKey}`, 'Content-Type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams(form),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`Stripe ${path}: ${response.status} ${JSON.stringify(body.error)}`);
    return body;
  };
  const card = Object.fromEntries(Object.entries(TEST_CARD).map(([k, v]) => [`card[${k}]`, v]));
  const method = await post('/v1/payment_methods', {type: 'card', ...card});
  await post(`/v1/payment_intents/${intentId}`, {payment_method: method.id});
  const intent = await post(`/v1/payment_intents/${intentId}/confirm`);
  if (intent.status !== 'succeeded') throw new Error(`PaymentIntent ${intentId} is ${intent.status}`);
  return intentId;
}

if (argv[1] && import.meta.url === pathToFileURL(argv[1]).href) {
  if (!argv[2]) {
    console.error('usage: node localstripe.mjs CLIENT_SECRET');
    exit(2);
  }
  console.log(`confirmed ${await confirmWithTestCard(argv[2])}`);
}
