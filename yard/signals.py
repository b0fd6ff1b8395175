"""Facts other apps may react to. Receivers run inside the mover's transaction: keep them short."""

from django.dispatch import Signal

# Sent with move=<YardMove> once a move is done: rail updates its wagon, customs notes arrival at inspection.
move_completed = Signal()
