-- Revenue, for the dashboard: plain views over payments, subscriptions and invoices.

-- Money received per day, by provider and currency (amounts in the currency's smallest unit:
-- stars for XTR, cents for EUR). Refunded payments are not revenue.
CREATE VIEW revenue_daily AS
SELECT (created_at AT TIME ZONE 'UTC')::DATE AS day, provider, currency,
       count(*) AS payments, sum(amount)::BIGINT AS amount
FROM payments WHERE status = 'paid'
GROUP BY 1, 2, 3;

-- Subscribers with access now, by plan.
CREATE VIEW active_subscribers AS
SELECT plan, provider, count(*) AS subscribers
FROM user_subscriptions WHERE status = 'active' AND expires_at > now()
GROUP BY 1, 2;

-- Monthly recurring revenue: each active subscriber's latest paid payment, by currency. Every
-- plan on sale is monthly; an admin token counts at its face value.
CREATE VIEW mrr AS
SELECT p.currency, sum(p.amount)::BIGINT AS amount, count(*) AS subscribers
FROM user_subscriptions s
JOIN LATERAL (
    SELECT amount, currency FROM payments
    WHERE user_id = s.user_id AND status = 'paid' ORDER BY created_at DESC LIMIT 1
) p ON TRUE
WHERE s.status = 'active' AND s.expires_at > now()
GROUP BY p.currency;

-- Churn over the last 30 days: subscriptions that ended in the window, against those that had
-- access at its start.
CREATE VIEW churn_30d AS
SELECT count(*) FILTER (WHERE status <> 'active' AND expires_at > now() - INTERVAL '30 days'
                          AND expires_at <= now()) AS ended,
       count(*) FILTER (WHERE started_at <= now() - INTERVAL '30 days'
                          AND expires_at > now() - INTERVAL '30 days') AS at_start
FROM user_subscriptions;

-- Conversion per day: invoices shown, and how many were paid.
CREATE VIEW conversion_daily AS
SELECT (created_at AT TIME ZONE 'UTC')::DATE AS day, count(*) AS invoices, count(paid_at) AS paid
FROM invoices GROUP BY 1;
