"""Facts other apps may react to. Receivers run inside the mover's transaction: keep them short."""

from django.dispatch import Signal

# Sent with move=<YardMove> once a move is done: rail updates its wagon, customs notes arrival at inspection.
move_completed = Signal()

# Sent with visit=<ContainerVisit>, actor=<User> when a container's stay opens: the dangerous-goods app
# records the declaration of the goods declared on arrival.
visit_opened = Signal()
