"""Notes over the API: the same rules as the pages (services and permissions), every read
audited. Reception gets a note's existence, author and status; content needs
clinical.view_note_content."""

from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import permissions, services
from .models import Addendum, Note


class AddendumSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()

    class Meta:
        model = Addendum
        fields = ["id", "author", "text", "created_at"]


class NoteSummarySerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()

    class Meta:
        model = Note
        fields = ["id", "patient", "appointment", "title", "author", "status", "occurred_at",
                  "signed_at"]


class NoteSerializer(NoteSummarySerializer):
    addenda = AddendumSerializer(many=True, read_only=True)
    answers = serializers.JSONField(
        help_text="{question key: value}; a per-foot question takes {'left': v, 'right': v}.")

    class Meta(NoteSummarySerializer.Meta):
        fields = [*NoteSummarySerializer.Meta.fields, "schema", "answers", "body_text",
                  "addenda"]
        read_only_fields = ["id", "patient", "appointment", "title", "author", "status",
                            "occurred_at", "signed_at", "schema", "body_text", "addenda"]


def _flatten(schema, answers: dict) -> dict:
    """The API's {key: {'left', 'right'}} into the form's key__left / key__right."""
    raw = {}
    per_foot = {q["key"] for s in schema for q in s.get("questions", []) if q.get("per_foot")}
    for key, value in (answers or {}).items():
        if key in per_foot and isinstance(value, dict):
            for foot, v in value.items():
                raw[f"{key}__{foot}"] = v
        else:
            raw[key] = value
    return raw


class NoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                  viewsets.GenericViewSet):
    """Treatment notes. PATCH `answers` saves a draft (the author only); POST .../sign/ signs;
    a signed note answers 409 to any change."""

    queryset = Note.objects.select_related("author", "patient").order_by("-occurred_at")
    filterset_fields = ["patient", "appointment", "status"]
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return permissions.scope_to_patients(super().get_queryset(), self.request.user)

    def get_serializer_class(self):
        if permissions.can_read_content(self.request.user):
            return NoteSerializer
        return NoteSummarySerializer

    def retrieve(self, request, *args, **kwargs):
        note = self.get_object()
        if permissions.can_read_content(request.user):
            services.record_note_read(request.user, note, "API")
        return Response(self.get_serializer(note).data)

    def partial_update(self, request, *args, **kwargs):
        note = self.get_object()
        note, errors = services.save_draft(
            note, actor=request.user,
            raw_answers=_flatten(note.schema, request.data.get("answers", {})))
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(NoteSerializer(note).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        note = services.sign_note(self.get_object(), actor=request.user)
        return Response(NoteSerializer(note).data)

    @action(detail=True, methods=["post"])
    def addenda(self, request, pk=None):
        addendum = services.add_addendum(self.get_object(), actor=request.user,
                                         text=request.data.get("text", ""))
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)
