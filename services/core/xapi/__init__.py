"""Learning records out: the tenant's bookings, completions, knowledge sharing and cancellations as
xAPI 1.0.3 statements (see the README's "Learning records" section)."""

from services.core.xapi.export import statement_line, xapi_lines
from services.core.xapi.statements import LearningRecords
from services.core.xapi.vocabulary import InvalidHomepage, Namespace

__all__ = ["InvalidHomepage", "LearningRecords", "Namespace", "statement_line", "xapi_lines"]
