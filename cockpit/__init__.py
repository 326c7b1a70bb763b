"""The CS manager's cockpit: the risk-first admin (dashboard, customer 360, risk lists, work
queues, bulk actions). It composes what every domain computes, read through each domain's
public read API (`<app>.read`), and writes only through their services. No domain imports it."""
