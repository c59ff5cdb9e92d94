"""What the goals app tells the layers above it.

`cycle_closing` is sent inside `services.cycle_close`'s transaction, with the cycle still as it
stood (state review, its goals with their statuses, nothing carried over yet), so that the
scoring can freeze the cycle's scores before the goals take their final statuses (after which
every initiative serving them would look misaligned). The scoring app connects its receiver
in its AppConfig; the goals app imports nothing of it.
"""

from django.dispatch import Signal

cycle_closing = Signal()  # sender=Cycle, cycle=<Cycle>, today=<date>
