"""Purchases: price resolution, discounts and promo codes, Stripe PaymentIntents and webhooks."""
