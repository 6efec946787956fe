from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from .models import Appointment, AppointmentType
from .permissions import can_change_appointment


class AppointmentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppointmentType
        fields = ["id", "name", "duration_minutes", "price", "colour", "active"]


class AppointmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appointment
        fields = ["id", "patient", "clinician", "clinic", "appointment_type", "starts_at",
                  "ends_at", "status", "reason", "notes", "cancellation_reason", "is_paid",
                  "created_by", "created_at", "updated_at"]
        read_only_fields = ["id", "is_paid", "created_by", "created_at", "updated_at"]

    def validate(self, attrs):
        starts = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts and ends and ends <= starts:
            raise serializers.ValidationError({"ends_at": ["The end must be after the start."]})
        return attrs


class AppointmentTypeViewSet(viewsets.ModelViewSet):
    queryset = AppointmentType.objects.all()
    serializer_class = AppointmentTypeSerializer
    filterset_fields = ["active"]
    search_fields = ["name"]


class AppointmentViewSet(viewsets.ModelViewSet):
    queryset = Appointment.objects.select_related(
        "patient", "clinician__user", "clinic", "appointment_type"
    )
    serializer_class = AppointmentSerializer
    filterset_fields = {
        "clinic": ["exact"], "clinician": ["exact"], "patient": ["exact"], "status": ["exact"],
        "starts_at": ["gte", "lt"],
    }
    ordering_fields = ["starts_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]  # cancel, not delete

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    def perform_update(self, serializer):
        if not can_change_appointment(self.request.user, serializer.instance):
            raise PermissionDenied("Clinicians can change only their own appointments.")
        serializer.save()
