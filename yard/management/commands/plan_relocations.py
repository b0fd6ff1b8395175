"""Plans the relocations that empty one yard bay in retrieval order (see yard.relocation).

The bay is read from a file in the benchmark's .dat format: a line `stacks containers`, then one line per
stack, `height c1 c2 ... ch`, bottom to top; container k leaves k-th. Stacks are numbered from 1, as in the
file. The maximum stack height defaults to the tallest initial stack + 2, the standard setting for bays
filled to T tiers (two spare tiers).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yard.relocation import RelocationPlan, bay_read, relocations_plan


class Command(BaseCommand):
    help = "Plans the relocations that empty a bay (.dat file) in retrieval order, with as few moves as it can."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="bay in the .dat format: 'stacks containers', then 'height c1 .. ch'")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the plan as JSON")
        parser.add_argument("--max-height", type=int, help="highest allowed stack (default: tallest stack + 2)")
        parser.add_argument("--time-limit", type=float, default=0.5, help="search time in seconds (default 0.5)")

    def handle(self, *args, file: str, as_json: bool, max_height: int | None, time_limit: float, **options) -> None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(_("cannot read %(file)s: %(error)s") % {"file": file, "error": error}) from None
        try:
            stacks = bay_read(text)
            height = max_height if max_height is not None else max(map(len, stacks)) + 2
            plan = relocations_plan(stacks, max_height=height, time_limit=time_limit)
        except ValueError as error:
            raise CommandError(f"{file}: {error}") from None

        if as_json:
            self.stdout.write(_json_dumps(plan))
            return
        if plan.proven_optimal:
            summary = ngettext(
                "%(count)d relocation (proven optimal)", "%(count)d relocations (proven optimal)", plan.relocations
            )
        else:
            summary = ngettext(
                "%(count)d relocation (lower bound %(bound)d)",
                "%(count)d relocations (lower bound %(bound)d)",
                plan.relocations,
            )
        self.stdout.write(summary % {"count": plan.relocations, "bound": plan.lower_bound})
        for move in plan.moves:
            line = _("move %(container)s: stack %(from)d -> stack %(to)d")
            self.stdout.write(
                line % {"container": move.container, "from": move.from_stack + 1, "to": move.to_stack + 1}
            )


def _json_dumps(plan: RelocationPlan) -> str:
    moves = [{"container": m.container, "from": m.from_stack + 1, "to": m.to_stack + 1} for m in plan.moves]
    return json.dumps({"relocations": plan.relocations, "moves": moves})
