"""智能分组 — the grouping engine (pure Python + NumPy + OR-Tools; no Django).

Contract: ``docs/grouping.md``. Entry points: :func:`lianjian.grouping.solve.solve`
(instance → result dict), :func:`lianjian.grouping.validate.load_instance` (JSON text →
:class:`~lianjian.grouping.model.Instance` or :class:`~lianjian.grouping.model.InstanceError`
with Chinese messages) and :func:`lianjian.grouping.score.evaluate` (recompute an objective).
"""
