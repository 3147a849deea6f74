"""Demo resource sharing for the Benxi company (seeds 000 and 004), created idempotently.

Seed 000 tells of 20+ party activity rooms at remote stations "shared by both sides" and
of shared expert teams; seed 004 of 服务资源、攻坚资源 pooled across the networks. So the
demo company gets 20 venues at substations, 供电所 and training bases around Benxi (about
41.3°N 123.7°E), ten experts and lecturers, equipment and courses; a year of bookings in
2026 in every state, most of them by units other than the owner; needs and projects with
matches. The joint activities of the demo (``DM26-LJ…``) that met in their lead's room
are linked to a booking of it.

Deterministic (``random.Random(2026)``, the reference date 2026-11-21, never the clock)
and idempotent: resources, needs and projects are created by code when missing, bookings
only for resources that have none, matches only when absent.

By concern: :mod:`.data` (the records, one table row each), :mod:`.bookings` (resources
and bookings), :mod:`.lists` (needs, projects, matches, the inbox) and :mod:`.load`
(:func:`demo_sharing`, which runs them).
"""

from lianjian.sharing.demo.load import demo_sharing

__all__ = ["demo_sharing"]
