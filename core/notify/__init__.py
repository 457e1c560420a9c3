"""Notifications: tell the people who must act, through Slack, Microsoft Teams, PagerDuty, e-mail and webhooks.

``notice`` turns an incident and its report view into what a message says (one ``Notice``, whatever the channel);
``config`` reads the channels and routes (``NOTIFICATIONS_FILE``, or the ``NOTIFY_WEBHOOK_URL`` shortcut);
``slack``, ``teams``, ``pagerduty``, ``email`` and ``webhook`` render a notice for their target and deliver it;
``retry`` is the retry policy; ``sender`` is the thread that delivers the durable outbox (``core.store.outbox``);
``notifier`` decides which incident events become which messages and wires the rest for the runtime.
"""
