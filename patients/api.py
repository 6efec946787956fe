from django.db import transaction
from rest_framework import serializers, viewsets

from audit.models import AuditEvent
from audit.services import record
from ncc.phones import to_e164, to_mobile_e164

from . import services
from .forms import PATIENT_FIELDS
from .identifiers import normalise_dva_file_number, normalise_medicare_number
from .models import Patient
from .permissions import scope_patients
from .queries import search_patients


class PatientSerializer(serializers.ModelSerializer):
    mobile = serializers.CharField(required=False, allow_blank=True, max_length=24,
                                   help_text="Any Australian format; stored as E.164.")
    medicare_number = serializers.CharField(
        required=False, allow_blank=True, max_length=16,
        help_text="10 digits, spaces allowed; the check digit is verified.")
    dva_file_number = serializers.CharField(required=False, allow_blank=True, max_length=12)
    emergency_contact_phone = serializers.CharField(required=False, allow_blank=True,
                                                    max_length=24)

    class Meta:
        model = Patient
        fields = ["id", "number", *PATIENT_FIELDS, "sms_opted_out_at", "archived",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "number", "sms_opted_out_at", "created_at", "updated_at"]

    def validate_mobile(self, value):
        return to_mobile_e164(value)

    def validate_medicare_number(self, value):
        return normalise_medicare_number(value)

    def validate_dva_file_number(self, value):
        return normalise_dva_file_number(value)

    def validate_emergency_contact_phone(self, value):
        return to_e164(value)

    def create(self, validated_data):
        return services.create_patient(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.update_patient(instance, actor=self.context["request"].user,
                                       **validated_data)


class PatientViewSet(viewsets.ModelViewSet):
    """Patients. `?q=` searches like the search box: name parts, mobile digits, email, DOB."""

    queryset = Patient.objects.select_related("home_clinic").order_by("last_name", "first_name")
    serializer_class = PatientSerializer
    filterset_fields = ["home_clinic", "archived", "date_of_birth"]
    ordering_fields = ["last_name", "first_name", "number", "date_of_birth", "created_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]  # archive, not delete

    def get_queryset(self):
        qs = scope_patients(super().get_queryset(), self.request.user)
        q = self.request.query_params.get("q", "").strip()
        return search_patients(q, qs) if q else qs

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        rows = response.data.get("results", []) if isinstance(response.data, dict) else []
        summary = f"Listed through the API ({request.get_full_path()[:200]})"
        AuditEvent.objects.bulk_create(  # every patient whose details left through the API
            AuditEvent(actor=request.user, action=AuditEvent.Action.VIEW,
                       object_type="patients.patient", object_id=str(row["id"]),
                       summary=summary) for row in rows)
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        record(request.user, AuditEvent.Action.VIEW, self.get_object(), "Viewed through the API")
        return response

    @transaction.atomic
    def perform_create(self, serializer):
        serializer.save()
