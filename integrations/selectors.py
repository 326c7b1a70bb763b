from django.db.models import Q, QuerySet

from .models import ApiKey, Event


def event_list(*, client: ApiKey | None = None) -> QuerySet[Event]:
    """The events a reader may list: staff (`client` None) every one; an API client the
    public ones and the private ones it owns."""
    if client is None:
        return Event.objects.all()
    return Event.objects.filter(Q(private=False) | Q(private=True, owner_client=client))
