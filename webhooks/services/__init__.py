"""Webhooks' writes: subscriptions (endpoints), fan-out from the relay, delivery and replay."""
