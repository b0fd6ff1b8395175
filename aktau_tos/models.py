from django.conf import settings
from django.db import models


class IdempotentRequest(models.Model):
    """The first successful answer to a POST carrying an Idempotency-Key, replayed to any retry.

    A row exists only for a request that succeeded: it is written in the same transaction as the
    request's own changes, so a failed request leaves no row and its retry is checked from scratch.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.UUIDField()
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and canonical JSON body.")
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(blank=True, help_text="The JSON answer as first sent (text keeps its key order).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="aktau_tos_idempotentrequest_one_per_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"
