"""Monitoring: metrics, daily/weekly/monthly reports, charts, the scheduler and the dashboard."""
