-- What a refund, a repair or a chargeback needs to know about a payment.

-- The days a payment bought: a tariff's or an admin's grant differ from the plan's. A refund
-- takes back exactly these, and a repair gives exactly these. NULL (older rows) means the plan's.
ALTER TABLE payments ADD COLUMN days INTEGER CHECK (days > 0);
UPDATE payments SET days = CASE WHEN raw_event->>'days' ~ '^[0-9]{1,9}$' THEN nullif((raw_event->>'days')::int, 0) END
 WHERE provider = 'admin_grant';
UPDATE payments p SET days = t.days
  FROM subscription_tokens s JOIN tariffs t ON t.name = s.tariff
 WHERE p.provider = 'admin_token' AND s.token = p.external_id AND t.days > 0;

-- The id a provider's refunds and disputes name (Stripe's payment intent). A Checkout Session
-- for a subscription has none: it is learnt from the subscription's first invoice.
ALTER TABLE payments ADD COLUMN charge_ref TEXT;
UPDATE payments SET charge_ref = raw_event->>'payment_intent' WHERE provider = 'stripe';
CREATE INDEX payments_charge_ref_idx ON payments (provider, charge_ref) WHERE charge_ref IS NOT NULL;

-- An event may link two ids (a subscription's first invoice: subscription → payment intent),
-- kept for a payment that arrives after it; and a refund keeps how much it gave back, so one
-- that arrives before its payment can still tell a partial refund from a full one.
ALTER TABLE provider_events ADD COLUMN subject TEXT, ADD COLUMN amount BIGINT;
CREATE INDEX provider_events_subject_idx ON provider_events (provider, subject) WHERE subject IS NOT NULL;
-- A subscription's first invoice finds its Checkout Session's payment by the subscription.
CREATE INDEX payments_stripe_subscription_idx ON payments ((raw_event->>'subscription')) WHERE provider = 'stripe';
