-- Finished webhook deliveries are pruned after `webhooks.delivery_retention`, oldest first.
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (completed_at);
